//! Syntax-aware provenance: which function, method or class a byte range
//! belongs to, from a tree-sitter parse kept up to date incrementally.
//!
//! Core module: plain Rust types and UTF-8 byte offsets, no LSP. Languages and
//! their unit queries come from `grammars/<id>/` (compiled in by `build.rs`);
//! grammar crates sit behind the `lang-*` Cargo features. A file whose language
//! is unknown or compiled out has no [`SyntaxTree`]: callers fall back to line
//! ranges, never to an error.

mod language;
mod units;

#[cfg(test)]
mod tests;

use std::cell::{Cell, OnceCell};
use std::ops::Range;

use ropey::Rope;
use tree_sitter::{InputEdit, Parser, Point, Tree};

pub use language::Language;

/// What a unit is. Captured in `units.scm` as `@unit.<kind>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum UnitKind {
    Function,
    /// A function directly inside a class, struct, impl, trait or interface.
    Method,
    /// A test function (or a test block in JavaScript).
    Test,
    Class,
    Struct,
    Impl,
    Trait,
    Interface,
    Enum,
    Module,
}

impl UnitKind {
    /// The capture suffix in `units.scm` (`@unit.function`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            UnitKind::Function => "function",
            UnitKind::Method => "method",
            UnitKind::Test => "test",
            UnitKind::Class => "class",
            UnitKind::Struct => "struct",
            UnitKind::Impl => "impl",
            UnitKind::Trait => "trait",
            UnitKind::Interface => "interface",
            UnitKind::Enum => "enum",
            UnitKind::Module => "module",
        }
    }

    fn parse(s: &str) -> Option<UnitKind> {
        Some(match s {
            "function" => UnitKind::Function,
            "method" => UnitKind::Method,
            "test" => UnitKind::Test,
            "class" => UnitKind::Class,
            "struct" => UnitKind::Struct,
            "impl" => UnitKind::Impl,
            "trait" => UnitKind::Trait,
            "interface" => UnitKind::Interface,
            "enum" => UnitKind::Enum,
            "module" => UnitKind::Module,
            _ => return None,
        })
    }

    /// The keyword used when a language's `grammar.toml` has no override.
    fn default_keyword(self) -> &'static str {
        self.as_str()
    }

    /// Whether functions directly inside this unit are methods.
    fn holds_methods(self) -> bool {
        matches!(
            self,
            UnitKind::Class
                | UnitKind::Struct
                | UnitKind::Impl
                | UnitKind::Trait
                | UnitKind::Interface
                | UnitKind::Enum
        )
    }

    /// When two patterns capture the same node, the higher rank wins.
    fn rank(self) -> u8 {
        match self {
            UnitKind::Test => 3,
            UnitKind::Method => 2,
            _ => 1,
        }
    }
}

/// A named piece of code: a function, method, class, test...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The name as written (`total`, `Foo::bar` for an out-of-line C++ method).
    pub name: String,
    /// Outer unit names joined with the language separator (`Cart::total`, `Cart.total`).
    pub qualified_name: String,
    pub(crate) kind: UnitKind,
    /// The word naming the kind in this language (`fn`, `def`, `func`, `class`).
    pub keyword: &'static str,
    /// The whole unit, in bytes.
    pub range: Range<usize>,
    /// The name, in bytes.
    pub(crate) name_range: Range<usize>,
    /// Number of enclosing units.
    pub(crate) depth: usize,
}

impl Unit {
    /// `fn total`, `class Cart`, `def test_sum`.
    pub fn label(&self) -> String {
        format!("{} {}", self.keyword, self.name)
    }

    fn contains(&self, range: &Range<usize>) -> bool {
        self.range.start <= range.start && range.end <= self.range.end
    }

    fn within(&self, range: &Range<usize>) -> bool {
        range.start <= self.range.start && self.range.end <= range.end
    }
}

/// Why a unit name does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("no function, class or other unit named `{0}`")]
    NotFound(String),
    #[error("`{name}` is ambiguous: {}; give the qualified name", candidates.join(", "))]
    Ambiguous {
        name: String,
        candidates: Vec<String>,
    },
}

