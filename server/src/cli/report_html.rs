//! `vouch report --format html`: one self-contained page (inline CSS, no
//! script, no network: a Content-Security-Policy forbids loading anything)
//! showing each changed file's added lines, AI lines highlighted (approved and
//! unapproved in different colours, tool/model/kind on hover), and a chart of
//! the shares.

use std::fmt::Write as _;

use serde_json::Value;

use vouch_core::commit::report::{ApprovalState, Origin, Report, Share};
use vouch_core::untrusted::escape;

/// Added lines shown at most (the rest are counted, not shown).
const MAX_LINES_SHOWN: usize = 20_000;
/// Characters of one line shown at most.
const MAX_LINE_CHARS: usize = 400;

/// Text for HTML: control characters escaped, `& < > " '` as entities.
fn esc(s: &str) -> String {
    let s = escape(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(n).collect();
    t.push('…');
    t
}

const COLOURS: [&str; 8] = [
    "#6f42c1", "#0969da", "#bf8700", "#1a7f37", "#cf222e", "#8250df", "#0550ae", "#953800",
];

fn chart(out: &mut String, title: &str, shares: &[Share], total: usize) {
    let _ = write!(
        out,
        "<figure class=\"chart\"><figcaption>{}</figcaption><div class=\"bar\">",
        esc(title)
    );
    let mut legend = String::new();
    for (i, s) in shares.iter().enumerate() {
        let colour = match s.label.as_str() {
            "human" => "#d0d7de",
            "unknown" => "#8c959f",
            _ => COLOURS[i % COLOURS.len()],
        };
        let pct = if total == 0 {
            0.0
        } else {
            s.lines as f64 * 100.0 / total as f64
        };
        let label = esc(&cut(&s.label, 120));
        let _ = write!(
            out,
            "<span class=\"seg\" style=\"width:{pct:.3}%;background:{colour}\" title=\"{label}: {} lines ({pct:.1}%)\"></span>",
            s.lines
        );
        let _ = write!(
            legend,
            "<li><span class=\"sw\" style=\"background:{colour}\"></span>{label} — {} ({pct:.1}%)</li>",
            s.lines
        );
    }
    let _ = write!(out, "</div><ul class=\"legend\">{legend}</ul></figure>");
}

/// The page. `data` (the JSON report) is embedded as an inert data block.
pub(crate) fn page(r: &Report, data: &Value) -> String {
    let mut out = String::new();
    let spec = esc(&r.facts.report.range.spec);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<title>Vouch report: {spec}</title><style>{CSS}</style></head><body>\
<h1>Vouch: AI-written code in {spec}</h1><p class=\"headline\" id=\"headline\">{}</p>",
        esc(&super::report::headline(r))
    );
    let total = r.added_lines();
    out.push_str("<section class=\"charts\">");
    chart(
        &mut out,
        "Added lines by tool / model",
        &r.tool_shares(),
        total,
    );
    chart(&mut out, "Added lines by kind", &r.kind_shares(), total);
    out.push_str("</section>");
    out.push_str(
        "<p class=\"keys\"><span class=\"ai approved\">approved AI</span> \
<span class=\"ai unapproved\">unapproved AI</span> <span class=\"ai exempt\">exempt / not required</span> \
<span class=\"human\">human</span> <span class=\"unknown\">unknown (no provenance)</span></p>",
    );
    let mut shown = 0usize;
    let mut hidden = 0usize;
    for f in &r.files {
        let _ = write!(
            out,
            "<section class=\"file\" data-path=\"{}\"><h2>{} <small>{} added, {} AI</small></h2><table class=\"code\">",
            esc(&f.path),
            esc(&f.path),
            f.added.len(),
            f.ai_lines()
        );
        let mut previous = None;
        for l in &f.added {
            if shown >= MAX_LINES_SHOWN {
                hidden += 1;
                continue;
            }
            shown += 1;
            if previous.is_some_and(|p: usize| p + 1 != l.line) {
                out.push_str("<tr class=\"gap\"><td></td><td>⋯</td></tr>");
            }
            previous = Some(l.line);
            let (class, title) = match &l.origin {
                Origin::Ai {
                    tool,
                    model,
                    kind,
                    mixed,
                    approval,
                } => {
                    let who = vouch_core::present::tool_label(tool, model.as_deref());
                    let colour = match approval {
                        ApprovalState::Approved => "approved",
                        ApprovalState::Unapproved => "unapproved",
                        ApprovalState::Exempt | ApprovalState::NotRequired => "exempt",
                    };
                    let unit = l
                        .unit
                        .as_deref()
                        .map(|u| format!(" · in {u}"))
                        .unwrap_or_default();
                    (
                        format!("ai {colour}"),
                        format!(
                            "{}{} · {} · {}{unit}",
                            cut(&who, 200),
                            if *mixed {
                                " (mixed with human text)"
                            } else {
                                ""
                            },
                            kind.as_deref().unwrap_or("unspecified"),
                            approval.as_str()
                        ),
                    )
                }
                Origin::Human => ("human".to_owned(), "human".to_owned()),
                Origin::Unknown => (
                    "unknown".to_owned(),
                    "unknown: written by a commit without provenance".to_owned(),
                ),
            };
            let _ = write!(
                out,
                "<tr class=\"{class}\" data-line=\"{}\" title=\"{}\"><td class=\"n\">{}</td><td class=\"t\">{}</td></tr>",
                l.line,
                esc(&title),
                l.line,
                esc(&cut(&l.text, MAX_LINE_CHARS))
            );
        }
        out.push_str("</table></section>");
    }
    if hidden > 0 {
        let _ = write!(
            out,
            "<p class=\"more\">{hidden} more added lines are not shown (see --format json).</p>"
        );
    }
    // The data as an inert block (`<` escaped so it cannot end the element).
    let json = serde_json::to_string(data)
        .unwrap_or_default()
        .replace('<', "\\u003c");
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"vouch-data\">{json}</script></body></html>"
    );
    out
}

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1f2328}\
h1{font-size:20px}h2{font-size:15px;margin:18px 0 4px}h2 small{color:#59636e;font-weight:normal}\
.headline{font-weight:600}.charts{display:flex;gap:32px;flex-wrap:wrap}\
.chart{margin:0;min-width:320px;flex:1}.bar{display:flex;height:18px;border-radius:4px;overflow:hidden;background:#f6f8fa}\
.seg{display:block;height:100%}.legend{list-style:none;padding:0;margin:6px 0}.legend li{margin:2px 0}\
.sw{display:inline-block;width:10px;height:10px;margin-right:6px;border-radius:2px}\
table.code{border-collapse:collapse;width:100%;font:12px/1.5 ui-monospace,monospace}\
td.n{color:#59636e;text-align:right;padding:0 8px;width:1%;user-select:none}td.t{white-space:pre-wrap;word-break:break-all}\
tr.ai.approved{background:#dafbe1}tr.ai.unapproved{background:#ffd8d3}tr.ai.exempt{background:#fff8c5}\
tr.unknown{background:#eaeef2}tr.gap td{color:#8c959f}\
.keys span{padding:1px 6px;border-radius:3px;margin-right:6px;font-size:12px}\
span.ai.approved{background:#dafbe1}span.ai.unapproved{background:#ffd8d3}span.ai.exempt{background:#fff8c5}\
span.human{background:#f6f8fa}span.unknown{background:#eaeef2}";
