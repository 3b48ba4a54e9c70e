//! ARCHITECTURE.md's invariants that visibility and clippy cannot hold,
//! checked over the source itself.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("a source directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                out.push((path, text));
            }
        }
    }
    out
}

/// The code of a file without its `#[cfg(test)]` module (tests may set up
/// rows as they like).
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests")
        .map_or(text, |i| &text[..i])
}

#[test]
fn only_the_ledger_writes_stock() {
    let writes = [
        "stock_balance::ActiveModel",
        "stock_balance::Entity::insert",
        "stock_balance::Entity::update",
        "stock_balance::Entity::delete",
        "stock_movement::ActiveModel",
        "stock_movement::Entity::insert",
        "stock_movement::Entity::update",
        "stock_movement::Entity::delete",
        "stock_reservation::ActiveModel",
        "stock_reservation::Entity::insert",
        "stock_reservation::Entity::update",
        "stock_reservation::Entity::delete",
        "INTO stock_",
        "UPDATE stock_",
        "FROM stock_balance WHERE",
    ];
    let root = workspace();
    for (path, text) in sources(&root.join("backend/src"))
        .into_iter()
        .chain(sources(&root.join("graphql/src")))
        .chain(sources(&root.join("seed/src")))
    {
        let rel = path.strip_prefix(&root).unwrap_or(&path);
        // The ledger, and the entity definitions themselves.
        if rel.ends_with("backend/src/ledger.rs") || rel.starts_with("backend/src/entity") {
            continue;
        }
        for w in writes {
            assert!(
                !without_tests(&text).contains(w),
                "{} writes stock ({w}); only backend/src/ledger.rs may",
                rel.display()
            );
        }
    }
}

#[test]
fn every_write_transaction_is_the_runners_or_a_documented_exception() {
    // The runner; sign-in's own bookkeeping (before there is a user); the
    // seed's loader; the connection module that defines it.
    let allowed = [
        "backend/src/command.rs",
        "backend/src/auth/mod.rs",
        "backend/src/seeding.rs",
        "backend/src/db.rs",
    ];
    let root = workspace();
    for (path, text) in sources(&root.join("backend/src"))
        .into_iter()
        .chain(sources(&root.join("graphql/src")))
        .chain(sources(&root.join("seed/src")))
    {
        let rel = path.strip_prefix(&root).unwrap_or(&path);
        if allowed.iter().any(|a| rel.ends_with(a)) || rel.starts_with("backend/src/testkit") {
            continue;
        }
        assert!(
            !without_tests(&text).contains("begin_write("),
            "{} opens a write transaction; mutations go through Backend::run",
            rel.display()
        );
    }
}

#[test]
fn resolvers_hold_no_rules() {
    // Authorisation and transactions are the backend's: the API layer never
    // asks the policy or opens a transaction itself.
    let root = workspace();
    for (path, text) in sources(&root.join("graphql/src")) {
        let rel = path.strip_prefix(&root).unwrap_or(&path);
        for needle in ["authz::authorize", "Action::", "begin_write", "ledger::"] {
            assert!(
                !text.contains(needle),
                "{} uses {needle}: rules live in backend services",
                rel.display()
            );
        }
    }
}

#[test]
fn labels_does_no_io() {
    let root = workspace();
    let manifest =
        std::fs::read_to_string(root.join("labels/Cargo.toml")).expect("labels' manifest");
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .map(|rest| rest.split("\n[").next().unwrap_or(""))
        .unwrap_or("");
    for crate_name in ["tokio", "sea-orm", "reqwest", "axum", "yaolian-backend"] {
        assert!(
            !deps.contains(crate_name),
            "labels depends on {crate_name}; it must stay pure"
        );
    }
    for (path, text) in sources(&root.join("labels/src")) {
        let rel = path.strip_prefix(&root).unwrap_or(&path);
        if rel.ends_with("ai_table_gen.rs") {
            // Its test rewrites the generated table on request.
            continue;
        }
        for needle in ["std::fs", "std::net", "std::process", "File::"] {
            assert!(
                !without_tests(&text).contains(needle),
                "{} does I/O ({needle}); labels is pure",
                rel.display()
            );
        }
    }
}
