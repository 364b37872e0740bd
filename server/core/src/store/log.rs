//! Small changes to large files, logged as edits instead of writing the
//! whole text again (a keystroke in a 6 MB document is a few bytes).
//!
//! A file's record is its row in `files` (the base) followed by its rows in
//! `edits` in `seq` order; each edit replaces `removed` bytes at `start`
//! with `text` and the attribution in `runs` ([`Ledger::splice`]) and
//! carries the generation it was written at, the record's generation being
//! its last edit's. Logging an edit leaves the file's row alone: SQLite
//! rewrites a row whole (megabytes of text) to change one column. Only
//! files of at least [`MIN_LEN`] bytes are logged, and a log is folded back
//! into the base (the states it held remembered in `history` within a
//! budget, the newest always) once it holds [`MAX_LOGGED`] edits, when a change is too large to
//! log, or when a long-lived writer asks ([`Store::fold_log`]).

use rusqlite::{Connection, params};

use super::{Store, StoreError, codec, history};
use crate::ledger::{Ledger, LedgerError, Snapshot};

/// Files smaller than this are always written whole: rewriting them costs
/// about what logging does, and most files never carry a log.
pub(crate) const MIN_LEN: usize = 64 << 10;

/// Edits a log may hold; the next change folds it.
pub(crate) const MAX_LOGGED: i64 = 32;

/// Logs at least this long are folded by [`Store::fold_log`] (the
/// language server, between answers), before a change has to fold one at
/// [`MAX_LOGGED`] on its way; the states the log holds stay recallable
/// until then.
pub(crate) const FOLD_AT: i64 = 24;

/// A change is logged only when its new text is at most this share of the
/// file (1/16) and it removes at most half: the log of a file then holds at
/// most twice the file's size, and the base never dwarfs the text.
const PIECE_SHARE: usize = 16;

/// Bytes of earlier states a fold remembers in `history` beyond the newest
/// one, which it always remembers (newest first, at most
/// [`history::KEEP`] states).
const REMEMBER_BYTES: usize = 4 << 20;

fn corrupt(path: &str) -> impl Fn(String) -> StoreError + '_ {
    move |reason| StoreError::Corrupt {
        path: path.to_owned(),
        reason,
    }
}

/// The number of logged edits of `path`.
pub(super) fn logged(
    conn: &Connection,
    db: &std::path::Path,
    path: &str,
) -> Result<i64, StoreError> {
    conn.prepare_cached("SELECT COUNT(*) FROM edits WHERE path = ?1")
        .and_then(|mut s| s.query_row([path], |r| r.get(0)))
        .map_err(StoreError::sqlite(db))
}

/// Whether a change from a record of `old_len` bytes to one of `new_len`
/// bytes, differing in a window of `window_old` bytes of the old text and
/// `window_new` of the new, is written whole rather than logged (the rule
/// [`append`] applies; the language server predicts it to remember the
/// state such a write replaces ahead of it, [`Store::remember_ahead`]).
pub fn writes_whole(old_len: usize, new_len: usize, window_old: usize, window_new: usize) -> bool {
    new_len < MIN_LEN || window_new > new_len / PIECE_SHARE || window_old > old_len / 2
}

