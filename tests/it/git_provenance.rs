//! Provenance is never silently lost (issue 12): everyday git actions that
//! used to commit unreviewed AI code as human. Each test drives real git
//! with the hooks `vouch init` installs and checks that the gate blocks (or,
//! committed with `--no-verify`, that the note and `vouch verify` say AI).

#![allow(clippy::unwrap_used)]

use crate::support;
use crate::support::agent;
use crate::support::git as gitsupport;
use crate::support::lsp;

use std::path::Path;

use gitsupport::*;
use serde_json::Value;
use support::TempRepo;

const ADA: &str = "Ada <ada@example.com>";

/// a.rs: five human lines committed, hooks installed.
fn repo() -> TempRepo {
    let repo = base_repo();
    init(&repo);
    repo
}

/// Five human lines then `n` AI-looking lines `fn aiK() { K }`.
fn with_ai(n: usize) -> String {
    let mut s = numbered("fn h", 1..=5);
    for k in 6..6 + n {
        s.push_str(&format!("fn ai{k}() {{ {k} }}\n"));
    }
    s
}

/// `git commit` must be refused by the gate; returns its output.
fn commit_blocked(repo: &TempRepo, msg: &str) -> String {
    let out = fails(&try_git(repo, &["commit", "-m", msg]));
    assert!(out.contains("unreviewed AI code"), "{out}");
    out
}

fn commit_anyway(repo: &TempRepo, msg: &str) {
    ok(&try_git(repo, &["commit", "--no-verify", "-m", msg]));
}

/// `vouch verify` must report `HEAD` (exit 1).
fn verify_flags_head(dir: &Path) {
    let v = vouch_at(dir, &["verify"]).expect_code(1);
    let head = String::from_utf8_lossy(&git_in(dir, &["rev-parse", "HEAD"], &[]).stdout)
        .trim()
        .to_owned();
    assert!(v.stdout().contains(&head), "{}", v.stdout());
}

/// The note of `HEAD` lists exactly `lines` of `path` as AI (or mixed).
fn note_lists(repo: &TempRepo, path: &str, lines: &[u64]) {
    let n = note(repo, "HEAD").expect("HEAD has a note");
    assert_eq!(ai_line_numbers(&n, path), lines, "{n}");
}

// ---- 1. staged AI text changed or deleted in the working tree ----------

#[test]
fn staged_ai_deleted_from_the_working_tree_is_still_ai() {
    let repo = repo();
    repo.write("a.rs", &with_ai(2));
    mark(&repo, "a.rs:6-7", "copilot", "gpt-5");
    repo.git(&["add", "a.rs"]);
    repo.write("a.rs", &numbered("fn h", 1..=5));
    let out = commit_blocked(&repo, "ai");
    assert!(out.contains("a.rs:6-7:"), "{out}");
    commit_anyway(&repo, "ai");
    note_lists(&repo, "a.rs", &[6, 7]);
    verify_flags_head(repo.path());
}

#[test]
fn staged_unreviewed_version_is_flagged_when_the_rewrite_is_reviewed() {
    let repo = repo();
    repo.write("a.rs", &with_ai(2));
    mark(&repo, "a.rs:6-7", "copilot", "gpt-5");
    repo.git(&["add", "a.rs"]);
    // The working tree is rewritten and that rewrite reviewed.
    repo.write(
        "a.rs",
        &with_ai(2)
            .replace("{ 6 }", "{ 66 }")
            .replace("{ 7 }", "{ 77 }"),
    );
    review(&repo, "a.rs", ADA);
    assert_eq!(
        repo.vouch(&["status", "--json"]).expect_code(0).json(),
        serde_json::json!([])
    );
    commit_blocked(&repo, "ai");
    commit_anyway(&repo, "ai");
    let n = note(&repo, "HEAD").unwrap();
    assert_eq!(ai_line_numbers(&n, "a.rs"), vec![6, 7]);
    assert!(
        n["metadata"]["vouch"]["lines"][0]["reviewed"] != true,
        "{n}"
    );
    verify_flags_head(repo.path());
}

// ---- 2 and 12. text taken from another commit ----------------------------

/// A bare remote holding `main` (a.rs, five human lines) and `feat` (a.rs
/// with two unreviewed AI lines, committed with --no-verify, with its note),
/// and a fresh clone of it whose store knows nothing: only notes do.
fn clone_with_feature() -> (tempfile::TempDir, TempRepo) {
    let remote = bare_remote();
    let a = clone_of(remote.path(), "Alice");
    init(&a);
    a.write("a.rs", &numbered("fn h", 1..=5));
    a.git(&["add", "a.rs"]);
    ok(&try_git(&a, &["commit", "-m", "base"]));
    ok(&try_git(&a, &["push", "-q", "origin", "main"]));
    a.git(&["checkout", "-q", "-b", "feat"]);
    a.write("a.rs", &with_ai(2));
    mark(&a, "a.rs:6-7", "claude", "claude-opus-4");
    a.git(&["add", "a.rs"]);
    commit_anyway(&a, "feat: ai");
    ok(&try_git(&a, &["push", "-q", "origin", "feat"]));
    let b = clone_of(remote.path(), "Bob");
    init(&b);
    ok(&try_git(&b, &["fetch", "-q", "origin"]));
    // The fetched copy: vouch reads it; no hook merged it yet.
    let fetched = git_in(
        b.path(),
        &[
            "notes",
            "--ref",
            "refs/notes/remotes/origin/vouch",
            "show",
            "origin/feat",
        ],
        &[],
    );
    assert!(fetched.status.success(), "the clone has feat's note");
    (remote, b)
}

