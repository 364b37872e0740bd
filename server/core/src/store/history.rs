//! Earlier states of a file's attribution, keyed by path and text, so that
//! attribution comes back when the text does (switching branches and back
//! while an editor or the CLI rewrote the store in between).
//!
//! Only states holding AI text are kept: at least the newest [`KEEP`] per
//! path, at most twice as many.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, codec};
use crate::ledger::Ledger;

/// States kept per path.
pub(crate) const KEEP: i64 = 16;

/// [`Store::newest_states`]' query (see there why it reads so).
const NEWEST_STATES: &str = "SELECT text, runs FROM history WHERE path = CAST(?1 AS TEXT)
                               AND octet_length(text) <= ?2
                             ORDER BY at DESC, rowid DESC";

/// FNV-1a, 64 bits: stable across builds (stores keep it), unlike std's hasher.
fn text_hash(text: &str) -> i64 {
    use std::hash::Hasher;
    let mut h = fnv::FnvHasher::default();
    h.write(text.as_bytes());
    i64::from_ne_bytes(h.finish().to_ne_bytes())
}

/// [`Store::remember`] on a connection (or inside a transaction).
pub(super) fn remember_in(
    conn: &rusqlite::Connection,
    db: &std::path::Path,
    path: &str,
    ledger: &Ledger,
) -> Result<(), StoreError> {
    if ledger.regions().is_empty() {
        return Ok(());
    }
    let snapshot = ledger.snapshot();
    let runs = codec::encode(&snapshot).map_err(|e| StoreError::Corrupt {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    remember_raw_in(conn, db, path, &snapshot.text, &runs)
}

/// [`remember_in`] of a state as stored (`text`, encoded `runs`), which
/// the caller has found to hold AI text.
pub(super) fn remember_raw_in(
    conn: &rusqlite::Connection,
    db: &std::path::Path,
    path: &str,
    text: &str,
    runs: &[u8],
) -> Result<(), StoreError> {
    let err = StoreError::sqlite(db);
    let at = crate::ledger::now_millis();
    // Cached statements: a branch switch remembers hundreds of files.
    conn.prepare_cached(
        "INSERT INTO history (path, hash, text, runs, at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(path, hash) DO UPDATE SET text = ?3, runs = ?4, at = ?5",
    )
    .and_then(|mut s| s.execute(params![path, text_hash(text), text, runs, at]))
    .map_err(StoreError::sqlite(db))?;
    // Counting reads only the primary key's index; ordering by `at` reads
    // every row, text and all (`at` is stored after it), so the oldest
    // states go in one pass once twice as many as kept have gathered.
    let count: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM history WHERE path = ?1")
        .and_then(|mut s| s.query_row(params![path], |r| r.get(0)))
        .map_err(StoreError::sqlite(db))?;
    if count > 2 * KEEP {
        conn.prepare_cached(
            "DELETE FROM history WHERE path = ?1 AND hash NOT IN
             (SELECT hash FROM history WHERE path = ?1 ORDER BY at DESC, rowid DESC LIMIT ?2)",
        )
        .and_then(|mut s| s.execute(params![path, KEEP]))
        .map_err(err)?;
    }
    Ok(())
}

impl Store {
    /// Remembers `ledger` as the attribution `path` had when its text was
    /// `ledger.text()`. A ledger without AI text is not kept. (Writers use
    /// [`Store::save_all`], one transaction for many files.)
    #[cfg(test)]
    pub(crate) fn remember(&mut self, path: &str, ledger: &Ledger) -> Result<(), StoreError> {
        if ledger.regions().is_empty() {
            return Ok(());
        }
        self.attach(true)?;
        remember_in(&self.conn, &self.path, path, ledger)
    }

    /// Every remembered state of `path`, newest first (at most 2 × [`KEEP`]).
    #[cfg(test)]
    pub(crate) fn history(&self, path: &str) -> Result<Vec<Ledger>, StoreError> {
        self.newest_states(path, usize::MAX, usize::MAX)
    }

    /// The newest `limit` remembered states of `path` of at most
    /// `max_bytes` of text, newest first; older and larger ones are not
    /// read (the `history_at` index orders them, and a text's size is in
    /// its row's header).
    pub(crate) fn newest_states(
        &self,
        path: &str,
        limit: usize,
        max_bytes: usize,
    ) -> Result<Vec<Ledger>, StoreError> {
        self.newest_states_where(path, limit, max_bytes, |_| true, None)
    }

    /// Every remembered state of `path` whose text `keep` accepts, newest
    /// first, except those whose [`Summary`] `skip` accepts: the others
    /// are not decoded. `summarise` sums a decoded state up; what it said
    /// is kept by content (the `state_summaries` table, keyed by a hash of
    /// `kind`, this Vouch's version, the state's text and its encoded runs)
    /// with the next write of this store, so a later process skips the
    /// state without decoding it. A command that only reads writes nothing:
    /// it decodes and summarises again. `summarise` must depend on the
    /// state alone; `kind` names what it says (one `kind` per summing
    /// function, changed whenever what it says changes).
    pub(crate) fn history_unless(
        &self,
        path: &str,
        keep: impl Fn(&str) -> bool,
        kind: &str,
        summarise: impl Fn(&Ledger) -> Summary,
        skip: impl Fn(&Summary) -> bool,
    ) -> Result<Vec<Ledger>, StoreError> {
        self.newest_states_where(
            path,
            usize::MAX,
            usize::MAX,
            keep,
            Some((kind, &summarise, &skip)),
        )
    }

    fn newest_states_where(
        &self,
        path: &str,
        limit: usize,
        max_bytes: usize,
        keep: impl Fn(&str) -> bool,
        summaries: Option<Summing<'_>>,
    ) -> Result<Vec<Ledger>, StoreError> {
        let err = || StoreError::sqlite(&self.path);
        // SQLite prepares a statement again whenever a value bound where
        // its query planner looks at values changes: a LIMIT, and (with
        // STAT4, as rusqlite builds it) a column compared for an index that
        // also gives the order. So no `LIMIT ?` (rows are read one at a
        // time: stopping after `limit` reads no more of them) and the path
        // as `CAST(?1 AS TEXT)` (the same plan, through `history_at`);
        // preparing it again took about 4% of the commit gate's CPU.
        let mut stmt = self.conn.prepare_cached(NEWEST_STATES).map_err(err())?;
        let max_bytes = i64::try_from(max_bytes).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![path, max_bytes], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(err())?;
        let mut out = Vec::new();
        for row in rows.take(limit) {
            let (text, runs) = row.map_err(err())?;
            // The summary first: looking it up costs less than `keep`.
            let key = summaries.map(|(kind, ..)| summary_key(kind, &text, &runs));
            let known = match &key {
                Some(key) => self.summary(key)?,
                None => None,
            };
            if let (Some((_, _, skip)), Some(summary)) = (summaries, &known)
                && skip(summary)
            {
                continue;
            }
            if !keep(&text) {
                continue;
            }
            // A damaged state is skipped: it only ever adds knowledge.
            let Ok(ledger) = super::decode_record(path, text, &runs) else {
                continue;
            };
            if let (Some((_, summarise, skip)), Some(key), None) = (summaries, key, known) {
                let summary = summarise(&ledger);
                self.learn_summary(key, summary);
                if skip(&summary) {
                    continue;
                }
            }
            out.push(ledger);
        }
        Ok(out)
    }

    /// The summary kept of the state whose key is `key`: learned by this
    /// process, else from the `state_summaries` table.
    fn summary(&self, key: &Summary) -> Result<Option<Summary>, StoreError> {
        if let Some(s) = self.learned.borrow().get(key) {
            return Ok(Some(*s));
        }
        let found: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT summary FROM state_summaries WHERE key = ?1")
            .and_then(|mut s| s.query_row([&key[..]], |r| r.get(0)).optional())
            .map_err(StoreError::sqlite(&self.path))?;
        // An entry of another length (not written by this code) is ignored.
        Ok(found.and_then(|s| Summary::try_from(s.as_slice()).ok()))
    }

    /// How many summaries the `state_summaries` table holds.
    #[cfg(test)]
    pub(crate) fn summaries_kept(&self) -> i64 {
        self.conn
            .query_row("SELECT COUNT(*) FROM state_summaries", [], |r| r.get(0))
            .unwrap_or(-1)
    }

    /// Keeps `summary` of the state whose key is `key` until this store's
    /// next write ([`keep_learned`]).
    fn learn_summary(&self, key: Summary, summary: Summary) {
        let mut learned = self.learned.borrow_mut();
        if learned.len() < MAX_LEARNED {
            learned.insert(key, summary);
        }
    }

    /// The encoded runs remembered of `path` when its text was exactly
    /// `text`, not decoded (see [`super::Move`]). States a record's log
    /// passed through are not looked at: ask for a record
    /// [`Store::load_raw`] read, which has none.
    pub(crate) fn recall_raw(&self, path: &str, text: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row: Option<(String, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT text, runs FROM history WHERE path = ?1 AND hash = ?2")
            .and_then(|mut s| {
                s.query_row(params![path, text_hash(text)], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
            })
            .map_err(StoreError::sqlite(&self.path))?;
        Ok(row
            .filter(|(stored, _)| stored == text)
            .map(|(_, runs)| runs))
    }

    /// The remembered attribution of `path` when its text was exactly `text`.
    /// The states a large file's log passed through come first: they are
    /// newer than any folded into the history.
    pub fn recall(&self, path: &str, text: &str) -> Result<Option<Ledger>, StoreError> {
        if let Some(state) = super::log::recall(&self.conn, &self.path, path, text)? {
            return Ok(Some(state));
        }
        let Some(runs) = self.recall_raw(path, text)? else {
            return Ok(None);
        };
        super::decode_record(path, text.to_owned(), &runs).map(Some)
    }
}

/// What a reader of remembered states sums each one up as
/// ([`Store::history_unless`]): a SHA-256 digest.
pub(crate) type Summary = [u8; 32];

/// How [`Store::history_unless`] sums a state up (the kind of summary, the
/// function), and which summaries it skips.
type Summing<'f> = (
    &'f str,
    &'f dyn Fn(&Ledger) -> Summary,
    &'f dyn Fn(&Summary) -> bool,
);

/// Summaries learned by a process (key to summary), kept with its next write.
pub(super) type Learned = std::cell::RefCell<std::collections::HashMap<Summary, Summary>>;

/// Summaries a process learns and keeps with its next write, at most.
const MAX_LEARNED: usize = 1 << 14;

/// Entries `state_summaries` keeps, the most recently inserted.
const MAX_SUMMARIES: i64 = 1 << 16;

/// The key of a remembered state's summary: a SHA-256 of the kind of
/// summary, this Vouch's version (a build that sums up otherwise never
/// reads another's entries), the text (length first) and the encoded runs.
fn summary_key(kind: &str, text: &str, runs: &[u8]) -> Summary {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [kind, env!("CARGO_PKG_VERSION")] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update((text.len() as u64).to_le_bytes());
    h.update(text.as_bytes());
    h.update(runs);
    h.finalize().into()
}

/// Inside a write transaction: keeps the summaries `store` learned, and
/// lets the first inserted go past [`MAX_SUMMARIES`].
pub(super) fn keep_learned(
    learned: &Learned,
    db: &std::path::Path,
    tx: &rusqlite::Connection,
) -> Result<(), StoreError> {
    let learned = std::mem::take(&mut *learned.borrow_mut());
    if learned.is_empty() {
        return Ok(());
    }
    let err = StoreError::sqlite(db);
    let mut insert = tx
        .prepare_cached("INSERT OR IGNORE INTO state_summaries (key, summary) VALUES (?1, ?2)")
        .map_err(StoreError::sqlite(db))?;
    for (key, summary) in &learned {
        insert
            .execute(params![&key[..], &summary[..]])
            .map_err(StoreError::sqlite(db))?;
    }
    tx.prepare_cached(
        "DELETE FROM state_summaries
         WHERE rowid <= (SELECT MAX(rowid) FROM state_summaries) - ?1",
    )
    .and_then(|mut s| s.execute([MAX_SUMMARIES]))
    .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading the states of one path after another, with one limit and
    /// another, never has SQLite prepare the query again.
    #[test]
    fn newest_states_are_read_without_preparing_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("store.db")).unwrap();
        for i in 0..6 {
            let mut l = Ledger::new(&format!("fn f{i}() {{}}\n"));
            l.mark_ai(0..2, &crate::ledger::AiSource::test_agent())
                .unwrap();
            for path in ["a.rs", "b.rs", "c.rs"] {
                s.save(path, &l).unwrap();
            }
        }
        for (path, limit) in [("a.rs", 4), ("b.rs", usize::MAX), ("c.rs", 2), ("a.rs", 1)] {
            let states = s.newest_states(path, limit, 1 << 20).unwrap();
            assert_eq!(states.len(), limit.min(5), "{path}");
        }
        let status = s
            .conn
            .prepare_cached(NEWEST_STATES)
            .unwrap()
            .get_status(rusqlite::StatementStatus::RePrepare);
        assert_eq!(status, 0);
    }

    /// A state's summary is worked out when it is decoded, kept with the
    /// store's next write (never by a reader), and then stands for the
    /// state: `skip` decides without decoding it. A state whose runs change
    /// under the same text is summed up afresh.
    #[test]
    fn summaries_are_kept_by_writers_and_skip_decoding() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let mut store = Store::open(&db).unwrap();
        let source = crate::ledger::AiSource::test_agent();
        for i in 0..4 {
            let mut l = Ledger::new(&format!("fn f{i}() {{}}\nlet ai = {i};\n"));
            l.mark_ai(0..2, &source).unwrap();
            store.save("x.rs", &l).unwrap();
        }
        // Three earlier states; the summary is the state's first line.
        fn summarise(calls: &std::cell::Cell<usize>) -> impl Fn(&Ledger) -> Summary + '_ {
            move |l: &Ledger| {
                calls.set(calls.get() + 1);
                let mut s = [0u8; 32];
                let first = l.text().lines().next().unwrap_or("").to_owned();
                s[..first.len()].copy_from_slice(first.as_bytes());
                s
            }
        }
        let is_f1 = |s: &Summary| s.starts_with(b"fn f1() {}\0");
        let texts = |v: Vec<Ledger>| v.iter().map(Ledger::text).collect::<Vec<_>>();
        let calls = std::cell::Cell::new(0);
        let found = store
            .history_unless("x.rs", |_| true, "t", summarise(&calls), is_f1)
            .unwrap();
        assert_eq!(
            texts(found),
            ["fn f2() {}\nlet ai = 2;\n", "fn f0() {}\nlet ai = 0;\n"]
        );
        assert_eq!(calls.get(), 3);
        assert_eq!(store.summaries_kept(), 0, "a reader writes nothing");
        // Another process that only reads decodes them all again.
        let other = Store::open(&db).unwrap();
        let calls = std::cell::Cell::new(0);
        other
            .history_unless("x.rs", |_| true, "t", summarise(&calls), is_f1)
            .unwrap();
        assert_eq!(calls.get(), 3);
        drop(other);
        // The next write keeps what this process learned.
        store.save("y.rs", &Ledger::new("y\n")).unwrap();
        assert_eq!(store.summaries_kept(), 3);
        let fresh = Store::open(&db).unwrap();
        let calls = std::cell::Cell::new(0);
        let found = fresh
            .history_unless("x.rs", |_| true, "t", summarise(&calls), is_f1)
            .unwrap();
        assert_eq!(
            calls.get(),
            0,
            "f1 is skipped undecoded; the others are known"
        );
        assert_eq!(found.len(), 2);
        // Another kind of summary reads none of these.
        let calls = std::cell::Cell::new(0);
        fresh
            .history_unless("x.rs", |_| true, "u", summarise(&calls), |_| false)
            .unwrap();
        assert_eq!(calls.get(), 3);
        // Skipped undecoded even where `keep` would have it decoded first.
        let calls = std::cell::Cell::new(0);
        let found = fresh
            .history_unless("x.rs", |_| true, "t", summarise(&calls), |_| true)
            .unwrap();
        assert!(found.is_empty());
        assert_eq!(calls.get(), 0, "every state is known by its summary now");
        drop(fresh);
        // The f1 state remembered again with other runs: a new key.
        let mut again = Ledger::new("fn f1() {}\nlet ai = 1;\n");
        again.mark_ai(3..5, &source).unwrap();
        store.save("x.rs", &again).unwrap();
        store.save("x.rs", &Ledger::new("fn f9() {}\n")).unwrap();
        let calls = std::cell::Cell::new(0);
        store
            .history_unless("x.rs", |_| true, "t", summarise(&calls), |_| true)
            .unwrap();
        assert_eq!(calls.get(), 2, "the changed f1 state and f3 are new");
    }

    /// The hash is stored: it must never change (FNV-1a's published values).
    #[test]
    fn text_hash_is_fnv1a() {
        assert_eq!(text_hash(""), 0xcbf2_9ce4_8422_2325_u64 as i64);
        assert_eq!(text_hash("a"), 0xaf63_dc4c_8601_ec8c_u64 as i64);
        assert_eq!(text_hash("foobar"), 0x8594_4171_f739_67e8_u64 as i64);
    }
    use crate::ledger::AiSource;

    #[test]
    fn remembers_and_recalls_by_text() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let mut l = Ledger::new("a\nb\n");
        l.mark_ai(0..2, &AiSource::test_agent()).unwrap();
        store.remember("x.rs", &l).unwrap();
        store.remember("y.rs", &Ledger::new("human\n")).unwrap();
        assert!(store.recall("x.rs", "a\nb\nc\n").unwrap().is_none());
        assert!(store.recall("y.rs", "human\n").unwrap().is_none());
        let back = store.recall("x.rs", "a\nb\n").unwrap().unwrap();
        assert_eq!(back.regions(), l.regions());
        let count = |store: &Store| -> i64 {
            store
                .conn
                .query_row(
                    "SELECT COUNT(*) FROM history WHERE path = 'x.rs'",
                    [],
                    |r| r.get(0),
                )
                .unwrap()
        };
        let text = |i: i64| format!("a\nb\n{i}\n");
        for i in 0..2 * KEEP - 1 {
            let mut m = l.clone();
            m.reconcile(&text(i));
            store.remember("x.rs", &m).unwrap();
        }
        assert_eq!(count(&store), 2 * KEEP, "up to twice KEEP gather");
        // One more: the oldest go, the newest KEEP stay.
        let mut m = l.clone();
        m.reconcile(&text(2 * KEEP - 1));
        store.remember("x.rs", &m).unwrap();
        assert_eq!(count(&store), KEEP);
        assert!(store.recall("x.rs", "a\nb\n").unwrap().is_none());
        for i in KEEP..2 * KEEP {
            assert!(store.recall("x.rs", &text(i)).unwrap().is_some(), "{i}");
        }
    }

    /// The newest states come first, a state remembered again among them,
    /// at most `limit`, and none with more text than `max_bytes`; the text
    /// size of a record is known without reading it.
    #[test]
    fn newest_states_are_bounded_in_number_and_size() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let source = AiSource::test_agent();
        let state = |text: &str| {
            let mut l = Ledger::new(text);
            l.mark_ai(0..1, &source).unwrap();
            l
        };
        let big = format!("big\n{}", "x".repeat(4096));
        let texts = ["one\n", "two\n", big.as_str(), "three\n"];
        for t in texts.iter().chain(["one\n"].iter()) {
            store.remember("x.rs", &state(t)).unwrap();
            // Distinct times: ties are broken by insertion order, and a
            // state remembered again keeps its first row.
            std::thread::sleep(std::time::Duration::from_millis(3));
        }
        let texts_of = |v: Vec<Ledger>| v.iter().map(Ledger::text).collect::<Vec<_>>();
        assert_eq!(
            texts_of(store.newest_states("x.rs", usize::MAX, usize::MAX).unwrap()),
            ["one\n", "three\n", big.as_str(), "two\n"]
        );
        assert_eq!(
            texts_of(store.newest_states("x.rs", 3, 100).unwrap()),
            ["one\n", "three\n", "two\n"]
        );
        assert_eq!(
            texts_of(store.newest_states("x.rs", 1, 100).unwrap()),
            ["one\n"]
        );
        store.save("x.rs", &state(&big)).unwrap();
        assert_eq!(store.text_len("x.rs").unwrap(), Some(big.len()));
        assert_eq!(store.text_len("y.rs").unwrap(), None);
    }
}
