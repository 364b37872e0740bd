//! One warning per unreviewed AI region.

use serde_json::Value;
use tower_lsp_server::ls_types::{Diagnostic, NumberOrString, Uri};

use super::documents::Doc;
use super::position::PositionCursor;
use super::session::Session;
use crate::ledger::Attribution;

pub const SOURCE: &str = "vouch";
pub const CODE: &str = "unreviewed-ai";

/// `copilot (gpt-4.1)` or `copilot`.
pub fn tool_label(a: &Attribution) -> String {
    match a.source() {
        Some(s) => match &s.model {
            Some(m) => format!("{} ({m})", s.tool),
            None => s.tool.clone(),
        },
        None => "human".to_owned(),
    }
}

impl Session {
    fn diagnostics_of(&self, doc: &Doc) -> Vec<Diagnostic> {
        let mut positions = PositionCursor::new(doc.ledger.rope(), self.enc);
        let syntax = doc.syntax();
        let review = self.review_diagnostics(doc);
        doc.ledger
            .unreviewed_regions()
            .into_iter()
            .map(|r| {
                let first = doc.ledger.line_of(r.range.start);
                let last = doc
                    .ledger
                    .line_of(r.range.end.saturating_sub(1).max(r.range.start));
                let lines = last - first + 1;
                let noun = if lines == 1 { "line" } else { "lines" };
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
                Diagnostic {
                    range: positions.range(&r.range),
                    severity: Some(self.settings.severity),
                    code: Some(NumberOrString::String(CODE.to_owned())),
                    source: Some(SOURCE.to_owned()),
                    message: format!(
                        "Unreviewed AI code{place} · {} · {lines} {noun}",
                        tool_label(&r.attribution)
                    ),
                    data: Some(data),
                    ..Diagnostic::default()
                }
            })
            .chain(review)
            .collect()
    }

    /// Diagnostics of every document whose diagnostics are due, with its
    /// version, plus empty lists for closed documents.
    pub fn take_due_diagnostics(&mut self) -> Vec<(Uri, Vec<Diagnostic>, Option<i32>)> {
        let mut out: Vec<(Uri, Vec<Diagnostic>, Option<i32>)> = self
            .cleared
            .drain(..)
            .map(|uri| (uri, Vec::new(), None))
            .collect();
        let due: Vec<String> = self
            .docs
            .iter()
            .filter(|(_, d)| d.diag_due)
            .map(|(k, _)| k.clone())
            .collect();
        for k in due {
            if let Some(doc) = self.docs.get(&k) {
                out.push((doc.uri.clone(), self.diagnostics_of(doc), Some(doc.version)));
            }
            if let Some(doc) = self.docs.get_mut(&k) {
                doc.diag_due = false;
            }
        }
        out
    }
}
