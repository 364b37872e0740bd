//! Ledger tests: examples for each rule, and property tests against a naive
//! one-label-per-character model.

use proptest::prelude::*;

use super::*;

fn ai(tool: &str) -> Attribution {
    Attribution::ai(AiSource {
        tool: tool.into(),
        model: Some("m".into()),
        kind: AiKind::InlineCompletion,
        session: None,
        accepted_at: 1,
    })
}

fn review(by: &str) -> Review {
    Review {
        by: by.into(),
        at: 2,
    }
}

/// The text with AI characters shown in brackets: `a[bc]d`.
fn render(l: &Ledger) -> String {
    let text = l.text();
    l.spans()
        .into_iter()
        .map(|(r, a)| {
            if a.is_ai() {
                format!("[{}]", &text[r])
            } else {
                text[r].to_owned()
            }
        })
        .collect()
}

#[test]
fn edit_then_regions() {
    let mut l = Ledger::new("fn main() {\n}\n");
    l.apply_edit(12..12, "    println!(\"hé\");\n", &ai("copilot"))
        .unwrap();
    assert_eq!(l.text(), "fn main() {\n    println!(\"hé\");\n}\n");
    let r = l.regions();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].range, 12..33);
}

#[test]
fn typing_inside_ai_text_splits_it() {
    let mut l = Ledger::new("ab");
    l.apply_edit(1..1, "XYZ", &ai("t")).unwrap();
    l.apply_edit(2..2, "h", &Attribution::Human).unwrap();
    assert_eq!(render(&l), "a[X]h[YZ]b");
    assert_eq!(l.regions().len(), 2);
    // Deleting the human character joins the two AI runs again.
    l.apply_edit(2..3, "", &Attribution::Human).unwrap();
    assert_eq!(render(&l), "a[XYZ]b");
    assert_eq!(l.regions().len(), 1);
}

#[test]
fn edits_are_checked() {
    let mut l = Ledger::new("é");
    assert_eq!(
        l.apply_edit(1..1, "x", &Attribution::Human),
        Err(LedgerError::NotCharBoundary(1))
    );
    assert!(matches!(
        l.apply_edit(0..3, "x", &Attribution::Human),
        Err(LedgerError::OutOfBounds { .. })
    ));
    assert_eq!(l.text(), "é");
    assert!(l.line_range(1, 1).is_err());
}

#[test]
fn review_forget_and_mark() {
    let mut l = Ledger::new("one\ntwo\nthree\n");
    l.mark_ai(
        l.line_range(0, 1).unwrap(),
        &AiSource {
            tool: "chat".into(),
            model: None,
            kind: AiKind::Paste,
            session: None,
            accepted_at: 3,
        },
    )
    .unwrap();
    assert_eq!(render(&l), "[one\ntwo\n]three\n");
    assert_eq!(l.mark_reviewed(0..2, &review("ada")).unwrap(), 2);
    assert_eq!(l.unreviewed_regions().len(), 1);
    assert_eq!(l.unreviewed_regions()[0].range, 2..8);
    assert_eq!(l.regions().len(), 2);
    // The same reviewer again changes nothing; another one is added, and
    // the earlier review stays (reviews accumulate).
    assert_eq!(l.mark_reviewed(0..2, &review("ada")).unwrap(), 0);
    assert_eq!(l.mark_reviewed(0..3, &review("bob")).unwrap(), 3);
    let by: Vec<Vec<String>> = l
        .regions()
        .iter()
        .map(|r| {
            r.attribution
                .reviews()
                .iter()
                .map(|v| v.by.clone())
                .collect()
        })
        .collect();
    let ada_bob = vec!["ada".to_owned(), "bob".to_owned()];
    assert_eq!(by, [ada_bob, vec!["bob".to_owned()], vec![]]);
    assert_eq!(l.forget(0..8).unwrap(), 8);
    assert!(l.regions().is_empty());
}

