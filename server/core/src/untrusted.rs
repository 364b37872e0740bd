//! Strings that come from other people (notes, agent payloads, editor
//! notices, file names): checking tool and model names where they enter
//! and where they are written, and escaping control characters before any
//! of them reaches a terminal or a CI log. JSON output is left as is (its
//! encoder escapes).

use std::borrow::Cow;
use std::fmt::Write;

/// Longest tool or model name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 128;

/// Why a tool or model name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {MAX_NAME_BYTES} bytes")]
    TooLong,
    #[error("the name holds a control or line-breaking character ({0})")]
    Control(String),
}

/// Characters never shown raw: C0/C1 controls (line breaks, carriage
/// return, escape, tab, DEL), Unicode line and paragraph separators, and
/// bidirectional overrides and isolates (which reorder what is shown).
pub(crate) fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// A tool or model name is one line of at most [`MAX_NAME_BYTES`] bytes
/// with no control characters (it ends up in commit trailers and messages).
pub fn check_name(name: &str) -> Result<(), NameError> {
    if name.trim().is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(NameError::TooLong);
    }
    if let Some(c) = name.chars().find(|&c| is_unsafe_char(c)) {
        return Err(NameError::Control(format!("U+{:04X}", u32::from(c))));
    }
    Ok(())
}

/// A tool name from an untrusted source: itself when valid, else
/// `unknown` (the text stays AI-written; only the name is dropped).
pub fn tool_or_unknown(tool: String) -> String {
    if check_name(&tool).is_ok() {
        tool
    } else {
        "unknown".to_owned()
    }
}

/// A model name from an untrusted source: dropped when invalid.
pub fn model_or_none(model: Option<String>) -> Option<String> {
    model.filter(|m| check_name(m).is_ok())
}

/// `s` with every unsafe character (see [`is_unsafe_char`]) written as an
/// escape (`\n`, `\r`, `\t`, `\e`, `\u{…}`) and then backslashes doubled, so one
/// field prints as one line and cannot move the cursor, erase a line, or
/// start a CI log command. For all human-readable output of strings from
/// notes, payloads and paths.
pub fn escape(s: &str) -> Cow<'_, str> {
    // A string with nothing to escape prints as it is, backslashes too, so a
    // path like `a\b.rs` can be pasted back into a command. Only once
    // something is escaped are backslashes doubled, keeping that form
    // unambiguous.
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if is_unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`escape`] for a line of a file's text: tabs stay as they are.
pub fn escape_text(s: &str) -> Cow<'_, str> {
    if !s.contains('\t') {
        return escape(s);
    }
    Cow::Owned(
        s.split('\t')
            .map(|part| escape(part).into_owned())
            .collect::<Vec<_>>()
            .join("\t"),
    )
}

/// `s` as one word for a POSIX shell: as it is when it holds only
/// characters no shell treats specially, else single-quoted (a `'` inside
/// written `'\''`). Used where Vouch writes its own path into a hook.
pub(crate) fn shell_quote(s: &str) -> Cow<'_, str> {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%".contains(c));
    if plain {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(format!("'{}'", s.replace('\'', r"'\''")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("claude-opus-4.1").is_ok());
        assert!(check_name("GPT 5 (preview)").is_ok());
        assert_eq!(check_name(" "), Err(NameError::Empty));
        assert_eq!(check_name(&"m".repeat(129)), Err(NameError::TooLong));
        assert!(check_name("m\nSigned-off-by: M <m@x>").is_err());
        assert!(check_name("m\r").is_err());
        assert!(check_name("m\u{1b}[2K").is_err());
        assert!(check_name("m\u{2028}x").is_err());
        assert!(check_name("m\u{202e}x").is_err());
        assert_eq!(tool_or_unknown("a\nb".into()), "unknown");
        assert_eq!(model_or_none(Some("a\rb".into())), None);
        assert_eq!(
            model_or_none(Some("gpt-5".into())).as_deref(),
            Some("gpt-5")
        );
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_quote("/usr/bin/vouch"), "/usr/bin/vouch");
        assert_eq!(shell_quote("/a b/vouch"), "'/a b/vouch'");
        assert_eq!(shell_quote("/a b/it's"), r"'/a b/it'\''s'");
        assert_eq!(shell_quote("$(rm -rf x)"), "'$(rm -rf x)'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn escapes() {
        assert_eq!(escape("plain/path.rs"), "plain/path.rs");
        assert_eq!(escape("a\nb"), "a\\nb");
        assert_eq!(escape("\u{1b}[2K\rall reviewed"), "\\e[2K\\rall reviewed");
        assert_eq!(escape("x\n::warning::y"), "x\\n::warning::y");
        assert_eq!(escape("back\\slash"), "back\\slash");
        assert_eq!(escape("back\\slash\n"), "back\\\\slash\\n");
        assert_eq!(escape("\u{202e}cod"), "\\u{202e}cod");
        assert_eq!(escape("日本\u{7f}"), "日本\\u{7f}");
        assert_eq!(escape_text("\tx\r"), "\tx\\r");
    }
}
