use super::schema::SCHEMA_VERSION;
use super::*;
use crate::ledger::{AiKind, AiSource, Attribution};

fn ai() -> Attribution {
    Attribution::ai(AiSource {
        tool: "copilot".into(),
        model: Some("gpt-4.1".into()),
        kind: AiKind::InlineCompletion,
        session: None,
        accepted_at: 5,
    })
}

#[test]
fn save_load_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("x/store.db")).unwrap();
    let mut l = Ledger::new("héllo\nwörld\n");
    l.apply_edit(6..6, "🌍 ", &ai()).unwrap();
    let g = s.save("a/b.rs", &l).unwrap();
    let back = s.load("a/b.rs").unwrap().unwrap();
    assert_eq!(back.generation, g);
    assert_eq!(back.ledger.snapshot(), l.snapshot());
    assert!(s.load("missing").unwrap().is_none());
    assert_eq!(s.paths().unwrap(), vec!["a/b.rs".to_owned()]);
}

#[test]
fn rejects_bad_paths() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("store.db")).unwrap();
    for bad in ["../x", "/abs", "a//b", ""] {
        assert!(matches!(
            s.save(bad, &Ledger::new("x")),
            Err(StoreError::BadPath(_))
        ));
    }
}

/// A store holding `f` ("keep") whose schema version is one this build
/// does not know; the store closes without a checkpoint, so the newer
/// version is in its WAL.
fn newer_store(dir: &Path) -> PathBuf {
    let db = dir.join("store.db");
    let mut s = Store::open(&db).unwrap();
    s.save("f", &Ledger::new("keep")).unwrap();
    s.conn
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    db
}

#[test]
fn refuses_newer_schema_without_damage() {
    let dir = tempfile::tempdir().unwrap();
    let db = newer_store(dir.path());
    let err = Store::open(&db).err().unwrap();
    assert!(err.to_string().contains("newer Vouch"), "{err}");
    // Still intact once the version is what this build knows.
    let c = Connection::open(&db).unwrap();
    c.pragma_update(None, "user_version", SCHEMA_VERSION)
        .unwrap();
    drop(c);
    let s = Store::open(&db).unwrap();
    assert_eq!(s.load("f").unwrap().unwrap().ledger.text(), "keep");
}

/// The version is read on the store's own connection when the WAL files
/// are there (one rebuild of the WAL index, not two): a newer store is
/// still refused, its newest version read from the WAL, nothing written.
#[test]
fn refuses_newer_schema_held_in_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let db = newer_store(dir.path());
    let wal = dir.path().join("store.db-wal");
    let wal_len = std::fs::metadata(&wal).unwrap().len();
    assert!(wal_len > 0, "the newer version is in the WAL, not the file");
    assert!(dir.path().join("store.db-shm").exists());
    let db_bytes = std::fs::read(&db).unwrap();
    let err = Store::open(&db).err().unwrap();
    assert!(err.to_string().contains("newer Vouch"), "{err}");
    assert!(
        std::fs::read(&db).unwrap() == db_bytes,
        "the file is untouched"
    );
    assert_eq!(std::fs::metadata(&wal).unwrap().len(), wal_len);
}

#[test]
fn generations_grow_and_list_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("store.db")).unwrap();
    let g1 = s.save("a", &Ledger::new("1")).unwrap();
    let g2 = s.save("b", &Ledger::new("2")).unwrap();
    assert!(g2 > g1);
    assert_eq!(s.generation().unwrap(), g2);
    let since = s.generations_since(g1).unwrap();
    assert_eq!(
        since.into_iter().collect::<Vec<_>>(),
        vec![("b".to_owned(), g2)]
    );
}

#[test]
fn a_store_opened_where_none_exists_creates_the_file_only_on_a_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v/store.db");
    let mut a = Store::open_existing(&path).unwrap();
    assert!(a.load("a.rs").unwrap().is_none());
    assert_eq!(a.generation().unwrap(), 0);
    // A change that writes nothing creates nothing.
    let (none, _) = a.update("a.rs", |_| Ok::<_, StoreError>(None)).unwrap();
    assert!(none.is_none());
    assert!(!dir.path().join("v").exists());
    // Another process creates it and writes: a write that did not see that
    // is refused, and the retry sees it.
    let mut b = Store::open_existing(&path).unwrap();
    let err = a
        .update("a.rs", |stored| {
            assert!(stored.is_none());
            b.save("a.rs", &Ledger::new("theirs\n"))?;
            Ok::<_, StoreError>(Some(Ledger::new("ours\n")))
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::CreatedMeanwhile(_)), "{err}");
    let (written, _) = a
        .update("a.rs", |stored| {
            let mut l = stored.expect("theirs").ledger;
            l.reconcile("theirs\nours\n");
            Ok::<_, StoreError>(Some(l))
        })
        .unwrap();
    assert!(written.is_some());
    assert_eq!(
        b.load("a.rs").unwrap().unwrap().ledger.text(),
        "theirs\nours\n"
    );
}

