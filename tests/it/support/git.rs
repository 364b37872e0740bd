//! Helpers for the commit-time tests: git runs that may fail, notes, clones.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::{TempRepo, VouchOutput};

/// Runs git in `dir` with extra environment, returning its output (never panics on failure).
pub fn git_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new("git");
    c.args(args)
        .current_dir(dir)
        .env("LC_ALL", "C")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_EDITOR", "true");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run git")
}

/// Runs git in the repository; returns the output whatever the status.
pub fn try_git(repo: &TempRepo, args: &[&str]) -> Output {
    git_in(repo.path(), args, &[])
}

/// [`try_git`] with `input` on git's stdin (`fast-import`, `update-ref --stdin`).
pub fn git_with_input(repo: &TempRepo, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new("git")
        .args(args)
        .current_dir(repo.path())
        .env("LC_ALL", "C")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run git");
    let mut stdin = child.stdin.take().expect("git's stdin");
    stdin.write_all(input.as_bytes()).expect("write to git");
    drop(stdin);
    child.wait_with_output().expect("wait for git")
}

/// Asserts a git command succeeded; returns stdout + stderr for messages.
pub fn ok(out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "git failed:\n{text}");
    text
}

/// Asserts a git command failed; returns stdout + stderr.
pub fn fails(out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "git unexpectedly succeeded:\n{text}");
    text
}

/// A repository with `a.rs` (five human lines) committed, before `vouch init`.
pub fn base_repo() -> TempRepo {
    let repo = TempRepo::new();
    repo.write("a.rs", &numbered("fn h", 1..=5));
    repo.git(&["add", "a.rs"]);
    repo.git(&["commit", "-q", "-m", "base"]);
    repo
}

/// Lines `PREFIXn() {}` for each n, newline-terminated.
pub fn numbered(prefix: &str, range: std::ops::RangeInclusive<usize>) -> String {
    range.map(|n| format!("{prefix}{n}() {{}}\n")).collect()
}

/// `vouch init` in the repository, asserting success.
pub fn init(repo: &TempRepo) -> VouchOutput {
    repo.vouch(&["init"]).expect_code(0)
}

/// Declares `loc` (PATH:START-END) AI-written by `tool`/`model`.
pub fn mark(repo: &TempRepo, loc: &str, tool: &str, model: &str) {
    repo.vouch(&["mark", loc, "--tool", tool, "--model", model])
        .expect_code(0);
}

pub fn review(repo: &TempRepo, loc: &str, who: &str) {
    repo.vouch(&["review", loc, "--as", who]).expect_code(0);
}

/// The (first) JSON record of `rev`'s note, if any.
pub fn note(repo: &TempRepo, rev: &str) -> Option<Value> {
    note_in(repo.path(), rev)
}

pub fn note_in(dir: &Path, rev: &str) -> Option<Value> {
    let out = git_in(
        dir,
        &["notes", "--ref", "refs/notes/vouch", "show", rev],
        &[],
    );
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let first = text.lines().find(|l| !l.trim().is_empty())?;
    Some(serde_json::from_str(first).expect("note is JSON"))
}

/// The AI lines a note lists for `path`, as (line, contributor type), from the
/// standard Agent Trace part.
pub fn ai_lines(note: &Value, path: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    for f in note["files"].as_array().into_iter().flatten() {
        if f["path"] != path {
            continue;
        }
        for c in f["conversations"].as_array().into_iter().flatten() {
            let kind = c["contributor"]["type"].as_str().unwrap_or("").to_owned();
            for r in c["ranges"].as_array().into_iter().flatten() {
                let (s, e) = (
                    r["start_line"].as_u64().expect("start_line"),
                    r["end_line"].as_u64().expect("end_line"),
                );
                out.extend((s..=e).map(|l| (l, kind.clone())));
            }
        }
    }
    out.sort();
    out
}

/// Just the line numbers of [`ai_lines`].
pub fn ai_line_numbers(note: &Value, path: &str) -> Vec<u64> {
    ai_lines(note, path).into_iter().map(|l| l.0).collect()
}

/// The commit `rev` names.
pub fn rev(repo: &TempRepo, rev: &str) -> String {
    repo.git(&["rev-parse", rev]).trim().to_owned()
}

/// A bare repository in a temporary folder.
pub fn bare_remote() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    ok(&git_in(
        dir.path(),
        &["init", "-q", "--bare", "-b", "main"],
        &[],
    ));
    dir
}

/// A clone of `remote` with an identity configured.
pub fn clone_of(remote: &Path, name: &str) -> TempRepo {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = remote.to_string_lossy().into_owned();
    ok(&git_in(dir.path(), &["clone", "-q", &url, "."], &[]));
    let repo = TempRepo { dir };
    repo.git(&["config", "user.name", name]);
    repo.git(&[
        "config",
        "user.email",
        &format!("{}@example.com", name.to_lowercase()),
    ]);
    repo.git(&["config", "commit.gpgsign", "false"]);
    repo
}

/// Writes an executable script.
pub fn write_script(path: &Path, body: &str) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).expect("mkdir");
    }
    std::fs::write(path, body).expect("write script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

/// Runs `vouch` in any folder.
pub fn vouch_at(dir: &Path, args: &[&str]) -> VouchOutput {
    let out = Command::new(crate::support::vouch_bin())
        .args(args)
        .current_dir(dir)
        .env("LC_ALL", "C")
        .output()
        .expect("run vouch");
    VouchOutput(out)
}

/// An SSH key pair made by the real `ssh-keygen` (ed25519, no passphrase).
pub struct Key {
    pub path: std::path::PathBuf,
    /// `ssh-ed25519 AAAA…`, as an allowed-signers line wants it.
    pub public: String,
}

/// Makes the key pair `dir/name` (and `dir/name.pub`).
pub fn keygen(dir: &Path, name: &str) -> Key {
    let path = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .expect("run ssh-keygen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = std::fs::read_to_string(path.with_extension("pub"))
        .expect("public key")
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    Key { path, public }
}

/// The `(path, start, end)` ranges of `vouch status --json` with `args`.
pub fn status_ranges(
    repo: &TempRepo,
    args: &[&str],
) -> std::collections::BTreeSet<(String, u64, u64)> {
    let mut all = vec!["status", "--json"];
    all.extend_from_slice(args);
    let v = repo.vouch(&all).expect_code(0).json();
    v.as_array()
        .expect("array")
        .iter()
        .map(|e| {
            (
                e["path"].as_str().expect("path").to_owned(),
                e["startLine"].as_u64().expect("startLine"),
                e["endLine"].as_u64().expect("endLine"),
            )
        })
        .collect()
}

/// Each line's `origin` in `vouch blame --json PATH`.
pub fn blame_origins(repo: &TempRepo, path: &str) -> Vec<String> {
    let blame = repo.vouch(&["blame", "--json", path]).expect_code(0).json();
    blame
        .as_array()
        .expect("array")
        .iter()
        .map(|l| l["origin"].as_str().expect("origin").to_owned())
        .collect()
}
