//! Keyset pagination for Relay connections. The backend owns the cursors,
//! because only the query knows its sort key; the API only passes them on.

use crate::error::{Error, Result};
use base64::Engine;

pub const DEFAULT_PAGE_SIZE: u64 = 50;
pub const MAX_PAGE_SIZE: u64 = 200;

#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub first: Option<i32>,
    pub after: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    /// Each node with the cursor that points just after it.
    pub edges: Vec<(String, T)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

impl PageRequest {
    pub fn limit(&self) -> Result<u64> {
        match self.first {
            None => Ok(DEFAULT_PAGE_SIZE),
            Some(n) if n < 0 => Err(Error::validation(
                "first",
                "must not be negative",
                "不能为负数",
            )),
            Some(n) if n as u64 > MAX_PAGE_SIZE => Err(Error::validation(
                "first",
                format!("must be at most {MAX_PAGE_SIZE}"),
                format!("最多 {MAX_PAGE_SIZE}"),
            )),
            Some(n) => Ok(n as u64),
        }
    }

    /// The decoded `after` key, if any.
    pub fn after_key(&self) -> Result<Option<String>> {
        self.after.as_deref().map(decode).transpose()
    }
}

pub fn encode(key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes())
}

fn decode(cursor: &str) -> Result<String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(bad_cursor)
}

/// An `after` this list did not hand out.
pub(crate) fn bad_cursor() -> Error {
    Error::validation(
        "after",
        "is not a cursor from this list",
        "分页游标无效，请从第一页重新加载",
    )
}

/// Builds a page from `limit + 1` fetched rows: the extra row only says
/// whether there is a next page.
pub fn build<T>(
    mut rows: Vec<T>,
    limit: u64,
    had_cursor: bool,
    key: impl Fn(&T) -> String,
) -> Page<T> {
    let has_next_page = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Page {
        edges: rows.into_iter().map(|r| (encode(&key(&r)), r)).collect(),
        has_next_page,
        has_previous_page: had_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_is_bounded() {
        let req = |first| PageRequest { first, after: None };
        assert_eq!(req(None).limit().unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(req(Some(0)).limit().unwrap(), 0);
        assert!(req(Some(-1)).limit().is_err());
        assert!(req(Some(201)).limit().is_err());
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let req = PageRequest {
            first: None,
            after: Some(encode("2027-01-31|abc")),
        };
        assert_eq!(req.after_key().unwrap().as_deref(), Some("2027-01-31|abc"));
        let bad = PageRequest {
            first: None,
            after: Some("***".into()),
        };
        assert!(bad.after_key().is_err());
    }

    #[test]
    fn build_reports_next_page_from_the_extra_row() {
        let page = build(vec![1, 2, 3], 2, false, |n| n.to_string());
        assert!(page.has_next_page);
        assert_eq!(page.edges.len(), 2);
        assert_eq!(page.edges[1].0, encode("2"));
        let last = build(vec![1, 2], 2, true, |n| n.to_string());
        assert!(!last.has_next_page);
        assert!(last.has_previous_page);
    }
}