/// A writer's memory of its last write stands in for the record only while
/// nobody else wrote: another process's write is read and handed to
/// `change`, and the state it replaces goes to the history either way.
#[test]
fn update_known_reads_the_record_once_someone_else_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let mut mine = Store::open(&db).unwrap();
    let mut other = Store::open(&db).unwrap();
    let mut l = Ledger::new("fn a() {}\n");
    l.apply_edit(0..0, "// ai\n", &ai()).unwrap();
    let known = write_known(&mut mine, "a.rs", None, &l);
    // Nobody else wrote: `change` sees what this writer wrote.
    let mut next = known.ledger.clone();
    next.apply_edit(0..0, "x", &Attribution::Human).unwrap();
    let (written, generation) = mine
        .update_known("a.rs", Some(&known), |stored| {
            let stored = stored.expect("the record");
            assert_eq!(stored.generation, known.generation);
            assert_eq!(stored.ledger.text(), known.ledger.text());
            Ok::<_, StoreError>(Some(next.clone()))
        })
        .unwrap();
    let known = StoredFile {
        ledger: written.unwrap(),
        generation,
    };
    assert_eq!(mine.history("a.rs").unwrap().len(), 1, "the replaced state");
    // Another process writes: the stale memory is not used.
    let theirs = Ledger::new("theirs\n");
    other.save("a.rs", &theirs).unwrap();
    mine.update_known("a.rs", Some(&known), |stored| {
        assert_eq!(stored.expect("the record").ledger.text(), "theirs\n");
        Ok::<_, StoreError>(None)
    })
    .unwrap();
}

/// `holds_ai` (the post-checkout hook's test before any git process):
/// false for human text alone, even under a tool name that spells the
/// marker; true when a record holds AI text, and still true when only an
/// earlier state does.
#[test]
fn holds_ai_sees_records_and_earlier_states() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("x/store.db")).unwrap();
    assert!(!s.holds_ai().unwrap());
    s.save("h.rs", &Ledger::new("human\n")).unwrap();
    assert!(!s.holds_ai().unwrap());
    let mut l = Ledger::new("fn a() {}\n");
    let tricky = Attribution::ai(AiSource {
        tool: "\"origin\":\"ai\"".into(),
        model: None,
        kind: AiKind::Agent,
        session: None,
        accepted_at: 1,
    });
    l.apply_edit(0..0, "x", &tricky).unwrap();
    s.save("a.rs", &l).unwrap();
    assert!(s.holds_ai().unwrap());
    // The record becomes human text; the AI state it replaces is remembered.
    s.save("a.rs", &Ledger::new("fn b() {}\n")).unwrap();
    assert!(s.history("a.rs").unwrap().len() == 1);
    assert!(s.holds_ai().unwrap());
    let conn = rusqlite::Connection::open(dir.path().join("x/store.db")).unwrap();
    conn.execute("DELETE FROM history", []).unwrap();
    assert!(!s.holds_ai().unwrap());
    s.save("c.rs", &{
        let mut c = Ledger::new("y\n");
        c.apply_edit(0..0, "z", &ai()).unwrap();
        c
    })
    .unwrap();
    assert!(s.holds_ai().unwrap());
}

