//! A model-based property test of git workflows (issue 12): seeded random
//! sequences of real git operations on a small repository with the hooks
//! `vouch init` installs, against a model of which lines are AI and which
//! are reviewed. Every line's text is unique (a counter), so the model is
//! simply "this text was written by AI (reviewed or not)"; whatever git does
//! with the lines, the model knows what they are.
//!
//! Commits pass `--no-verify` (the gate would stop unreviewed AI code);
//! every other `git commit` first runs the gate as the installed hook does,
//! so what it teaches the store is checked too.
//!
//! After every commit (plain, amend, squash merge, cherry-pick, rebase) the
//! note of `HEAD` must list every line of the files it changed that the
//! model calls AI (as `ai` or `mixed`), must list no line the model calls
//! human, and must not call unreviewed AI text reviewed.
//!
//! CI runs a fixed seed set within a time budget. A failure prints the seed
//! and the operations so far; replay with
//! `VOUCH_WORKFLOW_SEEDS=SEED cargo test --test it git_workflows::`.
//! `VOUCH_WORKFLOW_BUDGET_SECS` and `VOUCH_WORKFLOW_STEPS` widen the run;
//! `VOUCH_WORKFLOW_TRACE` prints, after each step, the AI lines `vouch blame`
//! calls human; `VOUCH_WORKFLOW_KEEP` keeps a failing run's repository.

use crate::support;
use crate::support::git as gitsupport;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use gitsupport::*;
use support::TempRepo;

const SEEDS: [u64; 8] = [1, 2, 3, 4, 5, 6, 7, 8];
const BUDGET: Duration = Duration::from_secs(45);
const STEPS: usize = 24;
const FILES: [&str; 2] = ["a.rs", "b.rs"];

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// What the model knows: every AI line's text, and whether it is reviewed.
#[derive(Default)]
struct Model {
    ai: HashMap<String, bool>,
    counter: usize,
}

struct Run {
    repo: TempRepo,
    model: Model,
    rng: Rng,
    log: Vec<String>,
    /// Commits made so far: every other one first runs the pre-commit gate
    /// as the installed hook does (`check --staged --for-commit`, which
    /// teaches the store the staged text), then commits with
    /// `--no-verify` whatever it said.
    commits: usize,
}

