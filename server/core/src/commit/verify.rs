//! `vouch verify`: for CI, where hooks can be bypassed. A commit fails when
//! its note lists AI lines not reviewed as the policy requires, or when it
//! has no note but its message says AI helped (trailers).

use super::CommitError;
use super::export::{CommitInfo, commits, each_note, walk};
use super::policy::Policy;
use super::trailers::ai_trailers;
use crate::git::Git;

/// A commit that fails verification, with the reasons.
#[derive(Clone, Debug)]
pub struct Offender {
    pub commit: CommitInfo,
    pub problems: Vec<String>,
}

/// Checks every commit of `range`, handing each offender to `found` as it
/// is found (in the range's order, nothing of it kept here: a history
/// that fails everywhere is not held whole); returns how many commits were
/// checked.
pub fn verify(
    git: &Git,
    policy: &Policy,
    range: Option<&str>,
    mut found: impl FnMut(Offender),
) -> Result<usize, CommitError> {
    if !policy.require {
        return Ok(commits(git, range)?.len());
    }
    let walked = walk(git, range)?;
    // Notes are read a batch at a time: memory stays flat in their number.
    each_note(&walked, |c, note| {
        let mut problems = Vec::new();
        match note {
            Some(n) => {
                for (path, file) in &n.lines {
                    for j in policy.what_blocks(path, file, None, Some(&c.author)) {
                        let Some(why) = j.verdict.reason() else {
                            continue;
                        };
                        let (s, e) = (j.start_line, j.end_line);
                        let lines = crate::present::lines_label(s, e);
                        problems.push(format!("{path}:{lines}: {why}"));
                    }
                }
            }
            None => {
                let found = ai_trailers(&c.message);
                if !found.is_empty() {
                    problems.push(format!(
                        "no provenance note, but the message says AI helped ({})",
                        found.join("; ")
                    ));
                }
            }
        }
        if !problems.is_empty() {
            found(Offender {
                commit: c.clone(),
                problems,
            });
        }
        Ok(())
    })?;
    Ok(walked.commits.len())
}

// ---------------------------------------------------------------------------
// `vouch verify RANGE`: the sign-off gate (docs/sign-off.md).

use std::collections::{HashMap, HashSet};

use super::approve::{self, Approval, BasePolicy, NeededFile};
use super::policy::{names_principal, principal_is, same_person};
use super::range::{self, RangeChanges, RangeSpec};

/// AI lines (or a policy file) that no counting approval covers. Its JSON
/// form is the `ranges[]` entry of `vouch verify RANGE --format json` (and,
/// with the path, of `vouch report`'s `unapproved[]`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UnapprovedRange {
    pub start_line: usize,
    pub end_line: usize,
    pub unit: Option<String>,
    /// `None` for a policy file's lines.
    pub tool: Option<String>,
    pub model: Option<String>,
    pub reason: String,
    /// Who may approve: the `reviewers` the policy names (empty: any allowed signer).
    pub approvers: Vec<String>,
    /// Who may not: the authors and committers who wrote or changed the lines
    /// (with `distinct_from_author`).
    pub not_approvers: Vec<String>,
}

