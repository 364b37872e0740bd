//! `vouch.toml` at the repository root: whether review is required, which
//! paths are exempt, and who must review which paths.
//!
//! ```toml
//! [review]
//! require = true            # the gate on (default) or off
//! exempt = ["docs/**", "*.md"]
//! severity = "error"        # error (block) | warning | note (report only)
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

use std::path::Path;

use serde::Deserialize;

use super::lines::LineAttr;

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
    pub fn as_str(self) -> &'static str {
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
pub const DEFAULT_ALLOWED_SIGNERS: &str = ".vouch/allowed_signers";

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
        }
    }
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
pub struct Rule {
    pub paths: Vec<String>,
    pub reviewers: Vec<String>,
    pub distinct_from_author: bool,
}

/// The effective policy (the defaults when there is no `vouch.toml`).
#[derive(Debug, Clone)]
pub struct Policy {
    pub require: bool,
    pub exempt: Vec<String>,
    pub severity: Severity,
    pub rules: Vec<Rule>,
    /// `[review] signed`: only signed approvals by allowed principals count.
    pub signed: bool,
    /// `[review] allowed_signers`: the allowed-signers file, from the repository root.
    pub allowed_signers: String,
    /// `[provenance] require`: a commit of a verified range without a note fails.
    pub provenance_required: bool,
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
        }
    }
}

/// A `vouch.toml` larger than this (1 MiB) is not read.
pub const MAX_POLICY_BYTES: u64 = 1024 * 1024;

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
        Ok(Policy {
            require: r.require,
            exempt: r.exempt,
            severity: r.severity,
            rules,
            signed: r.signed,
            allowed_signers,
            provenance_required: file.provenance.require,
        })
    }

    pub fn is_exempt(&self, path: &str) -> bool {
        self.exempt.iter().any(|g| super::glob::matches(g, path))
    }

    /// Why the AI line `attr` of `path` does not count as reviewed, or `None`
    /// when it does. `author` is the commit's author (`Name <email>`). With
    /// `signed = true` any review passes here (the author's self-check before
    /// commit): the rules are applied to signed approvals by `vouch verify RANGE`.
    pub fn unmet(&self, path: &str, attr: &LineAttr, author: Option<&str>) -> Option<String> {
        let Some(reviewer) = attr.reviewer.as_deref() else {
            return Some(format!("unreviewed AI code ({})", attr.label()));
        };
        if self.signed {
            // The author's own review is the self-check; who may approve is
            // decided on signed approvals, by `vouch verify RANGE`.
            return None;
        }
        for rule in self
            .rules
            .iter()
            .filter(|r| r.paths.iter().any(|g| super::glob::matches(g, path)))
        {
            if !rule.reviewers.is_empty()
                && !rule.reviewers.iter().any(|r| same_person(r, reviewer))
            {
                return Some(format!(
                    "AI code ({}) reviewed by {reviewer}, but the policy requires one of: {}",
                    attr.label(),
                    rule.reviewers.join(", ")
                ));
            }
            if rule.distinct_from_author && author.is_some_and(|a| same_person(a, reviewer)) {
                return Some(format!(
                    "AI code ({}) reviewed only by its author {reviewer}; the policy requires another reviewer",
                    attr.label()
                ));
            }
        }
        None
    }

    /// Whether any rule needs to know the author.
    pub fn needs_author(&self) -> bool {
        self.rules.iter().any(|r| r.distinct_from_author)
    }
}

/// Whether a `reviewers` entry (`Grace <grace@example.com>` or
/// `grace@example.com`) names the signer whose principal is `principal`.
pub fn names_principal(entry: &str, principal: &str) -> bool {
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
pub fn principal_is(principal: &str, ident: &str) -> bool {
    names_principal(ident, principal) || ident.trim().eq_ignore_ascii_case(principal.trim())
}

/// Two identities are the same person when their e-mail addresses match (or,
/// without addresses, the whole strings), ignoring case.
pub fn same_person(a: &str, b: &str) -> bool {
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
            reviewer: reviewer.map(Into::into),
            reviewed_at: None,
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
