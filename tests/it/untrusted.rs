//! Untrusted input (issue 13): notes, `vouch.toml`, agent payloads and
//! configurations, special files and language-server frames from other
//! people can't hang, exhaust or subvert vouch. Each test drives the real
//! binary on real repositories. See docs/security.md.

#![allow(clippy::unwrap_used)]

use crate::support;
use crate::support::agent;
use crate::support::git as gitsupport;
use crate::support::lsp;

use std::path::Path;

use gitsupport::vouch_at;
use support::TempRepo;

fn repo_with_file() -> TempRepo {
    let repo = TempRepo::new();
    repo.write("src/lib.rs", "fn a() {}\nfn b() {}\nfn c() {}\nfn d() {}\n");
    repo
}

/// Every file below `dir`, relative, sorted.
fn files_below(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
        }
    }
    out.sort();
    out
}

// ---- 8. Read-only commands create no store -------------------------------

#[test]
fn read_only_commands_create_no_store_in_a_repository() {
    let repo = repo_with_file();
    repo.git(&["add", "."]);
    repo.git(&["commit", "-qm", "one"]);
    // A staged change: the pre-commit gate, in the form the installed hook
    // runs too, creates no store either.
    repo.write(
        "src/lib.rs",
        &format!("{}// more\n", repo.read("src/lib.rs")),
    );
    repo.git(&["add", "."]);
    let before = files_below(&repo.path().join(".git"));
    repo.vouch(&["check", "--staged"]).expect_code(0);
    repo.vouch(&["check", "--staged", "--for-commit"])
        .expect_code(0);
    repo.vouch(&["status"]).expect_code(0);
    repo.vouch(&["status", "--json"]).expect_code(0);
    repo.vouch(&["check"]).expect_code(0);
    repo.vouch(&["blame", "src/lib.rs"]).expect_code(0);
    repo.vouch(&["export"]).expect_code(0);
    repo.vouch(&["verify"]).expect_code(0);
    assert!(!repo.path().join(".git/vouch").exists());
    assert_eq!(files_below(&repo.path().join(".git")), before);
}

/// git lists a touched file as changed until something refreshes its
/// index (`git status`, `git diff` rewrite it); the read-only commands ask
/// git only what leaves it as it is, a tracked file missing from the disk
/// included (that asks which new file it moved to).
#[test]
fn read_only_commands_leave_gits_index_as_it_is() {
    let repo = repo_with_file();
    repo.write("src/other.rs", "fn o() {}\n");
    repo.vouch(&["mark", "src/lib.rs:2-3", "--tool", "copilot"])
        .expect_code(0);
    repo.git(&["add", "."]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "one"]);
    std::fs::remove_file(repo.path().join("src/lib.rs")).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .append(true)
        .open(repo.path().join("src/other.rs"))
        .and_then(|f| f.set_modified(later))
        .unwrap();
    let index = || std::fs::read(repo.path().join(".git/index")).unwrap();
    let before = index();
    repo.vouch(&["status"]).expect_code(0);
    repo.vouch(&["status", "--all", "--json"]).expect_code(0);
    repo.vouch(&["check"]).expect_code(0);
    repo.vouch(&["blame", "src/other.rs"]).expect_code(0);
    for args in [["export"], ["verify"]] {
        let code = repo.vouch(&args).code();
        assert!(matches!(code, 0 | 1), "{args:?} exited {code}");
    }
    assert!(before == index(), "the index was rewritten");
    // What they leave, git itself refreshes.
    repo.git(&["diff", "--quiet", "--", "src/other.rs"]);
    assert!(before != index(), "git diff refreshes the index");
}

#[test]
fn read_only_commands_create_no_store_in_a_plain_folder() {
    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("a.py"), "x = 1\n").unwrap();
    vouch_at(plain.path(), &["status"]).expect_code(0);
    vouch_at(plain.path(), &["status", "--json"]).expect_code(0);
    assert_eq!(files_below(plain.path()), vec!["a.py".to_owned()]);
    // A command that records something creates it.
    vouch_at(plain.path(), &["mark", "a.py:1", "--tool", "cursor"]).expect_code(0);
    assert!(plain.path().join(".vouch/store.db").is_file());
}

