//! Code lenses: above each unit (function, method, class...) holding
//! unreviewed AI code, `AI: 12 lines unreviewed · Review`, whose command
//! reviews that unit's AI code. AI code outside any unit (or in a file
//! without grammar) gets a lens above its first line.

use std::collections::BTreeSet;
use std::ops::Range;

use super::rpc::Error;
use ls_types::{CodeLens, Command, Uri};
use serde_json::json;

use super::documents::Doc;
use super::ext::REVIEW;
use super::position::to_lsp_range;
use super::session::Session;
use vouch_core::syntax::Unit;

/// Unreviewed AI code grouped by the unit that names it.
pub struct UnitGroup {
    /// `None`: code outside any unit (one group per region).
    pub unit: Option<Unit>,
    /// The unit widened to its regions (what "Review" marks reviewed).
    pub extent: Range<usize>,
    /// Lines holding unreviewed AI code inside `extent` (what "Review" marks).
    pub lines: usize,
}

/// The unreviewed AI code of `doc`, by unit, in order of first appearance.
pub fn unit_groups(doc: &Doc) -> Vec<UnitGroup> {
    let syntax = doc.syntax();
    let regions = doc.ledger().unreviewed_regions();
    // Each region with the unit naming it, looked up once.
    let named: Vec<(Range<usize>, Option<Unit>)> = regions
        .iter()
        .map(|r| {
            (
                r.range.clone(),
                syntax.and_then(|t| t.unit_for(r.range.clone())),
            )
        })
        .collect();
    let groups = vouch_core::present::group_by_key(&named, |(_, unit)| {
        unit.as_ref().map(|u| u.range.clone())
    });
    groups
        .into_iter()
        .map(|(_, members)| {
            let unit = members.first().and_then(|(_, u)| u.clone());
            let ranges: Vec<Range<usize>> = members.iter().map(|(r, _)| r.clone()).collect();
            // The unit widened to the regions named by it or by a unit inside
            // it (as `SyntaxTree::extent`); a region outside units stands alone.
            let extent = match &unit {
                Some(u) => named
                    .iter()
                    .filter(|(_, n)| {
                        n.as_ref().is_some_and(|n| {
                            u.range.start <= n.range.start && n.range.end <= u.range.end
                        })
                    })
                    .fold(u.range.clone(), |e, (r, _)| {
                        e.start.min(r.start)..e.end.max(r.end)
                    }),
                None => {
                    let start = ranges.iter().map(|r| r.start).min().unwrap_or(0);
                    let end = ranges.iter().map(|r| r.end).max().unwrap_or(0);
                    start..end
                }
            };
            // Count what "Review" marks: every unreviewed AI line in the
            // extent, nested units' included.
            let mut lines = BTreeSet::new();
            for r in &regions {
                let start = r.range.start.max(extent.start);
                let end = r.range.end.min(extent.end);
                if start < end {
                    let first = doc.ledger().line_of(start);
                    let last = doc.ledger().line_of(end - 1);
                    lines.extend(first..=last);
                }
            }
            UnitGroup {
                unit,
                extent,
                lines: lines.len(),
            }
        })
        .collect()
}

/// `textDocument/codeLens`.
pub(crate) fn code_lenses(s: &Session, uri: &Uri) -> Result<Vec<CodeLens>, Error> {
    let doc = s.doc(uri)?;
    let rope = doc.ledger().rope();
    Ok(unit_groups(doc)
        .into_iter()
        .map(|g| {
            let at = g.unit.as_ref().map_or(g.extent.start, |u| u.range.start);
            let noun = vouch_core::present::plural(g.lines, "line", "lines");
            let title = format!("AI: {} {noun} unreviewed · Review", g.lines);
            CodeLens {
                range: to_lsp_range(rope, &(at..at), s.enc()),
                command: Some(Command {
                    title,
                    command: REVIEW.to_owned(),
                    arguments: Some(vec![json!({
                        "uri": uri,
                        "range": to_lsp_range(rope, &g.extent, s.enc()),
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