impl UnapprovedRange {
    /// What the lines are, as people read it: `copilot (gpt-5)`, or
    /// `policy file`.
    pub fn what(&self) -> String {
        match &self.tool {
            Some(t) => crate::present::tool_label(t, self.model.as_deref()),
            None => "policy file".to_owned(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct UnapprovedFile {
    pub path: String,
    pub ranges: Vec<UnapprovedRange>,
}

/// A commit of the range that fails on its own.
#[derive(Clone, Debug)]
pub struct CommitProblem {
    pub commit: String,
    pub subject: String,
    pub reason: String,
}

/// The result of `vouch verify RANGE`, as plain data.
#[derive(Clone, Debug)]
pub struct RangeReport {
    pub range: RangeSpec,
    /// Where the policy was read (a commit; `None`: the working tree).
    pub policy_from: Option<String>,
    pub allowed_signers: String,
    pub signers_found: bool,
    /// Allowed-signers lines that were skipped, with why.
    pub skipped_signers: Vec<String>,
    pub commits: usize,
    pub needed_lines: usize,
    pub approved_lines: usize,
    pub files: Vec<UnapprovedFile>,
    /// Approval records that touch the range's files, checked.
    pub approvals: Vec<Approval>,
    pub problems: Vec<CommitProblem>,
    /// Whether the findings fail the check (the policy's severity).
    pub blocking: bool,
}

impl RangeReport {
    pub fn clean(&self) -> bool {
        self.files.is_empty() && self.problems.is_empty()
    }

    pub fn fails(&self) -> bool {
        !self.clean() && self.blocking
    }
}

/// Verifies `spec` against the policy at `policy_from` (default: the range's
/// target, else the working tree).
pub fn verify_range(
    git: &Git,
    root: &std::path::Path,
    spec: &str,
    policy_from: Option<&str>,
) -> Result<RangeReport, CommitError> {
    Ok(range_facts(git, root, spec, policy_from)?.report)
}

/// Everything `vouch verify RANGE` gathers and decides, for callers that show
/// more than the verdict (`vouch report`).
#[derive(Clone, Debug)]
pub struct RangeFacts {
    pub(crate) changes: RangeChanges,
    pub(crate) base: BasePolicy,
    pub(crate) needed: Vec<NeededFile>,
    pub report: RangeReport,
}

/// [`verify_range`], keeping what it gathered.
pub fn range_facts(
    git: &Git,
    root: &std::path::Path,
    spec: &str,
    policy_from: Option<&str>,
) -> Result<RangeFacts, CommitError> {
    let range = range::resolve(git, spec)?;
    let base = match (policy_from, &range.target) {
        (Some(rev), _) => {
            let sha = git.commit_id(rev)?.ok_or_else(|| {
                CommitError::Other(format!("--policy-from {rev}: no such commit"))
            })?;
            approve::base_policy(git, &sha)?
        }
        (None, Some(t)) => approve::base_policy(git, t)?,
        (None, None) => approve::working_tree_policy(root)?,
    };
    let changes = range::changes(git, range)?;
    let needed = approve::needed(git, &changes, &base)?;
    let paths: HashSet<&str> = needed.iter().map(|f| f.path.as_str()).collect();
    let approvals = approve::load(git, &base.signers, Some(&paths))?;
    let report = evaluate(&changes, &base, &needed, approvals);
    Ok(RangeFacts {
        changes,
        base,
        needed,
        report,
    })
}

/// Identities (`Name <email>`) of the authors and committers of `writers`.
fn idents(changes: &RangeChanges, writers: &[usize]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for &w in writers {
        if let Some(c) = changes.commits.get(w) {
            for who in [&c.author, &c.committer] {
                if !out.iter().any(|o| same_person(o, who)) {
                    out.push(who.clone());
                }
            }
        }
    }
    out
}

/// Why `who` may not approve lines of `path` written by `writers` (`None`: may).
/// `is` compares `who` with a `reviewers` entry / an author identity.
fn refusal(
    policy: &Policy,
    path: &str,
    verb: &str,
    who: &str,
    writers: &[String],
    names: impl Fn(&str) -> bool,
    is_writer: impl Fn(&str) -> bool,
) -> Option<String> {
    for rule in policy
        .rules
        .iter()
        .filter(|r| r.paths.iter().any(|g| super::glob::matches(g, path)))
    {
        if !rule.reviewers.is_empty() && !rule.reviewers.iter().any(|r| names(r)) {
            return Some(format!(
                "{verb} by {who}, but the policy requires one of: {}",
                rule.reviewers.join(", ")
            ));
        }
        if rule.distinct_from_author
            && let Some(w) = writers.iter().find(|w| is_writer(w))
        {
            return Some(format!(
                "{verb} by {who}, who wrote or changed these lines (as {w}); the policy requires another reviewer"
            ));
        }
    }
    None
}

/// Why a signed approval by `principal` does not count for lines of `path`
/// written or changed by `writers`, or `None` when it does.
fn signer_refusal(
    policy: &Policy,
    path: &str,
    principal: &str,
    writers: &[String],
) -> Option<String> {
    refusal(
        policy,
        path,
        "approved",
        principal,
        writers,
        |r| names_principal(r, principal),
        |w| principal_is(principal, w),
    )
}

/// Who may approve lines of `path` and who may not.
fn who_may(policy: &Policy, path: &str, writers: &[String]) -> (Vec<String>, Vec<String>) {
    let mut approvers = Vec::new();
    let mut distinct = false;
    for rule in policy
        .rules
        .iter()
        .filter(|r| r.paths.iter().any(|g| super::glob::matches(g, path)))
    {
        approvers.extend(rule.reviewers.iter().cloned());
        distinct |= rule.distinct_from_author;
    }
    approvers.dedup();
    (
        approvers,
        if distinct {
            writers.to_vec()
        } else {
            Vec::new()
        },
    )
}

/// Judges the range: every needed line against the approvals that count.
/// The one place that decides what blocks `vouch verify RANGE`.
pub(crate) fn evaluate(
    changes: &RangeChanges,
    base: &BasePolicy,
    needed: &[NeededFile],
    approvals: Vec<Approval>,
) -> RangeReport {
    let policy = &base.policy;
    let mut files = Vec::new();
    let mut needed_lines = 0;
    let mut approved_lines = 0;
    if policy.require {
        // Remaining line counts of each counting approval, per path and hash.
        let mut remaining: Vec<approve::Coverage> = approvals
            .iter()
            .map(|a| match (&a.payload, a.counts()) {
                (Some(p), true) => approve::coverage(p),
                _ => HashMap::new(),
            })
            .collect();
        for f in needed {
            needed_lines += f.lines.len();
            let tip_set: HashSet<&String> = f.all_hashes.iter().collect();
            let mut bad: Vec<UnapprovedRange> = Vec::new();
            if f.policy_file {
                let writers = idents(changes, &f.lines[0].writers);
                let mut reason = None;
                let mut ok = false;
                for a in approvals.iter().filter(|a| a.counts()) {
                    let Some(p) = &a.payload else { continue };
                    if !approve::approves_whole(p, &f.path, &f.all_hashes) {
                        continue;
                    }
                    match signer_refusal(policy, &f.path, &p.principal, &writers) {
                        None => {
                            ok = true;
                            break;
                        }
                        Some(why) => reason = reason.or(Some(why)),
                    }
                }
                if ok {
                    approved_lines += f.lines.len();
                } else {
                    let reason = reason
                        .or_else(|| invalid_reason(&approvals, &f.path, &f.all_hashes[0]))
                        .unwrap_or_else(|| {
                            "policy file changed in the range: its new text needs a signed approval"
                                .to_owned()
                        });
                    let (approvers, not_approvers) = who_may(policy, &f.path, &writers);
                    let last = f.lines.last().map_or(1, |l| l.line);
                    bad.push(UnapprovedRange {
                        start_line: 1,
                        end_line: last,
                        unit: None,
                        tool: None,
                        model: None,
                        reason,
                        approvers,
                        not_approvers,
                    });
                }
            } else {
                for l in &f.lines {
                    let writers = idents(changes, &l.writers);
                    let mut reason: Option<String> = None;
                    let mut ok = false;
                    for (i, a) in approvals.iter().enumerate() {
                        let Some(p) = &a.payload else { continue };
                        let left = remaining[i]
                            .get(&f.path)
                            .and_then(|m| m.get(&l.hash))
                            .copied()
                            .unwrap_or(0);
                        if left == 0 {
                            continue;
                        }
                        match signer_refusal(policy, &f.path, &p.principal, &writers) {
                            None => {
                                if let Some(n) = remaining[i]
                                    .get_mut(&f.path)
                                    .and_then(|m| m.get_mut(&l.hash))
                                {
                                    *n -= 1;
                                }
                                ok = true;
                                break;
                            }
                            Some(why) => reason = reason.or(Some(why)),
                        }
                    }
                    let attr = l.attr.as_ref();
                    let reviewer = attr.and_then(|a| a.reviewer());
                    // Reviews accumulate: any one reviewer that qualifies is enough.
                    let reviewers = attr.map(|a| a.reviews.as_slice()).unwrap_or_default();
                    if !ok && !policy.signed {
                        for r in reviewers.iter().map(|r| r.by.as_str()) {
                            match refusal(
                                policy,
                                &f.path,
                                "reviewed (unsigned)",
                                r,
                                &writers,
                                |e| same_person(e, r),
                                |w| same_person(w, r),
                            ) {
                                None => {
                                    ok = true;
                                    break;
                                }
                                Some(why) => reason = reason.or(Some(why)),
                            }
                        }
                    }
                    if ok {
                        approved_lines += 1;
                        continue;
                    }
                    let reason = reason
                        .or_else(|| invalid_reason(&approvals, &f.path, &l.hash))
                        .or_else(|| stale_reason(&approvals, &f.path, &tip_set))
                        .or_else(|| {
                            (policy.signed).then_some(()).and(reviewer).map(|r| {
                                format!(
                                    "only an unsigned `vouch review` by {r} (the author's self-check); the policy requires a signed approval"
                                )
                            })
                        })
                        .unwrap_or_else(|| "no approval".to_owned());
                    let (approvers, not_approvers) = who_may(policy, &f.path, &writers);
                    let range = UnapprovedRange {
                        start_line: l.line,
                        end_line: l.line,
                        unit: l.unit.clone(),
                        tool: attr.map(|a| a.tool.clone()),
                        model: attr.and_then(|a| a.model.clone()),
                        reason,
                        approvers,
                        not_approvers,
                    };
                    match bad.last_mut() {
                        Some(r)
                            if r.end_line + 1 == l.line
                                && r.reason == range.reason
                                && r.unit == range.unit
                                && r.tool == range.tool
                                && r.model == range.model
                                && r.approvers == range.approvers
                                && r.not_approvers == range.not_approvers =>
                        {
                            r.end_line = l.line;
                        }
                        _ => bad.push(range),
                    }
                }
            }
            if !bad.is_empty() {
                files.push(UnapprovedFile {
                    path: f.path.clone(),
                    ranges: bad,
                });
            }
        }
    }
    let mut problems = Vec::new();
    for c in &changes.commits {
        if changes.recorded.contains(&c.sha) {
            continue;
        }
        if policy.provenance_required && c.parents.len() <= 1 {
            problems.push(CommitProblem {
                commit: c.sha.clone(),
                subject: c.subject().to_owned(),
                reason: "not recorded: the hooks were not installed when it was made".to_owned(),
            });
            continue;
        }
        let found = ai_trailers(&c.message);
        if policy.require && !found.is_empty() {
            problems.push(CommitProblem {
                commit: c.sha.clone(),
                subject: c.subject().to_owned(),
                reason: format!(
                    "no provenance note, but the message says AI helped ({})",
                    found.join("; ")
                ),
            });
        }
    }
    RangeReport {
        range: changes.range.clone(),
        policy_from: base.from.clone(),
        allowed_signers: policy.allowed_signers.clone(),
        signers_found: base.signers_found,
        skipped_signers: base.signers.skipped.clone(),
        commits: changes.commits.len(),
        needed_lines,
        approved_lines,
        files,
        approvals,
        problems,
        blocking: policy.severity.blocks(),
    }
}

/// "approval by X does not count: …" when an approval that does not count
/// claims to cover this text.
fn invalid_reason(approvals: &[Approval], path: &str, hash: &String) -> Option<String> {
    approvals.iter().filter(|a| !a.counts()).find_map(|a| {
        let p = a.payload.as_ref()?;
        let covers = p
            .files
            .iter()
            .filter(|f| f.path == path)
            .flat_map(|f| &f.ranges)
            .any(|r| r.lines.contains(hash));
        covers.then(|| {
            let why = match &a.status {
                approve::ApprovalStatus::BadSignature(w) => format!("bad signature ({w})"),
                approve::ApprovalStatus::SignerNotAllowed => {
                    "signer not allowed (its key is not in the allowed-signers file for that principal)"
                        .to_owned()
                }
                approve::ApprovalStatus::Malformed(w) => w.clone(),
                approve::ApprovalStatus::Valid => String::new(),
            };
            format!("the approval by {} does not count: {why}", p.principal)
        })
    })
}

/// "changed since approved by X" when a counting approval of this file covers
/// text the file no longer has.
fn stale_reason(approvals: &[Approval], path: &str, tip: &HashSet<&String>) -> Option<String> {
    approvals.iter().filter(|a| a.counts()).find_map(|a| {
        let p = a.payload.as_ref()?;
        let stale = p
            .files
            .iter()
            .filter(|f| f.path == path)
            .flat_map(|f| &f.ranges)
            .flat_map(|r| &r.lines)
            .any(|h| !tip.contains(h));
        stale.then(|| {
            format!(
                "changed since {} approved this file's AI lines (approvals are bound to the text)",
                p.principal
            )
        })
    })
}
