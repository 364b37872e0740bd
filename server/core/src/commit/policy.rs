//! `vouch.toml` at the repository root: whether review is required, which
//! paths are exempt, and who must review which paths.
//!
//! ```toml
//! [review]
//! require = true            # the gate on (default) or off
//! exempt = ["docs/**", "*.md"]
//! severity = "error"        # error (block) | warning | note (report only)
//!
//! ignore_below = { chars = 16 }  # one-line inline completions under 16 characters
//!
//! [review.kind.next-edit]   # per-kind rules (kinds as in `AiKind`)
//! ignore_below = { chars = 24 }
//! [review.kind.heuristic]
//! require = false
//!
//! [[review.rule]]
//! paths = ["src/crypto/**"]
//! reviewers = ["Ada Lovelace <ada@example.com>"]
//! distinct_from_author = true
//!
//! [review]                  # sign-off (docs/sign-off.md)
//! signed = true             # only signed approvals by allowed principals count
//! allowed_signers = ".vouch/allowed_signers"
//!
//! [provenance]
//! require = true            # `vouch verify RANGE`: a commit without a note fails
//! ```
//!
//! [`Policy::what_blocks`] is the one answer to "what would block": the gate,
//! `status`, `verify`, SARIF export, the language server's diagnostics (and
//! so the editors' status views) all call it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::lines::{FileLines, LineAttr};
use crate::ledger::AiKind;

pub const FILE_NAME: &str = "vouch.toml";

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: line {line}: {reason}")]
    Invalid {
        path: String,
        line: usize,
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Error,
    Warning,
    Note,
}

impl Severity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }

    /// Whether findings fail the gate and `vouch verify`.
    pub fn blocks(self) -> bool {
        self == Severity::Error
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    review: ReviewSection,
    #[serde(default)]
    provenance: ProvenanceSection,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvenanceSection {
    #[serde(default)]
    require: bool,
}

/// Where the allowed-signers file is when `vouch.toml` does not say.
pub(crate) const DEFAULT_ALLOWED_SIGNERS: &str = ".vouch/allowed_signers";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewSection {
    #[serde(default = "yes")]
    require: bool,
    #[serde(default)]
    exempt: Vec<String>,
    #[serde(default)]
    severity: Severity,
    #[serde(default)]
    rule: Vec<RuleSection>,
    #[serde(default)]
    signed: bool,
    #[serde(default)]
    allowed_signers: Option<String>,
    #[serde(default)]
    ignore_below: Option<IgnoreBelow>,
    #[serde(default)]
    kind: BTreeMap<String, KindSection>,
}

impl Default for ReviewSection {
    fn default() -> Self {
        ReviewSection {
            require: true,
            exempt: Vec::new(),
            severity: Severity::Error,
            rule: Vec::new(),
            signed: false,
            allowed_signers: None,
            ignore_below: None,
            kind: BTreeMap::new(),
        }
    }
}

/// `ignore_below = { chars = N }`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreBelow {
    chars: usize,
}

/// `[review.kind.<kind>]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct KindSection {
    #[serde(default)]
    require: Option<bool>,
    #[serde(default)]
    ignore_below: Option<IgnoreBelow>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSection {
    paths: Vec<String>,
    #[serde(default)]
    reviewers: Vec<String>,
    #[serde(default)]
    distinct_from_author: bool,
}

/// A review rule for some paths.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) paths: Vec<String>,
    pub(crate) reviewers: Vec<String>,
    pub(crate) distinct_from_author: bool,
}

/// What the policy says about one kind of AI text (`[review.kind.<kind>]`,
/// and `[review] ignore_below` for `inline-completion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KindRule {
    /// `false`: this kind never needs review.
    pub(crate) require: bool,
    /// AI text of this kind whose pieces each fit in one line and are
    /// shorter than this many characters (white space around them not
    /// counted) needs no review.
    pub(crate) ignore_below: Option<usize>,
}

impl Default for KindRule {
    fn default() -> Self {
        KindRule {
            require: true,
            ignore_below: None,
        }
    }
}

