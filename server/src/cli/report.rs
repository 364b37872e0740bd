//! `vouch report RANGE [--format markdown|html|json]`: what a pull request's
//! range introduces — AI lines per file, tool, model and kind, and which still
//! need an approval — as a pull-request comment (markdown), a self-contained
//! page (html) or JSON. The verdict is `vouch verify RANGE`'s (docs/ci.md).

use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use super::Outcome;
use vouch_core::commit::report::{self, ApprovalState, Origin, Report, Share};
use vouch_core::commit::verify::range_facts;
use vouch_core::present::{count, lines_label, tool_label};
use vouch_core::service::Service;
use vouch_core::untrusted::escape;

/// GitHub refuses comments longer than 65,536 characters; stay well below.
pub(crate) const MARKDOWN_LIMIT: usize = 60_000;
/// Labels (paths, tools, units) longer than this are cut in human-readable output.
const LABEL_CHARS: usize = 160;

#[derive(Args, Debug)]
pub(crate) struct ReportArgs {
    /// The pull request's commits, as for `git log` with one tip (e.g. origin/main..HEAD)
    pub(crate) range: String,
    /// Read vouch.toml and the allowed-signers file from this revision (default: the range's base)
    #[arg(long, value_name = "REV")]
    pub(crate) policy_from: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    pub(crate) format: ReportFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReportFormat {
    Markdown,
    Html,
    Json,
}

pub(crate) fn run(args: ReportArgs) -> anyhow::Result<Outcome> {
    let service = Service::open(&super::current_dir()?)?;
    let git = super::hook::git_of(&service)?;
    let facts = range_facts(
        &git,
        &service.workspace.root,
        &args.range,
        args.policy_from.as_deref(),
    )?;
    let report = report::build(facts);
    let text = match args.format {
        ReportFormat::Markdown => markdown(&report),
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(&report))?;
            s.push('\n');
            s
        }
        ReportFormat::Html => super::report_html::page(&report, &to_json(&report)),
    };
    super::write_stdout(text.as_bytes())?;
    Ok(Outcome::Clean)
}

/// Untrusted text for markdown: control characters escaped, markdown and
/// HTML punctuation backslash-escaped, cut to [`LABEL_CHARS`].
pub(crate) fn md(s: &str) -> String {
    let s = escape(s);
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        if i == LABEL_CHARS {
            out.push('…');
            break;
        }
        if "\\`*_{}[]<>#|~&@".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "0%".to_owned();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// The headline: AI lines, files, approved, and who must approve the rest.
pub(crate) fn headline(r: &Report) -> String {
    let ai = r.ai_lines();
    let mut s = if ai == 0 {
        format!(
            "No AI-written lines among {} added",
            count(r.added_lines(), "line", "lines")
        )
    } else {
        format!(
            "{} in {}",
            count(ai, "AI-written line", "AI-written lines"),
            count(r.ai_files(), "file", "files")
        )
    };
    if !r.review_required {
        if ai > 0 {
            s.push_str(" · approval not required by the policy");
        }
        return s;
    }
    if ai > 0 {
        s.push_str(&format!(" · {} approved", r.count(ApprovalState::Approved)));
    }
    let exempt = r.count(ApprovalState::Exempt);
    if exempt > 0 {
        s.push_str(&format!(" · {exempt} exempt"));
    }
    let need = r.count(ApprovalState::Unapproved);
    let policy_files = r
        .unapproved()
        .iter()
        .flat_map(|f| &f.ranges)
        .filter(|g| g.tool.is_none())
        .count();
    if need > 0 || policy_files > 0 {
        let who = r.approvers();
        let by = if who.is_empty() {
            format!(
                "any principal in {}",
                escape(&r.facts.report.allowed_signers)
            )
        } else {
            format!(
                "one of: {}",
                who.iter().map(|w| escape(w)).collect::<Vec<_>>().join(", ")
            )
        };
        if need > 0 {
            s.push_str(&format!(" · {need} need approval by {by}"));
        }
        if policy_files > 0 {
            s.push_str(&format!(
                " · {} changed, needing approval",
                count(policy_files, "policy file", "policy files")
            ));
            if need == 0 {
                s.push_str(&format!(" by {by}"));
            }
        }
    }
    if !r.facts.report.problems.is_empty() {
        s.push_str(&format!(
            " · {} without provenance",
            count(r.facts.report.problems.len(), "commit", "commits")
        ));
    }
    s
}

/// The comment marker the CI script looks for to update its own comment.
pub(crate) const MARKER: &str = "<!-- vouch-report -->";

/// The markdown comment, under [`MARKDOWN_LIMIT`] whatever the range: past
/// the limit, fewer table rows and ranges are listed (the rest summarised).
pub(crate) fn markdown(r: &Report) -> String {
    let mut caps = (500usize, 1000usize, 50usize);
    loop {
        let text = markdown_with(r, caps.0, caps.1, caps.2);
        if text.len() <= MARKDOWN_LIMIT || caps == (0, 0, 0) {
            return text;
        }
        caps = (caps.0 / 2, caps.1 / 2, caps.2 / 2);
    }
}

fn share_table(out: &mut String, title: &str, shares: &[Share], total: usize, cap: usize) {
    out.push_str(&format!("| {title} | Lines | Share |\n|---|---:|---:|\n"));
    for s in shares.iter().take(cap.max(1)) {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            md(&s.label),
            s.lines,
            percent(s.lines, total)
        ));
    }
    if shares.len() > cap.max(1) {
        let rest: usize = shares.iter().skip(cap.max(1)).map(|s| s.lines).sum();
        out.push_str(&format!(
            "| {} more | {rest} | {} |\n",
            shares.len() - cap.max(1),
            percent(rest, total)
        ));
    }
    out.push('\n');
}