#[test]
fn no_store_is_created_in_the_home_folder_itself() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("a.py"), "x = 1\n").unwrap();
    let out = agent::vouch_env(
        home.path(),
        &["mark", "a.py:1", "--tool", "cursor"],
        &[("HOME", home.path())],
    )
    .expect_code(2);
    assert!(out.stderr().contains("home folder"), "{}", out.stderr());
    assert!(!home.path().join(".vouch").exists());
    // A stray `.vouch/` in the home folder (an older vouch made one) is not
    // used by the folders below it; a project folder below is fine.
    std::fs::create_dir(home.path().join(".vouch")).unwrap();
    let project = home.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("b.py"), "y = 2\n").unwrap();
    agent::vouch_env(
        &project,
        &["mark", "b.py:1", "--tool", "cursor"],
        &[("HOME", home.path())],
    )
    .expect_code(0);
    assert!(project.join(".vouch/store.db").is_file());
    assert!(!home.path().join(".vouch/store.db").exists());
}

#[test]
fn language_server_opening_a_plain_folder_creates_no_store() {
    let plain = tempfile::tempdir().unwrap();
    let file = plain.path().join("a.py");
    std::fs::write(&file, "x = 1\n").unwrap();
    let mut lsp = lsp::LspClient::start(plain.path());
    lsp.initialize(plain.path(), true, serde_json::json!({}));
    let uri = lsp::uri_of(&file);
    lsp.open(&uri, 1, "x = 1\n");
    lsp.change(&uri, 2, lsp::range(0, 5, 0, 5), "0");
    let regions = lsp.regions(&uri);
    assert_eq!(regions["regions"], serde_json::json!([]), "{regions}");
    lsp.shutdown();
    assert!(!plain.path().join(".vouch").exists());
}

// ---- 9. A newer store is left untouched -----------------------------------

#[test]
fn newer_store_is_refused_without_switching_it_to_wal() {
    let repo = repo_with_file();
    let dir = repo.path().join(".git/vouch");
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("store.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 999;")
            .unwrap();
    }
    let bytes = std::fs::read(&db).unwrap();
    // Rollback-journal mode: file format version bytes 18 and 19 are 1.
    assert_eq!(&bytes[18..20], &[1, 1]);
    for args in [
        &["status"][..],
        &["mark", "src/lib.rs:1", "--tool", "t"][..],
    ] {
        let out = repo.vouch(args).expect_code(2);
        assert!(out.stderr().contains("newer Vouch"), "{}", out.stderr());
    }
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "store bytes changed");
    assert_eq!(files_below(&dir), vec!["store.db".to_owned()]);
}

// ---- 11. Exit codes: say what happened only after it happened ------------

#[test]
fn record_exits_zero_on_argument_errors() {
    let repo = repo_with_file();
    for args in [
        &["record", "--agent", "claude-code", "--agent", "cursor"][..],
        &["record", "--agent", "claude-code", "extra"][..],
        &["record", "--no-such-flag"][..],
    ] {
        let out = repo.vouch(args).expect_code(0);
        let err = out.stderr();
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("vouch: warning: edit not recorded"),
            "{err}"
        );
    }
    // Other commands still fail on bad arguments.
    repo.vouch(&["status", "extra", "--nope"]).expect_code(2);
}

