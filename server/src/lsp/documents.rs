//! One open document: its ledger, version, recent history, and the AI
//! notices waiting for a version that has not arrived yet.

use std::ops::Range;

use ls_types::{Range as LspRange, TextDocumentContentChangeEvent, Uri};

use super::position::{Encoding, to_edit_range, to_range};
use vouch_core::ledger::{
    AiSource, Attribution, Edit, History, Ledger, align, edits_from_pieces, map_ranges, merge,
};
use vouch_core::store::writes_whole;
use vouch_core::syntax::{Language, SyntaxTree, TextEdit};

/// How many early `vouch/didAcceptAi` notices a document holds at most.
const MAX_HELD: usize = 256;

/// Where a document is persisted: a workspace store and a relative path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) store: usize,
    pub(crate) rel: String,
}

/// A `vouch/didAcceptAi` notice for a version not seen yet.
#[derive(Clone, Debug)]
struct Held {
    version: i32,
    ranges: Vec<LspRange>,
    source: AiSource,
}

/// A snapshot of a document to write to its store, off the main loop.
pub(crate) struct FlushJob {
    pub(crate) place: Place,
    pub(crate) ledger: Ledger,
    /// Generation of the stored record the snapshot was based on: a stored
    /// record of another generation was written by someone else and is
    /// merged first.
    pub(crate) last_gen: i64,
    /// The document's change count at the snapshot.
    pub(crate) seq: u64,
}

/// What writing a [`FlushJob`] did.
pub(crate) struct Written {
    /// Generation now stored (`None`: nothing was written).
    pub(crate) generation: Option<i64>,
    /// Another process had written the file: what was written instead, the
    /// snapshot merged with that record.
    pub(crate) merged: Option<Ledger>,
}

/// One open document. Its fields are private: every change of the ledger
/// goes through a method that keeps the bookkeeping true (unwritten changes
/// counted, diagnostics due, the stored generation known).
pub(crate) struct Doc {
    uri: Uri,
    ledger: Ledger,
    version: i32,
    /// `None`: in memory only (outside the workspace folders, or not `file:`).
    place: Option<Place>,
    /// Local changes made so far; the document is dirty (has changes not
    /// yet in the store) while `changes != written`.
    changes: u64,
    /// The change count last written to the store (or found equal to it).
    written: u64,
    /// Generation of the stored record this server last read or wrote.
    last_gen: i64,
    history: History,
    held: Vec<Held>,
    /// Diagnostics need publishing.
    diag_due: bool,
    /// Length of a newer text another process stored (an agent's write the
    /// editor has not loaded yet); when the buffer reaches that length its
    /// text is compared with the record.
    foreign_len: Option<usize>,
    /// The negotiated position encoding.
    enc: Encoding,
    /// Parse of the text, updated incrementally with each change; `None`
    /// for languages without a grammar (line ranges only), and until the
    /// document first holds AI text (a tree costs ~10 bytes per byte of
    /// text, and only AI regions are ever named).
    syntax: Option<SyntaxTree>,
    /// The document's language when its grammar is compiled in.
    language: Option<Language>,
    /// The tree is out for a parse off the main loop.
    lent: bool,
    /// The bytes changed since the last snapshot handed to the writer (in
    /// the current text), and that snapshot's length: enough to tell
    /// whether the next write replaces the stored state whole.
    unwritten: Option<Range<usize>>,
    snapshot_len: usize,
    /// Where remembering the stored state ahead of the write that will
    /// replace it stands.
    ahead: Ahead,
}

/// Remembering a document's stored state ahead of the write that will
/// replace it whole ([`Doc::ask_ahead`]), since its last snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ahead {
    NotAsked,
    /// Due: the changes are sure to be written whole.
    Asked,
    /// Handed to the store thread.
    Sent,
}

/// A parse to run off the main loop.
pub(crate) enum SyntaxJob {
    /// An incremental reparse of an edited tree.
    Reparse(SyntaxTree, ropey::Rope),
    /// A first parse.
    Parse(Language, ropey::Rope),
}