/// The position of a byte: 0-based line, and byte column in that line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TextPoint {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl TextPoint {
    /// The position of byte `offset` in `rope` (clamped to its length).
    pub(crate) fn of(rope: &Rope, offset: usize) -> TextPoint {
        let offset = offset.min(rope.len_bytes());
        let line = rope.byte_to_line(offset);
        TextPoint {
            line,
            column: offset - rope.line_to_byte(line),
        }
    }

    /// The position after `text` when it starts at `self`.
    pub(crate) fn advance(self, text: &str) -> TextPoint {
        match text.rfind('\n') {
            Some(last) => TextPoint {
                line: self.line + text.matches('\n').count(),
                column: text.len() - last - 1,
            },
            None => TextPoint {
                line: self.line,
                column: self.column + text.len(),
            },
        }
    }

    fn ts(self) -> Point {
        Point {
            row: self.line,
            column: self.column,
        }
    }
}

/// One replacement of `start..old_end` by text ending at `new_end`, in bytes,
/// with the matching positions (as `Tree::edit` wants them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextEdit {
    pub(crate) start: usize,
    pub(crate) old_end: usize,
    pub(crate) new_end: usize,
    pub(crate) start_point: TextPoint,
    pub(crate) old_end_point: TextPoint,
    pub(crate) new_end_point: TextPoint,
}

impl TextEdit {
    /// The edit replacing `range` of `old` (the text before the edit) by `new_text`.
    pub fn new(old: &Rope, range: Range<usize>, new_text: &str) -> TextEdit {
        let start = TextPoint::of(old, range.start);
        let end = if range.is_empty() {
            start
        } else {
            TextPoint::of(old, range.end)
        };
        TextEdit::from_points(
            range,
            (start.line, start.column),
            (end.line, end.column),
            new_text,
        )
    }

    /// The edit replacing `range` by `new_text`, its ends' (line, byte
    /// column) already known (as [`TextEdit::new`] would find them in the
    /// text before the edit).
    pub fn from_points(
        range: Range<usize>,
        start: (usize, usize),
        old_end: (usize, usize),
        new_text: &str,
    ) -> TextEdit {
        let start_point = TextPoint {
            line: start.0,
            column: start.1,
        };
        TextEdit {
            start: range.start,
            old_end: range.end,
            new_end: range.start + new_text.len(),
            start_point,
            old_end_point: TextPoint {
                line: old_end.0,
                column: old_end.1,
            },
            new_end_point: start_point.advance(new_text),
        }
    }
}

/// Edits a tree records before it applies them (a document typed into for
/// long without anyone asking for its tree).
const MAX_PENDING_EDITS: usize = 16_384;

/// Ranged unit lookups per text version before the whole unit list is built
/// (one ranged lookup costs ~1/300 of listing every unit of a big file).
const RANGED_LOOKUPS: u32 = 128;

/// A parsed document: the tree-sitter tree, the text it was parsed from and a
/// parser kept for incremental reparses.
pub struct SyntaxTree {
    language: Language,
    parser: Parser,
    tree: Tree,
    rope: Rope,
    /// Edits made since the last parse: recorded here and applied to the
    /// tree by the next reparse, so a keystroke costs no walk of the tree
    /// (and the walk runs wherever the reparse runs, off the main loop).
    edits: Vec<TextEdit>,
    units: OnceCell<Vec<Unit>>,
    /// Ranged lookups since the last change: past a few, listing every unit
    /// once is cheaper than one ranged query per AI region.
    lookups: Cell<u32>,
}

impl std::fmt::Debug for SyntaxTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyntaxTree")
            .field("language", &self.language)
            .field("len", &self.rope.len_bytes())
            .finish_non_exhaustive()
    }
}

impl SyntaxTree {
    /// Parses `text`. `None` when the language's grammar is compiled out.
    pub fn parse(language: Language, text: &str) -> Option<SyntaxTree> {
        SyntaxTree::parse_rope(language, &Rope::from_str(text))
    }

    /// Parses a file by its path's extension; `None` for unknown languages.
    pub fn for_path(path: &str, text: &str) -> Option<SyntaxTree> {
        SyntaxTree::parse(Language::from_path(path)?, text)
    }