#[test]
fn reconcile_keeps_unchanged_text_and_whitespace_inside_ai() {
    let mut l = Ledger::new("fn f() {\n}\n");
    l.apply_edit(9..9, "let x=a+b;\nx\n", &ai("t")).unwrap();
    // A formatter re-indents and adds spaces around operators.
    l.reconcile("fn f() {\n    let x = a + b;\n    x\n}\n");
    assert_eq!(render(&l), "fn f() {\n[    let x = a + b;\n    x\n]}\n");
    // A person renames the variable: the new characters are theirs; the
    // one-letter line is not recognisably the old one, so it is new as a whole.
    l.reconcile("fn f() {\n    let y = a + b;\n    y\n}\n");
    assert_eq!(render(&l), "fn f() {\n[    let ]y[ = a + b;\n]    y\n}\n");
}

#[test]
fn reconcile_rewrapped_lines_stay_ai() {
    let mut l = Ledger::new("");
    l.apply_edit(0..0, "call(alpha, beta)\n", &ai("t")).unwrap();
    l.reconcile("call(\n    alpha,\n    beta,\n)\n");
    // Only the inserted comma (with the line break typed after it) is new.
    assert_eq!(render(&l), "[call(\n    alpha,\n    beta],\n[)\n]");
}

#[test]
fn line_summary_classifies_lines() {
    let mut l = Ledger::new("human\n    \nmix \n");
    l.apply_edit(0..0, "ai line\n", &ai("t")).unwrap();
    let at = l.line_range(3, 3).unwrap().start + 4;
    l.apply_edit(at..at, "ai()", &ai("t")).unwrap();
    // Indentation written by AI alone does not make a line AI.
    let at = l.line_range(2, 2).unwrap().start;
    l.apply_edit(at..at, "  ", &ai("u")).unwrap();
    let s = l.line_summary();
    let got: Vec<(usize, LineOrigin, bool)> =
        s.iter().map(|s| (s.line, s.origin, s.unreviewed)).collect();
    assert_eq!(
        got,
        vec![(0, LineOrigin::Ai, true), (3, LineOrigin::Mixed, true)]
    );
    l.mark_reviewed(0..l.len(), &review("r")).unwrap();
    assert!(l.line_summary().iter().all(|s| !s.unreviewed));
}

#[test]
fn snapshot_round_trips() {
    let mut l = Ledger::new("héllo 🌍\r\n漢字\r\n");
    l.apply_edit(3..3, "XY", &ai("t")).unwrap();
    l.mark_reviewed(3..4, &review("r")).unwrap();
    let back = Ledger::from_snapshot(l.snapshot()).unwrap();
    assert_eq!(back.snapshot(), l.snapshot());
    let mut bad = l.snapshot();
    bad.runs[0].0 += 1;
    assert!(Ledger::from_snapshot(bad).is_err());
}

// ---------------------------------------------------------------------------
// Property tests: the ledger against one label per character.

#[derive(Clone, Debug)]
enum Op {
    Edit {
        at: f64,
        del: usize,
        text: String,
        label: u8,
    },
    Review {
        at: f64,
        len: usize,
    },
    Forget {
        at: f64,
        len: usize,
    },
    MarkAi {
        at: f64,
        len: usize,
        label: u8,
    },
    /// Reconcile with the text after some unknown-origin edits.
    Reconcile {
        edits: Vec<(f64, usize, String)>,
    },
}

const PIECES: &[&str] = &[
    "a",
    "b",
    "xyz",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\t",
    "é",
    "漢字",
    "🌍",
    "👩‍💻",
    "fn",
    "=",
    "\r",
];

fn text_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..5).prop_map(|v| v.concat())
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0.0..1.0f64, 0..4usize, text_strategy(), 0..4u8)
            .prop_map(|(at, del, text, label)| Op::Edit { at, del, text, label }),
        1 => (0.0..1.0f64, 0..12usize).prop_map(|(at, len)| Op::Review { at, len }),
        1 => (0.0..1.0f64, 0..8usize).prop_map(|(at, len)| Op::Forget { at, len }),
        1 => (0.0..1.0f64, 0..8usize, 1..4u8).prop_map(|(at, len, label)| Op::MarkAi { at, len, label }),
        1 => prop::collection::vec((0.0..1.0f64, 0..3usize, text_strategy()), 1..4)
            .prop_map(|edits| Op::Reconcile { edits }),
    ]
}

