//! The durable store: every tracked file's text and attribution, in SQLite.
//!
//! Shared by several processes at once (editors' servers, git hooks, the
//! CLI): WAL mode, a busy timeout, short `BEGIN IMMEDIATE` transactions.
//! A write is durable against a killed process once `save` or `update`
//! returns (WAL with `synchronous=NORMAL` survives process death; the OS
//! holds the committed pages).

mod codec;
mod history;
mod log;
mod schema;
mod units;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::ledger::Ledger;
use crate::workspace::{Workspace, is_valid_relative};

pub(crate) use history::Summary;
pub use log::writes_whole;
pub use units::{Named, UnitName, text_key};

/// Why a store operation failed. A failed operation changes nothing.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the store folder {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("store {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "store {path} was written by a newer Vouch (schema {found}; this one understands up to {supported}); upgrade vouch to use it"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "no store is created at {0}: it is the file system root or the home folder (run vouch inside a git repository or a project folder)"
    )]
    NoPlace(PathBuf),
    #[error(
        "store {0} was created by another process at the same moment; nothing written, try again"
    )]
    CreatedMeanwhile(PathBuf),
    #[error("`{0}` is not a workspace-relative path")]
    BadPath(String),
    #[error("stored attribution of `{path}` is damaged: {reason}")]
    Corrupt { path: String, reason: String },
}

impl StoreError {
    /// SQLite reported the database busy or locked by another connection.
    fn is_busy(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite {
                source: rusqlite::Error::SqliteFailure(e, _),
                ..
            } if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            )
        )
    }

    fn sqlite(path: &Path) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The file SQLite keeps beside the database `db`: `db` + `suffix`
/// (`-wal`, `-shm`).
fn beside(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// How long a writer waits for another process's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Past this size the WAL is checkpointed and truncated by whichever process
/// notices (at open or after a write). SQLite's own automatic checkpoint
/// cannot restart the WAL when every writer is a short-lived process (each
/// one recovers the WAL index anew and writes once), so without this the WAL
/// grows forever and every process reads all of it at start.
const WAL_LIMIT: u64 = 4 << 20;

/// Past this size a command that only reads checkpoints the WAL as it opens
/// the store ([`Store::settle_wal`]); agent hooks and the language server,
/// which wait on their writes, keep [`WAL_LIMIT`].
const READER_WAL_LIMIT: u64 = 256 << 10;

/// A file as stored, with the generation of its last write.
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub ledger: Ledger,
    /// Increases with every write to any file; compare to detect others' writes.
    pub generation: i64,
}

/// A small file's record as stored, not decoded ([`Store::load_raw`]).
#[derive(Clone, Debug)]
pub(crate) struct RawRecord {
    pub(crate) text: String,
    /// The encoded runs (see codec.rs).
    pub(crate) runs: Vec<u8>,
    pub(crate) generation: i64,
}

impl RawRecord {
    /// The record decoded, as [`Store::load`] reads it (a raw record has
    /// no logged edits).
    pub(crate) fn decode(self, path: &str) -> Result<StoredFile, StoreError> {
        Ok(StoredFile {
            ledger: decode_record(path, self.text, &self.runs)?,
            generation: self.generation,
        })
    }
}

/// A file's record replaced by a state remembered for its text, both as
/// stored: a branch switch brings hundreds of files back to states they
/// had, and moves them between `files` and `history` without decoding
/// ([`Store::save_all`]).
#[derive(Clone, Debug)]
pub(crate) struct Move {
    pub(crate) path: String,
    /// The record read ([`Store::load_raw`]).
    pub(crate) from: RawRecord,
    /// The state it becomes ([`Store::recall_raw`]).
    pub(crate) text: String,
    pub(crate) runs: Vec<u8>,
}

/// One read transaction over a store's reads ([`Store::reading`]); ended
/// when dropped.
pub struct Reading<'a> {
    conn: &'a Connection,
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        // A read transaction changes nothing: ending it cannot lose data.
        let _ = self.conn.execute_batch("COMMIT");
    }
}