impl SyntaxJob {
    pub(crate) fn run(self) -> Option<SyntaxTree> {
        match self {
            SyntaxJob::Reparse(mut tree, rope) => {
                tree.reparse(&rope);
                Some(tree)
            }
            SyntaxJob::Parse(lang, rope) => SyntaxTree::parse_rope(lang, &rope),
        }
    }
}

/// What a full-document replacement found in the store.
pub(crate) enum Replacement {
    /// The stored record has exactly the new text: adopt it.
    Adopt(Ledger, i64),
    /// Reconcile by diff.
    Reconcile,
}

impl Doc {
    /// A document opened with `ledger` (see [`Doc::set_stored`]). It is
    /// parsed when first needed ([`Doc::lend_syntax`], [`Doc::refresh_syntax`]).
    pub(crate) fn new(
        uri: Uri,
        version: i32,
        ledger: Ledger,
        place: Option<Place>,
        enc: Encoding,
    ) -> Doc {
        let history = History::new(version);
        let language = Language::from_path(uri.path().as_str()).filter(|l| l.has_grammar());
        let snapshot_len = ledger.len();
        Doc {
            uri,
            ledger,
            version,
            place,
            changes: 0,
            written: 0,
            last_gen: 0,
            history,
            held: Vec::new(),
            diag_due: true,
            foreign_len: None,
            enc,
            syntax: None,
            language,
            lent: false,
            unwritten: None,
            snapshot_len,
            ahead: Ahead::NotAsked,
        }
    }

    /// Records what the store holds for this document when it was opened:
    /// the record's generation, and whether the ledger differs from it.
    pub(crate) fn set_stored(&mut self, generation: i64, differs: bool) {
        self.last_gen = generation;
        self.changes = self.written + u64::from(differs);
    }

    pub(crate) fn uri(&self) -> &Uri {
        &self.uri
    }

    pub(crate) fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub(crate) fn version(&self) -> i32 {
        self.version
    }

    pub(crate) fn place(&self) -> Option<&Place> {
        self.place.as_ref()
    }

    /// Local changes not yet written to the store.
    pub(crate) fn is_dirty(&self) -> bool {
        self.changes != self.written
    }

    /// Generation of the stored record this server last read or wrote.
    pub(crate) fn last_gen(&self) -> i64 {
        self.last_gen
    }

    pub(crate) fn diagnostics_due(&self) -> bool {
        self.diag_due
    }

    /// Diagnostics must be published again (settings or findings changed).
    pub(crate) fn mark_diagnostics_due(&mut self) {
        self.diag_due = true;
    }

    /// Returns whether diagnostics were due, and clears that.
    pub(crate) fn take_diagnostics_due(&mut self) -> bool {
        std::mem::take(&mut self.diag_due)
    }

    /// Another process stored a newer text of this file and the buffer has
    /// just reached its length: time to compare the texts.
    pub(crate) fn reached_foreign_len(&self) -> bool {
        self.foreign_len == Some(self.ledger.len())
    }

    pub(crate) fn has_foreign(&self) -> bool {
        self.foreign_len.is_some()
    }

    /// Changes the ledger through `f` (review, mark, forget); when `f`
    /// reports a change (bytes changed > 0), the document is dirty and its
    /// diagnostics due.
    pub(crate) fn edit_ledger<E>(
        &mut self,
        f: impl FnOnce(&mut Ledger) -> Result<usize, E>,
    ) -> Result<usize, E> {
        let changed = f(&mut self.ledger)?;
        if changed > 0 {
            self.changed();
        }
        Ok(changed)
    }

    fn changed(&mut self) {
        self.changes += 1;
        self.diag_due = true;
    }

    /// Adopts a stored record of this file (another process's write, or
    /// what this server's own write merged): merged into the buffer
    /// ([`merge`]), its generation remembered.
    pub(crate) fn adopt(&mut self, stored: &Ledger, generation: i64) {
        let same_text = stored.rope() == self.ledger.rope();
        self.restart_unwritten(stored.len(), same_text);
        self.ledger = merge(&self.ledger, stored, self.is_dirty());
        self.last_gen = generation;
        self.foreign_len = (!same_text).then(|| stored.len());
        self.diag_due = true;
    }

