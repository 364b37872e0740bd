//! `vouch report RANGE`: what a pull request's range introduces, as plain
//! data for a comment, a page or a dashboard. Built from what
//! `vouch verify RANGE` gathers and decides ([`super::verify::RangeFacts`]),
//! never a second evaluation: a line is unapproved exactly when verify says so.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::verify::{RangeFacts, UnapprovedFile};

/// Whether an AI line has the approval the policy asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApprovalState {
    /// An approval that counts covers it.
    Approved,
    /// It needs one and has none (listed by `vouch verify`).
    Unapproved,
    /// The base's policy exempts its path.
    Exempt,
    /// The base's policy does not require review (`[review] require = false`).
    NotRequired,
}

impl ApprovalState {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalState::Approved => "approved",
            ApprovalState::Unapproved => "unapproved",
            ApprovalState::Exempt => "exempt",
            ApprovalState::NotRequired => "not-required",
        }
    }
}

/// Where an added line came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The notes say AI wrote it (all or part: `mixed`).
    Ai {
        tool: String,
        model: Option<String>,
        kind: Option<String>,
        mixed: bool,
        approval: ApprovalState,
    },
    /// Written by a recorded commit whose note does not call it AI.
    Human,
    /// Written by a commit without a note: nothing knows.
    Unknown,
}

/// One line of the tip that the range introduced.
#[derive(Clone, Debug)]
pub struct ReportLine {
    /// 1-based line of the tip.
    pub line: usize,
    pub text: String,
    pub origin: Origin,
    /// The function, method or class holding it (AI lines only).
    pub unit: Option<String>,
}

/// A changed file of the tip.
#[derive(Clone, Debug)]
pub struct ReportFile {
    pub path: String,
    pub added: Vec<ReportLine>,
}

impl ReportFile {
    pub fn ai_lines(&self) -> usize {
        self.added
            .iter()
            .filter(|l| matches!(l.origin, Origin::Ai { .. }))
            .count()
    }

    pub fn count(&self, a: ApprovalState) -> usize {
        self.added
            .iter()
            .filter(|l| matches!(l.origin, Origin::Ai { approval, .. } if approval == a))
            .count()
    }

    /// Distinct units of its AI lines, in order of first appearance.
    pub fn units(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for l in &self.added {
            if let (Origin::Ai { .. }, Some(u)) = (&l.origin, &l.unit)
                && !out.contains(u)
            {
                out.push(u.clone());
            }
        }
        out
    }
}

/// A share of the range's added lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    /// `tool`, `tool (model)`, a kind, or `human` / `unknown`.
    pub label: String,
    pub tool: Option<String>,
    pub model: Option<String>,
    pub lines: usize,
}

/// What a range introduces, with the verdict of `vouch verify RANGE`.
#[derive(Clone, Debug)]
pub struct Report {
    pub facts: RangeFacts,
    pub files: Vec<ReportFile>,
    /// Whether the base's policy requires review at all.
    pub review_required: bool,
}

impl Report {
    pub fn added_lines(&self) -> usize {
        self.files.iter().map(|f| f.added.len()).sum()
    }

    pub fn ai_lines(&self) -> usize {
        self.files.iter().map(ReportFile::ai_lines).sum()
    }

    pub fn count(&self, a: ApprovalState) -> usize {
        self.files.iter().map(|f| f.count(a)).sum()
    }

    pub fn ai_files(&self) -> usize {
        self.files.iter().filter(|f| f.ai_lines() > 0).count()
    }

    /// The unapproved ranges (AI lines and policy files), as verify lists them.
    pub fn unapproved(&self) -> &[UnapprovedFile] {
        &self.facts.report.files
    }

    /// Everyone named as a possible approver of an unapproved range (empty:
    /// any principal of the allowed-signers file).
    pub fn approvers(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in self.unapproved().iter().flat_map(|f| &f.ranges) {
            for a in &r.approvers {
                if !out.contains(a) {
                    out.push(a.clone());
                }
            }
        }
        out
    }