/// An open store. One per process or thread.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Opened by [`Store::open_existing`] where no store file existed: an
    /// empty in-memory store until the first write creates the file.
    deferred: bool,
    /// Commits leave checkpoints to [`Store::checkpoint_if_due`]
    /// ([`Store::checkpoint_when_asked`]).
    checkpoint_later: bool,
    /// States remembered ahead of the write that replaces them (path →
    /// generation, [`Store::remember_ahead`]): that write does not
    /// remember them again.
    ahead: HashMap<String, i64>,
    /// Summaries of remembered states this process worked out
    /// ([`Store::history_unless`]), kept with its next write.
    learned: history::Learned,
}

/// Most states [`Store::remember_ahead`] keeps track of.
const MAX_AHEAD: usize = 64;

impl Store {
    /// Opens (creating if needed) the store of `workspace`.
    pub(crate) fn open_workspace(workspace: &Workspace) -> Result<Store, StoreError> {
        Store::open(&workspace.store_path())
    }

    /// Opens the store at `path` when it exists; otherwise an empty store
    /// that creates the file only when something is written (read-only
    /// commands and a language server that records nothing write nothing).
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        if path.exists() {
            return Store::open(path);
        }
        let err = StoreError::sqlite(path);
        let mut conn = Connection::open_in_memory().map_err(err)?;
        schema::migrate(&mut conn, path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            deferred: true,
            checkpoint_later: false,
            ahead: HashMap::new(),
            learned: Default::default(),
        })
    }

    /// A deferred store switches to the file once it exists (another
    /// process created it) or, with `create`, creates it. Returns whether
    /// the store is now on disk.
    pub fn attach(&mut self, create: bool) -> Result<bool, StoreError> {
        if self.deferred && (create || self.path.exists()) {
            let later = self.checkpoint_later;
            *self = Store::open(&self.path)?;
            if later {
                self.checkpoint_when_asked()?;
            }
        }
        Ok(!self.deferred)
    }

    /// For a long-lived writer whose callers wait for each commit (the
    /// language server's store thread, which holds an answer until the
    /// edits before it are written): a commit no longer checkpoints the
    /// WAL — SQLite's automatic checkpoint is off on this connection and
    /// the size bound is not checked — so no answer waits for a
    /// checkpoint's copy and `fsync`. The writer calls
    /// [`Store::checkpoint_if_due`] once its callers have their answer.
    pub fn checkpoint_when_asked(&mut self) -> Result<(), StoreError> {
        self.checkpoint_later = true;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(StoreError::sqlite(&self.path))
    }

    /// Whether the store is a file (not the empty in-memory one
    /// [`Store::open_existing`] gives where none exists yet).
    pub(crate) fn is_on_disk(&self) -> bool {
        !self.deferred
    }

    /// The checkpoint a commit would have made, for a store whose commits
    /// leave it ([`Store::checkpoint_when_asked`]): the WAL is checkpointed
    /// and truncated once past [`WAL_LIMIT`] (about SQLite's own threshold
    /// of 1,000 pages). Never waits for another process.
    pub fn checkpoint_if_due(&self) {
        if !self.deferred {
            self.truncate_wal_past(WAL_LIMIT);
        }
    }

    /// Opens (creating if needed) the store at `path`, migrating an older schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() && !may_create_at(path) {
            return Err(StoreError::NoPlace(
                path.parent()
                    .and_then(Path::parent)
                    .unwrap_or(path)
                    .to_path_buf(),
            ));
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        // Opening can meet "busy" without SQLite's busy handler waiting:
        // switching a new database to WAL, or several processes creating the
        // store at once. Retry within the same time the busy timeout allows.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        let mut pause = Duration::from_millis(2);
        loop {
            match Self::open_once(path) {
                Err(e) if e.is_busy() && std::time::Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                result => return result,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Store, StoreError> {
        // A store written by a newer Vouch is refused before anything (the
        // switch to WAL below) writes to it. When its `-wal` and `-shm`
        // files are there, reading the version creates nothing, and it is
        // read on the connection kept: the first connection to open a store
        // no other process has open rebuilds the WAL index from the whole
        // WAL (up to `WAL_LIMIT`), so a second connection did that work
        // twice. Otherwise a read-only connection reads it, creating no files.
        let wal_files = beside(path, "-wal").exists() && beside(path, "-shm").exists();
        if !wal_files {
            schema::check_version_read_only(path)?;
        }
        let err = StoreError::sqlite(path);
        let mut conn = Connection::open(path).map_err(err)?;
        let err = || StoreError::sqlite(path);
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err())?;
        // A short-lived CLI process would otherwise checkpoint and delete the
        // WAL on close (four fsyncs, a few ms, for every command and hook);
        // and a store refused below must not be checkpointed as it closes.
        // Committed transactions are in the WAL either way; the WAL is
        // bounded by [`Store::bound_wal`].
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .map_err(err())?;
        if wal_files {
            schema::check_version(&conn, path)?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err())?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err())?;
        schema::migrate(&mut conn, path)?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
            deferred: false,
            checkpoint_later: false,
            ahead: HashMap::new(),
            learned: Default::default(),
        };
        store.bound_wal();
        Ok(store)
    }

    /// The WAL file beside the database.
    fn wal_path(&self) -> PathBuf {
        beside(&self.path, "-wal")
    }

    /// Checkpoints and truncates the WAL when it has grown past [`WAL_LIMIT`]
    /// (one `stat` otherwise). Never waits: when another process is writing,
    /// or reading an older snapshot, the checkpoint is left to a later process.
    fn bound_wal(&self) {
        if !self.checkpoint_later {
            self.truncate_wal_past(WAL_LIMIT);
        }
    }

    /// For a command that only reads (`status`, `check`, `blame`, …): the
    /// WAL is checkpointed and truncated once past [`READER_WAL_LIMIT`].
    /// Every process that opens the store first reads the whole WAL (SQLite
    /// rebuilds its index: about a millisecond per megabyte), so a WAL left
    /// at the writers' bound costs each later command that much, while the
    /// checkpoint is paid once. Never waits for another process; a store
    /// not on disk is left alone.
    pub fn settle_wal(&self) {
        if !self.deferred {
            self.truncate_wal_past(READER_WAL_LIMIT);
        }
    }

    /// Checkpoints and truncates the WAL once it is past `limit` bytes,
    /// without waiting for a busy store.
    fn truncate_wal_past(&self, limit: u64) {
        let big = std::fs::metadata(self.wal_path()).is_ok_and(|m| m.len() > limit);
        if !big || self.conn.busy_timeout(Duration::ZERO).is_err() {
            return;
        }
        // The result row says whether it completed; a busy store is not an error here.
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        let _ = self.conn.busy_timeout(BUSY_TIMEOUT);
    }

    /// Reads until the guard is dropped share one read transaction:
    /// SQLite takes its shared lock and reads the WAL index header once
    /// instead of once per statement (a `vouch status` of 200 files made
    /// 200 read transactions), and every read sees the same state. Writing
    /// needs `&mut self`, so none can start while the guard lives.
    pub fn reading(&self) -> Result<Reading<'_>, StoreError> {
        self.conn
            .execute_batch("BEGIN DEFERRED")
            .map_err(StoreError::sqlite(&self.path))?;
        Ok(Reading { conn: &self.conn })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The size in bytes of the text stored for `path`, if it is tracked,
    /// without reading the text.
    pub(crate) fn text_len(&self, path: &str) -> Result<Option<usize>, StoreError> {
        let len: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT octet_length(text) + IFNULL((SELECT SUM(octet_length(e.text) - e.removed)
                                                      FROM edits e WHERE e.path = files.path), 0)
                 FROM files WHERE path = ?1",
            )
            .and_then(|mut s| s.query_row([path], |r| r.get(0)).optional())
            .map_err(StoreError::sqlite(&self.path))?;
        Ok(len.map(|n| usize::try_from(n).unwrap_or(usize::MAX)))
    }

    /// The stored ledger of `path`, if it is tracked.
    pub fn load(&self, path: &str) -> Result<Option<StoredFile>, StoreError> {
        load(&self.conn, &self.path, path)
    }

    /// `path`'s record as stored, not decoded, when it is a small file's
    /// (under [`log::MIN_LEN`], so never logged as edits); `None` for any
    /// other record or an untracked path ([`Store::load`] reads those).
    pub(crate) fn load_raw(&self, path: &str) -> Result<Option<RawRecord>, StoreError> {
        let row: Option<(String, Vec<u8>, i64, i64)> = self
            .conn
            .prepare_cached(
                "SELECT text, runs, generation,
                        (SELECT COUNT(*) FROM edits e WHERE e.path = files.path)
                 FROM files WHERE path = ?1 AND octet_length(text) < ?2",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![path, i64::try_from(log::MIN_LEN).unwrap_or(i64::MAX)],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
            })
            .map_err(StoreError::sqlite(&self.path))?;
        Ok(row
            .filter(|(.., logged)| *logged == 0)
            .map(|(text, runs, generation, _)| RawRecord {
                text,
                runs,
                generation,
            }))
    }

    /// Stores `ledger` as the attribution of `path`; returns the new generation.
    pub fn save(&mut self, path: &str, ledger: &Ledger) -> Result<i64, StoreError> {
        self.update(path, |_| Ok::<_, StoreError>(Some(ledger.clone())))
            .map(|(_, generation)| generation)
    }

    /// Reads, changes and writes one file's ledger in one transaction, so
    /// concurrent writers lose no update. `change` gets the stored ledger and
    /// its generation (or `None`) and returns the new ledger (`None` leaves the
    /// file as it was). Returns what `change` returned and the generation now
    /// stored (0 when the file is not tracked).
    pub fn update<E>(
        &mut self,
        path: &str,
        change: impl FnOnce(Option<StoredFile>) -> Result<Option<Ledger>, E>,
    ) -> Result<(Option<Ledger>, i64), E>
    where
        E: From<StoreError>,
    {
        self.update_known(path, None, change)
    }

    /// [`Store::update`] by a writer that remembers what it last wrote (or
    /// read) of `path`: while the stored generation is still `known`'s, the
    /// record is not read and decoded again (a large document's write costs
    /// its write alone).
    pub fn update_known<E>(
        &mut self,
        path: &str,
        known: Option<&StoredFile>,
        change: impl FnOnce(Option<StoredFile>) -> Result<Option<Ledger>, E>,
    ) -> Result<(Option<Ledger>, i64), E>
    where
        E: From<StoreError>,
    {
        check_path(path)?;
        // No store file yet: the file is created only when `change` has
        // something to write. Should another process create the store and
        // write this path in the moment between, `change` did not see that
        // write: nothing is written, and the caller tries again.
        let mut decided = None;
        let mut change = Some(change);
        if !self.attach(false)?
            && let Some(change) = change.take()
        {
            match change(None)? {
                None => return Ok((None, 0)),
                Some(ledger) => decided = Some(ledger),
            }
            self.attach(true)?;
        }
        let db = self.path.clone();
        let err = || StoreError::sqlite(&db);
        let tx = write_transaction(&mut self.conn, &db)?;
        // The state being replaced, kept when its text goes away (so a version
        // staged earlier, then rewritten on disk, is still known exactly).
        let mut before = None;
        let mut remember = Remember::Replaced;
        let ledger = match decided {
            Some(_) if load(&tx, &db, path)?.is_some() => {
                return Err(StoreError::CreatedMeanwhile(db).into());
            }
            Some(ledger) => ledger,
            None => {
                let current = current_in(&tx, &db, path, known)?;
                let old_generation = current.as_ref().map_or(0, |f| f.generation);
                before = current.as_ref().map(|f| f.ledger.clone());
                remember = remember_of(&mut self.ahead, path, old_generation);
                let Some(ledger) = change.take().map(|c| c(current)).transpose()?.flatten() else {
                    return Ok((None, old_generation));
                };
                ledger
            }
        };
        let generation = next_generation(&tx, &db)?;
        write_in(&tx, &db, path, (before, remember), &ledger, generation)?;
        history::keep_learned(&self.learned, &db, &tx)?;
        tx.commit().map_err(err())?;
        self.bound_wal();
        Ok((Some(ledger), generation))
    }

    /// [`Store::update`] of many files in one transaction (the post-commit
    /// hook teaches the store each file of a commit; a transaction each
    /// wrote and committed the same pages once per file). `change` gets
    /// each path and its stored record as `update` hands them, and what it
    /// returns is written; every file written gets one generation. A store
    /// not on disk yet takes the files one by one, as `update` does.
    pub fn update_each<E>(
        &mut self,
        paths: &[String],
        mut change: impl FnMut(&str, Option<StoredFile>) -> Result<Option<Ledger>, E>,
    ) -> Result<(), E>
    where
        E: From<StoreError>,
    {
        for path in paths {
            check_path(path)?;
        }
        if !self.attach(false)? {
            for path in paths {
                self.update(path, |stored| change(path, stored))?;
            }
            return Ok(());
        }
        let db = self.path.clone();
        let tx = write_transaction(&mut self.conn, &db)?;
        let mut generation = None;
        for path in paths {
            let current = load(&tx, &db, path)?;
            let old_generation = current.as_ref().map_or(0, |f| f.generation);
            let before = current.as_ref().map(|f| f.ledger.clone());
            let remember = remember_of(&mut self.ahead, path, old_generation);
            let Some(ledger) = change(path, current)? else {
                continue;
            };
            let generation = match generation {
                Some(g) => g,
                None => *generation.insert(next_generation(&tx, &db)?),
            };
            write_in(&tx, &db, path, (before, remember), &ledger, generation)?;
        }
        history::keep_learned(&self.learned, &db, &tx)?;
        tx.commit().map_err(StoreError::sqlite(&db))?;
        self.bound_wal();
        Ok(())
    }

    /// Remembers `path`'s stored state in `history` now, ahead of a write
    /// that will replace it whole (see [`writes_whole`]): the language
    /// server asks while a burst of edits is still arriving, so the write
    /// an answer then waits for holds the new state alone. `known` is what
    /// this writer last wrote, as [`Store::update_known`] takes it. The
    /// write that replaces this very state (same generation) does not
    /// remember it again; any other write remembers what it replaces as
    /// always. A state without AI text is not kept (as in every write).
    pub fn remember_ahead(
        &mut self,
        path: &str,
        known: Option<&StoredFile>,
    ) -> Result<(), StoreError> {
        check_path(path)?;
        // What this writer wrote holds no AI text: nothing to remember, and
        // no write transaction for it (most files typed in). Should another
        // process have written AI text since, the write remembers what it
        // replaces as always.
        if known.is_some_and(|k| k.ledger.regions().is_empty()) || !self.attach(false)? {
            return Ok(());
        }
        let db = self.path.clone();
        let tx = write_transaction(&mut self.conn, &db)?;
        let current = current_in(&tx, &db, path, known)?;
        let Some(current) = current else {
            return Ok(());
        };
        history::remember_in(&tx, &db, path, &current.ledger)?;
        tx.commit().map_err(StoreError::sqlite(&db))?;
        if self.ahead.len() >= MAX_AHEAD {
            self.ahead.clear();
        }
        self.ahead.insert(path.to_owned(), current.generation);
        Ok(())
    }

    /// Stores many files' attribution in one transaction (a branch switch
    /// changes hundreds of files): each as [`Store::save`] stores it,
    /// remembering the state it replaces — the record the caller read, as
    /// [`Store::update_known`] takes it, when no one wrote the file since —
    /// and remembers the `earlier` states (`path`, ledger) without changing
    /// the files.
    ///
    /// `moves` replace small files' records as stored, undecoded; a file
    /// someone wrote since it was read is written as `files` are.
    pub(crate) fn save_all(
        &mut self,
        files: &[(String, Ledger, Option<StoredFile>)],
        moves: &[Move],
        earlier: &[(String, Ledger)],
    ) -> Result<(), StoreError> {
        if files.is_empty()
            && moves.is_empty()
            && earlier.iter().all(|(_, l)| l.regions().is_empty())
        {
            return Ok(());
        }
        for path in files
            .iter()
            .map(|f| &f.0)
            .chain(moves.iter().map(|m| &m.path))
            .chain(earlier.iter().map(|e| &e.0))
        {
            check_path(path)?;
        }
        self.attach(true)?;
        let db = self.path.clone();
        let err = || StoreError::sqlite(&db);
        let tx = write_transaction(&mut self.conn, &db)?;
        for (path, ledger) in earlier {
            history::remember_in(&tx, &db, path, ledger)?;
        }
        // One write: every file it changes gets its generation.
        let generation = next_generation(&tx, &db)?;
        for (path, ledger, known) in files {
            let before = current_in(&tx, &db, path, known.as_ref())?.map(|f| f.ledger);
            write_in(
                &tx,
                &db,
                path,
                (before, Remember::Replaced),
                ledger,
                generation,
            )?;
        }
        for m in moves {
            let small = m.text.len() < log::MIN_LEN;
            if small && generation_of(&tx, &db, &m.path)? == Some(m.from.generation) {
                // As `write_in` does for a small file: the state replaced is
                // remembered when its text goes away and it holds AI text.
                if m.from.text != m.text && codec::may_hold_ai(&m.from.runs) {
                    history::remember_raw_in(&tx, &db, &m.path, &m.from.text, &m.from.runs)?;
                }
                write_raw(&tx, &db, &m.path, &m.text, &m.runs, generation)?;
                continue;
            }
            let ledger = decode_record(&m.path, m.text.clone(), &m.runs)?;
            let before = load(&tx, &db, &m.path)?.map(|f| f.ledger);
            write_in(
                &tx,
                &db,
                &m.path,
                (before, Remember::Replaced),
                &ledger,
                generation,
            )?;
        }
        history::keep_learned(&self.learned, &db, &tx)?;
        tx.commit().map_err(err())?;
        self.bound_wal();
        Ok(())
    }

    /// Whether the store holds any AI text: a file's record holding some,
    /// or any remembered earlier state (only states holding AI text are
    /// kept). One query, nothing decoded: the encoded runs of an AI
    /// attribution always hold `"origin":"ai"` (a name holding those
    /// characters is escaped in JSON, so it can only add a false "yes").
    pub fn holds_ai(&self) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM history)
                     OR EXISTS (SELECT 1 FROM files
                                WHERE instr(runs, CAST('\"origin\":\"ai\"' AS BLOB)) > 0)
                     OR EXISTS (SELECT 1 FROM edits
                                WHERE instr(runs, CAST('\"origin\":\"ai\"' AS BLOB)) > 0)",
            )
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(StoreError::sqlite(&self.path))
    }

    /// Every tracked path, sorted.
    pub fn paths(&self) -> Result<Vec<String>, StoreError> {
        // The names alone, from the tables' path indexes (no record read).
        let err = || StoreError::sqlite(&self.path);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT path FROM files UNION SELECT path FROM edits ORDER BY path")
            .map_err(err())?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(err())?;
        rows.collect::<Result<_, _>>().map_err(err())
    }

    /// The store-wide generation: it grows with every write, from any process.
    pub fn generation(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'generation'", [], |r| {
                r.get(0)
            })
            .map_err(StoreError::sqlite(&self.path))
    }

    /// Paths written after generation `since`, with their generation.
    pub fn generations_since(&self, since: i64) -> Result<BTreeMap<String, i64>, StoreError> {
        let err = || StoreError::sqlite(&self.path);
        // A logged edit's generation is its file's (see log.rs).
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT path, generation FROM files WHERE generation > ?1
                 UNION ALL
                 SELECT path, MAX(generation) FROM edits GROUP BY path HAVING MAX(generation) > ?1",
            )
            .map_err(err())?;
        let rows = stmt
            .query_map([since], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(err())?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (path, generation) = row.map_err(err())?;
            let g = out.entry(path).or_insert(generation);
            *g = (*g).max(generation);
        }
        Ok(out)
    }
}