fn markdown_with(r: &Report, file_cap: usize, range_cap: usize, share_cap: usize) -> String {
    let mut out = String::new();
    out.push_str(MARKER);
    out.push('\n');
    out.push_str(&format!(
        "### Vouch: AI-written code in {}\n\n**{}**\n\n",
        md(&r.facts.report.range.spec),
        md(&headline(r))
    ));
    let ai_files: Vec<_> = r.files.iter().filter(|f| f.ai_lines() > 0).collect();
    if !ai_files.is_empty() {
        out.push_str(
            "| File | Added | AI lines | Tool / model | Kind | Approved | Unapproved | Units |\n",
        );
        out.push_str("|---|---:|---:|---|---|---:|---:|---|\n");
        for f in ai_files.iter().take(file_cap) {
            let mut tools: Vec<String> = Vec::new();
            let mut kinds: Vec<String> = Vec::new();
            for l in &f.added {
                if let Origin::Ai {
                    tool, model, kind, ..
                } = &l.origin
                {
                    let t = tool_label(tool, model.as_deref());
                    if !tools.contains(&t) {
                        tools.push(t);
                    }
                    let k = kind.clone().unwrap_or_else(|| "unspecified".to_owned());
                    if !kinds.contains(&k) {
                        kinds.push(k);
                    }
                }
            }
            let list = |v: &[String]| {
                let mut s: Vec<String> = v.iter().take(3).map(|x| md(x)).collect();
                if v.len() > 3 {
                    s.push(format!("+{} more", v.len() - 3));
                }
                s.join(", ")
            };
            let approved = if r.review_required {
                f.count(ApprovalState::Approved).to_string()
            } else {
                "n/a".to_owned()
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                md(&f.path),
                f.added.len(),
                f.ai_lines(),
                list(&tools),
                list(&kinds),
                approved,
                f.count(ApprovalState::Unapproved),
                list(&f.units()),
            ));
        }
        if ai_files.len() > file_cap {
            let rest = &ai_files[file_cap..];
            out.push_str(&format!(
                "| {} more | {} | {} | | | {} | {} | |\n",
                count(rest.len(), "file", "files"),
                rest.iter().map(|f| f.added.len()).sum::<usize>(),
                rest.iter().map(|f| f.ai_lines()).sum::<usize>(),
                rest.iter()
                    .map(|f| f.count(ApprovalState::Approved))
                    .sum::<usize>(),
                rest.iter()
                    .map(|f| f.count(ApprovalState::Unapproved))
                    .sum::<usize>(),
            ));
        }
        out.push('\n');
    }
    let total = r.added_lines();
    if total > 0 {
        out.push_str(&format!(
            "**Shares of the {}**\n\n",
            count(total, "added line", "added lines")
        ));
        share_table(&mut out, "Tool / model", &r.tool_shares(), total, share_cap);
        share_table(&mut out, "Kind", &r.kind_shares(), total, share_cap);
    }
    let ranges: Vec<_> = r
        .unapproved()
        .iter()
        .flat_map(|f| f.ranges.iter().map(move |g| (f, g)))
        .collect();
    if !ranges.is_empty() {
        out.push_str("**Needs approval**\n\n");
        for (f, g) in ranges.iter().take(range_cap) {
            let what = g.what();
            let unit = g
                .unit
                .as_deref()
                .map(|u| format!(" in {}", md(u)))
                .unwrap_or_default();
            out.push_str(&format!(
                "- {}:{}{unit} — {}: {}\n",
                md(&f.path),
                lines_label(g.start_line, g.end_line),
                md(&what),
                md(&g.reason)
            ));
        }
        if ranges.len() > range_cap {
            let rest = &ranges[range_cap..];
            let lines: usize = rest
                .iter()
                .map(|(_, g)| g.end_line + 1 - g.start_line)
                .sum();
            out.push_str(&format!(
                "- … and {} ({}) more; run `vouch verify` for the full list\n",
                count(rest.len(), "range", "ranges"),
                count(lines, "line", "lines")
            ));
        }
        out.push('\n');
    }
    if !r.facts.report.problems.is_empty() {
        out.push_str("**Commits without provenance**\n\n");
        for p in r.facts.report.problems.iter().take(range_cap.max(1)) {
            out.push_str(&format!(
                "- {} {}: {}\n",
                super::verify::short(&p.commit),
                md(&p.subject),
                md(&p.reason)
            ));
        }
        if r.facts.report.problems.len() > range_cap.max(1) {
            out.push_str(&format!(
                "- … and {} more\n",
                r.facts.report.problems.len() - range_cap.max(1)
            ));
        }
        out.push('\n');
    }
    let from = match &r.facts.report.policy_from {
        Some(sha) => format!("policy from {}", super::verify::short(sha)),
        None => "policy from the working tree".to_owned(),
    };
    out.push_str(&format!(
        "<sub>{} checked at {}, {from}. Approve with vouch approve in a reviewer's clone.</sub>\n",
        count(r.facts.report.commits, "commit", "commits"),
        super::verify::short(&r.facts.report.range.tip)
    ));
    out
}