/// After `action` staged feat's AI lines in the clone: the gate blocks,
/// the note and `verify` say AI, `check` and `blame` agree.
fn taken_from_feat_is_ai(b: &TempRepo) {
    assert_eq!(b.read("a.rs"), with_ai(2));
    let check = b.vouch(&["check", "--staged"]).expect_code(1);
    assert!(check.stdout().contains("a.rs:6-7:"), "{}", check.stdout());
    commit_blocked(b, "take feat");
    commit_anyway(b, "take feat");
    note_lists(b, "a.rs", &[6, 7]);
    verify_flags_head(b.path());
    // Once committed, status, check and blame agree with the note.
    let blame = b.vouch(&["blame", "--json", "a.rs"]).expect_code(0).json();
    assert_eq!(blame[5]["origin"], "ai", "{blame}");
    assert_eq!(blame[4]["origin"], "human", "{blame}");
    let status = b.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(
        (status[0]["startLine"].clone(), status[0]["endLine"].clone()),
        (6.into(), 7.into()),
        "{status}"
    );
    assert!(
        b.vouch(&["check"])
            .expect_code(1)
            .stdout()
            .contains("a.rs:6-7:")
    );
}

/// Before the commit, the working tree's attribution already agrees with
/// the gate (the post-merge and post-checkout hooks taught the store).
fn working_tree_agrees_before_commit(b: &TempRepo) {
    let status = b.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(
        (status[0]["startLine"].clone(), status[0]["endLine"].clone()),
        (6.into(), 7.into()),
        "{status}"
    );
    assert!(
        b.vouch(&["check"])
            .expect_code(1)
            .stdout()
            .contains("a.rs:6-7:")
    );
    let blame = b.vouch(&["blame", "--json", "a.rs"]).expect_code(0).json();
    assert_eq!(blame[5]["origin"], "ai", "{blame}");
}

#[test]
fn squash_merge_keeps_the_source_notes_ai_lines() {
    let (_remote, b) = clone_with_feature();
    ok(&try_git(&b, &["merge", "--squash", "origin/feat"]));
    working_tree_agrees_before_commit(&b);
    taken_from_feat_is_ai(&b);
}

#[test]
fn checkout_of_a_file_from_another_branch_keeps_its_ai_lines() {
    let (_remote, b) = clone_with_feature();
    ok(&try_git(&b, &["checkout", "origin/feat", "--", "a.rs"]));
    working_tree_agrees_before_commit(&b);
    taken_from_feat_is_ai(&b);
}

// No hook runs for the next ones: before the commit, status, check and
// blame find the AI lines in the source commit's note, as the gate does.

#[test]
fn restore_from_another_revision_keeps_its_ai_lines() {
    let (_remote, b) = clone_with_feature();
    ok(&try_git(
        &b,
        &[
            "restore",
            "--source=origin/feat",
            "--staged",
            "--worktree",
            "a.rs",
        ],
    ));
    working_tree_agrees_before_commit(&b);
    taken_from_feat_is_ai(&b);
}

#[test]
fn restore_of_the_working_tree_only_keeps_its_ai_lines() {
    let (_remote, b) = clone_with_feature();
    ok(&try_git(&b, &["restore", "--source=origin/feat", "a.rs"]));
    working_tree_agrees_before_commit(&b);
    b.git(&["add", "a.rs"]);
    taken_from_feat_is_ai(&b);
}

#[test]
fn cherry_pick_without_commit_keeps_its_ai_lines() {
    let (_remote, b) = clone_with_feature();
    ok(&try_git(&b, &["cherry-pick", "-n", "origin/feat"]));
    working_tree_agrees_before_commit(&b);
    taken_from_feat_is_ai(&b);
}

/// `git diff main origin/feat | git apply [--index]`, as typed in a shell.
fn apply_feat(b: &TempRepo, index: bool) {
    let apply = if index {
        "git apply --index"
    } else {
        "git apply"
    };
    let out = std::process::Command::new("sh")
        .args(["-c", &format!("git diff main origin/feat | {apply}")])
        .current_dir(b.path())
        .output()
        .unwrap();
    ok(&out);
}

#[test]
fn an_applied_diff_keeps_its_ai_lines() {
    let (_remote, b) = clone_with_feature();
    apply_feat(&b, true);
    working_tree_agrees_before_commit(&b);
    taken_from_feat_is_ai(&b);
}