/// The effective policy (the defaults when there is no `vouch.toml`).
#[derive(Debug, Clone)]
pub struct Policy {
    pub require: bool,
    pub(crate) exempt: Vec<String>,
    pub severity: Severity,
    pub(crate) rules: Vec<Rule>,
    /// `[review] signed`: only signed approvals by allowed principals count.
    pub(crate) signed: bool,
    /// `[review] allowed_signers`: the allowed-signers file, from the repository root.
    pub(crate) allowed_signers: String,
    /// `[provenance] require`: a commit of a verified range without a note fails.
    pub(crate) provenance_required: bool,
    /// Per-kind rules; a kind not listed needs review.
    pub(crate) kinds: BTreeMap<AiKind, KindRule>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            require: true,
            exempt: Vec::new(),
            severity: Severity::Error,
            rules: Vec::new(),
            signed: false,
            allowed_signers: DEFAULT_ALLOWED_SIGNERS.to_owned(),
            provenance_required: false,
            kinds: BTreeMap::new(),
        }
    }
}

/// A `vouch.toml` larger than this (1 MiB) is not read.
pub(crate) const MAX_POLICY_BYTES: u64 = 1024 * 1024;

/// The policy's verdict on a range of AI lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The gate would block it: `reason` says why (`unreviewed AI code
    /// (copilot, gpt-5)`, or a rule's reason when a review does not count).
    Blocked {
        reason: String,
        /// True when the text is reviewed but a `[[review.rule]]` does not
        /// accept the review (status marks these).
        by_rule: bool,
    },
    /// Reviewed as the policy requires.
    Reviewed,
    /// Needs no review: `why` names the policy's reason (`review not
    /// required`, `exempt path`, `kind heuristic needs no review`, `under
    /// review.ignore_below (16 characters)`).
    NotRequired { why: String },
}

impl Verdict {
    pub fn blocks(&self) -> bool {
        matches!(self, Verdict::Blocked { .. })
    }

    /// The reason a blocked range blocks.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::Blocked { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// A range of consecutive AI lines with the same attribution and verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// 1-based, inclusive.
    pub start_line: usize,
    pub end_line: usize,
    /// The attribution of the range's first line.
    pub attr: LineAttr,
    pub verdict: Verdict,
}