fn lines_of(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

fn is_ok(out: &std::process::Output) -> bool {
    out.status.success()
}

impl Run {
    fn git(&self, args: &[&str]) -> bool {
        is_ok(&try_git(&self.repo, args))
    }

    fn existing(&self) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(self.repo.path())
            .expect("read the repository folder")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".rs"))
            .collect();
        out.sort();
        out
    }

    fn pick_file(&mut self) -> Option<String> {
        let files = self.existing();
        if files.is_empty() {
            return None;
        }
        Some(files[self.rng.below(files.len())].clone())
    }

    fn clean(&self) -> bool {
        self.repo.git(&["status", "--porcelain"]).trim().is_empty()
    }

    fn staged(&self) -> bool {
        !is_ok(&try_git(&self.repo, &["diff", "--cached", "--quiet"]))
    }

    /// One random operation; returns its description.
    fn step(&mut self) -> Result<String, String> {
        let op = self.rng.below(17);
        let desc = match op {
            0 | 1 => {
                // A person types a line.
                let Some(f) = self.pick_file() else {
                    return Ok("skip".into());
                };
                let mut lines = lines_of(&self.repo.read(&f));
                let at = self.rng.below(lines.len() + 1);
                self.model.counter += 1;
                lines.insert(
                    at,
                    format!("let human_{} = {};", self.model.counter, self.model.counter),
                );
                self.repo.write(&f, &(lines.join("\n") + "\n"));
                format!("human line in {f} at {}", at + 1)
            }
            2 => {
                // A person deletes a line.
                let Some(f) = self.pick_file() else {
                    return Ok("skip".into());
                };
                let mut lines = lines_of(&self.repo.read(&f));
                if lines.len() < 2 {
                    return Ok("skip".into());
                }
                let at = self.rng.below(lines.len());
                lines.remove(at);
                self.repo.write(&f, &(lines.join("\n") + "\n"));
                format!("delete line {} of {f}", at + 1)
            }
            3..=5 => {
                // AI text accepted (declared with `vouch mark`).
                let Some(f) = self.pick_file() else {
                    return Ok("skip".into());
                };
                let mut lines = lines_of(&self.repo.read(&f));
                let at = self.rng.below(lines.len() + 1);
                let n = 1 + self.rng.below(2);
                for k in 0..n {
                    self.model.counter += 1;
                    let c = self.model.counter;
                    let text = format!("fn ai_{c}() -> u32 {{ {c} }}");
                    self.model.ai.insert(text.clone(), false);
                    lines.insert(at + k, text);
                }
                self.repo.write(&f, &(lines.join("\n") + "\n"));
                let loc = format!("{f}:{}-{}", at + 1, at + n);
                mark(&self.repo, &loc, "copilot", "gpt-5");
                format!("ai {loc}")
            }
            6 => {
                let Some(f) = self.pick_file() else {
                    return Ok("skip".into());
                };
                review(&self.repo, &f, "Ada <ada@example.com>");
                for l in lines_of(&self.repo.read(&f)) {
                    if let Some(r) = self.model.ai.get_mut(&l) {
                        *r = true;
                    }
                }
                format!("review {f}")
            }
            7 => {
                let Some(f) = self.pick_file() else {
                    return Ok("skip".into());
                };
                self.git(&["add", &f]);
                format!("add {f}")
            }
            8 | 9 => {
                self.git(&["add", "-A"]);
                if !self.staged() {
                    return Ok("commit (nothing staged)".into());
                }
                self.commit(&["commit", "-q", "--no-verify", "-m", "step"])?;
                "add -A; commit".into()
            }
            10 => {
                if !self.staged() {
                    return Ok("skip".into());
                }
                self.commit(&["commit", "-q", "--no-verify", "-m", "step"])?;
                "commit staged".into()
            }
            11 => {
                if self.repo.git(&["rev-list", "--count", "HEAD"]).trim() == "1" {
                    return Ok("skip".into());
                }
                self.git(&["add", "-A"]);
                self.commit(&[
                    "commit",
                    "-q",
                    "--no-verify",
                    "--amend",
                    "--allow-empty",
                    "-m",
                    "amended",
                ])?;
                "add -A; amend".into()
            }
            12 => {
                // Switch branches (only with a clean tree), creating `other`.
                if !self.clean() {
                    return Ok("skip".into());
                }
                let cur = self.repo.git(&["branch", "--show-current"]);
                let to = if cur.trim() == "main" {
                    "other"
                } else {
                    "main"
                };
                if !self.git(&["checkout", "-q", to]) {
                    self.git(&["checkout", "-q", "-b", to]);
                }
                format!("switch to {to}")
            }
            13 => {
                if self.clean() {
                    if self.git(&["stash", "pop", "-q"]) {
                        return Ok("stash pop".into());
                    }
                    // A pop that stopped on a conflict: undone (the stash stays).
                    if !self
                        .repo
                        .git(&["diff", "--name-only", "--diff-filter=U"])
                        .trim()
                        .is_empty()
                    {
                        self.git(&["reset", "-q", "--hard"]);
                        return Ok("stash pop (conflict, undone)".into());
                    }
                    return Ok("stash pop (partly applied)".into());
                }
                self.git(&["stash", "-q", "-u"]);
                "stash".into()
            }
            14 => {
                // Take the other branch's work: squash merge, cherry-pick or a file.
                if !self.clean() {
                    return Ok("skip".into());
                }
                let cur = self.repo.git(&["branch", "--show-current"]);
                let other = if cur.trim() == "main" {
                    "other"
                } else {
                    "main"
                };
                if !self.git(&["rev-parse", "-q", "--verify", other]) {
                    return Ok("skip".into());
                }
                match self.rng.below(3) {
                    0 => {
                        if !self.git(&["merge", "-q", "--squash", other]) {
                            self.git(&["reset", "-q", "--hard"]);
                            return Ok("squash merge (conflict, undone)".into());
                        }
                        if self.staged() {
                            self.commit(&["commit", "-q", "--no-verify", "-m", "squash"])?;
                        }
                        format!("squash merge {other}; commit")
                    }
                    1 => {
                        if !self.git(&["cherry-pick", "--no-verify", other])
                            && !self.git(&["cherry-pick", other])
                        {
                            self.git(&["cherry-pick", "--abort"]);
                            self.git(&["reset", "-q", "--hard"]);
                            return Ok("cherry-pick (conflict, undone)".into());
                        }
                        self.check_head("cherry-pick")?;
                        format!("cherry-pick {other}")
                    }
                    _ => {
                        let Some(f) = self.pick_file() else {
                            return Ok("skip".into());
                        };
                        if !self.git(&["checkout", other, "--", &f]) {
                            return Ok("skip".into());
                        }
                        format!("checkout {other} -- {f}")
                    }
                }
            }
            15 => {
                let Some(f) = self.pick_file() else {
                    return Ok("skip".into());
                };
                let to = if f == "c.rs" { "a.rs" } else { "c.rs" };
                if self.repo.path().join(to).exists() || !self.git(&["mv", &f, to]) {
                    return Ok("skip".into());
                }
                format!("git mv {f} {to}")
            }
            _ => {
                // rebase -i: squash the last two commits.
                if !self.clean()
                    || self
                        .repo
                        .git(&["rev-list", "--count", "--merges", "HEAD"])
                        .trim()
                        != "0"
                    || self
                        .repo
                        .git(&["rev-list", "--count", "HEAD"])
                        .trim()
                        .parse::<u32>()
                        .unwrap_or(0)
                        < 3
                {
                    return Ok("skip".into());
                }
                let out = git_in(
                    self.repo.path(),
                    &["rebase", "-q", "-i", "HEAD~2"],
                    &[("GIT_SEQUENCE_EDITOR", "sed -i -e 2s/^pick/squash/")],
                );
                if !is_ok(&out) {
                    self.git(&["rebase", "--abort"]);
                    return Ok("rebase (failed, undone)".into());
                }
                self.check_head("rebase -i squash")?;
                "rebase -i: squash the last two".into()
            }
        };
        Ok(desc)
    }

    /// For tracing a replay: working-tree AI lines `vouch blame` calls human.
    fn working_tree_disagreements(&self) -> String {
        let mut out = Vec::new();
        for f in self.existing() {
            let blame = self.repo.vouch(&["blame", "--json", &f]).json();
            for (i, line) in lines_of(&self.repo.read(&f)).iter().enumerate() {
                if self.model.ai.contains_key(line) && blame[i]["origin"] == "human" {
                    out.push(format!("{f}:{} `{line}`", i + 1));
                }
            }
        }
        out.join(", ")
    }

    fn commit(&mut self, args: &[&str]) -> Result<(), String> {
        self.commits += 1;
        if args.first() == Some(&"commit") && self.commits.is_multiple_of(2) {
            let gate = self
                .repo
                .vouch(&["check", "--staged", "--for-commit"])
                .code();
            if !matches!(gate, 0 | 1) {
                return Err(format!("the gate before git {args:?} exited {gate}"));
            }
        }
        let out = try_git(&self.repo, args);
        if !is_ok(&out) {
            return Err(format!(
                "git {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        self.check_head(&args.join(" "))
    }

    /// The note of HEAD agrees with the model on every file HEAD changed.
    fn check_head(&self, after: &str) -> Result<(), String> {
        let Some(n) = note(&self.repo, "HEAD") else {
            return Err(format!("after {after}: HEAD has no note"));
        };
        let changed = self.repo.git(&[
            "diff-tree",
            "-r",
            "--root",
            "--no-commit-id",
            "--name-only",
            "--diff-filter=d",
            "HEAD",
        ]);
        let reviewed_lines: HashMap<(String, u64), bool> = n["metadata"]["vouch"]["lines"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|l| {
                let path = l["path"].as_str().unwrap_or("").to_owned();
                let (s, e) = (
                    l["start_line"].as_u64().unwrap_or(0),
                    l["end_line"].as_u64().unwrap_or(0),
                );
                let r = l["reviewed"].as_bool().unwrap_or(false);
                (s..=e).map(move |x| ((path.clone(), x), r))
            })
            .collect();
        for path in changed.lines() {
            let text = self.repo.git(&["show", &format!("HEAD:{path}")]);
            let listed = ai_line_numbers(&n, path);
            for (i, line) in text.lines().enumerate() {
                let no = i as u64 + 1;
                let is_listed = listed.contains(&no);
                match self.model.ai.get(line) {
                    Some(reviewed) => {
                        if !is_listed {
                            return Err(format!(
                                "after {after}: AI line {path}:{no} `{line}` is not in the note {n}"
                            ));
                        }
                        if !reviewed && reviewed_lines.get(&(path.to_owned(), no)) == Some(&true) {
                            return Err(format!(
                                "after {after}: unreviewed AI line {path}:{no} is reviewed in the note {n}"
                            ));
                        }
                    }
                    None if is_listed => {
                        return Err(format!(
                            "after {after}: human line {path}:{no} `{line}` is AI in the note {n}"
                        ));
                    }
                    None => {}
                }
            }
        }
        Ok(())
    }
}

fn run_seed(seed: u64, steps: usize) -> Result<(), (Vec<String>, String)> {
    let repo = TempRepo::new();
    for f in FILES {
        repo.write(f, "let base = 0;\n");
    }
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "base"]);
    init(&repo);
    let mut run = Run {
        repo,
        model: Model::default(),
        rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
        log: Vec::new(),
        commits: 0,
    };
    let trace = std::env::var_os("VOUCH_WORKFLOW_TRACE").is_some();
    for _ in 0..steps {
        match run.step() {
            Ok(d) => {
                if trace {
                    eprintln!("{d}: {}", run.working_tree_disagreements());
                }
                run.log.push(d);
            }
            Err(e) => {
                if std::env::var_os("VOUCH_WORKFLOW_KEEP").is_some() {
                    let kept = run.repo.dir.keep();
                    eprintln!("repository kept at {}", kept.display());
                }
                return Err((run.log, e));
            }
        }
    }
    Ok(())
}

