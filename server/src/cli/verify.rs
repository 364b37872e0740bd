//! `vouch verify [RANGE]`: for CI. With a RANGE (`origin/main..feature`), the
//! sign-off gate: every AI line the range introduces needs an approval that
//! counts under the policy of the range's base (docs/sign-off.md). Without
//! one, the per-commit check of the notes in `HEAD`'s history.

use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use super::Outcome;
use vouch_core::commit::approve::ApprovalStatus;
use vouch_core::commit::verify::{RangeReport, verify, verify_range};
use vouch_core::present::{count, lines_label, plural};
use vouch_core::untrusted::escape;

#[derive(Args, Debug)]
pub(crate) struct VerifyArgs {
    /// Commits to check, as for `git log` (e.g. origin/main..HEAD; default: HEAD and its history)
    pub(crate) range: Option<String>,
    /// Read vouch.toml and the allowed-signers file from this revision
    /// (default: the range's base, e.g. origin/main for origin/main..HEAD;
    /// the working tree when the range has no base)
    #[arg(long, value_name = "REV")]
    pub(crate) policy_from: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = VerifyFormat::Text)]
    pub(crate) format: VerifyFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VerifyFormat {
    Text,
    Json,
    Sarif,
}

pub(crate) fn run(args: VerifyArgs) -> anyhow::Result<Outcome> {
    // Works in a bare repository too (a server-side check); opens no store.
    let repo = super::repo::ReadRepo::open()?;
    let git = repo.git.clone();
    if args.range.is_none() && args.policy_from.is_none() && args.format == VerifyFormat::Text {
        return run_history(&repo, &git);
    }
    let spec = args.range.as_deref().unwrap_or("HEAD");
    let report = verify_range(&git, repo.root(), spec, args.policy_from.as_deref())?;
    match args.format {
        VerifyFormat::Text => print_text(&report),
        VerifyFormat::Json => print_json(&to_json(&report))?,
        VerifyFormat::Sarif => print_json(&to_sarif(&report))?,
    }
    Ok(if report.fails() {
        Outcome::Found
    } else {
        Outcome::Clean
    })
}

fn print_json(v: &Value) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

/// The first 12 characters of a commit id.
pub(crate) fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// `tool (model)`, `tool`, or `policy file`.
fn who_may(report: &RangeReport, approvers: &[String], not: &[String]) -> String {
    let mut s = if approvers.is_empty() {
        format!("any principal in {}", report.allowed_signers)
    } else {
        approvers.join(", ")
    };
    if !not.is_empty() {
        s.push_str(&format!(" except {}", not.join(", ")));
    }
    s
}

fn print_text(r: &RangeReport) {
    let from = match &r.policy_from {
        Some(sha) => format!("policy from {}", short(sha)),
        None => "policy from the working tree".to_owned(),
    };
    println!(
        "vouch verify {}: {} checked, {from}, allowed signers {}{}.",
        escape(&r.range.spec),
        count(r.commits, "commit", "commits"),
        escape(&r.allowed_signers),
        if r.signers_found { "" } else { " (not found)" }
    );
    if r.clean() {
        println!(
            "Every AI line the range introduces is approved as the policy requires ({} of {} lines).",
            r.approved_lines, r.needed_lines
        );
    }
    if !r.files.is_empty() {
        let unapproved = r.needed_lines - r.approved_lines;
        println!(
            "{unapproved} of {} lines needing approval are not approved:",
            r.needed_lines
        );
        for f in &r.files {
            println!();
            println!("{}", escape(&f.path));
            for g in &f.ranges {
                let lines = lines_label(g.start_line, g.end_line);
                let label = match (&g.tool, &g.model) {
                    (Some(t), Some(m)) => format!("{t}, {m}"),
                    (Some(t), None) => t.clone(),
                    (None, _) => String::new(),
                };
                let what = match (&g.tool, &g.unit) {
                    (None, _) => String::new(),
                    (Some(_), Some(u)) => format!(" AI code ({label}) in {u}:"),
                    (Some(_), None) => format!(" AI code ({label}):"),
                };
                println!(
                    "  {}:{lines}:{} {}",
                    escape(&f.path),
                    escape(&what),
                    escape(&g.reason)
                );
                println!(
                    "      may approve: {}",
                    escape(&who_may(r, &g.approvers, &g.not_approvers))
                );
            }
        }
    }
    if !r.problems.is_empty() {
        println!();
        println!("Commits:");
        for p in &r.problems {
            println!(
                "  {} {}: {}",
                short(&p.commit),
                escape(&p.subject),
                escape(&p.reason)
            );
        }
    }
    let bad: Vec<_> = r.approvals.iter().filter(|a| !a.counts()).collect();
    if !bad.is_empty() {
        println!();
        println!("Approvals that do not count:");
        for a in bad {
            let detail = match &a.status {
                ApprovalStatus::BadSignature(w) => format!("bad signature: {w}"),
                ApprovalStatus::SignerNotAllowed => format!(
                    "signer not allowed: key {} is not in {} for {}",
                    a.signed_by.as_deref().unwrap_or("?"),
                    r.allowed_signers,
                    a.principal()
                ),
                ApprovalStatus::Malformed(w) => format!("malformed: {w}"),
                ApprovalStatus::Valid => String::new(),
            };
            println!(
                "  {} (on {}): {}",
                escape(a.principal()),
                short(&a.commit),
                escape(&detail)
            );
        }
    }
    for w in &r.skipped_signers {
        println!("note: {}: {}", escape(&r.allowed_signers), escape(w));
    }
    if r.fails() {
        println!();
        println!(
            "Approve with `vouch approve {}` in a reviewer's clone (signed with their key), then `git push`.",
            escape(&r.range.spec)
        );
    }
}