/// A store outside a git repository lives in `.vouch/` of its folder; never
/// create one at the file system root or in the home folder itself.
fn may_create_at(store: &Path) -> bool {
    let Some(dir) = store.parent() else {
        return true;
    };
    if dir.file_name().is_none_or(|n| n != ".vouch") {
        return true;
    }
    dir.parent().is_some_and(crate::workspace::may_hold_store)
}

fn check_path(path: &str) -> Result<(), StoreError> {
    if is_valid_relative(path) {
        Ok(())
    } else {
        Err(StoreError::BadPath(path.to_owned()))
    }
}

/// The generation of `path`'s record (its last logged edit's, if any),
/// without reading the record.
fn generation_of(conn: &Connection, db: &Path, path: &str) -> Result<Option<i64>, StoreError> {
    conn.prepare_cached(
        "SELECT MAX(generation, IFNULL((SELECT MAX(e.generation) FROM edits e
                                        WHERE e.path = files.path), 0))
         FROM files WHERE path = ?1",
    )
    .and_then(|mut s| s.query_row([path], |r| r.get(0)).optional())
    .map_err(StoreError::sqlite(db))
}

/// Inside a write transaction: the store-wide generation, bumped; the
/// files the transaction writes get it.
fn next_generation(tx: &Connection, db: &Path) -> Result<i64, StoreError> {
    tx.prepare_cached("UPDATE meta SET value = value + 1 WHERE key = 'generation' RETURNING value")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(StoreError::sqlite(db))
}