/// A writer that checkpoints when asked: its commits leave the WAL alone
/// (no answer waits for a checkpoint), and `checkpoint_if_due` bounds it;
/// nothing written is lost either way.
#[test]
fn a_writer_that_checkpoints_when_asked_keeps_the_wal_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let mut s = Store::open_existing(&db).unwrap();
    s.checkpoint_when_asked().unwrap();
    let wal = |s: &Store| std::fs::metadata(s.wal_path()).map_or(0, |m| m.len());
    let line = "let value = compute(1) + 1;\n".repeat(2_000);
    let mut last = None;
    for i in 0..60 {
        let mut l = Ledger::new(&format!("{i}\n{line}"));
        l.apply_edit(0..0, "ai ", &ai()).unwrap();
        s.update(&format!("f{}.rs", i % 4), |_| {
            Ok::<_, StoreError>(Some(l.clone()))
        })
        .unwrap();
        last = Some(l);
    }
    // 60 writes of ~56 KB, each keeping the state it replaces: past the
    // limit (a commit would have truncated it), and no commit checkpointed.
    assert!(wal(&s) > WAL_LIMIT, "WAL of {} bytes", wal(&s));
    s.checkpoint_if_due();
    assert_eq!(wal(&s), 0, "checkpointed and truncated");
    drop(s);
    let back = Store::open(&db).unwrap().load("f3.rs").unwrap().unwrap();
    assert_eq!(back.ledger.snapshot(), last.unwrap().snapshot());
}

/// A command that only reads truncates a WAL past the readers' bound as it
/// opens the store (each later process would read it all), keeps one under
/// it, and loses nothing.
#[test]
fn a_reader_settles_a_wal_past_its_bound() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let wal = |s: &Store| std::fs::metadata(s.wal_path()).map_or(0, |m| m.len());
    let mut s = Store::open(&db).unwrap();
    let mut l = Ledger::new("fn a() {}\n");
    l.apply_edit(0..0, "ai ", &ai()).unwrap();
    s.save("small.rs", &l).unwrap();
    let small = wal(&s);
    assert!(small > 0 && small < READER_WAL_LIMIT, "{small}");
    let reader = Store::open_existing(&db).unwrap();
    reader.settle_wal();
    assert_eq!(wal(&reader), small, "under the bound: left alone");
    let mut big = Ledger::new(&"let value = compute(1) + 1;\n".repeat(20_000));
    big.apply_edit(0..0, "ai ", &ai()).unwrap();
    s.save("big.rs", &big).unwrap();
    assert!(
        wal(&s) > READER_WAL_LIMIT && wal(&s) < WAL_LIMIT,
        "{}",
        wal(&s)
    );
    drop(s);
    let reader = Store::open_existing(&db).unwrap();
    reader.settle_wal();
    assert_eq!(
        wal(&reader),
        0,
        "past the bound: checkpointed and truncated"
    );
    let back = reader.load("big.rs").unwrap().unwrap();
    assert_eq!(back.ledger.snapshot(), big.snapshot());
    assert!(reader.load("small.rs").unwrap().is_some());
}

/// A file's record moved as stored: it becomes the state remembered for
/// its text, the state it replaces is remembered in turn, and both read
/// back decoded as the same attribution `save_all` of ledgers would give.
#[test]
fn records_move_as_stored_between_files_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("store.db")).unwrap();
    let mut on_a = Ledger::new("fn a() {}\n");
    on_a.apply_edit(3..4, "b", &ai()).unwrap();
    let mut on_b = Ledger::new("fn x() { 1 }\n");
    on_b.apply_edit(9..10, "2", &ai()).unwrap();
    s.save("f.rs", &on_b).unwrap();
    s.save("f.rs", &on_a).unwrap(); // remembers `on_b`
    let from = s.load_raw("f.rs").unwrap().unwrap();
    assert_eq!(from.text, on_a.text());
    let text = on_b.text();
    let runs = s.recall_raw("f.rs", &text).unwrap().unwrap();
    assert_eq!(s.recall_raw("f.rs", "fn other() {}\n").unwrap(), None);
    let generation = s.generation().unwrap();
    let m = Move {
        path: "f.rs".into(),
        from,
        text,
        runs,
    };
    s.save_all(&[], &[m], &[]).unwrap();
    let now = s.load("f.rs").unwrap().unwrap();
    assert_eq!(now.ledger.snapshot(), on_b.snapshot());
    assert!(now.generation > generation);
    let back = s.recall("f.rs", &on_a.text()).unwrap().unwrap();
    assert_eq!(back.snapshot(), on_a.snapshot());
}