impl Policy {
    /// Reads `vouch.toml` from `root`; the defaults when it does not exist.
    pub fn load(root: &Path) -> Result<Policy, PolicyError> {
        let path = root.join(FILE_NAME);
        // Comes with every clone: a regular file in the repository, bounded.
        match crate::files::read_config(&path, root, MAX_POLICY_BYTES) {
            Ok(Some(text)) => Policy::parse(&text, FILE_NAME),
            Ok(None) => Ok(Policy::default()),
            Err(source) => Err(PolicyError::Read {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// Parses policy text; errors name the line and the reason.
    pub fn parse(text: &str, name: &str) -> Result<Policy, PolicyError> {
        let invalid = |offset: Option<usize>, reason: String| PolicyError::Invalid {
            path: name.to_owned(),
            line: offset.map_or(1, |o| line_of(text, o)),
            reason,
        };
        let file: File = toml::from_str(text)
            .map_err(|e| invalid(e.span().map(|s| s.start), e.message().trim().to_owned()))?;
        let r = file.review;
        let find = |needle: &str| text.find(needle);
        let allowed_signers = match r.allowed_signers {
            None => DEFAULT_ALLOWED_SIGNERS.to_owned(),
            Some(p) => {
                let clean = p.trim().trim_start_matches("./").to_owned();
                let bad = clean.is_empty()
                    || clean.starts_with('/')
                    || clean.contains('\\')
                    || clean
                        .split('/')
                        .any(|s| s == ".." || s.is_empty() || s == ".");
                if bad {
                    return Err(invalid(
                        find("allowed_signers"),
                        format!(
                            "review.allowed_signers `{p}` must be a relative path inside the repository"
                        ),
                    ));
                }
                clean
            }
        };
        for g in &r.exempt {
            super::glob::validate(g).map_err(|why| {
                invalid(find(g), format!("bad glob `{g}` in review.exempt: {why}"))
            })?;
        }
        let mut rules = Vec::new();
        for rule in r.rule {
            if rule.paths.is_empty() {
                return Err(invalid(
                    find("[[review.rule]]"),
                    "a [[review.rule]] needs at least one glob in `paths`".into(),
                ));
            }
            for g in &rule.paths {
                super::glob::validate(g).map_err(|why| {
                    invalid(
                        find(g),
                        format!("bad glob `{g}` in review.rule.paths: {why}"),
                    )
                })?;
            }
            for who in &rule.reviewers {
                if who.trim().is_empty() {
                    return Err(invalid(
                        find("reviewers"),
                        "empty name in review.rule.reviewers".into(),
                    ));
                }
            }
            rules.push(Rule {
                paths: rule.paths,
                reviewers: rule.reviewers,
                distinct_from_author: rule.distinct_from_author,
            });
        }
        let mut kinds: BTreeMap<AiKind, KindRule> = BTreeMap::new();
        if let Some(below) = r.ignore_below {
            kinds.insert(
                AiKind::InlineCompletion,
                KindRule {
                    require: true,
                    ignore_below: Some(below.chars),
                },
            );
        }
        for (name, section) in r.kind {
            let kind: AiKind = name.parse().map_err(|why: String| {
                invalid(
                    find(&format!("kind.{name}")).or_else(|| find(&name)),
                    format!(
                        "{why} in [review.kind]; kinds: {}",
                        AiKind::ALL.map(AiKind::as_str).join(", ")
                    ),
                )
            })?;
            let rule = kinds.entry(kind).or_default();
            if let Some(require) = section.require {
                rule.require = require;
            }
            if let Some(below) = section.ignore_below {
                rule.ignore_below = Some(below.chars);
            }
        }
        Ok(Policy {
            require: r.require,
            exempt: r.exempt,
            severity: r.severity,
            rules,
            signed: r.signed,
            allowed_signers,
            provenance_required: file.provenance.require,
            kinds,
        })
    }

    pub(crate) fn is_exempt(&self, path: &str) -> bool {
        self.exempt.iter().any(|g| super::glob::matches(g, path))
    }

    /// What would block: every range of the AI lines `lines` of `path`
    /// with the policy's verdict, in order (consecutive lines with the same
    /// attribution and verdict form one range; given the `text` the lines
    /// describe, a range also runs across lines holding only white space).
    /// The one answer every command and the language server use; callers
    /// wanting only what blocks keep the ranges whose `verdict.blocks()`.
    /// `author` is the commit's author (`Name <email>`), for
    /// `distinct_from_author`.
    pub fn what_blocks(
        &self,
        path: &str,
        lines: &FileLines,
        text: Option<&str>,
        author: Option<&str>,
    ) -> Vec<Judged> {
        let mut out: Vec<Judged> = Vec::new();
        let exempt = self.is_exempt(path);
        for (&line, attr) in lines {
            let verdict = match self.why_not_required(exempt, attr) {
                Some(why) => Verdict::NotRequired { why },
                None => self.verdict(path, attr, author),
            };
            match out.last_mut() {
                Some(j)
                    if j.end_line + 1 == line
                        && j.verdict == verdict
                        && same_range_attr(&j.attr, attr) =>
                {
                    j.end_line = line;
                }
                _ => out.push(Judged {
                    start_line: line,
                    end_line: line,
                    attr: attr.clone(),
                    verdict,
                }),
            }
        }
        match text {
            Some(text) if out.len() > 1 => bridge_blank_lines(out, text),
            _ => out,
        }
    }

    /// Why the AI line `attr` of `path` needs no review (nor approval) under
    /// this policy — `require = false`, an exempt path, a kind that needs
    /// none, or noise under `ignore_below` — or `None` when it needs one.
    /// [`Policy::what_blocks`] and the signed range check (`vouch verify
    /// RANGE`, `vouch approve`, `vouch report`) both decide this here.
    pub(crate) fn not_required(&self, path: &str, attr: &LineAttr) -> Option<String> {
        self.why_not_required(self.is_exempt(path), attr)
    }

    fn why_not_required(&self, exempt: bool, attr: &LineAttr) -> Option<String> {
        if !self.require {
            return Some("review not required ([review] require = false)".into());
        }
        if exempt {
            return Some("exempt path ([review] exempt)".into());
        }
        let kind = attr
            .kind
            .as_deref()
            .and_then(|k| k.parse::<AiKind>().ok())?;
        let rule = self.kinds.get(&kind)?;
        if !rule.require {
            return Some(format!(
                "{kind} needs no review ([review.kind.{kind}] require = false)"
            ));
        }
        match (rule.ignore_below, attr.chars) {
            (Some(limit), Some(chars)) if chars < limit => {
                Some(format!("{kind} under {limit} characters (ignore_below)"))
            }
            _ => None,
        }
    }

    /// The verdict on one AI line that needs review.
    fn verdict(&self, path: &str, attr: &LineAttr, author: Option<&str>) -> Verdict {
        if !attr.reviewed() {
            return Verdict::Blocked {
                reason: format!("unreviewed AI code ({})", attr.label()),
                by_rule: false,
            };
        }
        if self.signed {
            // `[review] signed`: any review is the author's self-check here;
            // who may approve is decided on signed approvals, by
            // `vouch verify RANGE`.
            return Verdict::Reviewed;
        }
        let rules: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.paths.iter().any(|g| super::glob::matches(g, path)))
            .collect();
        let reviewers: Vec<&str> = attr.reviews.iter().map(|r| r.by.as_str()).collect();
        let fails = |rule: &Rule, who: &str| -> bool {
            (!rule.reviewers.is_empty() && !rule.reviewers.iter().any(|r| same_person(r, who)))
                || (rule.distinct_from_author && author.is_some_and(|a| same_person(a, who)))
        };
        // Accepted when any one reviewer satisfies every rule for the path.
        if reviewers
            .iter()
            .any(|who| rules.iter().all(|rule| !fails(rule, who)))
        {
            return Verdict::Reviewed;
        }
        let rule = rules
            .iter()
            .find(|rule| reviewers.iter().all(|who| fails(rule, who)))
            .or_else(|| rules.first())
            .copied();
        let Some(rule) = rule else {
            return Verdict::Reviewed;
        };
        let by = reviewers.join(", ");
        let globs = rule.paths.join(", ");
        let only_author = !rule.reviewers.is_empty()
            && reviewers
                .iter()
                .all(|who| rule.reviewers.iter().any(|r| same_person(r, who)));
        let reason = if only_author || rule.reviewers.is_empty() {
            format!(
                "AI code ({}) reviewed only by its author {by}; {globs} needs a reviewer other than the author",
                attr.label()
            )
        } else {
            format!(
                "AI code ({}) reviewed by {by}; {globs} needs one of: {}",
                attr.label(),
                rule.reviewers.join(", ")
            )
        };
        Verdict::Blocked {
            reason,
            by_rule: true,
        }
    }

    /// Why the AI line `attr` of `path` does not count as reviewed, or `None`
    /// when it does (a one-line [`Policy::what_blocks`]). With `signed = true`
    /// any review passes here (the author's self-check before commit): the
    /// rules are applied to signed approvals by `vouch verify RANGE`.
    #[cfg(test)]
    pub(crate) fn unmet(
        &self,
        path: &str,
        attr: &LineAttr,
        author: Option<&str>,
    ) -> Option<String> {
        let mut one = FileLines::new();
        one.insert(1, attr.clone());
        self.what_blocks(path, &one, None, author)
            .into_iter()
            .find_map(|j| j.verdict.reason().map(str::to_owned))
    }

    /// Whether any rule needs to know the author.
    pub fn needs_author(&self) -> bool {
        self.rules.iter().any(|r| r.distinct_from_author)
    }
}

/// Whether a `reviewers` entry (`Grace <grace@example.com>` or
/// `grace@example.com`) names the signer whose principal is `principal`.
pub(crate) fn names_principal(entry: &str, principal: &str) -> bool {
    let entry = entry.trim();
    let email = entry
        .find('<')
        .and_then(|s| entry[s..].find('>').map(|e| entry[s + 1..s + e].trim()));
    email
        .unwrap_or(entry)
        .eq_ignore_ascii_case(principal.trim())
}

/// Whether the principal `principal` is the person `ident` (`Name <email>`):
/// same e-mail address, or the same whole string.
pub(crate) fn principal_is(principal: &str, ident: &str) -> bool {
    names_principal(ident, principal) || ident.trim().eq_ignore_ascii_case(principal.trim())
}

/// Merges neighbouring ranges with the same attribution and verdict when
/// only blank lines (white space alone) of `text` lie between them.
fn bridge_blank_lines(judged: Vec<Judged>, text: &str) -> Vec<Judged> {
    let lines: Vec<&str> = text.split('\n').collect();
    let blank = |line: usize| {
        lines
            .get(line - 1)
            .is_some_and(|l| l.chars().all(char::is_whitespace))
    };
    let mut out: Vec<Judged> = Vec::with_capacity(judged.len());
    for j in judged {
        match out.last_mut() {
            Some(prev)
                if prev.verdict == j.verdict
                    && same_range_attr(&prev.attr, &j.attr)
                    && (prev.end_line + 1..j.start_line).all(blank) =>
            {
                prev.end_line = j.end_line;
            }
            _ => out.push(j),
        }
    }
    out
}

/// Lines that may share one reported range: same tool, model, kind and
/// reviewers (whenever each reviewed).
fn same_range_attr(a: &LineAttr, b: &LineAttr) -> bool {
    a.tool == b.tool
        && a.model == b.model
        && a.kind == b.kind
        && a.reviews.len() == b.reviews.len()
        && a.reviews.iter().zip(&b.reviews).all(|(x, y)| x.by == y.by)
}

/// Two identities are the same person when their e-mail addresses match (or,
/// without addresses, the whole strings), ignoring case.
pub(crate) fn same_person(a: &str, b: &str) -> bool {
    fn email(s: &str) -> Option<&str> {
        let start = s.find('<')?;
        let end = s[start..].find('>')? + start;
        Some(s[start + 1..end].trim())
    }
    match (email(a), email(b)) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => a.trim().eq_ignore_ascii_case(b.trim()),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::LineOrigin;

    fn attr(reviewer: Option<&str>) -> LineAttr {
        LineAttr {
            origin: LineOrigin::Ai,
            tool: "t".into(),
            model: None,
            kind: None,
            reviews: reviewer
                .map(|by| crate::commit::lines::Reviewer {
                    by: by.into(),
                    at: None,
                })
                .into_iter()
                .collect(),
            chars: None,
        }
    }

    #[test]
    fn defaults_and_rules() {
        let p = Policy::parse("", "vouch.toml").unwrap();
        assert!(p.require);
        let p = Policy::parse(
            "[review]\nrequire = true\nexempt = [\"docs/**\"]\n\n[[review.rule]]\npaths = [\"src/crypto/**\"]\nreviewers = [\"Sen <sen@x.org>\"]\ndistinct_from_author = true\n",
            "vouch.toml",
        )
        .unwrap();
        assert!(p.is_exempt("docs/a/b.md"));
        assert!(!p.is_exempt("src/a.rs"));
        assert!(
            p.unmet("src/a.rs", &attr(Some("Me <me@x>")), None)
                .is_none()
        );
        assert!(
            p.unmet("src/crypto/k.rs", &attr(Some("Me <me@x>")), None)
                .is_some()
        );
        assert!(
            p.unmet("src/crypto/k.rs", &attr(Some("S <SEN@x.org>")), None)
                .is_none()
        );
        assert!(
            p.unmet(
                "src/crypto/k.rs",
                &attr(Some("Sen <sen@x.org>")),
                Some("Sen <sen@x.org>")
            )
            .is_some()
        );
        assert!(p.unmet("src/a.rs", &attr(None), None).is_some());
    }

    fn reviewed_by(who: &[&str]) -> LineAttr {
        let mut a = attr(None);
        for w in who {
            a.add_review(w, Some(1));
        }
        a
    }

    #[test]
    fn any_reviewer_that_qualifies_satisfies_the_rule() {
        let p = Policy::parse(
            "[[review.rule]]\npaths = [\"src/crypto/**\"]\nreviewers = [\"Grace <grace@x>\"]\n",
            "vouch.toml",
        )
        .unwrap();
        let path = "src/crypto/k.rs";
        assert!(
            p.unmet(
                path,
                &reviewed_by(&["Grace <grace@x>", "Ada <ada@x>"]),
                None
            )
            .is_none()
        );
        let why = p.unmet(path, &reviewed_by(&["Ada <ada@x>"]), None).unwrap();
        assert_eq!(
            why,
            "AI code (t) reviewed by Ada <ada@x>; src/crypto/** needs one of: Grace <grace@x>"
        );
    }

    #[test]
    fn what_blocks_groups_ranges_and_says_why() {
        let p = Policy::parse("[review]\nexempt = [\"docs/**\"]\n", "vouch.toml").unwrap();
        let mut lines = FileLines::new();
        for l in [3, 4, 5, 9] {
            lines.insert(l, attr(None));
        }
        lines.insert(6, reviewed_by(&["A <a@x>"]));
        let j = p.what_blocks("a.rs", &lines, None, None);
        let got: Vec<(usize, usize, bool)> = j
            .iter()
            .map(|j| (j.start_line, j.end_line, j.verdict.blocks()))
            .collect();
        assert_eq!(got, [(3, 5, true), (6, 6, false), (9, 9, true)]);
        assert_eq!(j[0].verdict.reason(), Some("unreviewed AI code (t)"));
        assert!(
            p.what_blocks("docs/x.md", &lines, None, None)
                .iter()
                .all(|j| !j.verdict.blocks())
        );
    }

    #[test]
    fn ignore_below_and_kind_rules() {
        let p = Policy::parse(
            "[review]\nignore_below = { chars = 16 }\n\n[review.kind.next-edit]\nignore_below = { chars = 4 }\n\n[review.kind.heuristic]\nrequire = false\n",
            "vouch.toml",
        )
        .unwrap();
        let line = |kind: &str, chars: Option<usize>| {
            let mut a = attr(None);
            a.kind = Some(kind.into());
            a.chars = chars;
            a
        };
        let blocks = |a: LineAttr| p.unmet("a.rs", &a, None).is_some();
        assert!(!blocks(line("inline-completion", Some(15))));
        assert!(blocks(line("inline-completion", Some(16))));
        // Spanning lines (or unknown): never ignored.
        assert!(blocks(line("inline-completion", None)));
        assert!(blocks(line("chat", Some(3))));
        assert!(!blocks(line("next-edit", Some(3))));
        assert!(blocks(line("next-edit", Some(4))));
        assert!(!blocks(line("heuristic", None)));
        let e = Policy::parse(
            "[review.kind.autocomplete]\nrequire = false\n",
            "vouch.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 1") && e.contains("autocomplete"), "{e}");
        let e = Policy::parse("[review]\nignore_below = { char = 3 }\n", "vouch.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn sign_off_keys() {
        let p = Policy::parse("", "vouch.toml").unwrap();
        assert!(!p.signed && !p.provenance_required);
        assert_eq!(p.allowed_signers, ".vouch/allowed_signers");
        let p = Policy::parse(
            "[review]\nsigned = true\nallowed_signers = \"ci/signers\"\n[provenance]\nrequire = true\n",
            "vouch.toml",
        )
        .unwrap();
        assert!(p.signed && p.provenance_required);
        assert_eq!(p.allowed_signers, "ci/signers");
        let e = Policy::parse("[review]\nallowed_signers = \"../x\"\n", "vouch.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
        assert!(names_principal(
            "Grace <GRACE@example.com>",
            "grace@example.com"
        ));
        assert!(names_principal("grace@example.com", "grace@example.com"));
        assert!(!names_principal("Grace <g@x>", "grace@example.com"));
        assert!(principal_is("a@x", "Alice <a@x>"));
        assert!(!principal_is("b@x", "Alice <a@x>"));
    }

    #[test]
    fn errors_name_the_line() {
        let e = Policy::parse("[review]\nrequire = true\nrequre = 3\n", "vouch.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3"), "{e}");
        let e = Policy::parse("[review]\n\nrequire = \"yes\"\n", "vouch.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3"), "{e}");
        let e = Policy::parse("[review]\nexempt = [\"a/[b\"]\n", "vouch.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("glob"), "{e}");
        let e = Policy::parse("[review\n", "vouch.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1"), "{e}");
    }
}