#[test]
fn a_diff_applied_to_the_working_tree_keeps_its_ai_lines() {
    let (_remote, b) = clone_with_feature();
    apply_feat(&b, false);
    // Nothing staged yet: the gate has nothing to check.
    b.vouch(&["check", "--staged"]).expect_code(0);
    working_tree_agrees_before_commit(&b);
    b.git(&["add", "a.rs"]);
    taken_from_feat_is_ai(&b);
}

#[test]
fn stash_popped_after_switching_branches_and_back_is_gated() {
    let repo = repo();
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("a.rs", &numbered("fn side", 1..=5));
    repo.git(&["commit", "-qam", "side"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("a.rs", &with_ai(2));
    mark(&repo, "a.rs:6-7", "copilot", "gpt-5");
    repo.git(&["stash", "-q"]);
    repo.git(&["checkout", "-q", "side"]);
    repo.vouch(&["status"]).expect_code(0);
    repo.git(&["checkout", "-q", "main"]);
    repo.vouch(&["status"]).expect_code(0);
    repo.git(&["stash", "pop", "-q"]);
    repo.vouch(&["check"]).expect_code(1);
    repo.git(&["add", "a.rs"]);
    repo.vouch(&["check", "--staged"]).expect_code(1);
    commit_blocked(&repo, "popped");
    commit_anyway(&repo, "popped");
    note_lists(&repo, "a.rs", &[6, 7]);
}

// ---- 3. renames ---------------------------------------------------------

#[test]
fn git_mv_with_uncommitted_ai_text_keeps_it_ai() {
    let repo = repo();
    repo.write("a.rs", &with_ai(2));
    mark(&repo, "a.rs:6-7", "copilot", "gpt-5");
    repo.git(&["mv", "a.rs", "b.rs"]);
    // The working tree's attribution follows the file...
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(status[0]["path"], "b.rs", "{status}");
    assert_eq!(
        (status[0]["startLine"].clone(), status[0]["endLine"].clone()),
        (6.into(), 7.into())
    );
    assert!(
        repo.vouch(&["check"])
            .expect_code(1)
            .stdout()
            .contains("b.rs:6-7:")
    );
    let blame = repo
        .vouch(&["blame", "--json", "b.rs"])
        .expect_code(0)
        .json();
    assert_eq!(blame[5]["origin"], "ai", "{blame}");
    // ...and so does the gate once the new text is staged.
    repo.git(&["add", "b.rs"]);
    let out = commit_blocked(&repo, "moved");
    assert!(out.contains("b.rs:6-7:"), "{out}");
    commit_anyway(&repo, "moved");
    note_lists(&repo, "b.rs", &[6, 7]);
    verify_flags_head(repo.path());
}

#[test]
fn a_rename_git_detects_when_staging_keeps_ai_text() {
    let repo = repo();
    repo.write("a.rs", &with_ai(2));
    mark(&repo, "a.rs:6-7", "copilot", "gpt-5");
    std::fs::rename(repo.path().join("a.rs"), repo.path().join("c.rs")).unwrap();
    repo.git(&["add", "-A"]);
    commit_blocked(&repo, "moved");
    commit_anyway(&repo, "moved");
    note_lists(&repo, "c.rs", &[6, 7]);
}

/// Two paths swapped before a commit: `c.rs` (a.rs moved, AI lines added)
/// moves back to `a.rs` and `b.rs` takes `c.rs`'s place. The AI lines are
/// in the store only under `c.rs`, which is still on disk holding `b.rs`'s
/// text. Returns the repository with the swap done, nothing staged by hand.
fn swapped_paths() -> TempRepo {
    let repo = repo();
    repo.write("b.rs", &numbered("fn b", 1..=5));
    repo.git(&["add", "b.rs"]);
    repo.git(&["commit", "-q", "-m", "b"]);
    repo.git(&["mv", "a.rs", "c.rs"]);
    repo.write("c.rs", &with_ai(2));
    mark(&repo, "c.rs:6-7", "copilot", "gpt-5");
    repo.git(&["mv", "c.rs", "a.rs"]);
    repo.git(&["mv", "b.rs", "c.rs"]);
    repo
}

/// `vouch status`, `check` and `blame` call `a.rs:6-7` AI, and nothing of
/// `c.rs` (the human text of `b.rs`).
fn working_tree_says_a_rs_6_7_is_ai(repo: &TempRepo) {
    assert_eq!(status_ranges(repo, &[]), [("a.rs".to_owned(), 6, 7)].into());
    let check = repo.vouch(&["check"]).expect_code(1).stdout();
    assert!(
        check.contains("a.rs:6-7:") && !check.contains("c.rs"),
        "{check}"
    );
    assert_eq!(
        blame_origins(repo, "a.rs"),
        ["human", "human", "human", "human", "human", "ai", "ai"]
    );
    let c = blame_origins(repo, "c.rs");
    assert!(!c.is_empty() && c.iter().all(|o| o == "human"), "{c:?}");
}

#[test]
fn paths_swapped_before_a_commit_keep_their_ai_lines() {
    let repo = swapped_paths();
    working_tree_says_a_rs_6_7_is_ai(&repo);
    repo.git(&["add", "-A"]);
    repo.vouch(&["check", "--staged"]).expect_code(1);
    let out = commit_blocked(&repo, "swapped");
    assert!(out.contains("a.rs:6-7:") && !out.contains("c.rs"), "{out}");
    commit_anyway(&repo, "swapped");
    note_lists(&repo, "a.rs", &[6, 7]);
    note_lists(&repo, "c.rs", &[]);
    verify_flags_head(repo.path());
}

/// Seed 148's failure, reduced: after the swap, `c.rs`'s record moves on
/// (an AI line marked in it), so `a.rs`'s text is only in `c.rs`'s earlier
/// states; a review of `a.rs` then writes `a.rs`'s record, which must keep
/// the lines AI (reviewed), not make them human for good.
#[test]
fn paths_swapped_then_reviewed_keep_their_ai_lines() {
    let repo = swapped_paths();
    let mut c = numbered("fn b", 1..=5);
    c.push_str("fn ai8() { 8 }\n");
    repo.write("c.rs", &c);
    mark(&repo, "c.rs:6", "copilot", "gpt-5");
    let check = repo.vouch(&["check"]).expect_code(1).stdout();
    assert!(
        check.contains("a.rs:6-7:") && check.contains("c.rs:6:"),
        "{check}"
    );
    review(&repo, "a.rs", ADA);
    repo.git(&["add", "-A"]);
    commit_anyway(&repo, "swapped");
    note_lists(&repo, "a.rs", &[6, 7]);
    note_lists(&repo, "c.rs", &[6]);
    let n = note(&repo, "HEAD").unwrap();
    let reviewed: Vec<(String, bool)> = n["metadata"]["vouch"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["path"].as_str().unwrap().to_owned(),
                l["reviewed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reviewed,
        [("a.rs".to_owned(), true), ("c.rs".to_owned(), false)],
        "{n}"
    );
}

/// Seed 764 of the workflow test, reduced: a file moved (`git mv b.rs
/// c.rs`) onto a path whose store record is from an earlier life (a
/// reviewed `c.rs`, since deleted), then an AI line added. The old record,
/// of another text, was reconciled character by character onto the moved
/// text: `fn ai3() -> u32 { 3 }` matched `fn ai5() -> u32 { 5 }` but for
/// two digits, so the unreviewed AI line came out "mixed, reviewed".
#[test]
fn a_file_moved_onto_a_path_the_store_knew_keeps_its_own_attribution() {
    let repo = repo();
    repo.write(
        "c.rs",
        "fn ai3() -> u32 { 3 }\nfn ai4() -> u32 { 4 }\nlet c = 0;\n",
    );
    mark(&repo, "c.rs:1-2", "copilot", "gpt-5");
    review(&repo, "c.rs", ADA);
    repo.git(&["add", "c.rs"]);
    commit_anyway(&repo, "c");
    repo.git(&["rm", "-q", "c.rs"]);
    commit_anyway(&repo, "no c");
    repo.write("b.rs", "fn ai5() -> u32 { 5 }\nlet b = 0;\n");
    mark(&repo, "b.rs:1", "copilot", "gpt-5");
    repo.git(&["add", "b.rs"]);
    commit_anyway(&repo, "b");
    repo.git(&["mv", "b.rs", "c.rs"]);
    repo.write(
        "c.rs",
        "fn ai8() -> u32 { 8 }\nfn ai5() -> u32 { 5 }\nlet b = 0;\n",
    );
    mark(&repo, "c.rs:1", "copilot", "gpt-5");
    assert_eq!(
        status_ranges(&repo, &[]),
        [("c.rs".to_owned(), 1, 2)].into()
    );
    let blame = repo
        .vouch(&["blame", "--json", "c.rs"])
        .expect_code(0)
        .json();
    let lines: Vec<(&str, bool)> = blame
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["origin"].as_str().unwrap(), l["reviewed"] == true))
        .collect();
    assert_eq!(
        lines,
        [("ai", false), ("ai", false), ("human", false)],
        "{blame}"
    );
    repo.git(&["add", "-A"]);
    let out = commit_blocked(&repo, "moved");
    assert!(out.contains("c.rs:1-2:"), "{out}");
    commit_anyway(&repo, "moved");
    let n = note(&repo, "HEAD").unwrap();
    let described: Vec<(String, u64, u64, String, bool)> = n["metadata"]["vouch"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["path"].as_str().unwrap().to_owned(),
                l["start_line"].as_u64().unwrap(),
                l["end_line"].as_u64().unwrap(),
                l["origin"].as_str().unwrap().to_owned(),
                l["reviewed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        described,
        [("c.rs".to_owned(), 1, 2, "ai".to_owned(), false)],
        "{n}"
    );
}

/// The search of other paths' stored states takes a file's lines only from
/// a state it came from: a new file by a person that shares with an
/// AI-written file nothing but a `}` line stays human.
#[test]
fn a_new_file_sharing_only_a_brace_with_ai_code_stays_human() {
    let repo = repo();
    repo.write(
        "a.rs",
        &format!("{}fn ai6() {{\n    6\n}}\n", numbered("fn h", 1..=5)),
    );
    mark(&repo, "a.rs:6-8", "copilot", "gpt-5");
    repo.write("d.rs", "fn d() {\n    let d = 1;\n}\n");
    repo.git(&["add", "-A"]);
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert!(
        status
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["path"] == "a.rs"),
        "{status}"
    );
    let blame = repo
        .vouch(&["blame", "--json", "d.rs"])
        .expect_code(0)
        .json();
    assert!(
        blame
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["origin"] == "human"),
        "{blame}"
    );
    commit_anyway(&repo, "new file");
    note_lists(&repo, "a.rs", &[6, 7, 8]);
    note_lists(&repo, "d.rs", &[]);
}