#[test]
fn review_reports_nothing_when_the_write_fails() {
    let repo = repo_with_file();
    repo.vouch(&["mark", "src/lib.rs:1-2", "--tool", "copilot"])
        .expect_code(0);
    let db = repo.path().join(".git/vouch/store.db");
    {
        // Every later write to the store fails (a real SQLite error).
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TRIGGER no_writes BEFORE UPDATE ON files
             BEGIN SELECT RAISE(ABORT, 'store is read-only'); END;",
        )
        .unwrap();
    }
    let out = repo.vouch(&["review", "src/lib.rs:1-2", "--as", "R <r@x>"]);
    let out = out.expect_code(2);
    assert!(!out.stdout().contains("reviewed"), "{}", out.stdout());
    assert!(out.stderr().contains("read-only"), "{}", out.stderr());
    let out = repo.vouch(&["forget", "src/lib.rs:1-2"]).expect_code(2);
    assert!(!out.stdout().contains("bytes"), "{}", out.stdout());
    let status = repo.vouch(&["status", "--json"]).json();
    assert_eq!(status[0]["reviewed"], false, "{status}");
}

// ---- 10. Language-server framing ------------------------------------------

fn lsp_session(text: &str) -> (TempRepo, lsp::LspClient, String) {
    let repo = TempRepo::new();
    repo.write("src/a.rs", text);
    let mut c = lsp::LspClient::start(repo.path());
    c.initialize(repo.path(), true, serde_json::json!({}));
    let uri = lsp::uri_of(&repo.path().join("src/a.rs"));
    c.open(&uri, 1, text);
    (repo, c, uri)
}

/// Peak resident memory of a process, in KiB (Linux `VmHWM`).
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn lsp_huge_content_length_does_not_swallow_later_messages() {
    let (_repo, mut c, uri) = lsp_session("fn a() {}\n");
    c.send_raw(b"Content-Length: 18446744073709551615\r\n\r\n");
    // The next valid request is served.
    let regions = c.regions(&uri);
    assert_eq!(regions["regions"], serde_json::json!([]), "{regions}");
    let err = c
        .wait_for(std::time::Duration::from_secs(5), |m| {
            m["error"]["code"] == -32700
        })
        .expect("a parse error for the oversized frame");
    assert_eq!(err["id"], serde_json::Value::Null);
    let stderr = c.stderr_with("over the");
    assert!(stderr.contains("over the"), "{stderr}");
    c.shutdown();
}

#[test]
fn lsp_garbage_glued_to_a_frame_is_skipped() {
    let (_repo, mut c, uri) = lsp_session("fn a() {}\n");
    // A body glued to the next frame's header, and a junk line.
    let mut bytes = b"not a header at all\r\n{\"x\":1}".to_vec();
    bytes.extend(lsp::frame(&serde_json::json!({
        "jsonrpc": "2.0", "id": 9001, "method": "vouch/regions",
        "params": {"textDocument": {"uri": uri}},
    })));
    c.send_raw(&bytes);
    let served = c.response(9001).expect("regions after garbage");
    assert_eq!(served["regions"], serde_json::json!([]));
    c.shutdown();
}

#[test]
fn lsp_endless_header_line_is_bounded_and_recovered_from() {
    let (_repo, mut c, uri) = lsp_session("fn a() {}\n");
    // 96 MiB without a line break: the server keeps at most a header line.
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..96 {
        c.send_raw(&chunk);
    }
    c.send_raw(b"\r\n");
    let regions = c.regions(&uri);
    assert_eq!(regions["regions"], serde_json::json!([]), "{regions}");
    let peak = peak_rss_kib(c.pid());
    assert!(peak < 64 * 1024, "peak RSS {peak} KiB");
    let err = c.stderr_with("header line longer");
    assert!(err.contains("header line longer"), "{err}");
    c.shutdown();
}

// ---- 1. Notes: ranges stay ranges, bounded by the files -------------------

/// A note for `rev` holding one record (as another clone would push it).
fn put_note(repo: &TempRepo, rev: &str, record: &serde_json::Value) {
    repo.git(&[
        "notes",
        "--ref",
        "refs/notes/vouch",
        "add",
        "-f",
        "-m",
        &record.to_string(),
        rev,
    ]);
}

