//! One warning per unreviewed AI region.

use ls_types::{Diagnostic, NumberOrString};
use serde_json::Value;

use super::documents::Doc;
use super::position::PositionCursor;
use super::session::Session;
use vouch_core::commit::policy::{Judged, Policy, Verdict};
use vouch_core::ledger::Attribution;

pub const SOURCE: &str = "vouch";
pub const CODE: &str = "unreviewed-ai";

/// `copilot (gpt-4.1)` or `copilot`.
pub fn tool_label(a: &Attribution) -> String {
    match a.source() {
        Some(s) => vouch_core::present::tool_label(&s.tool, s.model.as_deref()),
        None => "human".to_owned(),
    }
}

/// One diagnostic per AI region on lines the policy blocks
/// ([`Policy::what_blocks`], the answer `vouch status` and the gate give):
/// exempt paths, accepted reviews and ignored noise get none; a review the
/// policy does not accept gets one naming why.
pub(crate) fn diagnostics_of(s: &Session, doc: &Doc) -> Vec<Diagnostic> {
    let default = Policy::default();
    let (policy, path) = match &doc.place() {
        Some(p) => (s.policy_of(p.store), p.rel.as_str()),
        None => (&default, ""),
    };
    let lines = vouch_core::commit::lines::from_ledger(doc.ledger());
    // The author of the next commit, as far as the server knows: git's
    // identity (for `distinct_from_author`).
    let author = (policy.needs_author() && s.default_reviewer() != "unknown")
        .then_some(s.default_reviewer());
    let blocked: Vec<Judged> = policy
        .what_blocks(path, &lines, None, author)
        .into_iter()
        .filter(|j| j.verdict.blocks())
        .collect();
    // The review range's unapproved AI lines (`[review] signed`), after ours.
    let review = super::review::review_diagnostics(s, doc);
    if blocked.is_empty() {
        return review;
    }
    let mut positions = PositionCursor::new(doc.ledger().rope(), s.enc());
    let syntax = doc.syntax();
    let mut out = Vec::new();
    for r in doc.ledger().regions() {
        // The lines holding the region's non-blank text (a region of
        // white space alone is never reported, as the gate never blocks it).
        let text = doc.ledger().text_in(r.range.clone());
        let lead = text.len() - text.trim_start().len();
        let trimmed = text.trim_end().len();
        if trimmed <= lead {
            continue;
        }
        let first = doc.ledger().line_of(r.range.start + lead) + 1;
        let last = doc.ledger().line_of(r.range.start + trimmed - 1) + 1;
        let at = blocked.partition_point(|j| j.end_line < first);
        let hits: Vec<&Judged> = blocked[at..]
            .iter()
            .take_while(|j| j.start_line <= last)
            .collect();
        // A reviewed region is reported only for a rule's reason (an
        // unreviewed neighbour on the same line is reported on its own).
        let reviewed = !r.attribution.reviews().is_empty();
        let Some(hit) = hits
            .iter()
            .find(|j| !reviewed || matches!(j.verdict, Verdict::Blocked { by_rule: true, .. }))
        else {
            continue;
        };
        let lines = last - first + 1;
        let noun = vouch_core::present::plural(lines, "line", "lines");
        // The function, method, class... the AI code belongs to.
        let unit = syntax.and_then(|t| t.unit_for(r.range.clone()));
        let place = unit
            .as_ref()
            .map(|u| format!(" in {}", u.label()))
            .unwrap_or_default();
        let mut data = super::regions::attribution_json(&r.attribution);
        data["unit"] = unit
            .as_ref()
            .map_or(Value::Null, |u| Value::from(u.name.clone()));
        data["unitKind"] = unit.map_or(Value::Null, |u| Value::from(u.keyword));
        let message = match &hit.verdict {
            Verdict::Blocked {
                reason,
                by_rule: true,
            } if reviewed => {
                let why = reason.split_once(") ").map_or(reason.as_str(), |(_, w)| w);
                format!(
                    "AI code{place} not reviewed as required · {} · {lines} {noun}: {why}",
                    tool_label(&r.attribution)
                )
            }
            _ => format!(
                "Unreviewed AI code{place} · {} · {lines} {noun}",
                tool_label(&r.attribution)
            ),
        };
        data["reason"] = Value::from(hit.verdict.reason().unwrap_or_default());
        out.push(Diagnostic {
            range: positions.range(&r.range),
            severity: Some(s.settings().severity),
            code: Some(NumberOrString::String(CODE.to_owned())),
            source: Some(SOURCE.to_owned()),
            message,
            data: Some(data),
            ..Diagnostic::default()
        });
    }
    out.extend(review);
    out
}