// ---- 5. a lone carriage return -------------------------------------------

#[test]
fn a_lone_carriage_return_does_not_shift_line_numbers() {
    let repo = repo();
    // Git counts lines by LF only: line 1 holds the lone CR.
    let text = "// one\r still line one\nfn h2() {}\nfn h3() {}\n";
    repo.write("a.rs", text);
    repo.git(&["commit", "-qam", "cr"]);
    // An agent appends line 4 (its exact characters, no line numbers involved).
    let after = format!("{text}fn ai4() {{ 4 }}\n");
    let dir = repo.path().to_string_lossy().into_owned();
    let payload = |event: &str| {
        serde_json::json!({"hook_event_name": event, "session_id": "s1", "cwd": dir,
            "tool_name": "Write", "tool_input": {"file_path": format!("{dir}/a.rs"), "content": after}})
    };
    record(&repo, &payload("PreToolUse"));
    repo.write("a.rs", &after);
    record(&repo, &payload("PostToolUse"));
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(
        (status[0]["startLine"].clone(), status[0]["endLine"].clone()),
        (4.into(), 4.into()),
        "{status}"
    );
    let check = repo.vouch(&["check"]).expect_code(1).stdout();
    assert!(
        check.contains("a.rs:4:") && !check.contains("a.rs:5:"),
        "{check}"
    );
    let blame = repo
        .vouch(&["blame", "--json", "a.rs"])
        .expect_code(0)
        .json();
    assert_eq!(blame.as_array().unwrap().len(), 4, "{blame}");
    assert_eq!(blame[3]["origin"], "ai", "{blame}");
    assert_eq!(blame[2]["origin"], "human", "{blame}");
    // A location given by git's line number names that line.
    repo.vouch(&["review", "a.rs:4", "--as", ADA])
        .expect_code(0);
    assert_eq!(
        repo.vouch(&["status", "--json"]).expect_code(0).json(),
        serde_json::json!([])
    );
    repo.vouch(&["forget", "a.rs:4"]).expect_code(0);
    mark(&repo, "a.rs:4", "copilot", "gpt-5");
    repo.git(&["add", "a.rs"]);
    commit_blocked(&repo, "ai");
    commit_anyway(&repo, "ai");
    note_lists(&repo, "a.rs", &[4]);
    let export = repo
        .vouch(&["export", "--format", "json", "HEAD~1..HEAD"])
        .expect_code(0)
        .json();
    assert_eq!(
        export[0]["files"][0]["ranges"][0]["start_line"], 4,
        "{export}"
    );
    let lines = repo.git(&["show", "HEAD:a.rs"]);
    assert_eq!(lines.split('\n').nth(3), Some("fn ai4() { 4 }"));
}

