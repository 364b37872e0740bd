//! Path globs for `vouch.toml`, in the spirit of `.gitignore`:
//! `*` and `?` stay inside one path segment, `**` crosses segments,
//! `[abc]`, `[a-z]` and `[!x]` match one character; a pattern without `/`
//! matches a file name at any depth; a trailing `/` matches everything below
//! a folder.
//!
//! Patterns come with every clone (untrusted): they are compiled by the
//! `globset` crate into a regular-expression automaton, so matching takes
//! time linear in the path whatever the pattern (no backtracking).

use std::cell::RefCell;
use std::collections::HashMap;

use globset::{GlobBuilder, GlobMatcher};

/// Longest pattern accepted (bytes); longer ones are reported as invalid.
pub(crate) const MAX_PATTERN_BYTES: usize = 1024;

/// The pattern as matched against a whole repo-relative path.
fn normalise(pattern: &str) -> String {
    let pattern = pattern.trim().trim_start_matches("./");
    let pattern = pattern.strip_prefix('/').unwrap_or(pattern);
    if let Some(dir) = pattern.strip_suffix('/') {
        return format!("{dir}/**");
    }
    if !pattern.contains('/') {
        // A file name at any depth.
        return format!("**/{pattern}");
    }
    pattern.to_owned()
}

fn compile(pattern: &str) -> Result<GlobMatcher, String> {
    if pattern.trim().is_empty() {
        return Err("empty pattern".into());
    }
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(format!("longer than {MAX_PATTERN_BYTES} bytes"));
    }
    GlobBuilder::new(&normalise(pattern))
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| e.kind().to_string())
}

/// Checks that `pattern` is a well-formed glob.
pub(crate) fn validate(pattern: &str) -> Result<(), String> {
    compile(pattern).map(|_| ())
}

thread_local! {
    /// Compiled patterns, so a policy's globs are compiled once per process.
    static COMPILED: RefCell<HashMap<String, Option<GlobMatcher>>> = RefCell::new(HashMap::new());
}

/// Whether workspace-relative `path` matches `pattern` (an invalid pattern
/// matches nothing).
pub(crate) fn matches(pattern: &str, path: &str) -> bool {
    COMPILED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(pattern) {
            cache.insert(pattern.to_owned(), compile(pattern).ok());
        }
        cache
            .get(pattern)
            .and_then(Option::as_ref)
            .is_some_and(|m| m.is_match(path))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(matches("*.md", "docs/a/readme.md"));
        assert!(matches("*.md", "readme.md"));
        assert!(!matches("*.md", "readme.rs"));
        assert!(matches("docs/**", "docs/a/b.rs"));
        assert!(!matches("docs/**", "src/docs/b.rs"));
        assert!(matches("src/*.rs", "src/a.rs"));
        assert!(!matches("src/*.rs", "src/x/a.rs"));
        assert!(matches("src/**/*.rs", "src/a.rs"));
        assert!(matches("src/**/*.rs", "src/x/y/a.rs"));
        assert!(matches("gen/", "gen/x/y.c"));
        assert!(!matches("gen/", "src/gen/y.c"));
        assert!(matches("/src/a.rs", "src/a.rs"));
        assert!(matches("./src/a.rs", "src/a.rs"));
        assert!(matches("src/[ab].rs", "src/b.rs"));
        assert!(!matches("src/[!ab].rs", "src/b.rs"));
        assert!(matches("src/[a-c].rs", "src/b.rs"));
        assert!(matches("src/?.rs", "src/c.rs"));
        assert!(!matches("src/?.rs", "src/cc.rs"));
        assert!(!matches("x/a?b", "x/a/b"));
        assert!(validate("a[").is_err());
        assert!(validate("a[x]").is_ok());
        assert!(validate(" ").is_err());
        assert!(validate(&"a".repeat(MAX_PATTERN_BYTES + 1)).is_err());
    }

    /// A pattern that makes a backtracking matcher take exponential time
    /// (minutes with the hand-written matcher this replaced) is matched at
    /// once by the automaton. Not timed: the repetition count makes a
    /// backtracking matcher never finish, so a regression hangs the test.
    #[test]
    fn pathological_pattern_is_linear() {
        let pattern = format!("{}b", "*a".repeat(40));
        let path = "a".repeat(200);
        assert!(!matches(&pattern, &path));
        assert!(matches(&pattern, &format!("{path}b")));
        let deep = format!("{}x", "**/a/".repeat(30));
        assert!(!matches(&deep, &"a/".repeat(100)));
    }
}
