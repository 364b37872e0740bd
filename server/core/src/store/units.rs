//! A cache of the unit (function, method, class) naming each AI region, by
//! the content hash of the file's text and the region's byte range, so
//! `vouch status` parses only files whose text it has not named before.
//!
//! A cache only: losing it costs a parse. Writes never wait for another
//! process (a busy store skips them) and keep at most [`KEEP`] rows.

use std::ops::Range;
use std::time::Duration;

use rusqlite::params;

use super::{BUSY_TIMEOUT, Store, StoreError};

/// Rows kept; the oldest go first.
pub(crate) const KEEP: i64 = 50_000;

/// The unit naming a region: bare name, qualified name, kind keyword.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitName {
    pub name: String,
    pub qualified: String,
    pub keyword: String,
}

/// A region of a text and its unit (`None`: outside any unit).
pub type Named = (Range<usize>, Option<UnitName>);

/// The cache key of a text in language `language` (its id): the language
/// and Vouch's version are part of it (a new release may name units
/// differently), then the text's content hash.
pub fn text_key(language: &str, text: &str) -> String {
    format!(
        "{language}:{}:{}",
        env!("CARGO_PKG_VERSION"),
        crate::git::sha1_blob_id(text.as_bytes())
    )
}

impl Store {
    /// Every cached naming for the text with content hash `text_hash`.
    pub fn unit_names(&self, text_hash: &str) -> Result<Vec<Named>, StoreError> {
        let err = || StoreError::sqlite(&self.path);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT start, end, name, qualified, keyword FROM unit_names WHERE text_hash = ?1",
            )
            .map_err(err())?;
        let rows = stmt
            .query_map([text_hash], |r| {
                let start: i64 = r.get(0)?;
                let end: i64 = r.get(1)?;
                let name: Option<String> = r.get(2)?;
                let qualified: Option<String> = r.get(3)?;
                let keyword: Option<String> = r.get(4)?;
                Ok((start, end, name, qualified, keyword))
            })
            .map_err(err())?;
        let mut out = Vec::new();
        for row in rows {
            let (start, end, name, qualified, keyword) = row.map_err(err())?;
            let (Ok(start), Ok(end)) = (usize::try_from(start), usize::try_from(end)) else {
                continue;
            };
            let unit = match (name, qualified, keyword) {
                (Some(name), Some(qualified), Some(keyword)) => Some(UnitName {
                    name,
                    qualified,
                    keyword,
                }),
                _ => None,
            };
            out.push((start..end, unit));
        }
        Ok(out)
    }

    /// Caches namings, `(text hash, region, unit)`, in one transaction.
    /// Returns `false` without waiting when another process holds the store.
    pub fn cache_unit_names(&mut self, names: &[(String, Named)]) -> Result<bool, StoreError> {
        if names.is_empty() {
            return Ok(true);
        }
        if self.deferred {
            return Ok(false); // no store file: a cache is no reason to create one
        }
        let db = self.path.clone();
        let err = || StoreError::sqlite(&db);
        self.conn.busy_timeout(Duration::ZERO).map_err(err())?;
        let result = self.write_unit_names(names);
        self.conn.busy_timeout(BUSY_TIMEOUT).map_err(err())?;
        match result {
            Err(e) if e.is_busy() => Ok(false),
            other => other.map(|()| true),
        }
    }

    fn write_unit_names(&mut self, names: &[(String, Named)]) -> Result<(), StoreError> {
        let db = self.path.clone();
        let err = || StoreError::sqlite(&db);
        let at = crate::ledger::now_millis();
        let tx = super::write_transaction(&mut self.conn, &db)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO unit_names (text_hash, start, end, name, qualified, keyword, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(text_hash, start, end) DO UPDATE SET
                       name = ?4, qualified = ?5, keyword = ?6, at = ?7",
                )
                .map_err(err())?;
            for (hash, (range, unit)) in names {
                let (Ok(start), Ok(end)) = (i64::try_from(range.start), i64::try_from(range.end))
                else {
                    continue;
                };
                insert
                    .execute(params![
                        hash,
                        start,
                        end,
                        unit.as_ref().map(|u| &u.name),
                        unit.as_ref().map(|u| &u.qualified),
                        unit.as_ref().map(|u| &u.keyword),
                        at
                    ])
                    .map_err(err())?;
            }
        }
        tx.execute(
            "DELETE FROM unit_names WHERE rowid IN (SELECT rowid FROM unit_names ORDER BY at
             LIMIT max(0, (SELECT COUNT(*) FROM unit_names) - ?1))",
            [KEEP],
        )
        .map_err(err())?;
        tx.commit().map_err(err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_names_and_none_by_hash_and_range() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        assert!(store.unit_names("h1").unwrap().is_empty());
        let total = UnitName {
            name: "total".into(),
            qualified: "Cart::total".into(),
            keyword: "fn".into(),
        };
        let names = vec![
            ("h1".to_owned(), (3..9, Some(total.clone()))),
            ("h1".to_owned(), (20..25, None)),
            ("h2".to_owned(), (3..9, None)),
        ];
        assert!(store.cache_unit_names(&names).unwrap());
        let mut got = store.unit_names("h1").unwrap();
        got.sort_by_key(|(r, _)| r.start);
        assert_eq!(got, vec![(3..9, Some(total)), (20..25, None)]);
        assert_eq!(store.unit_names("h2").unwrap(), vec![(3..9, None)]);
    }
}