/// Seed 93's failure, reduced: a file moved back (`git mv c.rs a.rs`) onto
/// a path the store still knew from before it was moved away. The stale
/// record of `a.rs` used to win: the AI line added while the file was
/// `c.rs` became human in `status` and `blame`, and the next write to the
/// store (`vouch mark`) made that final, so the commit's note lost it.
#[test]
fn a_file_moved_back_onto_a_path_the_store_knew_keeps_its_ai_lines() {
    let repo = TempRepo::new();
    repo.write("a.rs", "let base = 0;\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "base"]);
    init(&repo);
    repo.write("a.rs", "let base = 0;\nfn ai_1() {}\n");
    mark(&repo, "a.rs:2", "copilot", "gpt-5");
    repo.git(&["commit", "-q", "--no-verify", "-am", "one"]);
    repo.git(&["mv", "a.rs", "c.rs"]);
    repo.write("c.rs", "let base = 0;\nfn ai_1() {}\nfn ai_2() {}\n");
    mark(&repo, "c.rs:3", "copilot", "gpt-5");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "two"]);
    repo.git(&["mv", "c.rs", "a.rs"]);
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(
        (status[0]["startLine"].clone(), status[0]["endLine"].clone()),
        (2.into(), 3.into()),
        "{status}"
    );
    let blame = repo
        .vouch(&["blame", "--json", "a.rs"])
        .expect_code(0)
        .json();
    assert_eq!(blame[2]["origin"], "ai", "{blame}");
    repo.write(
        "a.rs",
        "let base = 0;\nfn ai_1() {}\nfn ai_2() {}\nfn ai_3() {}\n",
    );
    mark(&repo, "a.rs:4", "copilot", "gpt-5");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "three"]);
    let n = note(&repo, "HEAD").expect("HEAD has a note");
    assert_eq!(ai_line_numbers(&n, "a.rs"), vec![2, 3, 4], "{n}");
}