/// Label 0 is human; 1..=3 are three different AI tools.
fn label_attr(label: u8) -> Attribution {
    match label {
        0 => Attribution::Human,
        n => ai(&format!("tool{n}")),
    }
}

/// The naive model: every character with its own attribution.
#[derive(Clone, Debug, Default)]
struct Model {
    chars: Vec<(char, Attribution)>,
}

impl Model {
    fn text(&self) -> String {
        self.chars.iter().map(|c| c.0).collect()
    }

    fn clamp(&self, at: f64, len: usize) -> (usize, usize) {
        let n = self.chars.len();
        let start = ((at * n as f64) as usize).min(n);
        (start, (start + len).min(n))
    }

    fn byte(&self, ch: usize) -> usize {
        self.chars[..ch].iter().map(|c| c.0.len_utf8()).sum()
    }

    /// Byte-level labels, as the ledger exposes them.
    fn byte_labels(&self) -> Vec<Attribution> {
        self.chars
            .iter()
            .flat_map(|(c, a)| std::iter::repeat_n(a.clone(), c.len_utf8()))
            .collect()
    }

    fn reconcile(&mut self, new: &str) {
        let old = self.text();
        if old == new {
            return;
        }
        // Per-byte labels of the old text, then rebuilt piece by piece.
        let old_labels = self.byte_labels();
        let mut labels: Vec<Attribution> = Vec::new();
        let pieces = align(&old, new);
        for (i, p) in pieces.iter().enumerate() {
            match p {
                Piece::Same { old, .. } => labels.extend_from_slice(&old_labels[old.clone()]),
                Piece::Changed { new: n, .. } => {
                    let inserted = &new[n.clone()];
                    let left = labels.last().cloned();
                    let right = match pieces.get(i + 1) {
                        Some(Piece::Same { old, .. }) => Some(old_labels[old.start].clone()),
                        _ => None,
                    };
                    let line_start = n.start == 0 || new[..n.start].ends_with(['\n', '\r']);
                    let blank = inserted.chars().all(char::is_whitespace);
                    let is_ai =
                        |a: &Option<Attribution>| a.as_ref().is_some_and(Attribution::is_ai);
                    let label = if blank && is_ai(&left) && is_ai(&right) {
                        left.clone().unwrap_or_default()
                    } else if blank && line_start && is_ai(&right) {
                        right.clone().unwrap_or_default()
                    } else {
                        Attribution::Human
                    };
                    labels.extend(std::iter::repeat_n(label, n.len()));
                }
            }
        }
        let mut at = 0;
        self.chars = new
            .chars()
            .map(|c| {
                let a = labels[at].clone();
                at += c.len_utf8();
                (c, a)
            })
            .collect();
    }

    /// Per line: (line, origin, unreviewed) for lines with AI non-blank text.
    fn line_summary(&self) -> Vec<(usize, LineOrigin, bool)> {
        let mut lines: Vec<Vec<(char, Attribution)>> = vec![Vec::new()];
        for (c, a) in &self.chars {
            // Lines as git counts them: only \n ends a line (a lone \r does not).
            if *c == '\n' {
                lines.push(Vec::new());
                continue;
            }
            lines.last_mut().unwrap().push((*c, a.clone()));
        }
        let mut out = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let visible: Vec<_> = line.iter().filter(|(c, _)| !c.is_whitespace()).collect();
            let any_ai = visible.iter().any(|(_, a)| a.is_ai());
            let any_human = visible.iter().any(|(_, a)| !a.is_ai());
            let unreviewed = visible.iter().any(|(_, a)| a.is_unreviewed_ai());
            if any_ai {
                let origin = if any_human {
                    LineOrigin::Mixed
                } else {
                    LineOrigin::Ai
                };
                out.push((i, origin, unreviewed));
            }
        }
        out
    }
}

/// Expands the ledger's runs to per-byte labels.
fn ledger_labels(l: &Ledger) -> Vec<Attribution> {
    l.spans()
        .into_iter()
        .flat_map(|(r, a)| std::iter::repeat_n(a.clone(), r.len()))
        .collect()
}