/// A Vouch record claiming lines 1..=`end` of `a.rs` AI-written, with
/// `attestations` review ranges, each 2..=`end`, by R.
fn hostile_record(end: u64, attestations: usize) -> serde_json::Value {
    let ranges: Vec<serde_json::Value> = (0..attestations)
        .map(|_| serde_json::json!({"start_line": 2, "end_line": end}))
        .collect();
    serde_json::json!({
        "version": "0.1.0", "id": "x", "timestamp": "2026-01-01T00:00:00Z",
        "files": [{"path": "a.rs", "conversations": [{
            "contributor": {"type": "ai", "model_id": "m"},
            "ranges": [{"start_line": 1, "end_line": end}],
        }]}],
        "metadata": {"vouch": {
            "lines": [{"path": "a.rs", "start_line": 1, "end_line": end,
                       "origin": "ai", "tool": "t", "reviewed": false}],
            "attestations": [{"path": "a.rs", "ranges": ranges,
                              "reviewer": "R <r@x>", "time": "2026-01-01T00:00:00Z"}],
        }},
    })
}

#[test]
fn hostile_note_ranges_are_bounded_by_the_file() {
    let repo = gitsupport::base_repo(); // a.rs: 5 lines
    gitsupport::init(&repo);
    // 3,000 review ranges of two million lines each (about 100 KB).
    put_note(&repo, "HEAD", &hostile_record(2_000_000, 3_000));
    let out = repo.vouch(&["verify"]).expect_code(1).stdout();
    let problems: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("  "))
        .map(str::trim)
        .collect();
    assert_eq!(problems, vec!["a.rs:1: unreviewed AI code (t)"], "{out}");
    let json = repo
        .vouch(&["export", "--format", "json"])
        .expect_code(0)
        .json();
    let ranges = &json[0]["files"][0]["ranges"];
    assert_eq!(ranges[0]["start_line"], 1);
    assert_eq!(ranges[0]["end_line"], 1);
    assert_eq!(ranges[1]["start_line"], 2);
    assert_eq!(ranges[1]["end_line"], 5, "{json}");
    assert_eq!(ranges[1]["reviewer"], "R <r@x>");
    let sarif = repo
        .vouch(&["export", "--format", "sarif"])
        .expect_code(0)
        .json();
    let region = &sarif["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["endLine"], 5, "{sarif}");
    let blame = repo
        .vouch(&["blame", "--json", "a.rs"])
        .expect_code(0)
        .json();
    assert_eq!(blame.as_array().map(Vec::len), Some(5), "{blame}");
    // The post-rewrite hook carries the note through an amend, clamped.
    repo.git(&["commit", "-q", "--amend", "-m", "amended"]);
    let note = gitsupport::note(&repo, "HEAD").expect("note carried");
    assert_eq!(
        gitsupport::ai_line_numbers(&note, "a.rs"),
        vec![1, 2, 3, 4, 5]
    );
}

/// Another branch's note is searched by content when its text is taken
/// without a commit (a `restore --source`): its ranges are bounded by that
/// commit's version of the file, read only for the files searched.
#[test]
fn hostile_note_of_another_branch_is_bounded_by_its_version() {
    let repo = gitsupport::base_repo();
    gitsupport::init(&repo);
    repo.git(&["checkout", "-q", "-b", "other"]);
    repo.write("a.rs", &gitsupport::numbered("fn o", 1..=6));
    repo.git(&["commit", "-q", "-am", "other"]);
    // 2^40 lines: were the ranges expanded before being bounded by the
    // version read, this would not finish.
    put_note(&repo, "HEAD", &hostile_record(1 << 40, 0));
    repo.git(&["checkout", "-q", "-"]);
    repo.git(&[
        "restore",
        "--source=other",
        "--staged",
        "--worktree",
        "a.rs",
    ]);
    let out = repo.vouch(&["check", "--staged"]).expect_code(1).stdout();
    assert!(out.contains("a.rs:1-6:"), "{out}");
    assert!(!out.contains("a.rs:7") && !out.contains("-7:"), "{out}");
}