    /// Parses `rope` chunk by chunk, without copying it. `None` when the
    /// language's grammar is compiled out.
    pub fn parse_rope(language: Language, rope: &Rope) -> Option<SyntaxTree> {
        let mut parser = Parser::new();
        parser.set_language(&language.grammar()?).ok()?;
        let tree = parse_chunks(&mut parser, rope, None)?;
        Some(SyntaxTree {
            language,
            parser,
            tree,
            rope: rope.clone(),
            edits: Vec::new(),
            units: OnceCell::new(),
            lookups: Cell::new(0),
        })
    }

    #[cfg(test)]
    pub(crate) fn language(&self) -> Language {
        self.language
    }

    /// Whether the tree is up to date with `text` (no edits waiting for a
    /// reparse, same text).
    pub fn is_current(&self, text: &Rope) -> bool {
        self.edits.is_empty() && self.rope.len_bytes() == text.len_bytes() && self.rope == *text
    }

    /// Whether the tree has syntax errors (units are still found around them).
    #[cfg(test)]
    pub(crate) fn has_errors(&self) -> bool {
        self.tree.root_node().has_error()
    }

    /// Records an edit in the tree; call [`SyntaxTree::reparse`] with the new
    /// text once the edits of a change are applied.
    pub fn edit(&mut self, edit: &TextEdit) {
        if self.edits.len() >= MAX_PENDING_EDITS {
            self.apply_edits();
        }
        if self.edits.is_empty() {
            self.invalidate();
        }
        self.edits.push(*edit);
    }

    /// Applies the recorded edits to the tree, in order.
    fn apply_edits(&mut self) {
        for edit in self.edits.drain(..) {
            self.tree.edit(&InputEdit {
                start_byte: edit.start,
                old_end_byte: edit.old_end,
                new_end_byte: edit.new_end,
                start_position: edit.start_point.ts(),
                old_end_position: edit.old_end_point.ts(),
                new_end_position: edit.new_end_point.ts(),
            });
        }
    }

    /// Records the replacement of `range` of `old` (the text just before this
    /// edit) by `new_text`.
    pub fn edit_text(&mut self, old: &Rope, range: Range<usize>, new_text: &str) {
        self.edit(&TextEdit::new(old, range, new_text));
    }

    /// Reparses `text` reusing the edited old tree (incremental: only the
    /// edited region and its surroundings are re-read). Without recorded
    /// edits this is [`SyntaxTree::sync`].
    pub fn reparse(&mut self, text: &Rope) {
        if self.edits.is_empty() {
            self.sync(text);
            return;
        }
        self.apply_edits();
        if let Some(tree) = parse_chunks(&mut self.parser, text, Some(&self.tree)) {
            self.tree = tree;
        }
        self.rope = text.clone();
        self.invalidate();
    }

    /// Brings the tree to `text` when the edits are unknown (a file read from
    /// disk): one edit covering the changed middle, then an incremental reparse.
    pub fn sync(&mut self, text: &Rope) {
        if !self.edits.is_empty() {
            // The edited tree no longer matches our text: parse from scratch.
            self.tree = match parse_chunks(&mut self.parser, text, None) {
                Some(t) => t,
                None => return,
            };
            self.edits.clear();
            self.rope = text.clone();
            self.invalidate();
            return;
        }
        if self.rope == *text {
            return;
        }
        let old = self.rope.clone();
        let (prefix, suffix) = common_ends(&old, text);
        if prefix == old.len_bytes() && prefix == text.len_bytes() {
            return;
        }
        let old_end = old.len_bytes() - suffix;
        let new_end = text.len_bytes() - suffix;
        let start_point = TextPoint::of(&old, prefix);
        self.edit(&TextEdit {
            start: prefix,
            old_end,
            new_end,
            start_point,
            old_end_point: TextPoint::of(&old, old_end),
            new_end_point: TextPoint::of(text, new_end),
        });
        self.reparse(text);
    }

    fn invalidate(&mut self) {
        self.units = OnceCell::new();
        self.lookups.set(0);
    }

