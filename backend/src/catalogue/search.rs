//! Catalogue search the way Chinese users search: Chinese names by
//! substring, pinyin initials (`amxl` finds 阿莫西林) and full pinyin, English
//! names, and codes (item code, NHSA code, GTIN). Ranked: an exact code
//! first, then a prefix of anything, then a substring.
//!
//! Each server instance keeps an in-memory index per community, stamped
//! with the community's catalogue version. Every search reads the version
//! (one primary-key read) and rebuilds the index only when a change was
//! committed since, by this instance or another.

use super::{ItemView, item_views};
use crate::Backend;
use crate::authz::Caller;
use crate::entity::enums::ItemKind;
use crate::entity::{community, item, item_gtin};
use crate::error::{Error, Result};
use crate::page::{Page, PageRequest};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use uuid::Uuid;

#[derive(Debug)]
struct Entry {
    id: Uuid,
    kind: ItemKind,
    /// Sort key within a rank: the name's pinyin (the order Chinese readers
    /// expect), then the code.
    order: (String, String),
    /// Exact-match keys: item code, NHSA code, GTINs (lower-case).
    codes: Vec<String>,
    /// Prefix and substring keys (codes, names, pinyin) as one string,
    /// `|`-delimited on both ends, so a query is one substring search for
    /// "prefix of some word" (`|q`) and one for "anywhere" (`q`).
    haystack: String,
}

#[derive(Debug)]
struct Index {
    version: i64,
    entries: Vec<Entry>,
}

/// The per-instance cache of search indexes, one per community.
#[derive(Debug, Default)]
pub struct SearchCache {
    indexes: RwLock<HashMap<Uuid, Arc<Index>>>,
}

/// One query, prepared once and matched against every entry.
struct Query<'q> {
    text: &'q str,
    gtin14: Option<&'q str>,
    anywhere: memchr::memmem::Finder<'q>,
    word_start: memchr::memmem::Finder<'q>,
}

impl<'q> Query<'q> {
    fn new(text: &'q str, word_start: &'q str, gtin14: Option<&'q str>) -> Self {
        Query {
            text,
            gtin14,
            anywhere: memchr::memmem::Finder::new(text.as_bytes()),
            word_start: memchr::memmem::Finder::new(word_start.as_bytes()),
        }
    }

    /// How well an entry matches; lower is better.
    fn rank(&self, entry: &Entry) -> Option<u8> {
        if entry
            .codes
            .iter()
            .any(|c| c == self.text || Some(c.as_str()) == self.gtin14)
        {
            return Some(0);
        }
        let hay = entry.haystack.as_bytes();
        if self.word_start.find(hay).is_some() {
            return Some(1);
        }
        if self.anywhere.find(hay).is_some() {
            return Some(2);
        }
        None
    }
}

/// A search as the index compares it: trimmed, lower-case, bounded; blank
/// is no search.
fn normalise_query(search: Option<&str>) -> Result<Option<String>> {
    let query = search
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    if query.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(Error::validation(
            "search",
            "must be at most 100 characters",
            "搜索词最多 100 个字符",
        ));
    }
    Ok(query)
}

fn haystack(search_text: &str) -> String {
    let words: Vec<&str> = search_text.split('|').filter(|w| !w.is_empty()).collect();
    format!("|{}|", words.join("|"))
}

impl Backend {
    async fn search_index(&self, community_id: Uuid) -> Result<Arc<Index>> {
        let conn = self.db.conn();
        let version = community::Entity::find_by_id(community_id)
            .one(conn)
            .await?
            .map(|c| c.catalogue_version)
            .unwrap_or(0);
        if let Ok(guard) = self.search.indexes.read()
            && let Some(index) = guard.get(&community_id)
            && index.version == version
        {
            return Ok(index.clone());
        }
        let rows: Vec<(Uuid, ItemKind, String, String, String, Option<String>)> =
            item::Entity::find()
                .select_only()
                .column(item::Column::Id)
                .column(item::Column::Kind)
                .column(item::Column::Code)
                .column(item::Column::GenericName)
                .column(item::Column::SearchText)
                .column(item::Column::NhsaCode)
                .filter(item::Column::CommunityId.eq(community_id))
                .into_tuple()
                .all(conn)
                .await?;
        let mut gtins: HashMap<Uuid, Vec<String>> = HashMap::new();
        let pairs: Vec<(Uuid, String)> = item_gtin::Entity::find()
            .select_only()
            .column(item_gtin::Column::ItemId)
            .column(item_gtin::Column::Gtin)
            .filter(item_gtin::Column::CommunityId.eq(community_id))
            .into_tuple()
            .all(conn)
            .await?;
        for (id, g) in pairs {
            gtins.entry(id).or_default().push(g);
        }
        let entries = rows
            .into_iter()
            .map(|(id, kind, code, generic_name, search_text, nhsa)| {
                let mut codes = vec![code.to_lowercase()];
                codes.extend(nhsa.map(|n| n.to_lowercase()));
                codes.extend(gtins.remove(&id).unwrap_or_default());
                Entry {
                    id,
                    kind,
                    order: (super::draft::pinyin_of(&generic_name).0, code),
                    codes,
                    haystack: haystack(&search_text),
                }
            })
            .collect();
        let index = Arc::new(Index { version, entries });
        if let Ok(mut guard) = self.search.indexes.write() {
            guard.insert(community_id, index.clone());
        }
        Ok(index)
    }