/// Inside a write transaction: logs the change from `old` (the stored
/// record, holding `logged` edits) to `new` as one edit at `generation`.
/// Returns `false`, having written nothing, when the change should be
/// written whole.
pub(super) fn append(
    tx: &Connection,
    db: &std::path::Path,
    path: &str,
    (old, logged): (&Ledger, i64),
    new: &Ledger,
    generation: i64,
) -> Result<bool, StoreError> {
    if new.len() < MIN_LEN || logged >= MAX_LOGGED {
        return Ok(false);
    }
    let window = old.changed_window(new);
    if writes_whole(old.len(), new.len(), window.old.len(), window.new.len()) {
        return Ok(false);
    }
    let piece = new
        .slice(window.new)
        .map_err(|e| corrupt(path)(e.to_string()))?;
    let runs = codec::encode(&piece).map_err(|e| corrupt(path)(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO edits (path, seq, generation, start, removed, runs, text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(params![
            path,
            logged + 1,
            generation,
            to_i64(window.old.start),
            to_i64(window.old.len()),
            runs,
            piece.text,
        ])
    })
    .map_err(StoreError::sqlite(db))?;
    Ok(true)
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// One logged edit as stored.
struct Edit {
    start: usize,
    removed: usize,
    text: String,
    runs: Vec<u8>,
}

impl Edit {
    fn apply(self, ledger: &mut Ledger, path: &str) -> Result<(), StoreError> {
        let piece: Snapshot = codec::decode(self.text, &self.runs).map_err(corrupt(path))?;
        let end = self
            .start
            .checked_add(self.removed)
            .ok_or_else(|| corrupt(path)("a logged edit ends past the text".into()))?;
        ledger
            .splice(self.start..end, &piece)
            .map_err(|e: LedgerError| corrupt(path)(e.to_string()))
    }
}

fn edits(conn: &Connection, db: &std::path::Path, path: &str) -> Result<Vec<Edit>, StoreError> {
    let err = || StoreError::sqlite(db);
    let mut stmt = conn
        .prepare_cached("SELECT start, removed, text, runs FROM edits WHERE path = ?1 ORDER BY seq")
        .map_err(err())?;
    let rows = stmt
        .query_map([path], |r| {
            let n = |i| {
                r.get::<_, i64>(i)
                    .map(|v| usize::try_from(v).unwrap_or(usize::MAX))
            };
            Ok(Edit {
                start: n(0)?,
                removed: n(1)?,
                text: r.get(2)?,
                runs: r.get(3)?,
            })
        })
        .map_err(err())?;
    rows.collect::<Result<_, _>>().map_err(err())
}

/// Applies `path`'s logged edits to its base, `ledger`.
pub(super) fn replay(
    conn: &Connection,
    db: &std::path::Path,
    path: &str,
    ledger: &mut Ledger,
) -> Result<(), StoreError> {
    for edit in edits(conn, db, path)? {
        edit.apply(ledger, path)?;
    }
    Ok(())
}

/// The text length of each state the log passes through before the
/// current one: the base's, then after each edit but the last.
fn earlier_lengths(
    conn: &Connection,
    db: &std::path::Path,
    path: &str,
) -> Result<Vec<usize>, StoreError> {
    let err = || StoreError::sqlite(db);
    let base: i64 = conn
        .prepare_cached("SELECT octet_length(text) FROM files WHERE path = ?1")
        .and_then(|mut s| s.query_row([path], |r| r.get(0)))
        .map_err(err())?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT removed, octet_length(text) FROM edits WHERE path = ?1 ORDER BY seq",
        )
        .map_err(err())?;
    let changes = stmt
        .query_map([path], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
        .map_err(err())?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err())?;
    let mut len = base;
    let mut out = vec![base];
    for (removed, added) in &changes[..changes.len().saturating_sub(1)] {
        len = len.saturating_sub(*removed).saturating_add(*added);
        out.push(len);
    }
    Ok(out
        .into_iter()
        .map(|l| usize::try_from(l).unwrap_or(usize::MAX))
        .collect())
}

/// The states the log passes through before the current one whose index
/// `wanted` accepts (0 is the base; `lengths` from [`earlier_lengths`]),
/// oldest first. Only what is wanted is
/// copied out; nothing is read when nothing is.
fn earlier_states(
    conn: &Connection,
    db: &std::path::Path,
    path: &str,
    lengths: &[usize],
    wanted: impl Fn(usize) -> bool,
) -> Result<Vec<Ledger>, StoreError> {
    let Some(last) = (0..lengths.len()).rev().find(|&i| wanted(i)) else {
        return Ok(Vec::new());
    };
    let Some(mut state) = super::load_base(conn, db, path)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut edits = edits(conn, db, path)?.into_iter();
    for i in 0..=last {
        if wanted(i) {
            out.push(state.clone());
        }
        if i < last
            && let Some(edit) = edits.next()
        {
            edit.apply(&mut state, path)?;
        }
    }
    Ok(out)
}

/// Inside a write transaction, before `path`'s record is written whole:
/// remembers the newest states its log passed through (the newest always,
/// more within [`REMEMBER_BYTES`]) and empties the log. The current state
/// is the caller's to remember.
pub(super) fn fold(
    tx: &Connection,
    db: &std::path::Path,
    path: &str,
    logged: i64,
) -> Result<(), StoreError> {
    if logged == 0 {
        return Ok(());
    }
    let lengths = earlier_lengths(tx, db, path)?;
    let mut budget = REMEMBER_BYTES;
    let mut keep = vec![false; lengths.len()];
    for (i, len) in lengths
        .iter()
        .enumerate()
        .rev()
        .take(history::KEEP as usize)
    {
        if *len > budget && i + 1 < lengths.len() {
            break;
        }
        budget = budget.saturating_sub(*len);
        keep[i] = true;
    }
    for state in earlier_states(tx, db, path, &lengths, |i| keep[i])? {
        history::remember_in(tx, db, path, &state)?;
    }
    tx.prepare_cached("DELETE FROM edits WHERE path = ?1")
        .and_then(|mut s| s.execute([path]))
        .map_err(StoreError::sqlite(db))?;
    Ok(())
}

/// A state `path`'s log passed through whose text is exactly `text`.
pub(super) fn recall(
    conn: &Connection,
    db: &std::path::Path,
    path: &str,
    text: &str,
) -> Result<Option<Ledger>, StoreError> {
    if logged(conn, db, path)? == 0 {
        return Ok(None);
    }
    let lengths = earlier_lengths(conn, db, path)?;
    let states = earlier_states(conn, db, path, &lengths, |i| lengths[i] == text.len())?;
    Ok(states.into_iter().rev().find(|s| *s.rope() == text))
}

impl Store {
    /// Folds `path`'s log into its base once it holds [`FOLD_AT`] edits,
    /// for a long-lived writer between its callers' waits (the language
    /// server's store thread, once its answers are sent). Never waits for
    /// another process: a busy store is left for later. The record's
    /// content and generation do not change.
    pub fn fold_log(&mut self, path: &str) -> Result<(), StoreError> {
        if self.deferred || logged(&self.conn, &self.path, path)? < FOLD_AT {
            return Ok(());
        }
        let err = StoreError::sqlite(&self.path);
        self.conn
            .busy_timeout(std::time::Duration::ZERO)
            .map_err(err)?;
        let result = self.fold_now(path);
        self.conn
            .busy_timeout(super::BUSY_TIMEOUT)
            .map_err(StoreError::sqlite(&self.path))?;
        match result {
            Err(e) if e.is_busy() => Ok(()),
            other => other,
        }
    }

    fn fold_now(&mut self, path: &str) -> Result<(), StoreError> {
        let db = self.path.clone();
        let err = || StoreError::sqlite(&db);
        let tx = super::write_transaction(&mut self.conn, &db)?;
        let logged = logged(&tx, &db, path)?;
        let Some(current) = super::load(&tx, &db, path)? else {
            return Ok(());
        };
        fold(&tx, &db, path, logged)?;
        super::write_base(&tx, &db, path, &current.ledger, current.generation)?;
        tx.commit().map_err(err())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::ledger::{AiSource, Attribution, Review};
    use crate::store::StoredFile;

    /// One step of the model test.
    #[derive(Clone, Debug)]
    enum Step {
        /// Replace `cut` bytes at `at` with `text`, human or AI, and save.
        Write {
            at: usize,
            cut: usize,
            text: String,
            ai: bool,
        },
        /// Mark a range reviewed and save (attribution alone changes).
        Review { at: usize, len: usize },
        /// Fold the log ([`Store::fold_log`]).
        Fold,
        /// Close the store and open it again.
        Reopen,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            6 => (any::<usize>(), 0usize..64, "[a-zé\n]{0,40}", any::<bool>())
                .prop_map(|(at, cut, text, ai)| Step::Write { at, cut, text, ai }),
            // Now and then a change too large to log.
            1 => (any::<usize>(), 0usize..5_000).prop_map(|(at, cut)| Step::Write {
                at, cut: 0, text: "z\n".repeat(cut), ai: false
            }),
            2 => (any::<usize>(), 1usize..3_000).prop_map(|(at, len)| Step::Review { at, len }),
            1 => Just(Step::Fold),
            1 => Just(Step::Reopen),
        ]
    }

    fn boundary(l: &Ledger, mut at: usize) -> usize {
        at = at.min(l.len());
        while !l.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    fn logged_of(store: &Store, path: &str) -> i64 {
        logged(&store.conn, &store.path, path).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Against a model (the ledger the writer holds): every load gives
        /// the last state written, whatever mix of logged edits, whole
        /// writes, folds and reopens led there; the text length is known
        /// without loading; logs stay bounded; and the state before the
        /// last write is recalled by its text.
        #[test]
        fn the_log_replays_to_the_model(steps in prop::collection::vec(step(), 1..60)) {
            let dir = tempfile::tempdir().unwrap();
            let db = dir.path().join("s.db");
            let mut store = Store::open(&db).unwrap();
            let source = AiSource::test_agent();
            // Just past the size from which changes are logged: deletions
            // take it below, and changes then go whole again.
            let mut model = Ledger::new(&"fn f() { 1 }\n".repeat(MIN_LEN / 13 + 8));
            model.mark_ai(1_000..2_000, &source).unwrap();
            store.save("big.rs", &model).unwrap();
            for step in steps {
                let before = model.clone();
                match step {
                    Step::Write { at, cut, text, ai } => {
                        let start = boundary(&model, at % (model.len() + 1));
                        let end = boundary(&model, start + cut);
                        let attr = if ai { Attribution::ai(source.clone()) } else { Attribution::Human };
                        model.apply_edit(start..end, &text, &attr).unwrap();
                        store.save("big.rs", &model).unwrap();
                    }
                    Step::Review { at, len } => {
                        let start = boundary(&model, at % (model.len() + 1));
                        let end = boundary(&model, start + len);
                        let review = Review { by: "Ada <a@x>".into(), at: 1 };
                        model.mark_reviewed(start..end, &review).unwrap();
                        store.save("big.rs", &model).unwrap();
                    }
                    Step::Fold => store.fold_log("big.rs").unwrap(),
                    Step::Reopen => {
                        drop(store);
                        store = Store::open(&db).unwrap();
                    }
                }
                let loaded = store.load("big.rs").unwrap().unwrap();
                prop_assert_eq!(loaded.ledger.snapshot(), model.snapshot());
                prop_assert_eq!(store.text_len("big.rs").unwrap(), Some(model.len()));
                prop_assert!(logged_of(&store, "big.rs") <= MAX_LOGGED);
                if before.rope() != model.rope() && !before.regions().is_empty() {
                    let back = store.recall("big.rs", &before.text()).unwrap();
                    prop_assert!(back.is_some(), "the replaced state is recalled");
                    prop_assert_eq!(back.unwrap().text(), before.text());
                }
            }
        }
    }

    #[test]
    fn a_keystroke_in_a_large_file_is_logged_and_folded_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let mut l = Ledger::new(&"x".repeat(MIN_LEN));
        l.mark_ai(10..20, &AiSource::test_agent()).unwrap();
        store.save("big.txt", &l).unwrap();
        let mut states = vec![l.clone()];
        for i in 0..FOLD_AT {
            let since = store.generation().unwrap();
            l.apply_edit(100..100, "y", &Attribution::Human).unwrap();
            let g = store.save("big.txt", &l).unwrap();
            states.push(l.clone());
            assert_eq!(logged_of(&store, "big.txt"), i + 1);
            // The record's generation is its last edit's, wherever asked.
            assert_eq!(store.load("big.txt").unwrap().unwrap().generation, g);
            let changed = store.generations_since(since).unwrap();
            assert_eq!(
                changed.into_iter().collect::<Vec<_>>(),
                [("big.txt".to_owned(), g)]
            );
            let known = StoredFile {
                ledger: l.clone(),
                generation: g,
            };
            let (_, same) = store
                .update_known("big.txt", Some(&known), |f| {
                    assert_eq!(f.map(|f| f.generation), Some(g));
                    Ok::<_, StoreError>(None)
                })
                .unwrap();
            assert_eq!(same, g);
        }
        // Each edit row holds the keystroke alone.
        let largest: i64 = store
            .conn
            .query_row("SELECT MAX(octet_length(text)) FROM edits", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(largest, 1);
        // A small file is written whole.
        store.save("small.txt", &Ledger::new("a")).unwrap();
        store.save("small.txt", &Ledger::new("ab")).unwrap();
        assert_eq!(logged_of(&store, "small.txt"), 0);

        let generation = store.generation().unwrap();
        store.fold_log("big.txt").unwrap();
        assert_eq!(logged_of(&store, "big.txt"), 0);
        assert_eq!(
            store.generation().unwrap(),
            generation,
            "folding changes nothing"
        );
        let edits: i64 = store
            .conn
            .query_row("SELECT COUNT(*) FROM edits", [], |r| r.get(0))
            .unwrap();
        assert_eq!(edits, 0);
        assert_eq!(
            store.load("big.txt").unwrap().unwrap().ledger.snapshot(),
            l.snapshot()
        );
        // The newest states the log passed through are now in the history
        // (as many as it keeps per path).
        let earlier = &states[..states.len() - 1];
        let kept = earlier.len().min(history::KEEP as usize);
        for s in &earlier[earlier.len() - kept..] {
            assert!(store.recall("big.txt", &s.text()).unwrap().is_some());
        }
    }

    /// A fold keeps at least the newest state the log passed through, even
    /// past the byte budget: a version staged just before stays known.
    #[test]
    fn a_fold_remembers_the_newest_earlier_state_of_a_huge_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let mut l = Ledger::new(&"x\n".repeat((REMEMBER_BYTES + (1 << 20)) / 2));
        l.mark_ai(10..20, &AiSource::test_agent()).unwrap();
        store.save("huge.txt", &l).unwrap();
        let mut states = Vec::new();
        for c in ["a", "b"] {
            l.apply_edit(100..100, c, &Attribution::Human).unwrap();
            store.save("huge.txt", &l).unwrap();
            states.push(l.clone());
        }
        assert_eq!(logged_of(&store, "huge.txt"), 2);
        // Too large to log: written whole, the log folded.
        let big = "y\n".repeat(l.len() / 8);
        l.apply_edit(0..0, &big, &Attribution::Human).unwrap();
        store.save("huge.txt", &l).unwrap();
        assert_eq!(logged_of(&store, "huge.txt"), 0);
        for s in &states {
            assert!(store.recall("huge.txt", &s.text()).unwrap().is_some());
        }
    }

    /// A damaged log entry is reported as a damaged record, never a panic.
    #[test]
    fn a_damaged_edit_is_an_error_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let mut l = Ledger::new(&"x".repeat(MIN_LEN));
        store.save("big.txt", &l).unwrap();
        l.apply_edit(5..5, "y", &Attribution::Human).unwrap();
        store.save("big.txt", &l).unwrap();
        for (start, runs) in [
            (i64::MAX, r#"{"attrs":[{"origin":"human"}],"runs":[[1,0]]}"#),
            (3, r#"{"attrs":[],"runs":[[1,0]]}"#),
            (3, r#"{"attrs":[{"origin":"human"}],"runs":[[7,0]]}"#),
            (3, "not json"),
        ] {
            store
                .conn
                .execute(
                    "UPDATE edits SET start = ?1, runs = ?2 WHERE path = 'big.txt'",
                    params![start, runs.as_bytes()],
                )
                .unwrap();
            let err = store.load("big.txt").expect_err("a damaged record");
            assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        }
    }

    /// Two writers appending to one large file at once lose no edit.
    #[test]
    fn concurrent_writers_lose_no_logged_edit() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        Store::open(&db)
            .unwrap()
            .save("big.txt", &Ledger::new(&"-".repeat(MIN_LEN)))
            .unwrap();
        let writers: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|mark| {
                let db = db.clone();
                std::thread::spawn(move || {
                    let mut store = Store::open(&db).unwrap();
                    for i in 0..60 {
                        store
                            .update("big.txt", |f| {
                                let mut l = f.map(|f| f.ledger).unwrap_or_default();
                                let at = (i * 997) % l.len();
                                l.apply_edit(at..at, mark, &Attribution::Human).unwrap();
                                Ok::<_, StoreError>(Some(l))
                            })
                            .unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let text = Store::open(&db)
            .unwrap()
            .load("big.txt")
            .unwrap()
            .unwrap()
            .ledger
            .text();
        assert_eq!(text.matches('a').count(), 60);
        assert_eq!(text.matches('b').count(), 60);
    }
}