/// Inside a transaction: `path`'s record, which is `known` (what the
/// caller last wrote or read) while its generation is still the stored
/// one, so it is not read and decoded again; else read from the store.
fn current_in(
    tx: &Connection,
    db: &Path,
    path: &str,
    known: Option<&StoredFile>,
) -> Result<Option<StoredFile>, StoreError> {
    match known {
        Some(k) if generation_of(tx, db, path)? == Some(k.generation) => Ok(Some(k.clone())),
        _ => load(tx, db, path),
    }
}

/// Starts a write transaction on `conn` (the store at `db`), taking the
/// write lock at once.
fn write_transaction<'c>(
    conn: &'c mut Connection,
    db: &Path,
) -> Result<rusqlite::Transaction<'c>, StoreError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::sqlite(db))
}

/// Whether a write remembers the state it replaces in `history`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Remember {
    /// Yes, when its text goes away.
    Replaced,
    /// Not again, it was remembered ahead ([`Store::remember_ahead`]) —
    /// unless the write folds a log, whose states go in after it.
    Already,
}

/// Whether the write replacing `path`'s record of `old_generation`
/// remembers it: not again when [`Store::remember_ahead`] did (the entry
/// is used up either way).
fn remember_of(ahead: &mut HashMap<String, i64>, path: &str, old_generation: i64) -> Remember {
    if ahead.remove(path) == Some(old_generation) {
        Remember::Already
    } else {
        Remember::Replaced
    }
}

