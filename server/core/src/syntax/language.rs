//! Languages known to Vouch, generated at build time from `grammars/<id>/`.

use std::fmt;
use std::sync::OnceLock;

use tree_sitter::Query;

/// One `grammars/<id>/` folder, as compiled in by `build.rs`.
pub(crate) struct LanguageSpec {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) extensions: &'static [&'static str],
    pub(crate) separator: &'static str,
    pub(crate) keywords: &'static [(&'static str, &'static str)],
    pub(crate) query: &'static str,
    /// `None` when the Cargo feature of the grammar is off.
    pub(crate) grammar: Option<fn() -> tree_sitter::Language>,
}

include!(concat!(env!("OUT_DIR"), "/grammars.rs"));

/// A language with a folder in `grammars/`. Its grammar may be compiled out
/// (see [`Language::has_grammar`]); such files fall back to line ranges.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Language(usize);

impl Language {
    /// Every language with a `grammars/` folder, in folder order.
    #[cfg(test)]
    pub(crate) fn all() -> impl Iterator<Item = Language> {
        (0..SPECS.len()).map(Language)
    }

    /// The language of `path`, from its extension (case-insensitive).
    pub fn from_path(path: &str) -> Option<Language> {
        let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let (_, ext) = file.rsplit_once('.')?;
        let ext = ext.to_ascii_lowercase();
        SPECS
            .iter()
            .position(|s| s.extensions.contains(&ext.as_str()))
            .map(Language)
    }

    /// The language whose `grammars/` folder is `id` (`rust`, `tsx`, `cpp`...).
    pub fn from_id(id: &str) -> Option<Language> {
        SPECS.iter().position(|s| s.id == id).map(Language)
    }

    pub(super) fn spec(self) -> &'static LanguageSpec {
        &SPECS[self.0]
    }

    /// The folder name in `grammars/`.
    pub fn id(self) -> &'static str {
        self.spec().id
    }

    /// Display name (`C++`, `TypeScript`).
    pub(crate) fn name(self) -> &'static str {
        self.spec().name
    }

    /// Joins an outer and an inner unit name (`::` for Rust, `.` for Python).
    pub(crate) fn separator(self) -> &'static str {
        self.spec().separator
    }

    /// Whether the grammar crate is compiled in (its Cargo feature is on).
    pub fn has_grammar(self) -> bool {
        self.spec().grammar.is_some()
    }

    pub(crate) fn grammar(self) -> Option<tree_sitter::Language> {
        self.spec().grammar.map(|f| f())
    }

    /// The word naming `kind` in this language: `fn` in Rust, `def` in Python.
    pub(crate) fn keyword(self, kind: super::UnitKind) -> &'static str {
        self.spec()
            .keywords
            .iter()
            .find(|(k, _)| *k == kind.as_str())
            .map_or(kind.default_keyword(), |(_, w)| w)
    }

    /// The compiled `units.scm` query, compiled once per process. `None` when
    /// the grammar is compiled out or the query does not compile (logged).
    pub(crate) fn units_query(self) -> Option<&'static Query> {
        static COMPILED: [OnceLock<Option<Query>>; LANGUAGE_COUNT] =
            [const { OnceLock::new() }; LANGUAGE_COUNT];
        COMPILED[self.0]
            .get_or_init(|| {
                let grammar = self.grammar()?;
                match Query::new(&grammar, self.spec().query) {
                    Ok(q) => Some(q),
                    Err(e) => {
                        tracing::warn!("grammars/{}/units.scm: {e}", self.id());
                        None
                    }
                }
            })
            .as_ref()
    }

    /// Compiles this language's query, reporting its error (for tests).
    #[cfg(test)]
    pub(crate) fn check_query(self) -> Result<(), String> {
        let grammar = self
            .grammar()
            .ok_or_else(|| format!("{}: grammar not compiled in", self.id()))?;
        Query::new(&grammar, self.spec().query)
            .map(|_| ())
            .map_err(|e| format!("grammars/{}/units.scm: {e}", self.id()))
    }
}

impl fmt::Debug for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
