//! Combining the attribution another process stored with the one this
//! server holds for an open buffer.

use std::ops::Range;

use crate::ledger::{Attribution, Ledger, Piece, Snapshot, align};

/// `(range, attribution)` spans of a ledger, owned.
type Spans = Vec<(Range<usize>, Attribution)>;

fn spans_of(l: &Ledger) -> Spans {
    l.spans().into_iter().map(|(r, a)| (r, a.clone())).collect()
}

/// The `(len, attribution)` runs covering `range` of `spans`.
fn slice<'a>(spans: &'a Spans, range: &Range<usize>) -> Vec<(usize, &'a Attribution)> {
    let mut out = Vec::new();
    let first = spans.partition_point(|(r, _)| r.end <= range.start);
    for (r, a) in &spans[first..] {
        if r.start >= range.end {
            break;
        }
        let len = r.end.min(range.end) - r.start.max(range.start);
        if len > 0 {
            out.push((len, a));
        }
    }
    out
}

fn same_source(a: &Attribution, b: &Attribution) -> bool {
    match (a.source(), b.source()) {
        (Some(x), Some(y)) => x.tool == y.tool && x.model == y.model && x.kind == y.kind,
        _ => false,
    }
}

/// One character's merged attribution.
fn pick(local: &Attribution, stored: &Attribution, dirty: bool, same_text: bool) -> Attribution {
    if !dirty {
        return stored.clone();
    }
    // Reviews accumulate: the stored ones join the buffer's own.
    if same_source(local, stored) && !stored.reviews().is_empty() {
        return local.with_reviews_of(stored);
    }
    if same_text && !local.is_ai() && stored.is_ai() {
        return stored.clone();
    }
    local.clone()
}

/// The buffer's text with attribution merged from `stored` (another
/// process's write). Characters the stored text does not hold keep the local
/// attribution. Where both know a character: a `clean` buffer (no unflushed
/// local changes) takes the stored attribution; a dirty one keeps its own and
/// only copies reviews of the same AI source (and, when the texts are equal,
/// AI attribution of characters it holds as human: an agent's write that the
/// editor reloaded).
pub fn merge(local: &Ledger, stored: &Ledger, dirty: bool) -> Ledger {
    let local_text = local.text();
    let stored_text = stored.text();
    let same_text = local_text == stored_text;
    let pieces = if same_text {
        vec![Piece::Same {
            old: 0..stored_text.len(),
            new: 0..local_text.len(),
        }]
    } else {
        align(&stored_text, &local_text)
    };
    let ls = spans_of(local);
    let ss = spans_of(stored);
    let mut runs: Vec<(usize, Attribution)> = Vec::new();
    for piece in &pieces {
        match piece {
            Piece::Changed { new, .. } => {
                runs.extend(slice(&ls, new).into_iter().map(|(n, a)| (n, a.clone())));
            }
            Piece::Same { old, new } => {
                let l = slice(&ls, new);
                let s = slice(&ss, old);
                let (mut i, mut j) = (0, 0);
                let (mut li, mut sj) = (l.first().map_or(0, |x| x.0), s.first().map_or(0, |x| x.0));
                while i < l.len() && j < s.len() {
                    let n = li.min(sj);
                    runs.push((n, pick(l[i].1, s[j].1, dirty, same_text)));
                    li -= n;
                    sj -= n;
                    if li == 0 {
                        i += 1;
                        li = l.get(i).map_or(0, |x| x.0);
                    }
                    if sj == 0 {
                        j += 1;
                        sj = s.get(j).map_or(0, |x| x.0);
                    }
                }
            }
        }
    }
    Ledger::from_snapshot(Snapshot {
        text: local_text,
        runs,
    })
    .unwrap_or_else(|_| local.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{AiKind, AiSource, Review};

    fn src() -> AiSource {
        AiSource {
            tool: "copilot".into(),
            model: None,
            kind: AiKind::InlineCompletion,
            session: None,
            accepted_at: 1,
        }
    }

    #[test]
    fn clean_takes_stored_dirty_copies_reviews() {
        let mut local = Ledger::new("hello world\n");
        local.mark_ai(0..5, &src()).unwrap();
        let mut stored = local.clone();
        stored
            .mark_reviewed(
                0..5,
                &Review {
                    by: "r".into(),
                    at: 2,
                },
            )
            .unwrap();
        stored.forget(0..2).unwrap();
        let clean = merge(&local, &stored, false);
        assert!(!clean.attribution_at(0).is_ai());
        assert!(clean.attribution_at(3).review().is_some());
        let dirty = merge(&local, &stored, true);
        assert!(dirty.attribution_at(0).is_unreviewed_ai());
        assert!(dirty.attribution_at(3).review().is_some());
    }

    #[test]
    fn changed_text_keeps_local() {
        let mut local = Ledger::new("abc XYZ def\n");
        local.mark_ai(4..7, &src()).unwrap();
        let mut stored = Ledger::new("abc def\n");
        stored.mark_ai(0..3, &src()).unwrap();
        let m = merge(&local, &stored, false);
        assert_eq!(m.text(), "abc XYZ def\n");
        assert!(m.attribution_at(0).is_ai());
        assert!(m.attribution_at(5).is_ai());
        assert!(!m.attribution_at(9).is_ai());
    }
}

#[cfg(test)]
mod review_tests {
    use super::*;
    use crate::ledger::{AiKind, AiSource, Review};

    /// A dirty buffer reviewed by one person, a store reviewed by another:
    /// the merge keeps both reviews.
    #[test]
    fn dirty_merge_keeps_every_reviewer() {
        let src = AiSource {
            tool: "copilot".into(),
            model: None,
            kind: AiKind::InlineCompletion,
            session: None,
            accepted_at: 1,
        };
        let mut local = Ledger::new("hello world\n");
        local.mark_ai(0..5, &src).unwrap();
        let mut stored = local.clone();
        let grace = Review {
            by: "Grace".into(),
            at: 2,
        };
        let ada = Review {
            by: "Ada".into(),
            at: 3,
        };
        stored.mark_reviewed(0..5, &grace).unwrap();
        local.mark_reviewed(0..5, &ada).unwrap();
        let m = merge(&local, &stored, true);
        let by: Vec<&str> = m
            .attribution_at(2)
            .reviews()
            .iter()
            .map(|r| r.by.as_str())
            .collect();
        assert_eq!(by, ["Ada", "Grace"]);
    }
}

#[cfg(test)]
mod agent_tests {
    use super::*;
    use crate::ledger::{AiKind, AiSource};

    #[test]
    fn dirty_buffer_with_equal_text_takes_ai_it_holds_as_human() {
        // The editor reloaded an agent's write as ordinary (human) changes.
        let local = Ledger::new("let x = agent();\n");
        let mut stored = local.clone();
        let agent = AiSource {
            tool: "claude-code".into(),
            model: None,
            kind: AiKind::Agent,
            session: Some("s".into()),
            accepted_at: 1,
        };
        stored.mark_ai(8..15, &agent).unwrap();
        let m = merge(&local, &stored, true);
        assert_eq!(m.regions().len(), 1);
        assert_eq!(m.regions()[0].range, 8..15);
        assert_eq!(
            m.regions()[0].attribution.source().unwrap().kind,
            AiKind::Agent
        );
    }
}