/// A record someone wrote after it was read is not moved over: the move
/// is written decoded, and the write made meanwhile is what is remembered.
#[test]
fn a_record_written_since_it_was_read_is_not_moved_over() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("store.db")).unwrap();
    let mut old = Ledger::new("fn a() {}\n");
    old.apply_edit(0..2, "fn", &ai()).unwrap();
    let mut back = Ledger::new("fn b() {}\n");
    back.apply_edit(3..4, "b", &ai()).unwrap();
    s.save("f.rs", &back).unwrap();
    s.save("f.rs", &old).unwrap();
    let from = s.load_raw("f.rs").unwrap().unwrap();
    let runs = s.recall_raw("f.rs", &back.text()).unwrap().unwrap();
    // Another writer, meanwhile.
    let mut meanwhile = Ledger::new("fn c() {}\n");
    meanwhile.apply_edit(3..4, "c", &ai()).unwrap();
    Store::open(&dir.path().join("store.db"))
        .unwrap()
        .save("f.rs", &meanwhile)
        .unwrap();
    let m = Move {
        path: "f.rs".into(),
        from,
        text: back.text(),
        runs,
    };
    s.save_all(&[], &[m], &[]).unwrap();
    assert_eq!(
        s.load("f.rs").unwrap().unwrap().ledger.snapshot(),
        back.snapshot()
    );
    let kept = s.recall("f.rs", &meanwhile.text()).unwrap().unwrap();
    assert_eq!(kept.snapshot(), meanwhile.snapshot());
}

/// Only small files' records without a log are read as stored, and only
/// AI attribution counts as AI in encoded runs.
#[test]
fn raw_records_are_small_ones_and_ai_is_seen_in_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("store.db")).unwrap();
    s.save("human.rs", &Ledger::new("fn a() {}\n")).unwrap();
    let human = s.load_raw("human.rs").unwrap().unwrap();
    assert!(!codec::may_hold_ai(&human.runs));
    let mut l = Ledger::new("fn a() {}\n");
    l.apply_edit(0..2, "fn", &ai()).unwrap();
    s.save("ai.rs", &l).unwrap();
    assert!(codec::may_hold_ai(
        &s.load_raw("ai.rs").unwrap().unwrap().runs
    ));
    let big = "x".repeat(log::MIN_LEN);
    s.save("big.rs", &Ledger::new(&big)).unwrap();
    assert!(s.load_raw("big.rs").unwrap().is_none());
    assert!(s.load("big.rs").unwrap().is_some());
    assert!(s.load_raw("missing.rs").unwrap().is_none());
}

/// `ledger` written over what `known` says `path` holds, as the language
/// server's writer writes: what it then knows.
fn write_known(
    store: &mut Store,
    path: &str,
    known: Option<&StoredFile>,
    ledger: &Ledger,
) -> StoredFile {
    let (written, generation) = store
        .update_known(path, known, |_| Ok::<_, StoreError>(Some(ledger.clone())))
        .unwrap();
    StoredFile {
        ledger: written.unwrap(),
        generation,
    }
}

/// A state remembered ahead is in `history` before the write that replaces
/// it, which then does not write it again; a write that replaces another
/// state (someone wrote meanwhile) remembers what it replaces as always.
#[test]
fn remember_ahead_keeps_the_replaced_state_before_the_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let mut mine = Store::open(&db).unwrap();
    let mut l = Ledger::new("fn a() {}\n");
    l.apply_edit(0..0, "// ai\n", &ai()).unwrap();
    let known = write_known(&mut mine, "a.rs", None, &l);
    mine.remember_ahead("a.rs", Some(&known)).unwrap();
    assert_eq!(
        mine.recall("a.rs", &l.text())
            .unwrap()
            .map(|s| s.snapshot()),
        Some(l.snapshot()),
        "remembered before any write replaced it"
    );
    let mut next = l.clone();
    next.apply_edit(0..0, "x", &Attribution::Human).unwrap();
    let known = write_known(&mut mine, "a.rs", Some(&known), &next);
    assert_eq!(mine.history("a.rs").unwrap().len(), 1, "not written twice");
    // Asked ahead, but another process writes first: the write remembers
    // the state it really replaces.
    mine.remember_ahead("a.rs", Some(&known)).unwrap();
    let mut theirs = Ledger::new("theirs\n");
    theirs.apply_edit(0..0, "// ai\n", &ai()).unwrap();
    Store::open(&db).unwrap().save("a.rs", &theirs).unwrap();
    mine.update_known("a.rs", Some(&known), |_| {
        Ok::<_, StoreError>(Some(Ledger::new("mine\n")))
    })
    .unwrap();
    for state in [&l, &next, &theirs] {
        assert!(
            mine.recall("a.rs", &state.text()).unwrap().is_some(),
            "{:?} recallable",
            state.text()
        );
    }
    // Nothing stored: nothing to remember, no error.
    mine.remember_ahead("b.rs", None).unwrap();
}