    /// A snapshot to write, when there are unwritten changes. A document
    /// kept in memory only is clean at once.
    pub(crate) fn flush_job(&mut self) -> Option<FlushJob> {
        if !self.is_dirty() {
            return None;
        }
        let Some(place) = self.place.clone() else {
            self.written = self.changes;
            return None;
        };
        self.unwritten = None;
        self.snapshot_len = self.ledger.len();
        self.ahead = Ahead::NotAsked;
        Some(FlushJob {
            place,
            ledger: self.ledger.clone(),
            last_gen: self.last_gen,
            seq: self.changes,
        })
    }

    /// The store wrote the snapshot of change count `seq`.
    pub(crate) fn written(&mut self, seq: u64, written: Written) {
        self.written = self.written.max(seq);
        if let Some(generation) = written.generation {
            self.last_gen = generation;
        }
        if let Some(merged) = written.merged {
            self.restart_unwritten(merged.len(), false);
            // Changes made since the snapshot keep their own attribution.
            self.ledger = merge(&self.ledger, &merged, self.is_dirty());
            self.diag_due = true;
        }
    }

    /// Parses the text when the document holds AI text and has no tree yet.
    pub(crate) fn ensure_syntax(&mut self) {
        if self.syntax.is_none()
            && let Some(lang) = self.language
            && !self.ledger.regions().is_empty()
        {
            self.syntax = SyntaxTree::parse_rope(lang, self.ledger.rope());
        }
    }

    /// Brings the syntax tree up to date with the text: an incremental
    /// reparse reusing the edited old tree. Cheap when nothing changed.
    pub(crate) fn refresh_syntax(&mut self) {
        self.ensure_syntax();
        if let Some(tree) = self.syntax.as_mut()
            && !tree.is_current(self.ledger.rope())
        {
            tree.reparse(self.ledger.rope());
        }
    }

    /// Lends out the parse this document needs (a reparse of its edited
    /// tree, or a first parse once it holds AI text) with the text to
    /// parse, so it can run off the main loop. Edits made meanwhile are
    /// caught up when the tree comes back ([`Doc::return_syntax`]).
    pub(crate) fn lend_syntax(&mut self) -> Option<SyntaxJob> {
        if self.lent {
            return None;
        }
        let rope = self.ledger.rope().clone();
        let job = match self.syntax.take() {
            Some(tree) if tree.is_current(&rope) => {
                self.syntax = Some(tree);
                return None;
            }
            Some(tree) => SyntaxJob::Reparse(tree, rope),
            None => match self.language {
                Some(lang) if !self.ledger.regions().is_empty() => SyntaxJob::Parse(lang, rope),
                _ => return None,
            },
        };
        self.lent = true;
        Some(job)
    }

    /// Takes back a lent tree (unless a tree was made meanwhile).
    pub(crate) fn return_syntax(&mut self, tree: Option<SyntaxTree>) {
        self.lent = false;
        if self.syntax.is_none() {
            self.syntax = tree;
        }
    }

    /// The syntax tree of the current text, if the language has a grammar
    /// and the tree is up to date (see [`Doc::refresh_syntax`]).
    pub(crate) fn syntax(&self) -> Option<&SyntaxTree> {
        self.syntax
            .as_ref()
            .filter(|t| t.is_current(self.ledger.rope()))
    }