fn share_json(shares: &[Share], total: usize) -> Value {
    Value::Array(
        shares
            .iter()
            .map(|s| {
                json!({
                    "label": s.label,
                    "tool": s.tool,
                    "model": s.model,
                    "lines": s.lines,
                    "share": if total == 0 { 0.0 } else { s.lines as f64 / total as f64 },
                })
            })
            .collect(),
    )
}

/// The report as JSON (docs/ci.md lists the fields).
pub(crate) fn to_json(r: &Report) -> Value {
    let rep = &r.facts.report;
    let total = r.added_lines();
    let files: Vec<Value> = r
        .files
        .iter()
        .map(|f| {
            let ai: Vec<Value> = f
                .added
                .iter()
                .filter_map(|l| match &l.origin {
                    Origin::Ai {
                        tool,
                        model,
                        kind,
                        mixed,
                        approval,
                    } => Some(json!({
                        "line": l.line,
                        "tool": tool,
                        "model": model,
                        "kind": kind,
                        "mixed": mixed,
                        "approval": approval.as_str(),
                        "unit": l.unit,
                    })),
                    _ => None,
                })
                .collect();
            let unknown = f
                .added
                .iter()
                .filter(|l| l.origin == Origin::Unknown)
                .count();
            json!({
                "path": f.path,
                "added_lines": f.added.len(),
                "ai_lines": f.ai_lines(),
                "approved_lines": f.count(ApprovalState::Approved),
                "unapproved_lines": f.count(ApprovalState::Unapproved),
                "exempt_lines": f.count(ApprovalState::Exempt),
                "unknown_lines": unknown,
                "units": f.units(),
                "lines": ai,
            })
        })
        .collect();
    let unapproved: Vec<Value> = rep
        .files
        .iter()
        .flat_map(|f| {
            f.ranges.iter().map(move |g| {
                let mut v = json!(g);
                v["path"] = json!(f.path);
                v
            })
        })
        .collect();
    json!({
        "range": rep.range.spec,
        "target": rep.range.target,
        "base": rep.range.base,
        "tip": rep.range.tip,
        "policy_from": rep.policy_from,
        "allowed_signers": rep.allowed_signers,
        "commits": rep.commits,
        "headline": headline(r),
        "review_required": r.review_required,
        "ok": !rep.fails(),
        "added_lines": total,
        "ai_lines": r.ai_lines(),
        "approved_lines": r.count(ApprovalState::Approved),
        "unapproved_lines": r.count(ApprovalState::Unapproved),
        "exempt_lines": r.count(ApprovalState::Exempt),
        "approvers": r.approvers(),
        "shares": {
            "tools": share_json(&r.tool_shares(), total),
            "kinds": share_json(&r.kind_shares(), total),
        },
        "files": files,
        "unapproved": unapproved,
        "problems": rep.problems.iter().map(|p| json!({
            "commit": p.commit, "subject": p.subject, "reason": p.reason,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::md;

    #[test]
    fn untrusted_text_cannot_break_the_markdown() {
        assert_eq!(md("a|b"), "a\\|b");
        assert_eq!(md("<img src=x>"), "\\<img src=x\\>");
        assert_eq!(
            md("`x` *y* _z_ [l](u) @team"),
            "\\`x\\` \\*y\\* \\_z\\_ \\[l\\](u) \\@team"
        );
        let esc = md("red\u{1b}[31m\nline");
        assert!(!esc.contains('\u{1b}') && !esc.contains('\n'), "{esc}");
        let long = md(&"x".repeat(1000));
        assert_eq!(long.chars().count(), 161);
        assert!(long.ends_with('…'));
    }
}
