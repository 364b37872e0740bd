//! `PATH[:START[-END]]` and `PATH::NAME` arguments, resolved against the workspace.

use anyhow::{Context, bail};

use vouch_core::ledger::Ledger;
use vouch_core::syntax::SyntaxTree;
use vouch_core::workspace::Workspace;

/// A file and an optional 1-based inclusive line range, or a unit name
/// (`PATH::NAME`: a function, method, class... see `vouch_core::syntax`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Location {
    /// Workspace-relative path.
    pub(crate) path: String,
    pub(crate) lines: Option<(usize, usize)>,
    /// `NAME` of `PATH::NAME` (`total`, `Cart::total`, `Cart.total`).
    pub(crate) unit: Option<String>,
}

impl Location {
    /// Parses `spec`, a path as typed relative to the current directory.
    pub(crate) fn parse(spec: &str, workspace: &Workspace) -> anyhow::Result<Location> {
        let (path, unit) = match spec.split_once("::") {
            Some((path, name)) if !path.is_empty() && !name.trim().is_empty() => {
                (path, Some(name.trim().to_owned()))
            }
            Some(_) => bail!("{spec}: expected PATH::NAME"),
            None => (spec, None),
        };
        let (path, lines) = match unit {
            Some(_) => (path, None),
            None => split_lines(spec)?,
        };
        let cwd = super::current_dir()?;
        let rel = workspace.relative(&cwd.join(path)).with_context(|| {
            format!(
                "{path} is outside the workspace {}",
                workspace.root.display()
            )
        })?;
        Ok(Location {
            path: rel,
            lines,
            unit,
        })
    }

    /// The byte range these lines cover in `ledger` (the whole file without lines).
    pub(crate) fn byte_range(&self, ledger: &Ledger) -> anyhow::Result<std::ops::Range<usize>> {
        if self.unit.is_some() {
            let ranges = self.byte_ranges(ledger)?;
            let start = ranges.iter().map(|r| r.start).min().unwrap_or(0);
            let end = ranges.iter().map(|r| r.end).max().unwrap_or(0);
            return Ok(start..end);
        }
        match self.lines {
            None => Ok(0..ledger.len()),
            Some((start, end)) => {
                let lines = ledger.git_lines();
                let last = lines.text_count();
                if end > last {
                    bail!(
                        "{}:{}: the file has {}",
                        self.path,
                        vouch_core::present::lines_label(start, end),
                        vouch_core::present::count(last, "line", "lines")
                    );
                }
                Ok(lines.range(start - 1, end - 1)?)
            }
        }
    }

    /// The byte ranges this location covers: its lines, or for `PATH::NAME`
    /// every unit of that qualified name (a struct and its impls) widened to
    /// the AI regions named by it and to whole lines (indentation and the
    /// final line break included), found in the ledger's current text.
    pub(crate) fn byte_ranges(
        &self,
        ledger: &Ledger,
    ) -> anyhow::Result<Vec<std::ops::Range<usize>>> {
        let Some(name) = &self.unit else {
            return Ok(vec![self.byte_range(ledger)?]);
        };
        let text = ledger.text();
        let Some(tree) = SyntaxTree::for_path(&self.path, &text) else {
            bail!(
                "{}: no grammar for this kind of file; name lines instead ({}:START-END)",
                self.path,
                self.path
            );
        };
        let units = tree
            .resolve(name)
            .with_context(|| format!("{}::{name}", self.path))?;
        let regions: Vec<_> = ledger.regions().into_iter().map(|r| r.range).collect();
        Ok(units
            .iter()
            .map(|u| ledger.whole_lines(tree.extent(u, regions.iter().cloned())))
            .collect())
    }
}

/// Splits `path:START-END` / `path:LINE` / `path`. A suffix that is not a line
/// number stays part of the path (so `a:b.rs` works).
fn split_lines(spec: &str) -> anyhow::Result<(&str, Option<(usize, usize)>)> {
    let Some((path, suffix)) = spec.rsplit_once(':') else {
        return Ok((spec, None));
    };
    if suffix.is_empty() || !suffix.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return Ok((spec, None));
    }
    let (a, b) = suffix.split_once('-').unwrap_or((suffix, suffix));
    let parse = |s: &str| -> anyhow::Result<usize> {
        match s.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => bail!("{spec}: line numbers start at 1"),
        }
    };
    let (start, end) = (parse(a)?, parse(b)?);
    if end < start {
        bail!("{spec}: the range ends before it starts");
    }
    if path.is_empty() {
        bail!("{spec}: missing path");
    }
    Ok((path, Some((start, end))))
}

#[cfg(test)]
mod tests {
    use super::split_lines;

    #[test]
    fn splits_line_suffixes() {
        assert_eq!(split_lines("a.rs").unwrap(), ("a.rs", None));
        assert_eq!(split_lines("a.rs:3").unwrap(), ("a.rs", Some((3, 3))));
        assert_eq!(split_lines("a.rs:3-9").unwrap(), ("a.rs", Some((3, 9))));
        assert_eq!(split_lines("c:x.rs").unwrap(), ("c:x.rs", None));
        assert!(split_lines("a.rs:0").is_err());
        assert!(split_lines("a.rs:9-3").is_err());
    }
}
