//! One open document: its ledger, version, recent history, and the AI
//! notices waiting for a version that has not arrived yet.

use std::ops::Range;

use tower_lsp_server::ls_types::{Range as LspRange, TextDocumentContentChangeEvent, Uri};

use super::history::{Edit, History, edits_from_pieces, map_ranges};
use super::position::{Encoding, to_range};
use vouch_core::ledger::{AiSource, Attribution, Ledger, align};
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
pub(crate) struct Held {
    pub(crate) version: i32,
    pub(crate) ranges: Vec<LspRange>,
    pub(crate) source: AiSource,
}

pub(crate) struct Doc {
    pub(crate) uri: Uri,
    pub(crate) ledger: Ledger,
    pub(crate) version: i32,
    /// `None`: in memory only (outside the workspace folders, or not `file:`).
    pub(crate) place: Option<Place>,
    /// Local changes not yet written to the store.
    pub(crate) dirty: bool,
    /// Generation of the stored record this server last read or wrote.
    pub(crate) last_gen: i64,
    pub(crate) history: History,
    pub(crate) held: Vec<Held>,
    /// Diagnostics need publishing.
    pub(crate) diag_due: bool,
    /// Length of a newer text another process stored (an agent's write the
    /// editor has not loaded yet); when the buffer reaches that length its
    /// text is compared with the record.
    pub(crate) foreign_len: Option<usize>,
    /// The negotiated position encoding.
    pub(crate) enc: Encoding,
    /// Parse of the text, updated incrementally with each change; `None`
    /// for languages without a grammar (line ranges only), and until the
    /// document first holds AI text (a tree costs ~10 bytes per byte of
    /// text, and only AI regions are ever named).
    syntax: Option<SyntaxTree>,
    /// The document's language when its grammar is compiled in.
    language: Option<Language>,
}

/// What a full-document replacement found in the store.
pub(crate) enum Replacement {
    /// The stored record has exactly the new text: adopt it.
    Adopt(Ledger, i64),
    /// Reconcile by diff.
    Reconcile,
}

impl Doc {
    pub(crate) fn new(
        uri: Uri,
        version: i32,
        ledger: Ledger,
        place: Option<Place>,
        enc: Encoding,
    ) -> Doc {
        let history = History::new(version);
        let language = Language::from_path(uri.path().as_str()).filter(|l| l.has_grammar());
        let mut doc = Doc {
            uri,
            ledger,
            version,
            place,
            dirty: false,
            last_gen: 0,
            history,
            held: Vec::new(),
            diag_due: true,
            foreign_len: None,
            enc,
            syntax: None,
            language,
        };
        doc.ensure_syntax();
        doc
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

    /// Lends out a tree that needs a reparse, with the text to parse, so the
    /// parse can run without the session lock. Edits made meanwhile are
    /// caught up by a diff when the tree comes back ([`Doc::return_syntax`]).
    pub(crate) fn lend_stale_syntax(&mut self) -> Option<(SyntaxTree, ropey::Rope)> {
        self.ensure_syntax();
        let stale = self
            .syntax
            .as_ref()
            .is_some_and(|t| !t.is_current(self.ledger.rope()));
        if !stale {
            return None;
        }
        Some((self.syntax.take()?, self.ledger.rope().clone()))
    }

    pub(crate) fn return_syntax(&mut self, tree: SyntaxTree) {
        if self.syntax.is_none() {
            self.syntax = Some(tree);
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
        changes: Vec<TextDocumentContentChangeEvent>,
        mut replace: impl FnMut(Option<&Place>, &str) -> Replacement,
    ) {
        let mut edits: Vec<Edit> = Vec::new();
        for change in changes {
            match change.range {
                Some(range) => {
                    let bytes = match to_range(self.ledger.rope(), range, self.enc) {
                        Ok(b) => b,
                        Err(e) => {
                            tracing::warn!(
                                "{}: change ignored (version {version}): {e}",
                                self.uri.as_str()
                            );
                            break;
                        }
                    };
                    let removed: Box<str> = if bytes.is_empty() {
                        Box::default()
                    } else {
                        self.ledger
                            .rope()
                            .byte_slice(bytes.clone())
                            .to_string()
                            .into()
                    };
                    let tree_edit = self
                        .syntax
                        .is_some()
                        .then(|| TextEdit::new(self.ledger.rope(), bytes.clone(), &change.text));
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
                    edits.push(Edit {
                        start: bytes.start,
                        end: bytes.end,
                        new_len: change.text.len(),
                        removed,
                    });
                }
                None => {
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
                            self.dirty = false;
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
            self.dirty = true;
        }
        self.version = version;
        // The tree has recorded every edit (`Tree::edit`); the incremental
        // reparse with the old tree waits until someone needs the tree
        // ([`Doc::refresh_syntax`]), so a keystroke never parses.
        self.history.push(version, edits);
        self.diag_due = true;
        self.release_held();
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
                super::history::KEPT_VERSIONS,
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
                Ok(n) if n > 0 => {
                    self.dirty = true;
                    self.diag_due = true;
                }
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
        doc.ledger.mark_ai(31..32, &source).unwrap();
        doc.refresh_syntax();
        let unit = doc.syntax().and_then(|t| t.unit_for(31..32));
        assert_eq!(unit.map(|u| u.name).as_deref(), Some("b"));
        // A document opened with AI text is parsed at once.
        let uri: Uri = "file:///w/b.rs".parse().unwrap();
        let ledger = doc.ledger.clone();
        let doc = Doc::new(uri, 1, ledger, None, Encoding::Utf8);
        assert!(doc.syntax().is_some());
    }
}
