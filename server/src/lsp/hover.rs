//! Hover over AI text: who wrote it, when, and whether someone vouched for it.

use super::rpc::Error;
use ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position, Uri};

use super::diagnostics::tool_label;
use super::position::{to_lsp_range, to_offset};
use super::session::Session;
use vouch_core::ledger::format_millis;

pub(crate) fn hover(s: &Session, uri: &Uri, pos: Position) -> Result<Option<Hover>, Error> {
    let doc = s.doc(uri)?;
    let rope = doc.ledger().rope();
    let at = to_offset(rope, pos, s.enc()).map_err(|e| Error::invalid_params(e.to_string()))?;
    let Some(region) = doc
        .ledger()
        .regions()
        .into_iter()
        .find(|r| r.range.start <= at && at < r.range.end)
    else {
        return Ok(None);
    };
    let a = &region.attribution;
    let Some(src) = a.source() else {
        return Ok(None);
    };
    // Every reviewer (reviews accumulate), oldest first.
    let review = if a.reviews().is_empty() {
        "**not reviewed**".to_owned()
    } else {
        let by: Vec<String> = a
            .reviews()
            .iter()
            .map(|r| format!("{} on {}", r.by, format_millis(r.at)))
            .collect();
        format!("reviewed by {}", by.join(", "))
    };
    let unit = doc
        .syntax()
        .and_then(|t| t.unit_for(region.range.clone()))
        .map(|u| format!(" in `{}`", u.label()))
        .unwrap_or_default();
    let value = format!(
        "**AI-written**{unit} by {} · {}\n\naccepted {} · {}",
        tool_label(a),
        src.kind,
        format_millis(src.accepted_at),
        review
    );
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(to_lsp_range(rope, &region.range, s.enc())),
    }))
}
