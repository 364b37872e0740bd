//! Schema versions and migrations, tracked in `PRAGMA user_version`.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::StoreError;

/// Migrations in order; entry `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: files and a store-wide write counter.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
     INSERT INTO meta (key, value) VALUES ('generation', 0);
     CREATE TABLE files (
         path TEXT PRIMARY KEY,
         text TEXT NOT NULL,
         runs BLOB NOT NULL,
         generation INTEGER NOT NULL
     );
     CREATE INDEX files_generation ON files (generation);",
    // 2: earlier attribution states by (path, text), see history.rs.
    "CREATE TABLE history (
         path TEXT NOT NULL,
         hash INTEGER NOT NULL,
         text TEXT NOT NULL,
         runs BLOB NOT NULL,
         at INTEGER NOT NULL,
         PRIMARY KEY (path, hash)
     );",
    // 3: the unit naming each AI region, by the text's content hash (units.rs).
    "CREATE TABLE unit_names (
         text_hash TEXT NOT NULL,
         start INTEGER NOT NULL,
         end INTEGER NOT NULL,
         name TEXT,
         qualified TEXT,
         keyword TEXT,
         at INTEGER NOT NULL,
         PRIMARY KEY (text_hash, start, end)
     );
     CREATE INDEX unit_names_at ON unit_names (at);",
    // 4: attributions in `runs` may hold `reviews` (every reviewer) instead of
    // one `review`. Nothing to convert (old runs are still read), but a Vouch
    // that knows only `review` would drop the reviews it cannot see, so it
    // must refuse this store.
    "UPDATE meta SET value = value WHERE key = 'generation';",
    // 5: small changes to large files logged as edits after the file's row
    // (log.rs). A Vouch without the log would read such a file's text as it
    // was before the edits. `files` is rebuilt with its text last, so its
    // generation is read without reading the text (SQLite reads a column
    // through every overflow page before it).
    "CREATE TABLE files_v5 (
         path TEXT PRIMARY KEY,
         generation INTEGER NOT NULL,
         runs BLOB NOT NULL,
         text TEXT NOT NULL
     );
     INSERT INTO files_v5 (path, generation, runs, text)
         SELECT path, generation, runs, text FROM files;
     DROP TABLE files;
     ALTER TABLE files_v5 RENAME TO files;
     CREATE INDEX files_generation ON files (generation);
     CREATE TABLE edits (
         path TEXT NOT NULL,
         seq INTEGER NOT NULL,
         generation INTEGER NOT NULL,
         start INTEGER NOT NULL,
         removed INTEGER NOT NULL,
         runs BLOB NOT NULL,
         text TEXT NOT NULL,
         PRIMARY KEY (path, seq)
     );",
];

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Indexes and caches that change no data and that a Vouch without them
/// reads and writes correctly, so they need no new schema version (which would make
/// such a Vouch refuse the store): created where missing, each open.
///
/// `history_at`: a path's newest states in order without reading every
/// state's text (`at` is stored after it, so ordering by it without an
/// index read, and sorted, every earlier state in full: megabytes for a
/// large file, on every commit hook).
///
/// `state_summaries`: a cache of what remembered states hold as AI, by
/// their content (history.rs, [`crate::store::Store::history_unless`]).
/// Its keys hash a state's text and encoded runs, so a Vouch that rewrites
/// `history` without knowing the table cannot make an entry wrong.
const INDEXES: &str = "CREATE INDEX IF NOT EXISTS history_at ON history (path, at);
                       CREATE TABLE IF NOT EXISTS state_summaries (
                           key BLOB NOT NULL UNIQUE,
                           summary BLOB NOT NULL
                       );";

/// Refuses a store written by a newer Vouch, reading its version through a
/// read-only connection (no journal-mode switch, no files created), so such
/// a store is left untouched. A missing or empty file passes.
pub(crate) fn check_version_read_only(path: &Path) -> Result<(), StoreError> {
    if std::fs::metadata(path).map_or(true, |m| m.len() == 0) {
        return Ok(());
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(StoreError::sqlite(path))?;
    check_version(&conn, path)
}

/// Refuses a store written by a newer Vouch, reading its version on `conn`
/// before anything is written to it.
pub(crate) fn check_version(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let found: i64 = match conn.query_row("PRAGMA user_version", [], |r| r.get(0)) {
        Ok(v) => v,
        // Busy (another process is creating it) or not yet readable: the
        // migration decides, in its write transaction.
        Err(_) => return Ok(()),
    };
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let err = || StoreError::sqlite(path);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err())?;
    let found: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err())?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (from, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        tx.execute_batch(sql).map_err(err())?;
        tx.pragma_update(None, "user_version", from as i64 + 1)
            .map_err(err())?;
    }
    tx.execute_batch(INDEXES).map_err(err())?;
    tx.commit().map_err(err())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;
    use crate::store::Store;

    /// A store of schema 4 (before the edit log) opens, migrates, and
    /// reads and writes its records as before.
    #[test]
    fn a_store_before_the_edit_log_migrates() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        {
            let conn = Connection::open(&db).unwrap();
            for sql in &MIGRATIONS[..4] {
                conn.execute_batch(sql).unwrap();
            }
            conn.execute(
                "INSERT INTO files (path, text, runs, generation) VALUES ('a.rs', ?1, ?2, 1)",
                (
                    "fn a() {}\n",
                    r#"{"attrs":[{"origin":"human"}],"runs":[[10,0]]}"#.as_bytes(),
                ),
            )
            .unwrap();
            conn.pragma_update(None, "user_version", 4).unwrap();
        }
        let mut store = Store::open(&db).unwrap();
        let loaded = store.load("a.rs").unwrap().unwrap();
        assert_eq!(loaded.ledger.text(), "fn a() {}\n");
        assert_eq!(store.text_len("a.rs").unwrap(), Some(10));
        store.save("a.rs", &Ledger::new("fn b() {}\n")).unwrap();
        assert_eq!(
            store.load("a.rs").unwrap().unwrap().ledger.text(),
            "fn b() {}\n"
        );
        let version: i64 = Connection::open(&db)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }
}