    /// The ids of every item of the community that matches `search`, best
    /// first (the ranking of [`Backend::search_items`]), for screens that
    /// filter something else by item: stock, availability. `None` for a
    /// blank search (no filter).
    pub(crate) async fn matching_item_ids(
        &self,
        community_id: Uuid,
        search: Option<&str>,
    ) -> Result<Option<Vec<Uuid>>> {
        let Some(query) = normalise_query(search)? else {
            return Ok(None);
        };
        let gtin14 = yaolian_labels::gtin::normalize_to_gtin14(&query);
        let word_start = format!("|{query}");
        let matcher = Query::new(&query, &word_start, gtin14.as_deref());
        let index = self.search_index(community_id).await?;
        let mut hits: Vec<(u8, &Entry)> = index
            .entries
            .iter()
            .filter_map(|e| matcher.rank(e).map(|r| (r, e)))
            .collect();
        hits.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.order.cmp(&b.1.order)));
        Ok(Some(hits.into_iter().map(|(_, e)| e.id).collect()))
    }

    /// Searches the caller's catalogue. Without `search`, lists every item
    /// by name.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %caller.user_id))]
    pub async fn search_items(
        &self,
        caller: &Caller,
        search: Option<&str>,
        kind: Option<ItemKind>,
        page: PageRequest,
    ) -> Result<Page<ItemView>> {
        crate::authz::authorize(
            caller,
            crate::authz::Action::ReadCatalogue,
            crate::authz::Scope::Community(caller.community_id),
        )?;
        let limit = page.limit()? as usize;
        let offset: usize = match page.after_key()? {
            Some(k) => k.parse().map_err(|_| crate::page::bad_cursor())?,
            None => 0,
        };
        let query = normalise_query(search)?;
        let gtin14 = query
            .as_deref()
            .and_then(yaolian_labels::gtin::normalize_to_gtin14);
        let index = self.search_index(caller.community_id).await?;
        let word_start = query.as_deref().map(|q| format!("|{q}"));
        let matcher = query
            .as_deref()
            .zip(word_start.as_deref())
            .map(|(q, w)| Query::new(q, w, gtin14.as_deref()));
        let mut hits: Vec<(u8, &Entry)> = index
            .entries
            .iter()
            .filter(|e| kind.is_none_or(|k| e.kind == k))
            .filter_map(|e| match &matcher {
                None => Some((1, e)),
                Some(m) => m.rank(e).map(|r| (r, e)),
            })
            .collect();
        let order = |a: &(u8, &Entry), b: &(u8, &Entry)| {
            a.0.cmp(&b.0).then_with(|| a.1.order.cmp(&b.1.order))
        };
        // Only the requested page needs ordering: partition around its end,
        // then sort what comes before (a short query like 片 hits most of
        // the catalogue).
        let wanted = offset
            .checked_add(limit)
            .ok_or_else(crate::page::bad_cursor)?;
        let has_next_page = hits.len() > wanted;
        if has_next_page {
            hits.select_nth_unstable_by(wanted, order);
            hits.truncate(wanted);
        }
        hits.sort_unstable_by(order);
        let page_ids: Vec<Uuid> = hits
            .iter()
            .skip(offset)
            .take(limit)
            .map(|(_, e)| e.id)
            .collect();
        let items = self.items_by_ids(caller, &page_ids).await?;
        let mut views: HashMap<Uuid, ItemView> = item_views(self.db.conn(), items)
            .await?
            .into_iter()
            .map(|v| (v.item.id, v))
            .collect();
        let edges = page_ids
            .iter()
            .enumerate()
            .filter_map(|(i, id)| {
                views
                    .remove(id)
                    .map(|v| (crate::page::encode(&(offset + i + 1).to_string()), v))
            })
            .collect();
        Ok(Page {
            edges,
            has_next_page,
            has_previous_page: offset > 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str, words: &str) -> Entry {
        Entry {
            id: Uuid::now_v7(),
            kind: ItemKind::Drug,
            order: (String::new(), code.into()),
            codes: vec![code.to_lowercase()],
            haystack: haystack(words),
        }
    }

    fn rank(e: &Entry, q: &str) -> Option<u8> {
        let w = format!("|{q}");
        Query::new(q, &w, None).rank(e)
    }

    #[test]
    fn exact_code_beats_prefix_beats_substring() {
        let e = entry(
            "YP0001",
            "yp0001|阿莫西林胶囊|amoxilinjiaonang|amxljn|amoxicillin capsules",
        );
        assert_eq!(rank(&e, "yp0001"), Some(0));
        assert_eq!(rank(&e, "yp00"), Some(1));
        assert_eq!(rank(&e, "amxl"), Some(1));
        assert_eq!(rank(&e, "阿莫"), Some(1));
        assert_eq!(rank(&e, "西林"), Some(2));
        assert_eq!(rank(&e, "capsules"), Some(2));
        assert_eq!(rank(&e, "头孢"), None);
        // Word boundaries do not leak: the end of one word and the start of
        // the next is not a match.
        assert_eq!(rank(&e, "nang|am"), Some(2));
        assert_eq!(rank(&e, "jnamox"), None);
    }
}