/// Inside a write transaction: stores `ledger` as `path`'s attribution at
/// `generation`, remembering `before` (the state it replaces) when its
/// text goes away. A small change to a large file is logged as an edit
/// (see log.rs), which keeps `before` in the log instead.
fn write_in(
    tx: &Connection,
    db: &Path,
    path: &str,
    (before, remember): (Option<Ledger>, Remember),
    ledger: &Ledger,
    generation: i64,
) -> Result<(), StoreError> {
    // A record with a log is at least `log::MIN_LEN` long (only a change
    // leaving it that long is logged), so a smaller or new one has none:
    // most writes skip the query.
    let logged = match &before {
        Some(old) if old.len() >= log::MIN_LEN => log::logged(tx, db, path)?,
        _ => 0,
    };
    if let Some(old) = &before
        && log::append(tx, db, path, (old, logged), ledger, generation)?
    {
        return Ok(());
    }
    log::fold(tx, db, path, logged)?;
    // Folding a log remembers the states it held: the state replaced goes
    // in after them again (newest, and winning a state of the same text),
    // even when it was remembered ahead.
    if let Some(old) = before
        && (remember == Remember::Replaced || logged > 0)
        && old.rope() != ledger.rope()
    {
        history::remember_in(tx, db, path, &old)?;
    }
    write_base(tx, db, path, ledger, generation)
}

