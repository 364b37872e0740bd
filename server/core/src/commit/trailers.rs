//! Commit-message trailers naming the AI tools whose lines are staged
//! (opt-in, `vouch init --trailer`), and recognising AI trailers others wrote.

use std::path::Path;

use super::CommitError;
use super::lines::CommitLines;
use crate::git::Git;
use crate::untrusted::{model_or_none, tool_or_unknown};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `Assisted-by: TOOL:MODEL` (the Linux kernel's form).
    AssistedBy,
    /// `Co-authored-by: Name <email>`.
    CoAuthoredBy,
}

impl Style {
    pub fn parse(s: &str) -> Option<Style> {
        match s {
            "assisted-by" => Some(Style::AssistedBy),
            "co-authored-by" => Some(Style::CoAuthoredBy),
            _ => None,
        }
    }
}

/// The trailers for the AI tools (and models) on `lines`, in order of first appearance.
pub fn trailers(style: Style, lines: &CommitLines) -> Vec<String> {
    let mut seen: Vec<(String, Option<String>)> = Vec::new();
    for file in lines.values() {
        for attr in file.values() {
            // Checked again where written: a line break would add trailers.
            let key = (
                tool_or_unknown(attr.tool.clone()),
                model_or_none(attr.model.clone()),
            );
            if !seen.contains(&key) {
                seen.push(key);
            }
        }
    }
    let mut out: Vec<String> = Vec::new();
    for (tool, model) in seen {
        let t = match style {
            Style::AssistedBy => match &model {
                Some(m) => format!("Assisted-by: {tool}:{m}"),
                None => format!("Assisted-by: {tool}"),
            },
            Style::CoAuthoredBy => {
                format!("Co-authored-by: {}", co_author(&tool, model.as_deref()))
            }
        };
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// The identity a tool's own integration uses in `Co-authored-by`.
fn co_author(tool: &str, model: Option<&str>) -> String {
    let t = tool.to_ascii_lowercase();
    if t.contains("claude") {
        "Claude <noreply@anthropic.com>".into()
    } else if t.contains("copilot") {
        "Copilot <223556219+Copilot@users.noreply.github.com>".into()
    } else if t.contains("codex") {
        "Codex <noreply@openai.com>".into()
    } else if t.contains("aider") {
        format!(
            "aider ({}) <aider@aider.chat>",
            model.unwrap_or("unknown-model")
        )
    } else if t.contains("cursor") {
        "Cursor Agent <cursoragent@cursor.com>".into()
    } else {
        let name = crate::present::tool_label(tool, model);
        let slug: String = tool
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        format!("{name} <{slug}@noreply.invalid>")
    }
}

/// Appends `trailers` to the message file (skipping ones already there).
pub fn append(git: &Git, message_file: &Path, trailers: &[String]) -> Result<(), CommitError> {
    if trailers.is_empty() {
        return Ok(());
    }
    let file = message_file.to_string_lossy().into_owned();
    let mut args: Vec<String> = vec![
        "interpret-trailers".into(),
        "--in-place".into(),
        "--if-exists".into(),
        "addIfDifferent".into(),
    ];
    for t in trailers {
        args.push("--trailer".into());
        args.push(t.clone());
    }
    args.push(file);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    git.run(&args)?;
    Ok(())
}

/// The AI trailers in a commit message (`Co-authored-by:` naming an AI
/// tool, `Assisted-by:`, `Generated-by:`), as written.
pub(crate) fn ai_trailers(message: &str) -> Vec<String> {
    const TOOLS: [&str; 10] = [
        "copilot",
        "claude",
        "aider",
        "codex",
        "cursor",
        "gemini",
        "openai",
        "anthropic",
        "chatgpt",
        "devin",
    ];
    message
        .lines()
        .map(str::trim)
        .filter(|l| {
            let lower = l.to_ascii_lowercase();
            lower.starts_with("assisted-by:")
                || lower.starts_with("generated-by:")
                || (lower.starts_with("co-authored-by:") && TOOLS.iter().any(|t| lower.contains(t)))
        })
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_ai_trailers() {
        let msg = "Fix\n\nCo-authored-by: Jane <j@x>\nCo-authored-by: Claude <noreply@anthropic.com>\nAssisted-by: aider:gpt-5\n";
        assert_eq!(ai_trailers(msg).len(), 2);
        assert!(ai_trailers("Plain\n\nSigned-off-by: A <a@x>\n").is_empty());
    }
}