    /// Every unit of the document, outer before inner, in source order.
    pub fn units(&self) -> &[Unit] {
        self.units
            .get_or_init(|| units::collect(self.language, &self.tree, &self.rope, None))
    }

    /// The units that intersect `range` (and so every unit containing it).
    pub(crate) fn units_in(&self, range: Range<usize>) -> Vec<Unit> {
        let lookups = self.lookups.get() + 1;
        self.lookups.set(lookups);
        let all: Option<&[Unit]> = match self.units.get() {
            Some(all) => Some(all),
            None if lookups > RANGED_LOOKUPS => Some(self.units()),
            None => None,
        };
        if let Some(all) = all {
            return all
                .iter()
                .filter(|u| {
                    u.range.start < range.end.max(range.start + 1) && range.start < u.range.end
                })
                .cloned()
                .collect();
        }
        units::collect(self.language, &self.tree, &self.rope, Some(range))
    }

    /// The unit to name AI code at `range` by: the unit the range wrote whole
    /// (an AI-written method is named by the method, not by its class; doc
    /// comments, attributes and blank text around it do not count), otherwise
    /// the innermost unit containing the range. `None` for top-level code.
    pub fn unit_for(&self, range: Range<usize>) -> Option<Unit> {
        units::unit_for(self, range)
    }

    /// The units named `name`: either a bare name (`total`) or a qualified one
    /// with `::` or `.` (`Cart::total`, `Cart.total`, `mod::Cart::total`),
    /// matched against the end of the qualified name. Exact matches first.
    #[cfg(test)]
    pub(crate) fn find_units(&self, name: &str) -> Vec<Unit> {
        units::find(self.units(), name)
    }

    /// The first unit named `name` (see [`SyntaxTree::find_units`]).
    #[cfg(test)]
    pub(crate) fn find_unit(&self, name: &str) -> Option<Unit> {
        self.find_units(name).into_iter().next()
    }

    /// The units a user means by `name` (`vouch review PATH::NAME`): every
    /// unit with one qualified name (a Rust struct and its impls share one).
    /// A bare name shared by units in different places is ambiguous.
    pub fn resolve(&self, name: &str) -> Result<Vec<Unit>, ResolveError> {
        units::resolve(self.units(), name)
    }

    /// `unit`'s range widened to the `ranges` (AI regions) named by it or by
    /// a unit inside it — so a doc comment written along with a method goes
    /// with it, and a class takes all of its methods' regions.
    pub fn extent(
        &self,
        unit: &Unit,
        ranges: impl IntoIterator<Item = Range<usize>>,
    ) -> Range<usize> {
        let mut extent = unit.range.clone();
        for r in ranges {
            if self
                .unit_for(r.clone())
                .is_some_and(|u| unit.contains(&u.range))
            {
                extent.start = extent.start.min(r.start);
                extent.end = extent.end.max(r.end);
            }
        }
        extent
    }
}

/// Parses `rope` through the chunk callback (no copy of the text).
fn parse_chunks(parser: &mut Parser, rope: &Rope, old: Option<&Tree>) -> Option<Tree> {
    let len = rope.len_bytes();
    let mut read = |byte: usize, _: Point| -> &[u8] {
        if byte >= len {
            return &[];
        }
        match rope.get_chunk_at_byte(byte) {
            Some((chunk, start, _, _)) => &chunk.as_bytes()[byte - start..],
            None => &[],
        }
    };
    parser.parse_with_options(&mut read, old, None)
}

/// Lengths of the common prefix and (non-overlapping) common suffix, in bytes.
fn common_ends(a: &Rope, b: &Rope) -> (usize, usize) {
    let prefix = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len_bytes().min(b.len_bytes()) - prefix;
    let mut ra = a.bytes_at(a.len_bytes());
    let mut rb = b.bytes_at(b.len_bytes());
    let mut suffix = 0;
    while suffix < max_suffix {
        match (ra.prev(), rb.prev()) {
            (Some(x), Some(y)) if x == y => suffix += 1,
            _ => break,
        }
    }
    (prefix, suffix)
}