#[test]
fn ranges_for_files_the_commit_lacks_are_dropped() {
    let repo = gitsupport::base_repo();
    let mut record = hostile_record(3, 1);
    record["metadata"]["vouch"]["lines"][0]["path"] = "missing.rs".into();
    record["files"][0]["path"] = "missing.rs".into();
    put_note(&repo, "HEAD", &record);
    let out = repo.vouch(&["verify"]).expect_code(0);
    assert!(!out.stdout().contains("missing.rs"), "{}", out.stdout());
}

#[test]
fn oversized_note_is_skipped_with_a_warning() {
    let repo = gitsupport::base_repo();
    let mut record = hostile_record(3, 1);
    // Over the 4 MiB limit: padding in a field nobody reads.
    record["padding"] = "x".repeat(5 * 1024 * 1024).into();
    let path = repo.path().join("big-note.json");
    std::fs::write(&path, record.to_string()).unwrap();
    repo.git(&[
        "notes",
        "--ref",
        "refs/notes/vouch",
        "add",
        "-f",
        "-F",
        path.to_str().unwrap(),
        "HEAD",
    ]);
    let out = repo.vouch(&["verify"]).expect_code(0);
    assert!(
        out.stderr().contains("over the 4194304-byte limit"),
        "{}",
        out.stderr()
    );
}

// ---- 3. Special files ------------------------------------------------------

