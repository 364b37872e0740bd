//! The main loop: it owns the [`Session`] and is the only code that touches
//! it. Everything arrives as an [`Event`] on one channel — frames from the
//! reader thread, and the results of work done off the loop (store writes,
//! syntax parses, review-range verification, approvals) — and the loop waits
//! for the next event or the next deadline (publish diagnostics, write
//! when idle, poll the store, verify the review range), whichever comes
//! first. Messages are handled one at a time, in wire order, by the dispatch
//! table ([`super::handlers::dispatch`]); no lock exists.
//!
//! Nothing on the loop waits for SQLite's write lock: documents are written
//! by the writer thread from snapshots ([`Session::write_jobs`]); an answer
//! to a request is computed at once, in order, and held until the writes of
//! the state it follows are done (durability: what preceded an answer
//! survives a `kill -9`), while later keystrokes go on being applied.

use std::collections::{HashMap, VecDeque};
use std::io::{BufReader, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use ls_types::PublishDiagnosticsParams;

use super::documents::{SyntaxJob, Written};
use super::handlers::{Dispatch, dispatch};
use super::review::{self, Findings};
use super::rpc::{self, Id};
use super::session::{Session, WriteJob};
use super::transport::{self, Ending};
use vouch_core::ledger::merge;
use vouch_core::store::{Store, StoreError, StoredFile};
use vouch_core::syntax::SyntaxTree;

/// Quiet time before diagnostics are published (the contract allows 100 ms
/// after the last change).
const PUBLISH_DELAY: Duration = Duration::from_millis(40);
/// Longest wait for a quiet moment while changes keep coming.
const PUBLISH_MAX: Duration = Duration::from_millis(90);
/// Idle time before unwritten changes are written to the store.
const FLUSH_DELAY: Duration = Duration::from_millis(200);
/// Longest wait for an idle moment while changes keep coming.
const FLUSH_MAX: Duration = Duration::from_secs(2);
/// How often the review range is verified again while one is set.
const REVIEW_INTERVAL: Duration = Duration::from_secs(10);
/// How often the store is checked for other processes' writes.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Files whose last write the store thread keeps in memory (see
/// `Store::update_known`); past this many it starts afresh.
const RECENT_WRITES: usize = 32;

/// Most frames the reader hands over at once: a long burst is applied while
/// its tail is still being read.
const MAX_BATCH: usize = 128;

/// Everything the loop reacts to.
pub(crate) enum Event {
    /// Messages from the reader thread, decoded, in wire order (each one, or
    /// the error answer a broken frame or body gets): all it could read
    /// without waiting (at most [`MAX_BATCH`]), so a burst of keystrokes
    /// costs few hand-overs between threads, not one each.
    Messages(Batch),
    /// The client closed the input.
    InputEnded,
    /// The writer thread finished batch `batch`.
    Written {
        batch: u64,
        results: Vec<WriteResult>,
    },
    /// Parses done off the loop, by document key.
    Parsed(Vec<(String, Option<SyntaxTree>)>),
    /// The review range verified, per store (`None`: no range set).
    Reviewed(Option<HashMap<usize, Findings>>),
    /// A `vouch.approveRange` call finished: its answer.
    Approved(String),
}

/// Work for the store thread.
pub(crate) enum StoreJob {
    /// Write these snapshots (the answers held for batch `.0` wait on it).
    Write(u64, Vec<WriteJob>),
    /// Remember these stored states (store file, path) ahead of the
    /// writes that will replace them (`Store::remember_ahead`).
    RememberAhead(Vec<(std::path::PathBuf, String)>),
}

/// Messages read together.
pub(crate) type Batch = Vec<Result<rpc::Incoming, rpc::Refused>>;

/// One document's write.
pub(crate) struct WriteResult {
    key: String,
    store: usize,
    seq: u64,
    outcome: Result<Written, StoreError>,
}

/// Where the session is in the protocol's life.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Before `initialize`: requests get `-32002`.
    Uninitialized,
    Running,
    /// After `shutdown`: requests get `-32600`.
    ShutDown,
}

/// What handling a message asks of the loop.
pub(crate) enum Flow {
    Continue,
    Exit(Ending),
}