/// Applies random plain-text edits to a string (char-indexed).
fn edit_string(s: &str, edits: &[(f64, usize, String)]) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for (at, del, text) in edits {
        let n = chars.len();
        let start = ((at * n as f64) as usize).min(n);
        let end = (start + del).min(n);
        chars.splice(start..end, text.chars());
    }
    chars.into_iter().collect()
}

fn run_ops(initial: &str, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut ledger = Ledger::new(initial);
    let mut model = Model {
        chars: initial.chars().map(|c| (c, Attribution::Human)).collect(),
    };
    for op in ops {
        match op {
            Op::Edit {
                at,
                del,
                text,
                label,
            } => {
                let (s, e) = model.clamp(*at, *del);
                let (bs, be) = (model.byte(s), model.byte(e));
                let attr = label_attr(*label);
                ledger
                    .apply_edit(bs..be, text, &attr)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                model
                    .chars
                    .splice(s..e, text.chars().map(|c| (c, attr.clone())));
            }
            Op::Review { at, len } => {
                let (s, e) = model.clamp(*at, *len);
                // Two reviewers, so reviews of reviewed text are exercised too.
                let r = review(if len % 2 == 0 { "rev" } else { "ada" });
                ledger
                    .mark_reviewed(model.byte(s)..model.byte(e), &r)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                for c in &mut model.chars[s..e] {
                    // Reviews accumulate; a person's first review stands.
                    if let Attribution::Ai { reviews, .. } = &mut c.1
                        && !reviews.iter().any(|old| old.by == r.by)
                    {
                        reviews.push(r.clone());
                    }
                }
            }
            Op::Forget { at, len } => {
                let (s, e) = model.clamp(*at, *len);
                ledger
                    .forget(model.byte(s)..model.byte(e))
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                for c in &mut model.chars[s..e] {
                    c.1 = Attribution::Human;
                }
            }
            Op::MarkAi { at, len, label } => {
                let (s, e) = model.clamp(*at, *len);
                let attr = label_attr(*label);
                let source = attr
                    .source()
                    .cloned()
                    .ok_or_else(|| TestCaseError::fail("label 0"))?;
                ledger
                    .mark_ai(model.byte(s)..model.byte(e), &source)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                for c in &mut model.chars[s..e] {
                    c.1 = attr.clone();
                }
            }
            Op::Reconcile { edits } => {
                let new = edit_string(&model.text(), edits);
                ledger.reconcile(&new);
                model.reconcile(&new);
            }
        }
        prop_assert_eq!(ledger.text(), model.text());
        prop_assert_eq!(ledger.len(), ledger.text().len());
        prop_assert!(
            ledger_labels(&ledger) == model.byte_labels(),
            "labels differ after {:?}",
            op
        );
        // Runs are coalesced: no two neighbours share an attribution.
        let spans = ledger.spans();
        prop_assert!(spans.windows(2).all(|w| w[0].1 != w[1].1));
        prop_assert!(spans.iter().all(|(r, _)| !r.is_empty()));
        // Regions: maximal AI runs of identical attributes, in order.
        let labels = model.byte_labels();
        let mut expected: Vec<Region> = Vec::new();
        for (i, a) in labels.iter().enumerate() {
            if !a.is_ai() {
                continue;
            }
            match expected.last_mut() {
                Some(r) if r.range.end == i && r.attribution == *a => r.range.end += 1,
                _ => expected.push(Region {
                    range: i..i + 1,
                    attribution: a.clone(),
                }),
            }
        }
        prop_assert_eq!(ledger.regions(), expected.clone());
        let unreviewed: Vec<Region> = expected
            .into_iter()
            .filter(|r| r.attribution.is_unreviewed_ai())
            .collect();
        prop_assert_eq!(ledger.unreviewed_regions(), unreviewed);
        let summary: Vec<(usize, LineOrigin, bool)> = ledger
            .line_summary()
            .iter()
            .map(|s| (s.line, s.origin, s.unreviewed))
            .collect();
        prop_assert_eq!(summary, model.line_summary());
        // Pieces taken from the one chunk are the rope's (what each line's
        // longest one-line piece counts included).
        if ledger.single_chunk().is_some() {
            prop_assert_eq!(ledger.line_summary_in(None), ledger.line_summary());
        }
    }
    let back =
        Ledger::from_snapshot(ledger.snapshot()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(back.snapshot(), ledger.snapshot());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn ledger_matches_naive_model(initial in text_strategy(), ops in prop::collection::vec(op_strategy(), 1..40)) {
        run_ops(&initial, &ops)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    /// The same over texts the rope holds in several chunks (a text of up
    /// to about 1 KB is one chunk, which the ledger reads pieces of
    /// directly; longer ones go through the rope).
    #[test]
    fn ledger_matches_naive_model_past_one_chunk(
        initial in prop::collection::vec(text_strategy(), 400..1200).prop_map(|v| v.concat()),
        ops in prop::collection::vec(op_strategy(), 1..12),
    ) {
        run_ops(&initial, &ops)?;
    }
}

#[test]
fn piece_chars_tell_one_line_pieces_from_spanning_ones() {
    // Line 0: a 3-character completion ("foo") and a 5-character one
    // ("bar()"); line 1 and 2: one piece spanning both; line 3: a completion
    // starting with a line break and indentation ("\n    qux" fits line 3).
    let mut l = Ledger::new("x foo y bar()\nfn a() {\n}\nz\n");
    l.apply_edit(2..5, "foo", &ai("a")).unwrap();
    l.apply_edit(8..13, "bar()", &ai("b")).unwrap();
    l.apply_edit(14..24, "fn a() {\n}", &ai("c")).unwrap();
    l.apply_edit(26..26, "\n    qux", &ai("d")).unwrap();
    let got: Vec<(usize, Option<usize>)> = l
        .line_summary()
        .iter()
        .map(|s| (s.line, s.piece_chars))
        .collect();
    assert_eq!(got, [(0, Some(5)), (1, None), (2, None), (4, Some(3))]);
}

#[test]
fn text_line_count_ignores_the_empty_line_after_the_last_break() {
    assert_eq!(Ledger::new("a\nb\n").text_line_count(), 2);
    assert_eq!(Ledger::new("a\nb").text_line_count(), 2);
    assert_eq!(Ledger::new("a\n\n").text_line_count(), 2);
    assert_eq!(Ledger::new("").text_line_count(), 0);
}

proptest! {
    /// A text's git lines from the rope's index (no CR) or from its line
    /// starts (with CR) answer as a plain scan of the text does.
    #[test]
    fn git_lines_agree_with_a_scan(
        text in "[ab\n\r é]{0,80}",
        copies in 1usize..60,
        without_cr in any::<bool>(),
    ) {
        let mut text = text.repeat(copies);
        if without_cr {
            text.retain(|c| c != '\r');
        }
        let scan = GitLines::new(&text);
        let ledger = Ledger::new(&text);
        for ours in [ledger.git_lines_from(0), ledger.git_lines_from(usize::MAX)] {
            prop_assert_eq!(ours.count(), scan.count());
            prop_assert_eq!(ours.text_count(), scan.text_count());
            for offset in (0..=text.len() + 1).step_by(7) {
                prop_assert_eq!(ours.line_of(offset), scan.line_of(offset));
            }
            for line in 0..=scan.count() {
                prop_assert_eq!(ours.range(line, line).ok(), scan.range(line, line).ok());
            }
        }
    }
}

proptest! {
    /// `text_in` is the text of the range, whether one chunk of the rope
    /// holds it or it spans several (texts up to 64 KiB, many chunks).
    #[test]
    fn text_in_is_the_ranges_text(
        words in prop::collection::vec("[a-zé🌍 \n]{0,40}", 0..1600),
        cuts in prop::collection::vec((0.0f64..=1.0, 0.0f64..=1.0), 1..20),
    ) {
        let text: String = words.concat();
        let ledger = Ledger::new(&text);
        let boundary = |f: f64| {
            let mut at = (f * text.len() as f64) as usize;
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        for (a, b) in cuts {
            let (a, b) = (boundary(a), boundary(b));
            let range = a.min(b)..a.max(b);
            prop_assert_eq!(ledger.text_in(range.clone()), &text[range]);
        }
    }
}