fn to_json(r: &RangeReport) -> Value {
    json!({
        "range": r.range.spec,
        "target": r.range.target,
        "base": r.range.base,
        "tip": r.range.tip,
        "policy_from": r.policy_from,
        "allowed_signers": r.allowed_signers,
        "commits": r.commits,
        "needed_lines": r.needed_lines,
        "approved_lines": r.approved_lines,
        "ok": !r.fails(),
        "files": r.files.iter().map(|f| json!({
            "path": f.path,
            "ranges": f.ranges,
        })).collect::<Vec<_>>(),
        "problems": r.problems.iter().map(|p| json!({
            "commit": p.commit, "subject": p.subject, "reason": p.reason,
        })).collect::<Vec<_>>(),
        "approvals": r.approvals.iter().map(|a| json!({
            "commit": a.commit,
            "principal": a.payload.as_ref().map(|p| &p.principal),
            "key": a.payload.as_ref().map(|p| &p.key),
            "signed_by": a.signed_by,
            "time": a.payload.as_ref().map(|p| &p.time),
            "status": a.status.code(),
            "detail": match &a.status {
                ApprovalStatus::BadSignature(w) | ApprovalStatus::Malformed(w) => Some(w.clone()),
                _ => None,
            },
        })).collect::<Vec<_>>(),
    })
}

fn to_sarif(r: &RangeReport) -> Value {
    let level = if r.blocking { "error" } else { "warning" };
    let mut results = Vec::new();
    for f in &r.files {
        for g in &f.ranges {
            let what = g.what();
            let unit = g
                .unit
                .as_deref()
                .map(|u| format!(" in {u}"))
                .unwrap_or_default();
            results.push(json!({
                "ruleId": "vouch/ai-unapproved",
                "level": level,
                "message": {"text": format!(
                    "AI lines ({what}){unit} not approved: {}. May approve: {}.",
                    g.reason, who_may(r, &g.approvers, &g.not_approvers)
                )},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": f.path},
                    "region": {"startLine": g.start_line, "endLine": g.end_line},
                }}],
                "partialFingerprints": {"vouch/unapproved/v1": format!(
                    "{}:{}:{}", f.path, g.unit.as_deref().unwrap_or(""), what
                )},
                "properties": {"tool": g.tool, "model": g.model, "unit": g.unit,
                    "approvers": g.approvers, "not_approvers": g.not_approvers},
            }));
        }
    }
    for p in &r.problems {
        results.push(json!({
            "ruleId": "vouch/commit-unrecorded",
            "level": level,
            "message": {"text": format!("{} {}: {}", short(&p.commit), p.subject, p.reason)},
            "properties": {"commit": p.commit},
        }));
    }
    json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "vouch",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": [
                    {"id": "vouch/ai-unapproved", "shortDescription": {"text": "AI-written lines without a signed approval that counts"}},
                    {"id": "vouch/commit-unrecorded", "shortDescription": {"text": "A commit without provenance"}},
                ],
            }},
            "versionControlProvenance": [{"revisionId": r.range.tip}],
            "results": results,
        }],
    })
}

/// `vouch verify` without a range: each commit of `HEAD`'s history against
/// its own note, policy from the working tree.
fn run_history(
    repo: &super::repo::ReadRepo,
    git: &vouch_core::git::Git,
) -> anyhow::Result<Outcome> {
    let policy = repo.policy()?;
    // Each offender rendered as found: a history that fails everywhere is
    // held as the report's text, not as the notes' findings.
    let mut n = 0;
    let mut listed = String::new();
    let checked = verify(git, &policy, None, |o| {
        n += 1;
        listed.push('\n');
        listed.push_str(&format!(
            "{} {}\n",
            o.commit.sha,
            escape(o.commit.subject())
        ));
        for p in &o.problems {
            listed.push_str(&format!("  {}\n", escape(p)));
        }
    })?;
    if n == 0 {
        println!(
            "vouch verify: {} checked; every AI line is reviewed as the policy requires.",
            count(checked, "commit", "commits")
        );
        return Ok(Outcome::Clean);
    }
    // "1 of 1 commit holds", "1 of 3 commits holds", "2 of 3 commits hold".
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "vouch verify: {n} of {checked} {} {} AI code not reviewed as the policy requires:",
        plural(checked, "commit", "commits"),
        plural(n, "holds", "hold")
    )?;
    out.write_all(listed.as_bytes())?;
    Ok(if policy.severity.blocks() {
        Outcome::Found
    } else {
        Outcome::Clean
    })
}