    /// Added lines per tool and model (AI), then `human` and `unknown`,
    /// largest first within AI.
    pub fn tool_shares(&self) -> Vec<Share> {
        let mut ai: BTreeMap<(String, Option<String>), usize> = BTreeMap::new();
        let (mut human, mut unknown) = (0, 0);
        for l in self.files.iter().flat_map(|f| &f.added) {
            match &l.origin {
                Origin::Ai { tool, model, .. } => {
                    *ai.entry((tool.clone(), model.clone())).or_default() += 1;
                }
                Origin::Human => human += 1,
                Origin::Unknown => unknown += 1,
            }
        }
        let mut out: Vec<Share> = ai
            .into_iter()
            .map(|((tool, model), lines)| Share {
                label: crate::present::tool_label(&tool, model.as_deref()),
                tool: Some(tool),
                model,
                lines,
            })
            .collect();
        out.sort_by(|a, b| b.lines.cmp(&a.lines).then(a.label.cmp(&b.label)));
        push_rest(&mut out, human, unknown);
        out
    }

    /// Added lines per kind of AI edit (`agent`, `inline-completion`, …;
    /// `unspecified` when the note does not say), then `human` and `unknown`.
    pub fn kind_shares(&self) -> Vec<Share> {
        let mut ai: BTreeMap<String, usize> = BTreeMap::new();
        let (mut human, mut unknown) = (0, 0);
        for l in self.files.iter().flat_map(|f| &f.added) {
            match &l.origin {
                Origin::Ai { kind, .. } => {
                    let k = kind.clone().unwrap_or_else(|| "unspecified".to_owned());
                    *ai.entry(k).or_default() += 1;
                }
                Origin::Human => human += 1,
                Origin::Unknown => unknown += 1,
            }
        }
        let mut out: Vec<Share> = ai
            .into_iter()
            .map(|(label, lines)| Share {
                label,
                tool: None,
                model: None,
                lines,
            })
            .collect();
        out.sort_by(|a, b| b.lines.cmp(&a.lines).then(a.label.cmp(&b.label)));
        push_rest(&mut out, human, unknown);
        out
    }
}

fn push_rest(out: &mut Vec<Share>, human: usize, unknown: usize) {
    for (label, lines) in [("human", human), ("unknown", unknown)] {
        if lines > 0 {
            out.push(Share {
                label: label.to_owned(),
                tool: None,
                model: None,
                lines,
            });
        }
    }
}

/// Builds the report from verify's facts.
pub fn build(facts: RangeFacts) -> Report {
    let review_required = facts.base.policy.require;
    // (path, line) of every AI line verify lists as unapproved.
    let mut unapproved: HashSet<(&str, usize)> = HashSet::new();
    for f in &facts.report.files {
        for r in f.ranges.iter().filter(|r| r.tool.is_some()) {
            for l in r.start_line..=r.end_line {
                unapproved.insert((f.path.as_str(), l));
            }
        }
    }
    // Units of the lines that needed approval (exempt paths have none).
    let mut needed: HashMap<(&str, usize), Option<&String>> = HashMap::new();
    for f in facts.needed.iter().filter(|f| !f.policy_file) {
        for l in &f.lines {
            needed.insert((f.path.as_str(), l.line), l.unit.as_ref());
        }
    }
    let mut files = Vec::new();
    for f in &facts.changes.files {
        let added = f
            .new_lines
            .iter()
            .map(|l| {
                let key = (f.path.as_str(), l.line);
                let (origin, unit) = match &l.attr {
                    Some(a) => {
                        let approval = if !review_required {
                            ApprovalState::NotRequired
                        } else if !needed.contains_key(&key) {
                            ApprovalState::Exempt
                        } else if unapproved.contains(&key) {
                            ApprovalState::Unapproved
                        } else {
                            ApprovalState::Approved
                        };
                        (
                            Origin::Ai {
                                tool: a.tool.clone(),
                                model: a.model.clone(),
                                kind: a.kind.clone(),
                                mixed: a.origin == crate::ledger::LineOrigin::Mixed,
                                approval,
                            },
                            needed.get(&key).copied().flatten().cloned(),
                        )
                    }
                    None if l.unrecorded => (Origin::Unknown, None),
                    None => (Origin::Human, None),
                };
                ReportLine {
                    line: l.line,
                    text: l.text.clone(),
                    origin,
                    unit,
                }
            })
            .collect();
        files.push(ReportFile {
            path: f.path.clone(),
            added,
        });
    }
    Report {
        facts,
        files,
        review_required,
    }
}