pub(crate) struct MainLoop {
    pub(crate) session: Session,
    pub(crate) phase: Phase,
    events: Receiver<Event>,
    /// For work sent off the loop to report back.
    sender: Sender<Event>,
    /// Bodies for the output thread (`None`: the session is over).
    out: Sender<Option<String>>,
    writer: Sender<StoreJob>,
    /// Handled messages, back to the reader thread that allocated them.
    spent: Sender<Batch>,
    batches_sent: u64,
    batches_done: u64,
    /// Answers waiting for a write batch (FIFO; batch ids only grow).
    held: VecDeque<(u64, String)>,
    /// The last state change, and the first one not yet published.
    last_change: Option<Instant>,
    unpublished_since: Option<Instant>,
    /// The first change not yet handed to the writer.
    unwritten_since: Option<Instant>,
    next_poll: Instant,
    next_review: Option<Instant>,
    reviewing: bool,
    /// Parses are out; diagnostics wait for them.
    parsing: bool,
    shutdown_seen: bool,
    next_request_id: i64,
}

/// Serves LSP on `input`/`output` until `exit` or the end of input.
pub(crate) fn serve(
    input: impl Read + Send + 'static,
    output: impl Write + Send + 'static,
    logs: Option<Receiver<(ls_types::MessageType, String)>>,
) -> Ending {
    let (events_tx, events) = channel();
    let reader_tx = events_tx.clone();
    let (spent, spent_rx) = channel();
    std::thread::Builder::new()
        .name("lsp-reader".into())
        .spawn(move || read_frames(input, &reader_tx, &spent_rx))
        .ok();
    let (out, out_rx) = channel::<Option<String>>();
    let output_thread = std::thread::Builder::new()
        .name("lsp-writer".into())
        .spawn(move || write_frames(output, &out_rx))
        .ok();
    if let Some(logs) = logs {
        let out = out.clone();
        std::thread::Builder::new()
            .name("lsp-log".into())
            .spawn(move || {
                for (typ, message) in logs {
                    let params = ls_types::LogMessageParams { typ, message };
                    if let Some(body) = rpc::notification("window/logMessage", &params)
                        && out.send(Some(body)).is_err()
                    {
                        break;
                    }
                }
            })
            .ok();
    }
    let (writer, jobs) = channel();
    let store_tx = events_tx.clone();
    let store_thread = std::thread::Builder::new()
        .name("lsp-store".into())
        .spawn(move || write_documents(&jobs, &store_tx))
        .ok();
    let mut lp = MainLoop {
        session: Session::default(),
        phase: Phase::Uninitialized,
        events,
        sender: events_tx,
        out,
        writer,
        spent,
        batches_sent: 0,
        batches_done: 0,
        held: VecDeque::new(),
        last_change: None,
        unpublished_since: None,
        unwritten_since: None,
        next_poll: Instant::now() + POLL_INTERVAL,
        next_review: None,
        reviewing: false,
        parsing: false,
        shutdown_seen: false,
        next_request_id: 0,
    };
    let ending = lp.run();
    // Everything pending is written, every held answer sent.
    lp.write_now();
    lp.wait_for_writes();
    let MainLoop { out, writer, .. } = lp;
    drop(writer);
    if let Some(t) = store_thread {
        let _ = t.join();
    }
    // Log lines may still come from other threads: end the output thread
    // explicitly.
    let _ = out.send(None);
    if let Some(t) = output_thread {
        let _ = t.join();
    }
    ending
}

