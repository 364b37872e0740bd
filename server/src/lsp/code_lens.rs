//! Code lenses: above each unit (function, method, class...) holding
//! unreviewed AI code, `AI: 12 lines unreviewed · Review`, whose command
//! reviews that unit's AI code. AI code outside any unit (or in a file
//! without grammar) gets a lens above its first line.

use std::collections::BTreeSet;
use std::ops::Range;

use serde_json::json;
use tower_lsp_server::jsonrpc::Error;
use tower_lsp_server::ls_types::{CodeLens, Command, Uri};

use super::commands::REVIEW;
use super::documents::Doc;
use super::position::to_lsp_range;
use super::session::Session;
use crate::syntax::Unit;

/// Unreviewed AI code grouped by the unit that names it.
pub struct UnitGroup {
    /// `None`: code outside any unit (one group per region).
    pub unit: Option<Unit>,
    /// The unit widened to its regions (what "Review" marks reviewed).
    pub extent: Range<usize>,
    /// Lines holding unreviewed AI code of this group.
    pub lines: usize,
}

/// The unreviewed AI code of `doc`, by unit, in order of first appearance.
pub fn unit_groups(doc: &Doc) -> Vec<UnitGroup> {
    let syntax = doc.syntax();
    let regions = doc.ledger.unreviewed_regions();
    let mut groups: Vec<(Option<Unit>, Vec<Range<usize>>)> = Vec::new();
    for r in &regions {
        let unit = syntax.and_then(|t| t.unit_for(r.range.clone()));
        let existing = unit.as_ref().and_then(|u| {
            groups
                .iter_mut()
                .find(|(g, _)| g.as_ref().is_some_and(|g| g.range == u.range))
        });
        match existing {
            Some((_, ranges)) => ranges.push(r.range.clone()),
            None => groups.push((unit, vec![r.range.clone()])),
        }
    }
    groups
        .into_iter()
        .map(|(unit, ranges)| {
            let mut lines = BTreeSet::new();
            for r in &ranges {
                let first = doc.ledger.line_of(r.start);
                let last = doc.ledger.line_of(r.end.saturating_sub(1).max(r.start));
                lines.extend(first..=last);
            }
            let extent = match (&unit, syntax) {
                (Some(u), Some(t)) => t.extent(u, ranges.iter().cloned()),
                _ => {
                    let start = ranges.iter().map(|r| r.start).min().unwrap_or(0);
                    let end = ranges.iter().map(|r| r.end).max().unwrap_or(0);
                    start..end
                }
            };
            UnitGroup {
                unit,
                extent,
                lines: lines.len(),
            }
        })
        .collect()
}

impl Session {
    /// `textDocument/codeLens`.
    pub fn code_lenses(&self, uri: &Uri) -> Result<Vec<CodeLens>, Error> {
        let doc = self.doc(uri)?;
        let rope = doc.ledger.rope();
        Ok(unit_groups(doc)
            .into_iter()
            .map(|g| {
                let at = g.unit.as_ref().map_or(g.extent.start, |u| u.range.start);
                let noun = if g.lines == 1 { "line" } else { "lines" };
                let title = format!("AI: {} {noun} unreviewed · Review", g.lines);
                CodeLens {
                    range: to_lsp_range(rope, &(at..at), self.enc),
                    command: Some(Command {
                        title,
                        command: REVIEW.to_owned(),
                        arguments: Some(vec![json!({
                            "uri": uri,
                            "range": to_lsp_range(rope, &g.extent, self.enc),
                        })]),
                    }),
                    data: Some(json!({
                        "unit": g.unit.as_ref().map(|u| u.name.clone()),
                        "unitKind": g.unit.as_ref().map(|u| u.keyword),
                        "lines": g.lines,
                    })),
                }
            })
            .collect())
    }
}
