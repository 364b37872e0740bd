//! Commit-time speed, measured side by side with git on the same repositories:
//!
//! - `vouch check --staged` on 2,000 files with 200 staged files holding AI
//!   text, against `git diff --cached` (target: at most 2x);
//! - the post-commit note for a commit touching 100 files (target: < 100 ms);
//! - `vouch blame` on a 2,000-line file with 100 commits of history, against
//!   `git blame` (target: at most 3x).
//!
//! Run: `cargo bench --bench commit`.

use std::path::Path;
use std::process::{Command, Stdio};

use criterion::{Criterion, criterion_group, criterion_main};
use vouch_core::ledger::{AiKind, AiSource, now_millis};
use vouch_core::service::Service;

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("LC_ALL", "C")
        .stdout(Stdio::null())
        .status()
        .expect("git")
        .success();
    assert!(ok, "git {args:?}");
}

fn run(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("LC_ALL", "C")
        .output()
        .expect("run");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn new_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["config", "user.name", "Bench"]);
    git(dir.path(), &["config", "user.email", "bench@example.com"]);
    git(dir.path(), &["config", "commit.gpgsign", "false"]);
    dir
}

fn file_text(i: usize, lines: usize) -> String {
    (0..lines)
        .map(|l| format!("fn f{i}_{l}(x: u32) -> u32 {{ x + {l} }}\n"))
        .collect()
}

fn source() -> AiSource {
    AiSource {
        tool: "copilot".into(),
        model: Some("gpt-5".into()),
        kind: AiKind::Agent,
        session: None,
        accepted_at: now_millis(),
    }
}

/// Appends `n` AI lines to `rel` and records them in the store.
fn add_ai_lines(service: &mut Service, root: &Path, rel: &str, n: usize) {
    let path = root.join(rel);
    let mut text = std::fs::read_to_string(&path).expect("read");
    let first = text.lines().count();
    for k in 0..n {
        text.push_str(&format!("fn ai_{k}() -> u32 {{ {k} }}\n"));
    }
    std::fs::write(&path, &text).expect("write");
    service
        .update(rel, |ledger| -> anyhow::Result<Option<()>> {
            let range = ledger.line_range(first, first + n - 1)?;
            ledger.mark_ai(range, &source())?;
            Ok(Some(()))
        })
        .expect("mark");
}

fn bench_check_staged(c: &mut Criterion) {
    let repo = new_repo();
    let root = repo.path();
    for i in 0..2000 {
        let dir = root.join(format!("d{}", i % 40));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join(format!("f{i}.rs")), file_text(i, 40)).expect("write");
    }
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    let mut service = Service::open(root).expect("service");
    for i in 0..200 {
        let rel = format!("d{}/f{}.rs", (i * 10) % 40, i * 10);
        add_ai_lines(&mut service, root, &rel, 5);
    }
    git(root, &["add", "."]);
    let vouch = env!("CARGO_BIN_EXE_vouch");
    let mut g = c.benchmark_group("check_staged_2000_files_200_ai");
    g.sample_size(20);
    g.bench_function("git diff --cached", |b| {
        b.iter(|| run(root, "git", &["diff", "--cached"]))
    });
    g.bench_function("vouch check --staged", |b| {
        b.iter(|| run(root, vouch, &["check", "--staged"]))
    });
    g.finish();
}

fn bench_post_commit(c: &mut Criterion) {
    let repo = new_repo();
    let root = repo.path();
    for i in 0..300 {
        std::fs::write(root.join(format!("f{i}.rs")), file_text(i, 60)).expect("write");
    }
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    let mut service = Service::open(root).expect("service");
    for i in 0..100 {
        add_ai_lines(&mut service, root, &format!("f{i}.rs"), 5);
    }
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "100 files"]);
    let vouch = env!("CARGO_BIN_EXE_vouch");
    let mut g = c.benchmark_group("post_commit_note_100_files");
    g.sample_size(20);
    g.bench_function("vouch hook post-commit", |b| {
        b.iter(|| run(root, vouch, &["hook", "post-commit"]))
    });
    g.finish();
}

fn bench_blame(c: &mut Criterion) {
    let repo = new_repo();
    let root = repo.path();
    let vouch = env!("CARGO_BIN_EXE_vouch");
    let mut lines: Vec<String> = (0..2000).map(|l| format!("let v{l} = {l};")).collect();
    std::fs::write(root.join("big.rs"), lines.join("\n") + "\n").expect("write");
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "c0"]);
    let mut service = Service::open(root).expect("service");
    for commit in 1..100 {
        // Each commit rewrites 20 lines spread over the file; every other one by AI.
        let mut changed = Vec::new();
        for k in 0..20 {
            let l = (commit * 37 + k * 97) % 2000;
            lines[l] = format!("let v{l} = {commit} * {k};");
            changed.push(l);
        }
        std::fs::write(root.join("big.rs"), lines.join("\n") + "\n").expect("write");
        if commit % 2 == 0 {
            service
                .update("big.rs", |ledger| -> anyhow::Result<Option<()>> {
                    for &l in &changed {
                        let range = ledger.line_range(l, l)?;
                        ledger.mark_ai(range, &source())?;
                    }
                    Ok(Some(()))
                })
                .expect("mark");
        }
        git(root, &["commit", "-q", "-a", "-m", &format!("c{commit}")]);
        run(root, vouch, &["hook", "post-commit"]);
    }
    let mut g = c.benchmark_group("blame_2000_lines_100_commits");
    g.sample_size(20);
    g.bench_function("git blame", |b| {
        b.iter(|| run(root, "git", &["blame", "big.rs"]))
    });
    g.bench_function("vouch blame", |b| {
        b.iter(|| run(root, vouch, &["blame", "big.rs"]))
    });
    g.finish();
}

criterion_group!(benches, bench_check_staged, bench_post_commit, bench_blame);
criterion_main!(benches);