    /// Applies the content changes of one `didChange`, in order. `replace`
    /// is asked what to do with a full-document replacement. A change whose
    /// range cannot be converted stops the notification (logged).
    pub(crate) fn apply_changes(
        &mut self,
        version: i32,
        changes: &[TextDocumentContentChangeEvent],
        mut replace: impl FnMut(Option<&Place>, &str) -> Replacement,
    ) {
        let mut edits: Vec<Edit> = Vec::new();
        for change in changes {
            match change.range {
                Some(range) => {
                    let located = match to_edit_range(self.ledger.rope(), range, self.enc) {
                        Ok(r) => r,
                        Err(e) => {
                            tracing::warn!(
                                "{}: change ignored (version {version}): {e}",
                                self.uri.as_str()
                            );
                            break;
                        }
                    };
                    let bytes = located.bytes.clone();
                    let removed: Box<str> = if bytes.is_empty() {
                        Box::default()
                    } else {
                        self.ledger
                            .rope()
                            .byte_slice(bytes.clone())
                            .to_string()
                            .into()
                    };
                    let tree_edit = self.syntax.is_some().then(|| {
                        TextEdit::from_points(
                            bytes.clone(),
                            located.start,
                            located.end,
                            &change.text,
                        )
                    });
                    if let Err(e) =
                        self.ledger
                            .apply_edit(bytes.clone(), &change.text, &Attribution::Human)
                    {
                        tracing::warn!("{}: change ignored: {e}", self.uri.as_str());
                        break;
                    }
                    if let (Some(tree), Some(edit)) = (self.syntax.as_mut(), tree_edit) {
                        tree.edit(&edit);
                    }
                    self.widen_unwritten(bytes.clone(), change.text.len());
                    edits.push(Edit {
                        start: bytes.start,
                        end: bytes.end,
                        new_len: change.text.len(),
                        removed,
                    });
                }
                None => {
                    self.widen_unwritten(0..self.ledger.len(), change.text.len());
                    let old = self.ledger.text();
                    edits.extend(edits_from_pieces(&align(&old, &change.text), &old));
                    // Bring the tree to the new text now (one edit of the
                    // changed middle), so later ranged changes edit it again.
                    if let Some(tree) = self.syntax.as_mut() {
                        tree.sync(&ropey::Rope::from_str(&change.text));
                    }
                    match replace(self.place.as_ref(), &change.text) {
                        Replacement::Adopt(ledger, generation) => {
                            self.ledger = ledger;
                            self.last_gen = generation;
                            self.foreign_len = None;
                            self.written = self.changes;
                            self.restart_unwritten(self.ledger.len(), true);
                            tracing::info!(
                                "{}: new text matches the stored record; attribution adopted",
                                self.uri.as_str()
                            );
                            continue;
                        }
                        Replacement::Reconcile => self.ledger.reconcile(&change.text),
                    }
                }
            }
            self.changes += 1;
        }
        self.version = version;
        // The tree has recorded every edit (`Tree::edit`); the incremental
        // reparse with the old tree waits until someone needs the tree
        // ([`Doc::refresh_syntax`]), so a keystroke never parses.
        self.history.push(version, edits);
        self.diag_due = true;
        self.release_held();
        self.ask_ahead();
    }

    /// The store now holds a state of `len` bytes this document did not
    /// hand it (another process's write, or a merge): the buffer differs
    /// from it anywhere unless `same_text`.
    fn restart_unwritten(&mut self, len: usize, same_text: bool) {
        self.snapshot_len = len;
        self.unwritten = (!same_text).then(|| 0..self.ledger.len());
        self.ahead = Ahead::NotAsked;
    }

    /// Records that `range` of the text was replaced by `new_len` bytes.
    fn widen_unwritten(&mut self, range: Range<usize>, new_len: usize) {
        let new_end = range.start + new_len;
        self.unwritten = Some(match self.unwritten.take() {
            None => range.start..new_end,
            Some(w) => {
                let end = if w.end >= range.end {
                    (w.end - range.len() + new_len).max(new_end)
                } else {
                    new_end
                };
                w.start.min(range.start)..end
            }
        });
    }

    /// Asks for the stored state to be remembered ahead once the unwritten
    /// changes are sure to replace it whole ([`writes_whole`]): the write
    /// an answer waits for then holds the new state alone.
    fn ask_ahead(&mut self) {
        if self.ahead != Ahead::NotAsked || self.place.is_none() || self.last_gen == 0 {
            return;
        }
        let Some(window) = &self.unwritten else {
            return;
        };
        let new_len = self.ledger.len();
        let window_old = (window.len() + self.snapshot_len).saturating_sub(new_len);
        if writes_whole(self.snapshot_len, new_len, window_old, window.len()) {
            self.ahead = Ahead::Asked;
        }
    }