/// Runs `vouch record` with `payload`, killing it if it has not finished
/// within a minute (a hang is the bug), and returns its output.
fn record_or_hang(repo: &TempRepo, payload: &str) -> support::VouchOutput {
    let mut child = agent::spawn_record(repo.path(), "claude-code", payload.as_bytes());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("vouch record hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    support::VouchOutput(child.wait_with_output().unwrap())
}

#[test]
fn record_skips_a_fifo_without_blocking() {
    let repo = TempRepo::new();
    std::fs::create_dir(repo.path().join("src")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(repo.path().join("src/new.rs"))
        .status()
        .unwrap();
    assert!(status.success());
    let payload = agent::fixture(&repo, "claude-code/post-write.json");
    let out = record_or_hang(&repo, &payload).expect_code(0);
    assert!(out.stdout().is_empty(), "{}", out.stdout());
    assert!(agent::stored_text(&repo, "src/new.rs").is_none());
    // The CLI refuses it with a clear message instead of blocking too.
    let out = repo
        .vouch(&["mark", "src/new.rs:1", "--tool", "t"])
        .expect_code(2);
    assert!(
        out.stderr().contains("not a regular file"),
        "{}",
        out.stderr()
    );
}

#[test]
fn record_skips_a_symlink_to_a_device() {
    let repo = TempRepo::new();
    std::fs::create_dir(repo.path().join("src")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", repo.path().join("src/new.rs")).unwrap();
    let payload = agent::fixture(&repo, "claude-code/post-write.json");
    record_or_hang(&repo, &payload).expect_code(0);
    assert!(agent::stored_text(&repo, "src/new.rs").is_none());
    let out = repo.vouch(&["status", "src/new.rs"]);
    assert!(out.code() == 0 || out.code() == 2, "{}", out.stderr());
}

#[test]
fn record_does_not_read_through_a_symlink_out_of_the_repository() {
    let repo = TempRepo::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "token = 1\n").unwrap();
    std::fs::create_dir(repo.path().join("src")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret"),
        repo.path().join("src/new.rs"),
    )
    .unwrap();
    let payload = agent::fixture(&repo, "claude-code/post-write.json");
    record_or_hang(&repo, &payload).expect_code(0);
    assert!(agent::stored_text(&repo, "src/new.rs").is_none());
}

// ---- 4. Symlinked agent configurations ------------------------------------

fn init_agent(dir: &Path, home: &Path, args: &[&str]) -> support::VouchOutput {
    let mut all = vec!["init"];
    all.extend_from_slice(args);
    agent::vouch_env(dir, &all, &[("HOME", home)])
}

#[test]
fn project_config_symlinked_out_of_the_repository_is_refused() {
    let repo = TempRepo::new();
    let home = tempfile::tempdir().unwrap();
    let secret = home.path().join("credentials.json");
    std::fs::write(&secret, "{\"token\": \"s3cret\"}\n").unwrap();
    std::fs::create_dir(repo.path().join(".claude")).unwrap();
    let link = repo.path().join(".claude/settings.json");
    std::os::unix::fs::symlink(&secret, &link).unwrap();
    let out = init_agent(repo.path(), home.path(), &["--agent", "claude-code"]).expect_code(2);
    assert!(
        out.stderr().contains("leads out of the repository"),
        "{}",
        out.stderr()
    );
    assert_eq!(out.stderr().lines().count(), 1, "{}", out.stderr());
    // Nothing copied, nothing changed.
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(&secret).unwrap(),
        "{\"token\": \"s3cret\"}\n"
    );
    // A symlinked folder on the way is refused too.
    let repo2 = TempRepo::new();
    std::os::unix::fs::symlink(home.path(), repo2.path().join(".cursor")).unwrap();
    init_agent(repo2.path(), home.path(), &["--agent", "cursor"]).expect_code(2);
    assert!(!home.path().join("hooks.json").exists());
    // Uninstall refuses as well.
    init_agent(
        repo.path(),
        home.path(),
        &["--agent", "claude-code", "--uninstall"],
    )
    .expect_code(2);
    // A symlink inside the repository is fine.
    let repo3 = TempRepo::new();
    repo3.write("shared/claude.json", "{}\n");
    std::fs::create_dir(repo3.path().join(".claude")).unwrap();
    std::os::unix::fs::symlink(
        "../shared/claude.json",
        repo3.path().join(".claude/settings.json"),
    )
    .unwrap();
    init_agent(repo3.path(), home.path(), &["--agent", "claude-code"]).expect_code(0);
    assert!(repo3.read("shared/claude.json").contains("vouch"));
}

#[test]
fn global_dotfile_symlink_is_edited_in_place() {
    let repo = TempRepo::new();
    let home = tempfile::tempdir().unwrap();
    let dotfiles = tempfile::tempdir().unwrap();
    let real = dotfiles.path().join("cursor-hooks.json");
    std::fs::write(&real, "{\"version\": 1}\n").unwrap();
    std::fs::create_dir(home.path().join(".cursor")).unwrap();
    let link = home.path().join(".cursor/hooks.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    init_agent(repo.path(), home.path(), &["--agent", "cursor", "--global"]).expect_code(0);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(text.contains("record --agent cursor"), "{text}");
}

// ---- 7. Hooks inside the work tree -----------------------------------------

#[test]
fn init_refuses_to_change_a_tracked_hooks_folder() {
    let repo = gitsupport::base_repo();
    let team_hook = "#!/bin/sh\necho team checks\n";
    repo.write(".githooks/pre-commit", team_hook);
    repo.git(&["add", ".githooks"]);
    repo.git(&["commit", "-qm", "team hooks"]);
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let out = repo.vouch(&["init"]).expect_code(2);
    let err = out.stderr();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("core.hooksPath") && err.contains("--unset"),
        "{err}"
    );
    // The tracked hooks are untouched, nothing was added.
    assert_eq!(repo.read(".githooks/pre-commit"), team_hook);
    assert_eq!(
        files_below(&repo.path().join(".githooks")),
        vec!["pre-commit".to_owned()]
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    // With the setting unset for this clone, hooks go into the git directory.
    repo.git(&["config", "--unset", "core.hooksPath"]);
    repo.vouch(&["init"]).expect_code(0);
    assert!(repo.path().join(".git/hooks/pre-commit").is_file());
}

// ---- 6. Trailer injection --------------------------------------------------

#[test]
fn model_names_with_line_breaks_add_no_trailers() {
    let repo = gitsupport::base_repo();
    repo.vouch(&["init", "--trailer", "assisted-by"])
        .expect_code(0);
    repo.write("src/new.rs", "pub fn new() -> u32 {\n    7\n}\n");
    let mut payload: serde_json::Value =
        serde_json::from_str(&agent::fixture(&repo, "claude-code/post-write.json")).unwrap();
    payload["model"] = "gpt\nSigned-off-by: Mallory <m@evil>\nReviewed-by: Mallory".into();
    agent::record(&repo, "claude-code", &payload.to_string()).expect_code(0);
    repo.vouch(&["review", "src/new.rs", "--as", "R <r@x>"])
        .expect_code(0);
    repo.git(&["add", "src/new.rs"]);
    repo.git(&["commit", "-q", "-m", "new"]);
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(message.contains("Assisted-by: claude-code"), "{message}");
    assert!(!message.contains("Mallory"), "{message}");
    // The command line refuses such names outright.
    let out = repo
        .vouch(&[
            "mark",
            "a.rs:1",
            "--tool",
            "t",
            "--model",
            "m\nSigned-off-by: M",
        ])
        .expect_code(2);
    assert!(out.stderr().contains("--model"), "{}", out.stderr());
    repo.vouch(&["mark", "a.rs:1", "--tool", "t\r"])
        .expect_code(2);
}

#[test]
fn editor_notice_names_with_line_breaks_are_replaced() {
    let (_repo, mut c, uri) = lsp_session("fn a() {}\n");
    c.accept_ai(
        &uri,
        1,
        vec![lsp::range(0, 0, 0, 9)],
        serde_json::json!({"tool": "copilot\nSigned-off-by: M", "model": "m\r\u{1b}[2K"}),
    );
    let regions = c.regions(&uri);
    let r = &regions["regions"][0];
    assert_eq!(r["tool"], "unknown", "{regions}");
    assert!(r["model"].is_null(), "{regions}");
    c.shutdown();
}

// ---- 5. Terminal and log injection -----------------------------------------

/// No raw control character other than the line breaks between lines, and
/// no line that starts a CI log command.
fn assert_clean_output(text: &str) {
    for line in text.lines() {
        assert!(
            !line.chars().any(|c| c.is_control()),
            "raw control character in {line:?}"
        );
        assert!(
            !line.trim_start().starts_with("::"),
            "log command in {line:?}"
        );
    }
}

#[test]
fn strings_from_notes_and_paths_are_escaped_in_human_output() {
    let repo = gitsupport::base_repo();
    // git cat-file cannot be asked for a name with a line break, so the
    // note's file has escapes; the working tree's has a line break.
    let evil_path = "evil\u{1b}[1A\u{1b}[2Kname.rs";
    let newline_path = "evil\n::warning file=a.rs::all reviewed.rs";
    repo.write(evil_path, "fn x() {}\nfn y() {}\n");
    repo.write(newline_path, "fn x() {}\nfn y() {}\n");
    repo.git(&["add", "."]);
    repo.git(&["commit", "-qm", "evil\u{1b}[2K\rsubject"]);
    let tool = "t\u{1b}[1A\u{1b}[2K\rvouch verify: every AI line is reviewed";
    let record = serde_json::json!({
        "version": "0.1.0", "timestamp": "2026-01-01T00:00:00Z", "files": [],
        "metadata": {"vouch": {
            "lines": [
                {"path": evil_path, "start_line": 1, "end_line": 2, "origin": "ai",
                 "tool": "copilot", "reviewed": false},
            ],
            "attestations": [],
        }},
    });
    put_note(&repo, "HEAD", &record);
    // a.rs was last changed by the first commit: its note speaks for it.
    let record = serde_json::json!({
        "version": "0.1.0", "timestamp": "2026-01-01T00:00:00Z", "files": [],
        "metadata": {"vouch": {
            "lines": [
                {"path": "a.rs", "start_line": 1, "end_line": 1, "origin": "ai",
                 "tool": tool, "model": "m\r\n::error::x", "kind": "k\u{1b}[2K", "reviewed": true},
            ],
            "attestations": [{"path": "a.rs", "ranges": [{"start_line": 1, "end_line": 1}],
                              "reviewer": "R\u{1b}]8;;http://x\u{7}", "time": "2026-01-01T00:00:00Z"}],
        }},
    });
    put_note(&repo, "HEAD~1", &record);
    let verify = repo.vouch(&["verify"]).expect_code(1);
    assert_clean_output(&verify.stdout());
    assert!(
        verify.stdout().contains("evil\\e[1A\\e[2Kname.rs:1-2"),
        "{}",
        verify.stdout()
    );
    assert!(
        verify.stdout().contains("evil\\e[2K\\rsubject"),
        "{}",
        verify.stdout()
    );
    let blame = repo.vouch(&["blame", "a.rs"]).expect_code(0);
    assert_clean_output(&blame.stdout());
    assert!(
        blame.stdout().contains("reviewed by R\\e]8;;"),
        "{}",
        blame.stdout()
    );
    // JSON stays JSON: the exact strings, escaped by the encoder only.
    let json = repo
        .vouch(&["export", "--format", "json"])
        .expect_code(0)
        .json();
    let paths: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["files"].as_array().unwrap())
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&evil_path), "{json}");
    // The working tree: status and check print the path escaped.
    let mut payload: serde_json::Value =
        serde_json::from_str(&agent::fixture(&repo, "claude-code/post-write.json")).unwrap();
    let file = format!("{}/{newline_path}", agent::root(&repo));
    payload["tool_input"]["file_path"] = file.clone().into();
    payload["tool_input"]["content"] = "fn x() {}\nfn y() {}\n".into();
    agent::record(&repo, "claude-code", &payload.to_string()).expect_code(0);
    let status = repo.vouch(&["status"]).expect_code(0);
    assert_clean_output(&status.stdout());
    assert!(
        status.stdout().contains("evil\\n::warning"),
        "{}",
        status.stdout()
    );
    let check = repo.vouch(&["check"]).expect_code(1);
    assert_clean_output(&check.stdout());
}

