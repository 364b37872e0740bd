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
}

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
}

impl Default for ReviewSection {
    fn default() -> Self {
        ReviewSection {
            require: true,
            exempt: Vec::new(),
            severity: Severity::Error,
            rule: Vec::new(),
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
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            require: true,
            exempt: Vec::new(),
            severity: Severity::Error,
            rules: Vec::new(),
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
        })
    }

    pub fn is_exempt(&self, path: &str) -> bool {
        self.exempt.iter().any(|g| super::glob::matches(g, path))
    }

    /// Why the AI line `attr` of `path` does not count as reviewed, or `None`
    /// when it does. `author` is the commit's author (`Name <email>`).
    pub fn unmet(&self, path: &str, attr: &LineAttr, author: Option<&str>) -> Option<String> {
        let Some(reviewer) = attr.reviewer.as_deref() else {
            return Some(format!("unreviewed AI code ({})", attr.label()));
        };
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
