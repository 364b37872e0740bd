//! Ordering and mapping under load: thousands of interleaved changes and AI
//! notices sent without waiting, and a seeded random session checked step by
//! step, both against a per-character model of who wrote what.
#![allow(clippy::unwrap_used)]

use crate::support;
use crate::support::lsp;

use lsp::{LspClient, uri_of};
use serde_json::{Value, json};
use support::TempRepo;

/// A tiny deterministic PRNG (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Who wrote a character, as the test believes.
#[derive(Clone, Debug, PartialEq)]
enum Label {
    Human,
    /// Inserted by AI, notice not applied yet (id of the insertion).
    Pending(u32),
    Ai(String),
}

/// The document as a list of characters with labels.
#[derive(Default)]
struct Model {
    chars: Vec<(char, Label)>,
}

impl Model {
    fn text(&self) -> String {
        self.chars.iter().map(|c| c.0).collect()
    }

    /// LSP position (UTF-16) of char index `i`.
    fn pos(&self, i: usize) -> Value {
        let (mut line, mut col) = (0u32, 0u32);
        let mut k = 0;
        while k < i {
            let ch = self.chars[k].0;
            if ch == '\n' {
                line += 1;
                col = 0;
            } else {
                col += ch.len_utf16() as u32;
            }
            k += 1;
        }
        json!({"line": line, "character": col})
    }

    /// Char index of an LSP position (UTF-16).
    fn index(&self, p: &Value) -> usize {
        let (line, col) = (
            p["line"].as_u64().unwrap() as u32,
            p["character"].as_u64().unwrap() as u32,
        );
        let (mut l, mut c) = (0u32, 0u32);
        for (i, (ch, _)) in self.chars.iter().enumerate() {
            if l == line && c == col {
                return i;
            }
            if *ch == '\n' {
                l += 1;
                c = 0;
            } else {
                c += ch.len_utf16() as u32;
            }
        }
        self.chars.len()
    }

    fn range(&self, a: usize, b: usize) -> Value {
        json!({"start": self.pos(a), "end": self.pos(b)})
    }

    fn labels_from_regions(&self, regions: &Value) -> Vec<String> {
        let mut out = vec![String::from("human"); self.chars.len()];
        for r in regions.as_array().unwrap() {
            let a = self.index(&r["range"]["start"]);
            let b = self.index(&r["range"]["end"]);
            for l in &mut out[a..b] {
                *l = r["tool"].as_str().unwrap().to_owned();
            }
        }
        out
    }

    fn expected(&self) -> Vec<String> {
        self.chars
            .iter()
            .map(|(_, l)| match l {
                Label::Ai(t) => t.clone(),
                _ => String::from("human"),
            })
            .collect()
    }
}

const ALPHABET: &[char] = &['a', 'b', 'é', '😀', ' ', '\n', 'x', '{', '}', '中'];

fn random_text(rng: &mut Rng, max: usize) -> String {
    let n = 1 + rng.below(max);
    (0..n)
        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
        .collect()
}

/// A notice waiting to be sent: (version, insertion id, tool).
struct Notice {
    version: i32,
    id: u32,
    tool: String,
    /// Char ranges at `version`.
    range: Value,
}

/// Runs `steps` random operations on one document. With `check_every`,
/// compares with the server after that many steps; at the end always.
fn session(seed: u64, steps: usize, check_every: Option<usize>) {
    let repo = TempRepo::new();
    let initial = "fn main() {\n    println!(\"hé😀\");\n}\n";
    repo.write("src/main.rs", initial);
    let mut c = LspClient::in_process();
    c.initialize(repo.path(), false, json!({}));
    let uri = uri_of(&repo.path().join("src/main.rs"));
    c.open(&uri, 1, initial);
    let mut model = Model {
        chars: initial.chars().map(|ch| (ch, Label::Human)).collect(),
    };
    let mut rng = Rng(seed);
    let mut version = 1;
    let mut next_id = 0u32;
    let mut late: Vec<Notice> = Vec::new();
    for step in 0..steps {
        let len = model.chars.len();
        match rng.below(10) {
            // Human typing or paste.
            0..=3 => {
                let at = rng.below(len + 1);
                let text = random_text(&mut rng, 4);
                version += 1;
                c.change(&uri, version, model.range(at, at), &text);
                let new: Vec<(char, Label)> = text.chars().map(|ch| (ch, Label::Human)).collect();
                model.chars.splice(at..at, new);
            }
            // Deletion.
            4..=5 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(6)).min(len);
                version += 1;
                c.change(&uri, version, model.range(a, b), "");
                model.chars.drain(a..b);
            }
            // AI insertion: notice on time, ahead, or late.
            _ => {
                let at = rng.below(len + 1);
                let text = random_text(&mut rng, 30);
                let tool = format!("tool{}", rng.below(3));
                next_id += 1;
                let id = next_id;
                version += 1;
                let n = text.chars().count();
                let new: Vec<(char, Label)> =
                    text.chars().map(|ch| (ch, Label::Pending(id))).collect();
                let range_before = model.range(at, at);
                model.chars.splice(at..at, new);
                let ai_range = model.range(at, at + n);
                let notice = Notice {
                    version,
                    id,
                    tool,
                    range: ai_range,
                };
                match rng.below(3) {
                    0 => {
                        // Ahead: the notice before its change.
                        send_notice(&mut c, &uri, &notice);
                        c.change(&uri, version, range_before, &text);
                        apply_notice(&mut model, &notice);
                    }
                    1 => {
                        c.change(&uri, version, range_before, &text);
                        send_notice(&mut c, &uri, &notice);
                        apply_notice(&mut model, &notice);
                    }
                    _ => {
                        c.change(&uri, version, range_before, &text);
                        late.push(notice);
                    }
                }
            }
        }
        // Late notices go out a few versions later.
        if !late.is_empty() && rng.below(3) == 0 {
            let notice = late.remove(0);
            send_notice(&mut c, &uri, &notice);
            apply_notice(&mut model, &notice);
        }
        if let Some(every) = check_every
            && step % every == every - 1
        {
            check(&mut c, &uri, &model, version, seed, step);
        }
    }
    for notice in std::mem::take(&mut late) {
        send_notice(&mut c, &uri, &notice);
        apply_notice(&mut model, &notice);
    }
    check(&mut c, &uri, &model, version, seed, steps);
    c.shutdown();
}

fn send_notice(c: &mut LspClient, uri: &str, n: &Notice) {
    c.accept_ai(
        uri,
        n.version,
        vec![n.range.clone()],
        json!({"tool": n.tool}),
    );
}

fn apply_notice(model: &mut Model, n: &Notice) {
    for (_, l) in &mut model.chars {
        if *l == Label::Pending(n.id) {
            *l = Label::Ai(n.tool.clone());
        }
    }
}

fn check(c: &mut LspClient, uri: &str, model: &Model, version: i32, seed: u64, step: usize) {
    let r = c.regions(uri);
    assert_eq!(r["version"], version, "seed {seed} step {step}");
    let got = model.labels_from_regions(&r["regions"]);
    let want = model.expected();
    if got != want {
        let first = got.iter().zip(&want).position(|(a, b)| a != b);
        panic!(
            "seed {seed} step {step}: attribution differs at char {first:?} of {}\ntext: {:?}",
            want.len(),
            model.text()
        );
    }
}

#[test]
fn flood_of_interleaved_changes_and_notices() {
    session(0x5eed_0001, 3000, None);
}

#[test]
fn seeded_random_session_checked_step_by_step() {
    for seed in [7, 42, 1234] {
        session(seed, 300, Some(10));
    }
}