/// The reader thread: frames into the loop's channel until the input ends.
/// Frames already in the buffer go together; the batch is sent before any
/// read that could wait.
fn read_frames(input: impl Read, tx: &Sender<Event>, spent: &Receiver<Batch>) {
    let mut input = BufReader::with_capacity(64 * 1024, input);
    let mut prefix_read = false;
    let mut batch = Vec::new();
    loop {
        // Messages the loop is done with are freed here, where they were
        // allocated: glibc frees another thread's memory slowly.
        while let Ok(done) = spent.try_recv() {
            drop(done);
        }
        if (input.buffer().is_empty() || batch.len() >= MAX_BATCH)
            && !batch.is_empty()
            && tx
                .send(Event::Messages(std::mem::take(&mut batch)))
                .is_err()
        {
            return;
        }
        match transport::read_frame(&mut input, &mut prefix_read) {
            Ok(Some(Ok(body))) => batch.push(rpc::decode(&body)),
            Ok(Some(Err(reason))) => {
                tracing::error!("bad message frame: {reason}");
                batch.push(Err(rpc::Refused::parse_error()));
            }
            Ok(None) => break,
            Err(e) => {
                tracing::error!("cannot read stdin: {e}");
                break;
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(Event::Messages(batch));
    }
    let _ = tx.send(Event::InputEnded);
}

/// The output thread: one frame per body, flushed when nothing else waits.
fn write_frames(output: impl Write, rx: &Receiver<Option<String>>) {
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, output);
    while let Ok(Some(body)) = rx.recv() {
        if transport::write_frame(&mut w, &body).is_err() {
            return;
        }
        loop {
            match rx.try_recv() {
                Ok(Some(body)) => {
                    if transport::write_frame(&mut w, &body).is_err() {
                        return;
                    }
                }
                Ok(None) => {
                    let _ = w.flush();
                    return;
                }
                Err(_) => break,
            }
        }
        if w.flush().is_err() {
            return;
        }
    }
    let _ = w.flush();
}

/// The store thread's open store of `path`, opened on first use.
fn store_at<'s>(
    stores: &'s mut HashMap<std::path::PathBuf, Store>,
    path: &std::path::Path,
) -> Result<&'s mut Store, StoreError> {
    match stores.entry(path.to_path_buf()) {
        std::collections::hash_map::Entry::Occupied(e) => Ok(e.into_mut()),
        std::collections::hash_map::Entry::Vacant(v) => {
            let mut s = Store::open_existing(path)?;
            s.checkpoint_when_asked()?;
            Ok(v.insert(s))
        }
    }
}

/// The store thread: writes each batch of document snapshots, each in one
/// transaction (SQLite's busy timeout is spent here, never on the loop),
/// merging first where another process wrote the file since; and
/// remembers stored states ahead of the writes that will replace them.
fn write_documents(jobs: &Receiver<StoreJob>, tx: &Sender<Event>) {
    let mut stores: HashMap<std::path::PathBuf, Store> = HashMap::new();
    // The generation this thread last wrote per file: a snapshot taken
    // before that write came back is not "someone else's" change.
    let mut own: HashMap<(std::path::PathBuf, String), i64> = HashMap::new();
    // What it last wrote of the files it writes often (bounded): while the
    // stored generation is still that one, the record is not read back.
    let mut recent: HashMap<(std::path::PathBuf, String), StoredFile> = HashMap::new();
    while let Ok(job) = jobs.recv() {
        let (batch, list) = match job {
            StoreJob::Write(batch, list) => (batch, list),
            StoreJob::RememberAhead(files) => {
                for (store_path, rel) in files {
                    let known = recent.get(&(store_path.clone(), rel.clone()));
                    if let Err(e) = store_at(&mut stores, &store_path)
                        .and_then(|s| s.remember_ahead(&rel, known))
                    {
                        tracing::warn!("{rel}: cannot remember its stored state: {e}");
                    }
                }
                continue;
            }
        };
        if recent.len() > RECENT_WRITES {
            recent.clear();
        }
        let mut results = Vec::with_capacity(list.len());
        // The files written, whose edit logs may be due for folding.
        let mut written = Vec::with_capacity(list.len());
        for w in list {
            let WriteJob {
                key,
                store_path,
                job,
            } = w;
            let store = match store_at(&mut stores, &store_path) {
                Ok(s) => s,
                Err(e) => {
                    results.push(WriteResult {
                        key,
                        store: job.place.store,
                        seq: job.seq,
                        outcome: Err(e),
                    });
                    continue;
                }
            };
            written.push((store_path.clone(), job.place.rel.clone()));
            let own_key = (store_path, job.place.rel.clone());
            let base = own
                .get(&own_key)
                .copied()
                .map_or(job.last_gen, |g| g.max(job.last_gen));
            let mut merged = None;
            let ledger = job.ledger;
            let outcome = store
                .update_known(
                    &job.place.rel,
                    recent.get(&own_key),
                    |stored| match stored {
                        None if ledger.regions().is_empty() => Ok::<_, StoreError>(None),
                        Some(s) if s.generation != base => {
                            let m = merge(&ledger, &s.ledger, true);
                            merged = Some(m.clone());
                            Ok(Some(m))
                        }
                        _ => Ok(Some(ledger)),
                    },
                )
                .map(|(written, generation)| {
                    let generation = written.map(|ledger| {
                        own.insert(own_key.clone(), generation);
                        recent.insert(own_key, StoredFile { ledger, generation });
                        generation
                    });
                    Written { generation, merged }
                });
            if let Err(e) = &outcome {
                tracing::error!("{}: cannot write the store: {e}", job.place.rel);
            }
            results.push(WriteResult {
                key,
                store: job.place.store,
                seq: job.seq,
                outcome,
            });
        }
        if tx.send(Event::Written { batch, results }).is_err() {
            return;
        }
        // Answers are on their way: now long edit logs may be folded and
        // the WAL checkpointed.
        for (store_path, rel) in written {
            if let Some(store) = stores.get_mut(&store_path)
                && let Err(e) = store.fold_log(&rel)
            {
                tracing::error!("{rel}: cannot fold its edit log: {e}");
            }
        }
        for store in stores.values() {
            store.checkpoint_if_due();
        }
    }
}