/// Seed 620's failure, reduced: as above, but the commit before the move
/// back changed only another file. Its note lists that file alone, so it
/// knows nothing of `c.rs`; the gate took "not in the base's note" for
/// "human" and the moved file's AI lines were dropped from the note.
#[test]
fn a_file_moved_back_after_a_commit_elsewhere_keeps_its_ai_lines() {
    let repo = TempRepo::new();
    repo.write("a.rs", "let base = 0;\n");
    repo.write("b.rs", "let b = 0;\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "base"]);
    init(&repo);
    repo.write("a.rs", "let base = 0;\nfn ai_1() {}\n");
    mark(&repo, "a.rs:2", "copilot", "gpt-5");
    repo.git(&["commit", "-q", "--no-verify", "-am", "one"]);
    repo.git(&["mv", "a.rs", "c.rs"]);
    repo.write("c.rs", "let base = 0;\nfn ai_1() {}\nfn ai_2() {}\n");
    mark(&repo, "c.rs:3", "copilot", "gpt-5");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "two"]);
    repo.write("b.rs", "let b = 0;\nfn ai_3() {}\n");
    mark(&repo, "b.rs:2", "copilot", "gpt-5");
    repo.git(&["commit", "-q", "--no-verify", "-am", "three"]);
    repo.git(&["mv", "c.rs", "a.rs"]);
    repo.vouch(&["check", "--staged"]).expect_code(1);
    repo.git(&["commit", "-q", "--no-verify", "-m", "four"]);
    let n = note(&repo, "HEAD").expect("HEAD has a note");
    assert_eq!(ai_line_numbers(&n, "a.rs"), vec![2, 3], "{n}");
}

#[test]
fn random_git_workflows_never_lose_ai_provenance() {
    let seeds: Vec<u64> = match std::env::var("VOUCH_WORKFLOW_SEEDS") {
        Ok(s) => s.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        Err(_) => SEEDS.to_vec(),
    };
    let budget = std::env::var("VOUCH_WORKFLOW_BUDGET_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(BUDGET, Duration::from_secs);
    let steps = std::env::var("VOUCH_WORKFLOW_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(STEPS);
    let start = Instant::now();
    let mut ran = 0;
    for seed in seeds {
        if ran > 0 && start.elapsed() > budget {
            eprintln!("time budget spent after {ran} seeds");
            break;
        }
        if let Err((ops, why)) = run_seed(seed, steps) {
            panic!(
                "seed {seed} failed (replay: VOUCH_WORKFLOW_SEEDS={seed} cargo test --test it git_workflows::)\noperations:\n  {}\n{why}",
                ops.join("\n  ")
            );
        }
        ran += 1;
    }
    assert!(ran > 0);
}