/// Writes `ledger` whole as `path`'s record, with no log after it.
fn write_base(
    tx: &Connection,
    db: &Path,
    path: &str,
    ledger: &Ledger,
    generation: i64,
) -> Result<(), StoreError> {
    let snapshot = ledger.snapshot();
    let runs = codec::encode(&snapshot).map_err(|e| StoreError::Corrupt {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    write_raw(tx, db, path, &snapshot.text, &runs, generation)
}

/// Writes `text` and encoded `runs` as `path`'s record, with no log after it.
fn write_raw(
    tx: &Connection,
    db: &Path,
    path: &str,
    text: &str,
    runs: &[u8],
    generation: i64,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO files (path, text, runs, generation) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(path) DO UPDATE SET text = ?2, runs = ?3, generation = ?4",
    )
    .and_then(|mut s| s.execute(params![path, text, runs, generation]))
    .map_err(StoreError::sqlite(db))?;
    Ok(())
}

/// `path`'s record: its base with its logged edits applied.
fn load(conn: &Connection, db: &Path, path: &str) -> Result<Option<StoredFile>, StoreError> {
    let Some((mut ledger, generation, logged)) = read_base(conn, db, path)? else {
        return Ok(None);
    };
    if logged > 0 {
        log::replay(conn, db, path, &mut ledger)?;
    }
    Ok(Some(StoredFile { ledger, generation }))
}

/// `path`'s base alone, without its logged edits.
fn load_base(conn: &Connection, db: &Path, path: &str) -> Result<Option<Ledger>, StoreError> {
    Ok(read_base(conn, db, path)?.map(|(ledger, _, _)| ledger))
}

fn read_base(
    conn: &Connection,
    db: &Path,
    path: &str,
) -> Result<Option<(Ledger, i64, i64)>, StoreError> {
    let row: Option<(String, Vec<u8>, i64, i64)> = conn
        .prepare_cached(
            "SELECT text, runs,
                    MAX(generation, IFNULL((SELECT MAX(e.generation) FROM edits e
                                            WHERE e.path = files.path), 0)),
                    (SELECT COUNT(*) FROM edits e WHERE e.path = files.path)
             FROM files WHERE path = ?1",
        )
        .and_then(|mut s| {
            s.query_row([path], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .optional()
        })
        .map_err(StoreError::sqlite(db))?;
    let Some((text, runs, generation, logged)) = row else {
        return Ok(None);
    };
    Ok(Some((
        decode_record(path, text, &runs)?,
        generation,
        logged,
    )))
}

/// A record or state as stored (`text`, encoded `runs`), decoded into
/// `path`'s ledger.
fn decode_record(path: &str, text: String, runs: &[u8]) -> Result<Ledger, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        path: path.to_owned(),
        reason,
    };
    codec::decode_ledger(&text, runs).map_err(corrupt)
}

#[cfg(test)]
mod tests;