// ---- 2. Policy globs match in linear time ----------------------------------

#[test]
fn pathological_exempt_glob_does_not_hang_the_gate_or_verify() {
    let repo = gitsupport::base_repo();
    let pattern = format!("{}b", "*a".repeat(30));
    repo.write(
        "vouch.toml",
        &format!("[review]\nexempt = [\"{pattern}\"]\n"),
    );
    let name = format!("{}.rs", "a".repeat(120));
    repo.write(&name, "fn x() {}\n");
    repo.git(&["add", "."]);
    repo.git(&["commit", "-qm", "long name"]);
    let record = serde_json::json!({
        "version": "0.1.0", "timestamp": "2026-01-01T00:00:00Z", "files": [],
        "metadata": {"vouch": {"lines": [{"path": name, "start_line": 1, "end_line": 1,
            "origin": "ai", "tool": "copilot", "reviewed": false}], "attestations": []}},
    });
    put_note(&repo, "HEAD", &record);
    // Not exempt (the name has no `b`): reported, promptly.
    let out = repo.vouch(&["verify"]).expect_code(1);
    assert!(
        out.stdout().contains(&format!("{name}:1")),
        "{}",
        out.stdout()
    );
    repo.vouch(&["mark", &format!("{name}:1"), "--tool", "copilot"])
        .expect_code(0);
    repo.vouch(&["check"]).expect_code(1);
}

#[test]
fn a_special_or_outside_policy_file_is_refused_without_blocking() {
    let repo = gitsupport::base_repo();
    let status = std::process::Command::new("mkfifo")
        .arg(repo.path().join("vouch.toml"))
        .status()
        .unwrap();
    assert!(status.success());
    let out = repo.vouch(&["check"]).expect_code(2);
    assert!(
        out.stderr().contains("not a regular file"),
        "{}",
        out.stderr()
    );
    std::fs::remove_file(repo.path().join("vouch.toml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", repo.path().join("vouch.toml")).unwrap();
    let out = repo.vouch(&["verify"]).expect_code(2);
    assert!(
        out.stderr().contains("out of the workspace"),
        "{}",
        out.stderr()
    );
}
