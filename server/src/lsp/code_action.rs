//! Code actions: review one region, review the file, mark a selection AI-written.

use super::rpc::Error;
use ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Command, Diagnostic,
    NumberOrString, Range as LspRange,
};
use serde_json::json;

use super::diagnostics::{CODE, SOURCE};
use super::ext::{MARK_AI, REVIEW};
use super::position::{to_lsp_range, to_range};
use super::session::Session;

fn is_ours(d: &Diagnostic) -> bool {
    d.source.as_deref() == Some(SOURCE)
        && matches!(&d.code, Some(NumberOrString::String(c)) if c == CODE)
}

fn action(
    title: &str,
    kind: CodeActionKind,
    command: &str,
    arg: serde_json::Value,
    diagnostics: Option<Vec<Diagnostic>>,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title: title.to_owned(),
        kind: Some(kind),
        diagnostics,
        command: Some(Command {
            title: title.to_owned(),
            command: command.to_owned(),
            arguments: Some(vec![arg]),
        }),
        ..CodeAction::default()
    })
}

pub(crate) fn code_actions(
    s: &Session,
    params: &CodeActionParams,
) -> Result<Vec<CodeActionOrCommand>, Error> {
    let uri = &params.text_document.uri;
    let doc = s.doc(uri)?;
    let rope = doc.ledger().rope();
    let selection =
        to_range(rope, params.range, s.enc()).map_err(|e| Error::invalid_params(e.to_string()))?;
    // Targets: our diagnostics in the context, else the unreviewed
    // regions the requested range touches.
    let mut targets: Vec<(LspRange, Option<Diagnostic>)> = params
        .context
        .diagnostics
        .iter()
        .filter(|d| is_ours(d))
        .map(|d| (d.range, Some(d.clone())))
        .collect();
    let unreviewed = doc.ledger().unreviewed_regions();
    if targets.is_empty() {
        targets = unreviewed
            .iter()
            .filter(|r| r.range.start <= selection.end && selection.start <= r.range.end)
            .map(|r| (to_lsp_range(rope, &r.range, s.enc()), None))
            .collect();
    }
    let mut out = Vec::new();
    for (range, diag) in &targets {
        out.push(action(
            "Mark as reviewed",
            CodeActionKind::QUICKFIX,
            REVIEW,
            json!({"uri": uri, "range": range}),
            diag.clone().map(|d| vec![d]),
        ));
    }
    if !targets.is_empty() && !unreviewed.is_empty() {
        out.push(action(
            "Mark all AI code in this file as reviewed",
            CodeActionKind::QUICKFIX,
            REVIEW,
            json!({"uri": uri}),
            None,
        ));
    }
    if !selection.is_empty() {
        out.push(action(
            "Mark selection as AI-written",
            CodeActionKind::REFACTOR,
            MARK_AI,
            json!({"uri": uri, "range": params.range, "tool": "unknown"}),
            None,
        ));
    }
    // The review range's unapproved AI lines: approve them, signed.
    if let Some(spec) = s.settings().review_range.as_deref() {
        let first = doc.ledger().line_of(selection.start) + 1;
        let last = doc.ledger().line_of(selection.end.max(selection.start)) + 1;
        let mut wanted: Vec<(usize, usize, Option<Diagnostic>)> = params
                .context
                .diagnostics
                .iter()
                .filter(|d| {
                    d.source.as_deref() == Some(SOURCE)
                        && matches!(&d.code, Some(NumberOrString::String(c)) if c == super::review::CODE)
                })
                .filter_map(|d| {
                    let data = d.data.as_ref()?;
                    let s = data.get("startLine")?.as_u64()? as usize;
                    let e = data.get("endLine")?.as_u64()? as usize;
                    Some((s, e, Some(d.clone())))
                })
                .collect();
        let ranges = s.review_ranges(doc);
        if wanted.is_empty() {
            wanted = ranges
                .iter()
                .filter(|r| r.start_line <= last && first <= r.end_line)
                .map(|r| (r.start_line, r.end_line, None))
                .collect();
        }
        for (s, e, diag) in &wanted {
            let lines = format!(
                "{} {}",
                vouch_core::present::plural(e + 1 - s, "line", "lines"),
                vouch_core::present::lines_label(*s, *e)
            );
            out.push(action(
                &format!("Approve AI {lines} (signed) for {spec}"),
                CodeActionKind::QUICKFIX,
                super::ext::APPROVE_RANGE,
                json!({"uri": uri, "startLine": s, "endLine": e}),
                diag.clone().map(|d| vec![d]),
            ));
        }
        if !wanted.is_empty() && ranges.len() > 1 {
            out.push(action(
                &format!("Approve all AI code of {spec} in this file (signed)"),
                CodeActionKind::QUICKFIX,
                super::ext::APPROVE_RANGE,
                json!({"uri": uri}),
                None,
            ));
        }
    }
    // "Mark `total` as reviewed": the AI code of the unit each target is in
    // (after the actions above, which keep their places).
    let mut units_done: Vec<std::ops::Range<usize>> = Vec::new();
    for (range, diag) in &targets {
        let Some(syntax) = doc.syntax() else { break };
        let Ok(bytes) = to_range(rope, *range, s.enc()) else {
            continue;
        };
        let Some(unit) = syntax.unit_for(bytes) else {
            continue;
        };
        if units_done.contains(&unit.range) {
            continue;
        }
        units_done.push(unit.range.clone());
        let extent = syntax.extent(&unit, unreviewed.iter().map(|r| r.range.clone()));
        out.push(action(
            &format!("Mark `{}` as reviewed", unit.name),
            CodeActionKind::QUICKFIX,
            REVIEW,
            json!({"uri": uri, "range": to_lsp_range(rope, &extent, s.enc())}),
            diag.clone().map(|d| vec![d]),
        ));
    }
    Ok(out)
}