    /// The stored state to remember ahead, once asked ([`Doc::ask_ahead`]).
    pub(crate) fn take_ahead(&mut self) -> Option<&Place> {
        if self.ahead != Ahead::Asked {
            return None;
        }
        self.ahead = Ahead::Sent;
        self.place.as_ref()
    }

    /// Applies held notices whose version has arrived; drops those whose
    /// version was skipped.
    fn release_held(&mut self) {
        if self.held.is_empty() {
            return;
        }
        let held = std::mem::take(&mut self.held);
        for h in held {
            if h.version == self.version {
                self.mark_ai_at(h.version, &h.ranges, &h.source);
            } else if h.version < self.version {
                tracing::warn!(
                    "{}: AI notice for version {} dropped: that version never arrived",
                    self.uri.as_str(),
                    h.version
                );
            } else {
                self.held.push(h);
            }
        }
    }

    /// `vouch/didAcceptAi`: the text inside `ranges` of version `version` was written by AI.
    pub(crate) fn accept_ai(&mut self, version: i32, ranges: Vec<LspRange>, source: AiSource) {
        if version > self.version {
            if self.held.len() >= MAX_HELD {
                tracing::warn!(
                    "{}: too many AI notices ahead of the text; dropping one for version {version}",
                    self.uri.as_str()
                );
                return;
            }
            self.held.push(Held {
                version,
                ranges,
                source,
            });
            return;
        }
        self.mark_ai_at(version, &ranges, &source);
    }

