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
];

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Indexes that change no data and that a Vouch without them reads and
/// writes correctly, so they need no new schema version (which would make
/// such a Vouch refuse the store): created where missing, each open.
///
/// `history_at`: a path's newest states in order without reading every
/// state's text (`at` is stored after it, so ordering by it without an
/// index read, and sorted, every earlier state in full: megabytes for a
/// large file, on every commit hook).
const INDEXES: &str = "CREATE INDEX IF NOT EXISTS history_at ON history (path, at);";

/// Refuses a store written by a newer Vouch, reading its version through a
/// read-only connection (no journal-mode switch, no files created), so such
/// a store is left untouched. A missing or empty file passes.
pub(crate) fn check_version_read_only(path: &Path) -> Result<(), StoreError> {
    if std::fs::metadata(path).map_or(true, |m| m.len() == 0) {
        return Ok(());
    }
    let err = || StoreError::sqlite(path);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err())?;
    let found: i64 = match conn.query_row("PRAGMA user_version", [], |r| r.get(0)) {
        Ok(v) => v,
        // Busy (another process is creating it) or not yet readable: the
        // regular open decides.
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