// ---- 6. user configuration of git log ------------------------------------

#[test]
fn show_signature_does_not_change_what_verify_and_export_read() {
    let repo = repo();
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("signing-key");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen");
    assert!(status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let signers = keys.path().join("allowed-signers");
    std::fs::write(&signers, format!("test@example.com {public}")).unwrap();
    for (k, v) in [
        ("gpg.format", "ssh"),
        ("user.signingkey", &key.to_string_lossy()),
        ("gpg.ssh.allowedSignersFile", &signers.to_string_lossy()),
        ("commit.gpgsign", "true"),
        ("log.showSignature", "true"),
        ("log.decorate", "full"),
        ("format.pretty", "fuller"),
    ] {
        repo.git(&["config", k, v]);
    }
    repo.write("a.rs", &with_ai(1));
    mark(&repo, "a.rs:6", "copilot", "gpt-5");
    repo.git(&["add", "a.rs"]);
    commit_anyway(&repo, "signed ai");
    let shown = repo.git(&["log", "-1", "--format=%H"]);
    assert!(
        shown.contains("Good \"git\" signature"),
        "signatures are shown: {shown}"
    );
    verify_flags_head(repo.path());
    let export = repo
        .vouch(&["export", "--format", "json"])
        .expect_code(0)
        .json();
    let export = export.as_array().unwrap();
    assert_eq!(export.len(), 1, "{export:?}");
    assert_eq!(export[0]["commit"], rev(&repo, "HEAD"));
    assert_eq!(export[0]["subject"], "signed ai");
}

// ---- 9. file names with a backslash --------------------------------------

#[test]
fn file_names_with_a_backslash_are_tracked() {
    let repo = repo();
    let name = "we\\ird.rs";
    repo.write(name, "fn ai1() { 1 }\n");
    mark(&repo, &format!("{name}:1"), "copilot", "gpt-5");
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(status[0]["path"], name, "{status}");
    repo.git(&["add", name]);
    let out = commit_blocked(&repo, "backslash");
    // Printed as it is (nothing in it needs escaping), so the location can
    // be pasted back into `vouch review` (docs/security.md).
    assert!(out.contains("we\\ird.rs:1:"), "{out}");
    commit_anyway(&repo, "backslash");
    note_lists(&repo, name, &[1]);
    verify_flags_head(repo.path());
}

// ---- 10. chained hooks' standard input -----------------------------------

#[test]
fn a_strict_chained_pre_push_hook_gets_exactly_gits_input() {
    let remote = bare_remote();
    let repo = clone_of(remote.path(), "Alice");
    // Fails on any line that is not `<ref> <sha> <ref> <sha>`, an empty one included.
    let hooks = repo.path().join(".git/hooks");
    write_script(
        &hooks.join("pre-push"),
        "#!/bin/sh\nn=0\nwhile IFS= read -r line; do\n  n=$((n+1))\n  set -- $line\n  [ $# -eq 4 ] || { echo \"strict: unexpected input line '$line'\" >&2; exit 1; }\ndone\necho \"strict: $n lines\" >&2\n",
    );
    init(&repo);
    repo.write("a.rs", "fn h() {}\n");
    repo.git(&["add", "a.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "one"]));
    let first = ok(&try_git(&repo, &["push", "origin", "main"]));
    assert!(first.contains("strict: 1 lines"), "{first}");
    // Nothing to push: git gives the hook empty input, and so must vouch.
    let second = ok(&try_git(&repo, &["push", "origin", "main"]));
    assert!(second.contains("strict: 0 lines"), "{second}");
}

// ---- 11. bare repositories -----------------------------------------------

#[test]
fn verify_and_export_work_in_a_bare_repository_and_create_nothing() {
    let remote = bare_remote();
    let a = clone_of(remote.path(), "Alice");
    init(&a);
    a.write("a.rs", &with_ai(1));
    mark(&a, "a.rs:6", "claude", "claude-opus-4");
    a.git(&["add", "a.rs"]);
    commit_anyway(&a, "ai");
    ok(&try_git(&a, &["push", "-q", "origin", "main"]));
    let before = listing(remote.path());
    let v = vouch_at(remote.path(), &["verify"]).expect_code(1);
    assert!(v.stdout().contains("a.rs:6:"), "{}", v.stdout());
    let e = vouch_at(remote.path(), &["export", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(e[0]["files"][0]["path"], "a.rs", "{e}");
    vouch_at(remote.path(), &["export", "--format", "sarif"]).expect_code(0);
    assert!(!remote.path().join(".vouch").exists());
    assert_eq!(listing(remote.path()), before, "nothing was written");
}

fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

// ---- 14. brand-new agent lines in a mixed hunk ---------------------------

#[test]
fn new_lines_in_a_mixed_hunk_are_wholly_ai() {
    let repo = repo();
    let before = "fn f() {\n    let total = a + b;\n    print(total);\n    return total;\n}\n";
    repo.write("f.rs", before);
    repo.git(&["add", "f.rs"]);
    repo.git(&["commit", "-qm", "f"]);
    // An agent edits one line and replaces the two after it.
    let after = "fn f() {\n    let total = a + b + c;\n    emit_metric(\"sum\", total)?;\n    Ok(total)\n}\n";
    let dir = repo.path().to_string_lossy().into_owned();
    let pre = serde_json::json!({"hook_event_name": "PreToolUse", "session_id": "s1", "cwd": dir,
        "tool_name": "Write", "tool_input": {"file_path": format!("{dir}/f.rs"), "content": after}});
    record(&repo, &pre);
    repo.write("f.rs", after);
    let post = serde_json::json!({"hook_event_name": "PostToolUse", "session_id": "s1", "cwd": dir,
        "tool_name": "Write", "tool_input": {"file_path": format!("{dir}/f.rs"), "content": after}});
    record(&repo, &post);
    assert_eq!(
        blame_origins(&repo, "f.rs"),
        ["human", "mixed", "ai", "ai", "human"]
    );
}

/// Claude Code's hook with `payload`: exit 0, nothing on stderr.
fn record(repo: &TempRepo, payload: &Value) {
    let out = agent::record(repo, "claude-code", &payload.to_string()).expect_code(0);
    assert_eq!(out.stderr(), "");
}

// ---- 4. rebase -i edit stops ------------------------------------------------

/// C1 adds reviewed AI lines 6-7 to a.rs, C2 adds a human b.rs; then
/// `rebase -i` stops to edit C1 and `at_stop` runs there.
fn rebase_edit_stop(at_stop: impl FnOnce(&TempRepo)) -> TempRepo {
    let repo = repo();
    repo.write("a.rs", &with_ai(2));
    mark(&repo, "a.rs:6-7", "copilot", "gpt-5");
    review(&repo, "a.rs", ADA);
    repo.git(&["add", "a.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "C1 ai"]));
    repo.write("c.rs", "fn c() {}\n");
    repo.git(&["add", "c.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "C2 human"]));
    ok(&git_in(
        repo.path(),
        &["rebase", "-i", "HEAD~2"],
        &[("GIT_SEQUENCE_EDITOR", "sed -i -e 1s/^pick/edit/")],
    ));
    at_stop(&repo);
    ok(&git_in(repo.path(), &["rebase", "--continue"], &[]));
    assert_eq!(repo.git(&["log", "--format=%s", "-2"]), "C2 human\nC1 ai\n");
    repo
}

#[test]
fn a_one_character_edit_at_a_rebase_edit_stop_keeps_the_line_ai() {
    let repo = rebase_edit_stop(|repo| {
        repo.write("a.rs", &with_ai(2).replace("{ 6 }", "{ 60 }"));
        ok(&try_git(repo, &["commit", "-a", "--amend", "--no-edit"]));
    });
    let n = note(&repo, "HEAD~1").expect("the edited commit has a note");
    assert_eq!(
        ai_lines(&n, "a.rs"),
        vec![(6, "mixed".into()), (7, "ai".into())],
        "{n}"
    );
    assert_eq!(
        n["metadata"]["vouch"]["attestations"][0]["reviewer"], ADA,
        "{n}"
    );
}

#[test]
fn a_rename_at_a_rebase_edit_stop_carries_the_lines() {
    let repo = rebase_edit_stop(|repo| {
        repo.git(&["mv", "a.rs", "b.rs"]);
        ok(&try_git(repo, &["commit", "--amend", "--no-edit"]));
    });
    let n = note(&repo, "HEAD~1").expect("the edited commit has a note");
    assert_eq!(ai_line_numbers(&n, "b.rs"), vec![6, 7], "{n}");
    assert!(ai_line_numbers(&n, "a.rs").is_empty(), "{n}");
}

// ---- 7. merge commits --------------------------------------------------------

/// main and feat diverge: feat adds unreviewed AI lines to a.rs (committed
/// with --no-verify), main adds a human file.
fn diverged() -> TempRepo {
    let repo = repo();
    repo.git(&["checkout", "-q", "-b", "feat"]);
    repo.write("a.rs", &with_ai(2));
    mark(&repo, "a.rs:6-7", "claude", "claude-opus-4");
    repo.git(&["add", "a.rs"]);
    commit_anyway(&repo, "feat ai");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("m.rs", "fn m() {}\n");
    repo.git(&["add", "m.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "main human"]));
    repo
}

#[test]
fn a_merge_commit_gets_a_note_with_the_ai_lines_it_brings() {
    let repo = diverged();
    ok(&try_git(
        &repo,
        &["merge", "--no-ff", "-m", "merge feat", "feat"],
    ));
    assert_eq!(
        repo.git(&["rev-list", "--parents", "-1", "HEAD"])
            .split(' ')
            .count(),
        3
    );
    note_lists(&repo, "a.rs", &[6, 7]);
    verify_flags_head(repo.path());
}

#[test]
fn a_conflict_resolution_written_by_ai_is_gated_and_noted() {
    let repo = diverged();
    // main changes the same place, so the merge stops with a conflict.
    repo.write(
        "a.rs",
        &format!("{}fn main6() {{}}\n", numbered("fn h", 1..=5)),
    );
    repo.git(&["commit", "-qam", "main edits a.rs"]);
    fails(&try_git(&repo, &["merge", "feat"]));
    // The resolution: both sides, plus a line an assistant wrote.
    repo.write(
        "a.rs",
        &format!("{}fn main6() {{}}\nfn resolved() {{ 1 }}\n", with_ai(2)),
    );
    mark(&repo, "a.rs:9", "copilot", "gpt-5");
    repo.git(&["add", "a.rs"]);
    let out = fails(&git_in(repo.path(), &["commit", "--no-edit"], &[]));
    assert!(out.contains("a.rs:9:"), "{out}");
    ok(&git_in(
        repo.path(),
        &["commit", "--no-edit", "--no-verify"],
        &[],
    ));
    note_lists(&repo, "a.rs", &[6, 7, 9]);
    verify_flags_head(repo.path());
}

// ---- 13. rebase onto a moved base, switch away and back ------------------------

#[test]
fn rebased_unreviewed_ai_lines_survive_switching_away_and_back() {
    let repo = repo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("a.rs", &with_ai(2));
    mark(&repo, "a.rs:6-7", "claude", "claude-opus-4");
    repo.git(&["add", "a.rs"]);
    commit_anyway(&repo, "ai");
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        "a.rs",
        &format!("// top 1\n// top 2\n{}", numbered("fn h", 1..=5)),
    );
    repo.git(&["commit", "-qam", "top"]);
    repo.git(&["checkout", "-q", "feature"]);
    ok(&try_git(&repo, &["rebase", "main"]));
    let expect = |when: &str| {
        let blame = repo
            .vouch(&["blame", "--json", "a.rs"])
            .expect_code(0)
            .json();
        assert_eq!(
            (blame[7]["origin"].as_str(), blame[8]["origin"].as_str()),
            (Some("ai"), Some("ai")),
            "{when}: {blame}"
        );
        let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
        assert_eq!(
            (status[0]["startLine"].clone(), status[0]["endLine"].clone()),
            (8.into(), 9.into()),
            "{when}: {status}"
        );
        let check = repo.vouch(&["check"]).expect_code(1).stdout();
        assert!(check.contains("a.rs:8-9:"), "{when}: {check}");
    };
    note_lists(&repo, "a.rs", &[8, 9]);
    expect("after the rebase");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "feature"]);
    expect("after switching away and back");
}

// ---- 8. nested repositories in the language server ---------------------------

#[test]
fn the_language_server_records_a_nested_repositorys_file_in_its_own_store() {
    let outer = repo();
    // A repository checked out inside the superproject (as a submodule is).
    let inner = outer.path().join("vendor/inner");
    std::fs::create_dir_all(&inner).unwrap();
    ok(&git_in(&inner, &["init", "-q", "-b", "main"], &[]));
    std::fs::write(inner.join("x.rs"), "fn x() {}\n").unwrap();
    let text = "fn x() {}\nfn ai() { 1 }\n";
    let mut c = lsp::LspClient::start(outer.path());
    c.initialize(outer.path(), true, serde_json::json!({}));
    let uri = lsp::uri_of(&inner.join("x.rs"));
    c.open(&uri, 1, "fn x() {}\n");
    c.change(&uri, 2, lsp::range(1, 0, 1, 0), "fn ai() { 1 }\n");
    c.accept_ai(
        &uri,
        2,
        vec![lsp::range(1, 0, 2, 0)],
        serde_json::json!({"tool": "copilot"}),
    );
    assert_eq!(c.regions(&uri)["regions"][0]["tool"], "copilot");
    c.shutdown();
    std::fs::write(inner.join("x.rs"), text).unwrap();
    // The nested repository's own store has it, as `vouch record` would...
    let status = vouch_at(&inner, &["status", "--json"])
        .expect_code(0)
        .json();
    assert_eq!(status[0]["path"], "x.rs", "{status}");
    assert_eq!(status[0]["startLine"], 2, "{status}");
    // ...and the superproject's store does not.
    let outer_status = outer.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(outer_status, serde_json::json!([]));
}

/// AI code copied, outside an editor, from a file into an alike one (both
/// from one template) stays AI: `a.rs`'s own record holds more of the
/// new text than `b.rs` does, but `b.rs` holds the copied lines as AI and
/// `a.rs` never had them. Status, check and the gate agree.
#[test]
fn ai_code_copied_into_an_alike_file_stays_ai() {
    let repo = repo();
    let template = "fn shared_one() { 1 }\nfn shared_two() { 2 }\nfn shared_three() { 3 }\nfn shared_four() { 4 }\n";
    let own = "fn a1() { 11 }\nfn a2() { 12 }\nfn a3() { 13 }\nfn a4() { 14 }\n";
    let copied = "fn helper_ai() {\n    compute_value(42)\n}\n";
    repo.write("a.rs", &format!("{template}{own}"));
    repo.write("b.rs", template);
    repo.git(&["add", "-A"]);
    commit_anyway(&repo, "template");
    mark(&repo, "a.rs:8", "copilot", "gpt-5");
    repo.write("b.rs", &format!("{template}{copied}"));
    mark(&repo, "b.rs:5-7", "claude", "claude-opus-4");
    repo.write("a.rs", &format!("{template}{own}{copied}"));
    assert_eq!(
        status_ranges(&repo, &[]),
        [
            ("a.rs".to_owned(), 8, 8),
            ("a.rs".to_owned(), 9, 11),
            ("b.rs".to_owned(), 5, 7),
        ]
        .into()
    );
    let check = repo.vouch(&["check"]).expect_code(1).stdout();
    assert!(check.contains("a.rs:9-11:"), "{check}");
    repo.git(&["add", "-A"]);
    let out = commit_blocked(&repo, "copied");
    assert!(out.contains("a.rs:9-11:"), "{out}");
}