    fn mark_ai_at(&mut self, version: i32, ranges: &[LspRange], source: &AiSource) {
        let enc = self.enc;
        let Some((rope, edits)) = self.history.since(version, self.ledger.rope()) else {
            tracing::warn!(
                "{}: AI notice ignored: version {version} is unknown or older than the {} kept (now {})",
                self.uri.as_str(),
                vouch_core::ledger::KEPT_VERSIONS,
                self.version
            );
            return;
        };
        let mut bytes: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match to_range(&rope, *r, enc) {
                Ok(b) if !b.is_empty() => bytes.push(b),
                Ok(_) => {}
                Err(e) => tracing::warn!(
                    "{}: AI range ignored (version {version}): {e}",
                    self.uri.as_str()
                ),
            }
        }
        for b in map_ranges(bytes, &edits) {
            match self.ledger.mark_ai(b, source) {
                Ok(n) if n > 0 => self.changed(),
                Ok(_) => {}
                Err(e) => tracing::warn!("{}: AI range ignored: {e}", self.uri.as_str()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vouch_core::ledger::AiKind;

    #[test]
    fn a_document_is_parsed_only_once_it_holds_ai_text() {
        let text = "fn a() {\n    1\n}\n\nfn b() {\n    2\n}\n";
        let uri: Uri = "file:///w/a.rs".parse().unwrap();
        let mut doc = Doc::new(uri, 1, Ledger::new(text), None, Encoding::Utf8);
        doc.refresh_syntax();
        assert!(doc.syntax().is_none(), "human text: no tree");
        let source = AiSource {
            tool: "copilot".into(),
            model: None,
            kind: AiKind::InlineCompletion,
            session: None,
            accepted_at: 1,
        };
        doc.edit_ledger(|l| l.mark_ai(31..32, &source)).unwrap();
        doc.refresh_syntax();
        let unit = doc.syntax().and_then(|t| t.unit_for(31..32));
        assert_eq!(unit.map(|u| u.name).as_deref(), Some("b"));
        // A document opened with AI text is parsed when first needed.
        let uri: Uri = "file:///w/b.rs".parse().unwrap();
        let ledger = doc.ledger().clone();
        let mut doc = Doc::new(uri, 1, ledger, None, Encoding::Utf8);
        let job = doc.lend_syntax().expect("a first parse off the loop");
        doc.return_syntax(job.run());
        assert!(doc.syntax().is_some());
        assert!(doc.lend_syntax().is_none(), "nothing more to parse");
    }

    /// One change of `text` (UTF-8 offsets on line 0) at `version`.
    fn change(doc: &mut Doc, version: i32, at: usize, end: usize, text: &str) {
        let range = LspRange::new(
            ls_types::Position::new(0, at as u32),
            ls_types::Position::new(0, end as u32),
        );
        let change = TextDocumentContentChangeEvent {
            range: Some(range),
            range_length: None,
            text: text.into(),
        };
        doc.apply_changes(version, &[change], |_, _| Replacement::Reconcile);
    }

    /// The stored state is asked to be remembered ahead once per snapshot,
    /// and only once the changes since it are sure to replace it whole: a
    /// small document at its first change, a large one once most of it
    /// changed; never for a document the store does not hold.
    #[test]
    fn the_stored_state_is_asked_ahead_once_it_will_be_replaced_whole() {
        let place = || Place {
            store: 0,
            rel: "a.txt".into(),
        };
        let uri: Uri = "file:///w/a.txt".parse().unwrap();
        let doc_of = |text: &str, place: Option<Place>| {
            let mut doc = Doc::new(uri.clone(), 1, Ledger::new(text), place, Encoding::Utf8);
            doc.set_stored(1, false);
            doc
        };
        // Small: every write replaces it whole; asked at once, then not
        // again until the next snapshot is written.
        let mut small = doc_of("fn a() {}", Some(place()));
        assert!(small.take_ahead().is_none(), "nothing changed yet");
        change(&mut small, 2, 0, 0, "x");
        assert_eq!(
            small.take_ahead().map(|p| p.rel.clone()).as_deref(),
            Some("a.txt")
        );
        change(&mut small, 3, 0, 0, "y");
        assert!(small.take_ahead().is_none(), "asked once per snapshot");
        assert!(small.flush_job().is_some());
        change(&mut small, 4, 0, 0, "z");
        assert!(small.take_ahead().is_some(), "asked again after a write");
        // Large: a keystroke is logged as an edit, not asked ahead; most of
        // the text gone, the write replaces it whole.
        let text = "0123456789".repeat(10_000);
        let mut large = doc_of(&text, Some(place()));
        change(&mut large, 2, 10, 10, "k");
        assert!(large.take_ahead().is_none(), "a keystroke in 100 KB");
        change(&mut large, 3, 0, 60_000, "");
        assert!(large.take_ahead().is_some(), "60% of it deleted");
        // Not in the store (kept in memory), or never stored: nothing to ask.
        let mut memory = doc_of("fn a() {}", None);
        change(&mut memory, 2, 0, 0, "x");
        assert!(memory.take_ahead().is_none());
        let mut fresh = Doc::new(
            uri.clone(),
            1,
            Ledger::new("fn a() {}"),
            Some(place()),
            Encoding::Utf8,
        );
        change(&mut fresh, 2, 0, 0, "x");
        assert!(fresh.take_ahead().is_none(), "no stored generation yet");
    }

    proptest::proptest! {
        /// The unwritten window covers every byte that changed since the
        /// snapshot: outside it, the text is the snapshot's.
        #[test]
        fn the_unwritten_window_covers_every_change(
            edits in proptest::collection::vec((0usize..200, 0usize..8, "[a-c]{0,5}"), 1..40)
        ) {
            let start = "0123456789".repeat(10);
            let uri: Uri = "file:///w/a.txt".parse().unwrap();
            let mut doc = Doc::new(uri, 1, Ledger::new(&start), None, Encoding::Utf8);
            for (version, (at, len, text)) in (2..).zip(edits) {
                let n = doc.ledger().len();
                let at = at % (n + 1);
                let end = (at + len).min(n);
                change(&mut doc, version, at, end, &text);
            }
            let now = doc.ledger().text();
            let w = doc.unwritten.clone().expect("a window after changes");
            proptest::prop_assert!(w.start <= w.end && w.end <= now.len());
            proptest::prop_assert_eq!(&now[..w.start], &start[..w.start]);
            let tail = now.len() - w.end;
            proptest::prop_assert!(tail <= start.len());
            proptest::prop_assert_eq!(&now[w.end..], &start[start.len() - tail..]);
        }
    }
}