impl MainLoop {
    fn run(&mut self) -> Ending {
        loop {
            let event = match self.next_deadline() {
                Some(at) => {
                    match self
                        .events
                        .recv_timeout(at.saturating_duration_since(Instant::now()))
                    {
                        Ok(e) => Some(e),
                        Err(RecvTimeoutError::Timeout) => None,
                        Err(RecvTimeoutError::Disconnected) => return Ending::EndOfInput,
                    }
                }
                None => match self.events.recv() {
                    Ok(e) => Some(e),
                    Err(_) => return Ending::EndOfInput,
                },
            };
            if let Some(event) = event
                && let Flow::Exit(ending) = self.on_event(event)
            {
                return ending;
            }
            self.on_deadlines(Instant::now());
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        let publish = self.publish_deadline().filter(|_| !self.parsing);
        let flush = self.unwritten_since.map(|first| {
            let quiet = self.last_change.unwrap_or(first) + FLUSH_DELAY;
            quiet.min(first + FLUSH_MAX)
        });
        let poll = (self.phase == Phase::Running).then_some(self.next_poll);
        let review = self.next_review.filter(|_| !self.reviewing);
        [publish, flush, poll, review].into_iter().flatten().min()
    }

    fn publish_deadline(&self) -> Option<Instant> {
        let first = self.unpublished_since?;
        let quiet = self.last_change.unwrap_or(first) + PUBLISH_DELAY;
        Some(quiet.min(first + PUBLISH_MAX))
    }

    fn on_event(&mut self, event: Event) -> Flow {
        match event {
            Event::Messages(mut messages) => {
                for msg in &mut messages {
                    let flow = match msg {
                        Ok(msg) => self.on_message(msg),
                        Err(refused) => {
                            self.send(rpc::error_body(refused.code, refused.message, &refused.id));
                            Flow::Continue
                        }
                    };
                    if let Flow::Exit(ending) = flow {
                        return Flow::Exit(ending);
                    }
                }
                // Freed by the thread that allocated them.
                let _ = self.spent.send(messages);
            }
            Event::InputEnded => return Flow::Exit(Ending::EndOfInput),
            Event::Written { batch, results } => self.on_written(batch, results),
            Event::Parsed(trees) => {
                self.parsing = false;
                for (key, tree) in trees {
                    self.session.return_syntax(&key, tree);
                }
                self.publish();
            }
            Event::Reviewed(found) => {
                self.reviewing = false;
                if self.session.set_review(found.unwrap_or_default()) {
                    self.changed();
                }
            }
            Event::Approved(body) => {
                self.send(body);
                self.next_review = Some(Instant::now());
            }
        }
        self.after_message();
        Flow::Continue
    }

    /// One message, in wire order, through the dispatch table.
    fn on_message(&mut self, msg: &mut rpc::Incoming) -> Flow {
        let Some(method) = msg.method.take() else {
            // A response to one of our requests (code lens refresh): nothing
            // waits for it.
            return Flow::Continue;
        };
        if method == "exit" {
            return Flow::Exit(if self.shutdown_seen {
                Ending::Exit
            } else {
                Ending::ExitWithoutShutdown
            });
        }
        let name = method.as_ref();
        match (&msg.id, self.phase) {
            (Some(id), Phase::Uninitialized) if name != "initialize" => {
                self.answer(rpc::error_body(
                    rpc::SERVER_NOT_INITIALIZED,
                    "Server not initialized",
                    id,
                ));
            }
            (Some(id), Phase::Running) if name == "initialize" => {
                self.answer(rpc::error_body(rpc::INVALID_REQUEST, "Invalid request", id));
            }
            (Some(id), Phase::ShutDown) => {
                self.answer(rpc::error_body(rpc::INVALID_REQUEST, "Invalid request", id));
            }
            (None, Phase::Uninitialized) => {}
            _ => {
                let mut d = Dispatch::new(self, msg, name);
                dispatch(&mut d);
                if name == "shutdown" {
                    self.shutdown_seen = true;
                    self.phase = Phase::ShutDown;
                } else if self.phase == Phase::Uninitialized && self.session.initialized() {
                    self.phase = Phase::Running;
                }
            }
        }
        msg.method = Some(method);
        self.after_message();
        Flow::Continue
    }

    /// What handlers asked for: writes now, a review-range verification,
    /// an approval off the loop.
    fn after_message(&mut self) {
        let effects = self.session.take_effects();
        if !effects.remember_ahead.is_empty() {
            let _ = self
                .writer
                .send(StoreJob::RememberAhead(effects.remember_ahead));
        }
        if effects.flush_now {
            self.write_now();
        }
        if effects.review_due {
            self.next_review = Some(Instant::now());
        }
    }

    /// Runs a handler on the session; a panic becomes an internal error.
    pub(crate) fn run_handler<T>(
        &mut self,
        method: &str,
        f: impl FnOnce(&mut Session) -> rpc::Result<T>,
    ) -> rpc::Result<T> {
        catch_unwind(AssertUnwindSafe(|| f(&mut self.session))).unwrap_or_else(|_| {
            tracing::error!("internal error while handling {method}");
            Err(rpc::Error::internal_error())
        })
    }

    /// A state change: diagnostics and a write become due.
    pub(crate) fn changed(&mut self) {
        let now = Instant::now();
        self.last_change = Some(now);
        self.unpublished_since.get_or_insert(now);
        self.unwritten_since.get_or_insert(now);
    }

    /// Answers a request once the state it follows is in the store.
    pub(crate) fn answer(&mut self, body: String) {
        if self.session.has_unwritten() {
            self.write_now();
        }
        if self.batches_sent > self.batches_done {
            self.held.push_back((self.batches_sent, body));
        } else {
            self.send(body);
        }
    }

    /// Runs a `vouch.approveRange` job off the loop; answers `id` when done.
    pub(crate) fn approve_later(&mut self, id: Id, job: review::ApproveJob) {
        let tx = self.sender.clone();
        std::thread::spawn(move || {
            let result = review::approve(&job.root, &job.spec, job.rel.as_deref(), job.lines);
            let body = match result {
                Ok(signed) => rpc::response(
                    &id,
                    Ok(super::ext::ApproveResult {
                        principal: signed.principal,
                        key: signed.key,
                        lines: signed.lines,
                        files: signed.files,
                    }),
                ),
                Err(e) => rpc::response::<()>(&id, Err(rpc::Error::invalid_params(e))),
            };
            let _ = tx.send(Event::Approved(body));
        });
    }

    fn send(&self, body: String) {
        let _ = self.out.send(Some(body));
    }

    /// Hands every unwritten document to the store thread.
    fn write_now(&mut self) {
        self.unwritten_since = None;
        let jobs = self.session.write_jobs();
        if jobs.is_empty() {
            return;
        }
        self.batches_sent += 1;
        if self
            .writer
            .send(StoreJob::Write(self.batches_sent, jobs))
            .is_err()
        {
            tracing::error!("the store thread has stopped; changes are not written");
            self.batches_done = self.batches_sent;
        }
    }

    fn on_written(&mut self, batch: u64, results: Vec<WriteResult>) {
        self.batches_done = self.batches_done.max(batch);
        let mut merged = false;
        // A failed write was logged by the store thread; the document stays
        // dirty and is written again with the next change, request, save or
        // close (not retried on a timer: a broken store would log forever).
        for r in results {
            if let Ok(w) = r.outcome {
                merged |= w.merged.is_some();
                self.session.written(&r.key, r.store, r.seq, w);
            }
        }
        if merged {
            self.changed();
        }
        while let Some((b, _)) = self.held.front()
            && *b <= self.batches_done
        {
            if let Some((_, body)) = self.held.pop_front() {
                self.send(body);
            }
        }
    }

    /// Blocks until every batch sent is written (the end of the session).
    fn wait_for_writes(&mut self) {
        while self.batches_done < self.batches_sent {
            match self.events.recv() {
                Ok(Event::Written { batch, results }) => self.on_written(batch, results),
                Ok(Event::Approved(body)) => self.send(body),
                Ok(_) => {}
                Err(_) => break,
            }
        }
        for (_, body) in std::mem::take(&mut self.held) {
            self.send(body);
        }
    }

    fn on_deadlines(&mut self, now: Instant) {
        if let Some(at) = self.publish_deadline()
            && !self.parsing
            && now >= at
        {
            // At a quiet moment, hand what the diagnostics will show to the
            // writer first (a `vouch review` run as soon as they appear
            // finds that text), without waiting for it.
            let quiet = self.last_change.is_none_or(|c| now >= c + PUBLISH_DELAY);
            if quiet && self.session.has_unwritten() {
                self.write_now();
            }
            self.unpublished_since = None;
            self.parse_then_publish();
        }
        if let Some(first) = self.unwritten_since {
            let quiet = self.last_change.unwrap_or(first) + FLUSH_DELAY;
            if now >= quiet.min(first + FLUSH_MAX) {
                self.write_now();
            }
        }
        if self.phase == Phase::Running && now >= self.next_poll {
            self.next_poll = now + POLL_INTERVAL;
            // Our own writes in flight would look like another process's.
            if self.batches_done == self.batches_sent && self.session.poll_stores() {
                self.changed();
            }
        }
        if let Some(at) = self.next_review
            && !self.reviewing
            && now >= at
        {
            self.start_review();
        }
    }

    /// Reparses stale trees off the loop, then publishes; publishes at once
    /// when nothing needs parsing.
    fn parse_then_publish(&mut self) {
        let jobs: Vec<(String, SyntaxJob)> = self.session.syntax_jobs();
        if jobs.is_empty() {
            self.publish();
            return;
        }
        self.parsing = true;
        let tx = self.sender.clone();
        std::thread::spawn(move || {
            let trees = jobs.into_iter().map(|(k, j)| (k, j.run())).collect();
            let _ = tx.send(Event::Parsed(trees));
        });
    }

    fn publish(&mut self) {
        let due = self.session.take_due_diagnostics();
        let published = !due.is_empty();
        for (uri, diagnostics, version) in due {
            let params = PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            };
            if let Some(body) = rpc::notification("textDocument/publishDiagnostics", &params) {
                self.send(body);
            }
        }
        // Code lenses count unreviewed lines: ask the client to re-request
        // them (its answer is not waited for).
        if published && self.session.code_lens_refresh() {
            self.next_request_id += 1;
            self.send(format!(
                r#"{{"jsonrpc":"2.0","id":"vouch-{}","method":"workspace/codeLens/refresh"}}"#,
                self.next_request_id
            ));
        }
    }

    /// Verifies the review range off the loop (git and notes: slow).
    fn start_review(&mut self) {
        let targets = self.session.review_targets();
        self.next_review = targets.as_ref().map(|_| Instant::now() + REVIEW_INTERVAL);
        let Some((spec, roots)) = targets else {
            if self.session.set_review(Default::default()) {
                self.changed();
            }
            return;
        };
        self.reviewing = true;
        let tx = self.sender.clone();
        std::thread::spawn(move || {
            let mut out = HashMap::new();
            for (store, root) in roots {
                match review::findings(&root, &spec) {
                    Ok(f) => {
                        out.insert(store, f);
                    }
                    Err(e) => tracing::warn!("review range {spec}: {e}"),
                }
            }
            let _ = tx.send(Event::Reviewed(Some(out)));
        });
    }
}
