//! The store under real processes: kill -9 at random moments never loses an
//! acknowledged change nor damages the store, and concurrent writers lose no
//! update.

use crate::support;

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{TempRepo, vouch_bin};

fn spawn(repo: &TempRepo, args: &[&str]) -> Child {
    Command::new(vouch_bin())
        .args(args)
        .current_dir(repo.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn vouch")
}

/// Unreviewed lines per file, from `vouch status --json`.
fn marked_lines(repo: &TempRepo) -> BTreeSet<(String, u64)> {
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    let mut out = BTreeSet::new();
    for e in status.as_array().expect("array") {
        let path = e["path"].as_str().expect("path").to_owned();
        let (s, t) = (
            e["startLine"].as_u64().expect("start"),
            e["endLine"].as_u64().expect("end"),
        );
        for line in s..=t {
            out.insert((path.clone(), line));
        }
    }
    out
}

fn numbered_file(lines: usize) -> String {
    (1..=lines).map(|i| format!("line {i}\n")).collect()
}

/// A tiny deterministic generator, so a failure can be replayed.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The median wall time of a `vouch mark` run that nobody kills, measured on
/// a scratch file (line 120 of f.txt, which the kill loop never touches, is
/// then forgotten again).
fn typical_mark_duration(repo: &TempRepo) -> Duration {
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let status = spawn(repo, &["mark", "f.txt:120-120", "--tool", "probe"])
                .wait()
                .expect("wait");
            assert!(status.success(), "an unkilled mark must succeed");
            start.elapsed()
        })
        .collect();
    repo.vouch(&["forget", "f.txt:120-120"]).expect_code(0);
    times.sort();
    times[times.len() / 2]
}

#[test]
fn kill_9_never_loses_acknowledged_changes() {
    let repo = TempRepo::new();
    repo.write("f.txt", &numbered_file(120));
    let mut rng = Rng(0x5eed_1234);
    let mut acknowledged = BTreeSet::new();
    let mut killed = 0;
    // How long one mark takes on this machine, so the kills land across the
    // whole of a run (before the store opens, mid-transaction, after commit)
    // on a fast laptop and a loaded CI runner alike.
    let typical = typical_mark_duration(&repo);
    let window = u64::try_from(typical.as_micros() * 2)
        .unwrap_or(u64::MAX)
        .max(1);
    for i in 1..=60u64 {
        let line = format!("f.txt:{i}-{i}");
        // Every second line uses a distinct tool so runs never merge.
        let tool = format!("tool{}", i % 2);
        let mut child = spawn(&repo, &["mark", &line, "--tool", &tool]);
        // Every tenth run is left to finish and the one after it is killed at
        // once, so both outcomes occur however fast or slow the machine is;
        // the rest are killed at a random moment of a typical run.
        match i % 10 {
            0 => {}
            1 => {
                let _ = child.kill();
            }
            _ => {
                std::thread::sleep(Duration::from_micros(rng.below(window)));
                // SIGKILL; if the process already finished, it was acknowledged.
                let _ = child.kill();
            }
        }
        let status = child.wait().expect("wait");
        if status.success() {
            acknowledged.insert(("f.txt".to_owned(), i));
        } else {
            killed += 1;
        }
        // The store reopens cleanly after every kill, and keeps every acknowledged mark.
        let now = marked_lines(&repo);
        let lost: Vec<_> = acknowledged.difference(&now).collect();
        assert!(
            lost.is_empty(),
            "round {i}: acknowledged marks lost: {lost:?}"
        );
    }
    assert!(
        killed > 0 && !acknowledged.is_empty(),
        "the loop should both kill and finish some runs ({killed} killed)"
    );
}

#[test]
fn concurrent_writers_lose_no_update() {
    let repo = TempRepo::new();
    repo.write("same.txt", &numbered_file(40));
    for f in 0..4 {
        repo.write(&format!("other{f}.txt"), &numbered_file(10));
    }
    let start = Instant::now();
    let mut children = Vec::new();
    // Twenty writers on different lines of one file, and four on other files, all at once.
    for i in 1..=20 {
        let spec = format!("same.txt:{}-{}", i * 2, i * 2);
        children.push(spawn(&repo, &["mark", &spec, "--tool", "t"]));
    }
    for f in 0..4 {
        let spec = format!("other{f}.txt:3-3");
        children.push(spawn(&repo, &["mark", &spec, "--tool", "t"]));
    }
    for mut c in children {
        let out = c.wait().expect("wait");
        let mut err = String::new();
        if let Some(mut e) = c.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        assert!(out.success(), "a writer failed: {err}");
    }
    let got = marked_lines(&repo);
    let mut want: BTreeSet<(String, u64)> =
        (1..=20).map(|i| ("same.txt".to_owned(), i * 2)).collect();
    want.extend((0..4).map(|f| (format!("other{f}.txt"), 3)));
    assert_eq!(got, want, "after {:?}", start.elapsed());
}

/// Many short-lived writers, one write each (as agent hooks are): the WAL is
/// checkpointed once it passes its limit, so it stays small and every later
/// process starts without reading megabytes of it. (SQLite's automatic
/// checkpoint alone never restarts the WAL in this pattern.)
#[test]
fn wal_stays_bounded_with_short_lived_writers() {
    let repo = TempRepo::new();
    // 80 KB per write: 150 writes are 12 MB of WAL frames without checkpoints.
    let text: String = (1..=4_000)
        .map(|i| format!("let value_{i} = {i};\n"))
        .collect();
    repo.write("a.rs", &text);
    let wal = repo.path().join(".git/vouch/store.db-wal");
    let mut largest = 0;
    for i in 1..=150 {
        let loc = format!("a.rs:{i}-{i}");
        repo.vouch(&["mark", &loc, "--tool", "claude"])
            .expect_code(0);
        largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
    }
    assert!(largest <= 8 << 20, "the WAL grew to {largest} bytes");
    // Nothing was lost on the way.
    let lines = marked_lines(&repo);
    assert_eq!(lines.len(), 150);
    assert!(lines.contains(&("a.rs".to_owned(), 150)));
}