/// A state remembered ahead of a whole write that folds a log: the log's
/// states go into `history` too, among them one of the same text with less
/// AI; the state replaced is still recalled as it was, AI and all.
#[test]
fn remember_ahead_survives_the_fold_of_a_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("store.db")).unwrap();
    let line = "let value = compute(1) + 1;\n";
    let text = line.repeat(log::MIN_LEN / line.len() + 1);
    let mut first = Ledger::new(&text);
    first
        .mark_ai(0..line.len(), &AiSource::test_agent())
        .unwrap();
    let known = write_known(&mut s, "big.rs", None, &first);
    // Only attribution changes: logged, the same text with more AI.
    let mut state = first.clone();
    let at = 10 * line.len();
    state
        .mark_ai(at..at + line.len(), &AiSource::test_agent())
        .unwrap();
    let known = write_known(&mut s, "big.rs", Some(&known), &state);
    assert_eq!(
        log::logged(&s.conn, &s.path, "big.rs").unwrap(),
        1,
        "logged"
    );
    s.remember_ahead("big.rs", Some(&known)).unwrap();
    // A whole rewrite folds the log.
    write_known(
        &mut s,
        "big.rs",
        Some(&known),
        &Ledger::new(&text.replace("1", "2")),
    );
    let back = s.recall("big.rs", &text).unwrap().expect("remembered");
    assert_eq!(back.snapshot(), state.snapshot());
}

/// Many files changed in one transaction: each gets its stored record as
/// `update` hands it, what `change` returns is written at one generation
/// (a state replaced goes to the history), `None` leaves a file as it
/// was, and a store not on disk yet is created only by a write.
#[test]
fn update_each_writes_many_files_at_one_generation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v/store.db");
    let mut s = Store::open_existing(&path).unwrap();
    let paths = ["a.rs".to_owned(), "b.rs".to_owned(), "c.rs".to_owned()];
    s.update_each(&paths, |_, stored| {
        assert!(stored.is_none());
        Ok::<_, StoreError>(None)
    })
    .unwrap();
    assert!(
        !dir.path().join("v").exists(),
        "nothing written, nothing created"
    );
    s.update_each(&paths[..2], |p, _| {
        let mut l = Ledger::new(&format!("fn {p}() {{}}\n"));
        l.apply_edit(0..0, "// ai\n", &ai()).unwrap();
        Ok::<_, StoreError>(Some(l))
    })
    .unwrap();
    let before = s.generation().unwrap();
    let mut seen = Vec::new();
    s.update_each(&paths, |p, stored| {
        seen.push((p.to_owned(), stored.as_ref().map(|f| f.ledger.text())));
        Ok::<_, StoreError>(match (p, stored) {
            ("a.rs", Some(f)) => {
                let mut l = f.ledger;
                l.reconcile("// ai\nfn a2() {}\n");
                Some(l)
            }
            ("c.rs", None) => Some(Ledger::new("fn c() {}\n")),
            _ => None,
        })
    })
    .unwrap();
    assert_eq!(
        seen,
        [
            ("a.rs".to_owned(), Some("// ai\nfn a.rs() {}\n".to_owned())),
            ("b.rs".to_owned(), Some("// ai\nfn b.rs() {}\n".to_owned())),
            ("c.rs".to_owned(), None),
        ]
    );
    let (a, b, c) = (
        s.load("a.rs").unwrap().unwrap(),
        s.load("b.rs").unwrap().unwrap(),
        s.load("c.rs").unwrap().unwrap(),
    );
    assert_eq!(s.generation().unwrap(), before + 1);
    assert_eq!((a.generation, c.generation), (before + 1, before + 1));
    assert!(b.generation < before + 1, "b.rs left as it was");
    assert_eq!(a.ledger.text(), "// ai\nfn a2() {}\n");
    assert_eq!(a.ledger.regions().len(), 1, "the AI line kept");
    assert!(
        s.recall("a.rs", "// ai\nfn a.rs() {}\n").unwrap().is_some(),
        "the replaced state is remembered"
    );
    // A bad path refuses the whole change before anything is written.
    let err = s
        .update_each(&["d.rs".to_owned(), "../x".to_owned()], |_, _| {
            Ok::<_, StoreError>(Some(Ledger::new("x\n")))
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::BadPath(_)), "{err}");
    assert!(s.load("d.rs").unwrap().is_none());
}
