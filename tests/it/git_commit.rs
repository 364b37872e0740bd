//! Commit time, end to end with real git: `vouch init`, the pre-commit gate
//! (`commit`, `commit -a`, `commit <paths>`, partial staging, --no-verify),
//! the post-commit note, chained user hooks, core.hooksPath, trailers.

use crate::support;
use crate::support::git as gitsupport;

use gitsupport::*;
use support::TempRepo;

/// base_repo + vouch init + lines 3-4 of a.rs replaced by two AI lines (unstaged).
fn repo_with_ai_change() -> TempRepo {
    let repo = base_repo();
    init(&repo);
    repo.write(
        "a.rs",
        "fn h1() {}\nfn h2() {}\nfn ai1() { 1 }\nfn ai2() { 2 }\nfn h5() {}\n",
    );
    mark(&repo, "a.rs:3-4", "copilot", "gpt-5");
    repo
}

#[test]
fn gate_blocks_unreviewed_ai_then_passes_after_review() {
    let repo = repo_with_ai_change();
    repo.git(&["add", "a.rs"]);
    let out = repo.vouch(&["check", "--staged"]).expect_code(1);
    let text = out.stdout();
    assert!(
        text.contains("a.rs:3-4: unreviewed AI code (copilot, gpt-5)"),
        "{text}"
    );
    assert!(!text.contains("a.rs:4: "));
    assert!(!text.contains("a.rs:5:"));
    assert!(text.contains("vouch review") && text.contains("--no-verify"));

    let msg = fails(&try_git(&repo, &["commit", "-m", "ai"]));
    assert!(msg.contains("a.rs:3-4: unreviewed AI code"), "{msg}");
    assert_eq!(rev(&repo, "HEAD~0"), rev(&repo, "main"));
    assert_eq!(repo.git(&["log", "--format=%s"]).trim(), "base");

    review(&repo, "a.rs:3-4", "Ada <ada@example.com>");
    repo.vouch(&["check", "--staged"]).expect_code(0);
    ok(&try_git(&repo, &["commit", "-m", "ai"]));
    let n = note(&repo, "HEAD").expect("post-commit wrote a note");
    assert_eq!(ai_line_numbers(&n, "a.rs"), vec![3, 4]);
    let att = &n["metadata"]["vouch"]["attestations"][0];
    assert_eq!(att["reviewer"], "Ada <ada@example.com>");
    assert_eq!(att["path"], "a.rs");
    assert_eq!(att["ranges"][0]["start_line"], 3);
    assert_eq!(att["ranges"][0]["end_line"], 4);
    assert!(att["time"].as_str().is_some_and(|t| t.ends_with('Z')));
}

#[test]
fn commit_all_is_checked_through_the_temporary_index() {
    let repo = repo_with_ai_change();
    // Nothing staged: the plain gate passes, but `commit -a` stages the AI lines.
    repo.vouch(&["check", "--staged"]).expect_code(0);
    let msg = fails(&try_git(&repo, &["commit", "-a", "-m", "all"]));
    assert!(msg.contains("a.rs:3-4: unreviewed AI code"), "{msg}");
    // The real index was not changed by the failed commit.
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]).trim(), "");
    review(&repo, "a.rs", "Ada <ada@example.com>");
    ok(&try_git(&repo, &["commit", "-a", "-m", "all"]));
    assert_eq!(
        ai_line_numbers(&note(&repo, "HEAD").unwrap(), "a.rs"),
        vec![3, 4]
    );
}

#[test]
fn commit_with_paths_checks_only_those_paths() {
    let repo = repo_with_ai_change();
    repo.write("b.rs", "fn human() {}\n");
    repo.git(&["add", "b.rs"]);
    repo.git(&["commit", "-q", "-m", "b"]);
    repo.write("b.rs", "fn human() {}\nfn more() {}\n");
    // `git commit <paths>` builds a temporary index with just those paths.
    ok(&try_git(&repo, &["commit", "b.rs", "-m", "b only"]));
    let msg = fails(&try_git(&repo, &["commit", "a.rs", "-m", "a"]));
    assert!(msg.contains("a.rs:3-4: unreviewed AI code"), "{msg}");
    let n = note(&repo, "HEAD").expect("note for the b.rs commit");
    assert!(ai_lines(&n, "a.rs").is_empty());
}

#[test]
fn a_human_hunk_staged_while_ai_stays_unstaged_passes() {
    let repo = base_repo();
    init(&repo);
    // Human change at the top, staged.
    repo.write("a.rs", &format!("// header\n{}", numbered("fn h", 1..=5)));
    repo.git(&["add", "a.rs"]);
    // AI lines at the bottom, not staged.
    repo.write(
        "a.rs",
        &format!("// header\n{}fn ai() {{ 42 }}\n", numbered("fn h", 1..=5)),
    );
    mark(&repo, "a.rs:7", "claude", "claude-opus-4");
    repo.vouch(&["check", "--staged"]).expect_code(0);
    ok(&try_git(&repo, &["commit", "-m", "header"]));
    let n = note(&repo, "HEAD").unwrap();
    assert!(ai_lines(&n, "a.rs").is_empty(), "{n}");
    // Staging the AI hunk makes the gate fail.
    repo.git(&["add", "a.rs"]);
    let out = repo.vouch(&["check", "--staged"]).expect_code(1);
    assert!(
        out.stdout()
            .contains("a.rs:7: unreviewed AI code (claude, claude-opus-4)")
    );
}

#[test]
fn no_verify_records_the_code_as_unreviewed() {
    let repo = repo_with_ai_change();
    repo.git(&["add", "a.rs"]);
    ok(&try_git(&repo, &["commit", "--no-verify", "-m", "bypass"]));
    let n = note(&repo, "HEAD").unwrap();
    assert_eq!(
        ai_lines(&n, "a.rs"),
        vec![(3, "ai".into()), (4, "ai".into())]
    );
    let lines = &n["metadata"]["vouch"]["lines"][0];
    assert_eq!(lines["reviewed"], false);
    assert_eq!(lines["tool"], "copilot");
    assert!(
        n["metadata"]["vouch"]["attestations"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let out = repo.vouch(&["verify"]).expect_code(1);
    let text = out.stdout();
    assert!(text.contains("bypass"), "{text}");
    assert!(
        text.contains("a.rs:3-4: unreviewed AI code (copilot, gpt-5)"),
        "{text}"
    );
}

#[test]
fn note_is_an_agent_trace_record_with_mixed_lines() {
    let repo = repo_with_ai_change();
    // A person edits the second AI line: it becomes mixed.
    repo.write(
        "a.rs",
        "fn h1() {}\nfn h2() {}\nfn ai1() { 1 }\nfn ai2() { 2 + human }\nfn h5() {}\n",
    );
    review(&repo, "a.rs", "Ada <ada@example.com>");
    repo.git(&["add", "a.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "mixed"]));
    let n = note(&repo, "HEAD").unwrap();
    assert_eq!(n["version"], "0.1.0");
    let id = n["id"].as_str().unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(id.as_bytes()[14], b'4');
    assert!(n["timestamp"].as_str().unwrap().contains('T'));
    assert_eq!(n["vcs"]["type"], "git");
    assert_eq!(n["vcs"]["revision"], rev(&repo, "HEAD"));
    assert_eq!(n["tool"]["name"], "vouch");
    assert!(n["tool"]["version"].is_string());
    assert_eq!(
        ai_lines(&n, "a.rs"),
        vec![(3, "ai".into()), (4, "mixed".into())]
    );
    let conv = &n["files"][0]["conversations"][0];
    assert_eq!(conv["contributor"]["model_id"], "gpt-5");
    // No prompts, no file text in the note.
    let text = n.to_string();
    assert!(!text.contains("fn ai1"));
}

#[test]
fn users_own_pre_commit_hook_still_runs_and_can_fail_the_commit() {
    let repo = base_repo();
    let hooks = repo.path().join(".git/hooks");
    let original = "#!/bin/sh\necho ran >> \"$(git rev-parse --git-dir)/user-hook-ran\"\nif [ -e block ]; then echo 'user hook says no' >&2; exit 3; fi\nexit 0\n";
    write_script(&hooks.join("pre-commit"), original);
    let out = init(&repo);
    assert!(
        out.stdout().contains("moved your pre-commit hook"),
        "{}",
        out.stdout()
    );
    assert!(hooks.join("pre-commit.vouch-chained").exists());
    // Idempotent.
    let again = init(&repo);
    assert!(
        again.stdout().contains("nothing changed"),
        "{}",
        again.stdout()
    );

    repo.write("b.rs", "fn b() {}\n");
    repo.git(&["add", "b.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "b"]));
    assert!(repo.path().join(".git/user-hook-ran").exists());

    repo.write("block", "");
    repo.write("c.rs", "fn c() {}\n");
    repo.git(&["add", "c.rs"]);
    let msg = fails(&try_git(&repo, &["commit", "-m", "c"]));
    assert!(msg.contains("user hook says no"), "{msg}");
    std::fs::remove_file(repo.path().join("block")).unwrap();

    // The gate still runs after the user's hook.
    repo.write("c.rs", "fn c() {}\nfn ai() {}\n");
    mark(&repo, "c.rs:2", "codex", "gpt-5-codex");
    repo.git(&["add", "c.rs"]);
    let msg = fails(&try_git(&repo, &["commit", "-m", "c"]));
    assert!(
        msg.contains("c.rs:2: unreviewed AI code (codex, gpt-5-codex)"),
        "{msg}"
    );

    let out = repo.vouch(&["init", "--uninstall"]).expect_code(0);
    assert!(
        out.stdout().contains("restored your pre-commit hook"),
        "{}",
        out.stdout()
    );
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        original
    );
    assert!(!hooks.join("post-commit").exists());
    assert!(!hooks.join("pre-commit.vouch-chained").exists());
    // Without the gate, the commit goes through.
    ok(&try_git(&repo, &["commit", "-m", "c"]));
}

#[test]
fn core_hooks_path_is_respected() {
    let repo = base_repo();
    // A hooks folder outside the work tree (one inside it is refused:
    // tests/it/untrusted.rs).
    let shared = tempfile::tempdir().unwrap();
    let hooks = shared.path().join("githooks");
    repo.git(&["config", "core.hooksPath", hooks.to_str().unwrap()]);
    let out = init(&repo);
    assert!(out.stdout().contains("githooks"), "{}", out.stdout());
    assert!(hooks.join("pre-commit").exists());
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());
    repo.write("a.rs", "fn ai() {}\n");
    mark(&repo, "a.rs:1", "copilot", "gpt-5");
    repo.git(&["add", "a.rs"]);
    fails(&try_git(&repo, &["commit", "-m", "x"]));
}

#[test]
fn a_repository_without_vouch_init() {
    let repo = base_repo();
    repo.write("a.rs", "fn ai() {}\n");
    mark(&repo, "a.rs:1", "copilot", "gpt-5");
    repo.git(&["add", "a.rs"]);
    // No hooks: git commits as usual and writes no note.
    ok(&try_git(&repo, &["commit", "-m", "x"]));
    assert!(note(&repo, "HEAD").is_none());
    // The commands still work.
    repo.vouch(&["check", "--staged"]).expect_code(0);
    repo.vouch(&["check"]).expect_code(1);
    repo.vouch(&["verify"]).expect_code(0);
    let blame = repo
        .vouch(&["blame", "--json", "a.rs"])
        .expect_code(0)
        .json();
    assert_eq!(blame[0]["origin"], "ai");
    assert_eq!(blame[0]["commit"], rev(&repo, "HEAD"));
    // A commit whose message names an AI co-author, without a note, fails verify.
    repo.write("b.rs", "fn b() {}\n");
    repo.git(&["add", "b.rs"]);
    repo.git(&[
        "commit",
        "-q",
        "-m",
        "b\n\nCo-authored-by: Claude <noreply@anthropic.com>",
    ]);
    let out = repo.vouch(&["verify", "HEAD~1..HEAD"]).expect_code(1);
    assert!(
        out.stdout().contains("Co-authored-by: Claude"),
        "{}",
        out.stdout()
    );
}

#[test]
fn outside_git_init_fails_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(support::vouch_bin())
        .args(["init"])
        .current_dir(dir.path())
        .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not inside a git repository"));
}

#[test]
fn trailers_name_the_ai_tools_of_staged_lines() {
    let repo = base_repo();
    repo.vouch(&["init", "--trailer", "assisted-by"])
        .expect_code(0);
    repo.write("a.rs", "fn ai() {}\n");
    mark(&repo, "a.rs:1", "claude", "claude-opus-4");
    review(&repo, "a.rs", "Ada <ada@example.com>");
    repo.git(&["add", "a.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "with ai"]));
    let msg = repo.git(&["log", "-1", "--format=%B"]);
    assert!(msg.contains("Assisted-by: claude:claude-opus-4"), "{msg}");
    // Human-only commits get no trailer.
    repo.write("b.rs", "fn b() {}\n");
    repo.git(&["add", "b.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "human"]));
    let msg = repo.git(&["log", "-1", "--format=%B"]);
    assert!(!msg.contains("Assisted-by"), "{msg}");

    let repo = base_repo();
    repo.vouch(&["init", "--trailer", "co-authored-by"])
        .expect_code(0);
    repo.write("a.rs", "fn ai() {}\n");
    mark(&repo, "a.rs:1", "copilot", "gpt-5");
    review(&repo, "a.rs", "Ada <ada@example.com>");
    repo.git(&["add", "a.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "with ai"]));
    let msg = repo.git(&["log", "-1", "--format=%B"]);
    assert!(msg.contains("Co-authored-by: Copilot <"), "{msg}");
}

#[test]
fn policy_switches_the_gate_off_and_exempts_paths() {
    let repo = repo_with_ai_change();
    repo.git(&["add", "a.rs"]);
    repo.write("vouch.toml", "[review]\nexempt = [\"*.rs\"]\n");
    repo.vouch(&["check", "--staged"]).expect_code(0);
    repo.write("vouch.toml", "[review]\nrequire = false\n");
    repo.vouch(&["check", "--staged"]).expect_code(0);
    repo.write("vouch.toml", "[review]\nseverity = \"warning\"\n");
    let out = repo.vouch(&["check", "--staged"]).expect_code(0);
    assert!(out.stdout().contains("a.rs:3-4: unreviewed AI code"));
    repo.write(
        "vouch.toml",
        "[review]\nrequire = true\n\n[[review.rule]]\npath = [\"x\"]\n",
    );
    let out = repo.vouch(&["check", "--staged"]).expect_code(2);
    assert!(
        out.stderr().contains("vouch.toml: line 5"),
        "{}",
        out.stderr()
    );
    repo.write("vouch.toml", "[review]\nrequire = maybe\n");
    let out = repo.vouch(&["check", "--staged"]).expect_code(2);
    assert!(out.stderr().contains("line 2"), "{}", out.stderr());
}

#[test]
fn policy_rules_require_named_reviewers_distinct_from_the_author() {
    let repo = base_repo();
    init(&repo);
    repo.write(
        "vouch.toml",
        "[[review.rule]]\npaths = [\"crypto/**\"]\nreviewers = [\"Senior <senior@example.com>\", \"Test User <test@example.com>\"]\ndistinct_from_author = true\n",
    );
    // In force on the base: `vouch verify RANGE` reads the policy there.
    repo.git(&["add", "vouch.toml"]);
    ok(&try_git(&repo, &["commit", "-m", "policy"]));
    repo.write("crypto/k.rs", "fn key() {}\n");
    repo.write("other.rs", "fn other() {}\n");
    mark(&repo, "crypto/k.rs:1", "copilot", "gpt-5");
    mark(&repo, "other.rs:1", "copilot", "gpt-5");
    // The author reviews both: fine for other.rs, not for crypto/.
    review(&repo, "crypto/k.rs", "Test User <test@example.com>");
    review(&repo, "other.rs", "Test User <test@example.com>");
    repo.git(&["add", "."]);
    let out = repo.vouch(&["check", "--staged"]).expect_code(1);
    assert!(out.stdout().contains("crypto/k.rs:1:"), "{}", out.stdout());
    assert!(!out.stdout().contains("other.rs:1:"), "{}", out.stdout());
    ok(&try_git(
        &repo,
        &["commit", "--no-verify", "-m", "self-reviewed"],
    ));
    let out = repo.vouch(&["verify", "HEAD~1..HEAD"]).expect_code(1);
    assert!(
        out.stdout().contains("crypto/k.rs:1: AI code"),
        "{}",
        out.stdout()
    );

    // The gate's advice works: the senior reviews the author-reviewed code.
    repo.write(
        "crypto/k.rs",
        "fn key() {}
fn key_b() {}
",
    );
    mark(&repo, "crypto/k.rs:2", "copilot", "gpt-5");
    review(&repo, "crypto/k.rs", "Test User <test@example.com>");
    repo.git(&["add", "."]);
    repo.vouch(&["check", "--staged"]).expect_code(1);
    repo.vouch(&[
        "review",
        "crypto/k.rs",
        "--as",
        "Senior <senior@example.com>",
    ])
    .expect_code(0);
    repo.vouch(&["check", "--staged"]).expect_code(0);
    ok(&try_git(&repo, &["commit", "-m", "senior re-reviewed"]));
    repo.vouch(&["verify", "HEAD~1..HEAD"]).expect_code(0);

    // A listed senior reviewer satisfies the rule.
    repo.write("crypto/z.rs", "fn key2() {}\n");
    mark(&repo, "crypto/z.rs:1", "copilot", "gpt-5");
    repo.vouch(&[
        "review",
        "crypto/z.rs",
        "--as",
        "Senior <senior@example.com>",
    ])
    .expect_code(0);
    repo.git(&["add", "."]);
    ok(&try_git(&repo, &["commit", "-m", "senior-reviewed"]));
    repo.vouch(&["verify", "HEAD~1..HEAD"]).expect_code(0);
}

#[test]
fn a_staged_human_edit_next_to_an_unstaged_ai_rewrite_of_a_line_passes() {
    let repo = TempRepo::new();
    repo.write("a.rs", "let a = 0;\nlet b = 0;\nlet x = 1;\nlet c = 0;\n");
    repo.git(&["add", "a.rs"]);
    repo.git(&["commit", "-q", "-m", "base"]);
    init(&repo);
    // A person edits line 1 and stages only that.
    repo.write("a.rs", "let a = 10;\nlet b = 0;\nlet x = 1;\nlet c = 0;\n");
    repo.git(&["add", "a.rs"]);
    // The AI rewrites line 3 in the working tree, unstaged: similar characters, other text.
    repo.write(
        "a.rs",
        "let a = 10;\nlet b = 0;\nlet x = compute(1);\nlet c = 0;\n",
    );
    mark(&repo, "a.rs:3", "copilot", "gpt-5");
    repo.vouch(&["check", "--staged"]).expect_code(0);
    ok(&try_git(&repo, &["commit", "-m", "human edit"]));
    assert!(ai_lines(&note(&repo, "HEAD").unwrap(), "a.rs").is_empty());
    repo.git(&["add", "a.rs"]);
    let out = repo.vouch(&["check", "--staged"]).expect_code(1);
    assert!(
        out.stdout()
            .contains("a.rs:3: unreviewed AI code (copilot, gpt-5)")
    );
}

#[test]
fn lines_marked_after_they_were_committed_are_gated_with_the_next_change() {
    let repo = base_repo();
    init(&repo);
    // Code pasted from a chat window was committed before anyone marked it.
    mark(&repo, "a.rs:2-3", "chatgpt", "gpt-5");
    repo.write("a.rs", &format!("{}// more\n", numbered("fn h", 1..=5)));
    repo.git(&["add", "a.rs"]);
    let out = repo.vouch(&["check", "--staged"]).expect_code(1);
    assert!(
        out.stdout()
            .contains("a.rs:2-3: unreviewed AI code (chatgpt, gpt-5)")
    );
    review(&repo, "a.rs:2-3", ADA_ID);
    ok(&try_git(&repo, &["commit", "-m", "more"]));
    assert_eq!(
        ai_line_numbers(&note(&repo, "HEAD").unwrap(), "a.rs"),
        vec![2, 3]
    );
}

const ADA_ID: &str = "Ada <ada@example.com>";

#[test]
fn the_notes_ref_is_configurable() {
    let repo = base_repo();
    repo.git(&["config", "vouch.notesRef", "provenance"]);
    init(&repo);
    repo.write("a.rs", "fn ai() {}\n");
    mark(&repo, "a.rs:1", "copilot", "gpt-5");
    review(&repo, "a.rs", ADA_ID);
    repo.git(&["add", "a.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "x"]));
    assert!(note(&repo, "HEAD").is_none());
    let text = repo.git(&["notes", "--ref", "refs/notes/provenance", "show", "HEAD"]);
    assert!(text.contains("\"version\":\"0.1.0\""), "{text}");
    let out = repo.vouch(&["export"]).expect_code(0).stdout();
    assert_eq!(out.lines().count(), 1, "{out}");
}

/// The note is worked out from the commit itself, never from an answer the
/// gate gave earlier: AI text moved to another file is still AI when the
/// file it came from is deleted after the gate ran (here `git rm` between
/// the gate and the commit; an editor open on the message allows it too).
#[test]
fn ai_text_moved_then_its_source_deleted_after_the_gate_stays_ai() {
    let repo = repo_with_ai_change();
    review(&repo, "a.rs:3-4", "Rev <rev@example.com>");
    repo.git(&["add", "a.rs"]);
    repo.git(&["commit", "-q", "-m", "ai"]);
    repo.write("b.rs", &repo.read("a.rs"));
    repo.git(&["add", "b.rs"]);
    // What the installed pre-commit hook runs (it also teaches the store
    // b.rs's staged text); post-commit still works the note out itself.
    repo.vouch(&["check", "--staged", "--for-commit"])
        .expect_code(0);
    repo.vouch(&["check", "--for-commit"]).expect_code(2);
    repo.git(&["rm", "-q", "a.rs"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "move"]);
    let note = note(&repo, "HEAD").expect("a note");
    assert_eq!(ai_line_numbers(&note, "b.rs"), vec![3, 4], "{note}");
}

/// The store's state: each record (path, generation, text), the store's
/// generation (it grows with every write) and how many earlier states it
/// remembers.
#[derive(Debug, PartialEq)]
struct StoreState {
    records: Vec<(String, i64, String)>,
    generation: i64,
    history: i64,
}

fn store_state(repo: &TempRepo) -> StoreState {
    let db = rusqlite::Connection::open(repo.path().join(".git/vouch/store.db")).expect("store");
    let mut stmt = db
        .prepare("SELECT path, generation, text FROM files ORDER BY path")
        .expect("query");
    let records = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("records")
        .collect::<Result<_, _>>()
        .expect("records");
    let one = |sql: &str| db.query_row(sql, [], |r| r.get(0)).expect(sql);
    StoreState {
        records,
        generation: one("SELECT value FROM meta WHERE key = 'generation'"),
        history: one("SELECT count(*) FROM history"),
    }
}

/// Runs the installed hook's gate, which must pass and leave the store as
/// it was.
fn gate_leaves_the_store(repo: &TempRepo) {
    let before = store_state(repo);
    repo.vouch(&["check", "--staged", "--for-commit"])
        .expect_code(0);
    assert_eq!(store_state(repo), before);
}

/// `a.rs` with reviewed AI lines 3-4, committed through the hooks (the store
/// recorded as committed).
fn committed_reviewed_ai_change() -> TempRepo {
    let repo = repo_with_ai_change();
    review(&repo, "a.rs:3-4", ADA_ID);
    repo.git(&["add", "a.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "ai"]));
    repo
}

/// The installed pre-commit hook (`check --staged --for-commit`) teaches the
/// store the staged text of a file edited outside any editor, with the
/// attribution the gate worked out, so post-commit finds it recorded; the
/// same check run by hand writes nothing.
#[test]
fn the_hooks_gate_teaches_the_store_the_staged_text_a_plain_check_does_not() {
    let repo = committed_reviewed_ai_change();
    // Lines added by a script: the record still holds the committed text.
    let edited = format!("fn h0() {{}}\n{}fn h6() {{}}\n", repo.read("a.rs"));
    repo.write("a.rs", &edited);
    repo.git(&["add", "a.rs"]);
    let before = store_state(&repo);
    assert!(
        before
            .records
            .iter()
            .any(|(p, _, t)| p == "a.rs" && *t != edited)
    );
    repo.vouch(&["check", "--staged"]).expect_code(0);
    assert_eq!(store_state(&repo), before, "a plain check writes nothing");
    repo.vouch(&["check", "--staged", "--for-commit"])
        .expect_code(0);
    let after = store_state(&repo);
    assert!(after.generation > before.generation);
    let a = after
        .records
        .iter()
        .find(|(p, ..)| p == "a.rs")
        .expect("a.rs");
    assert_eq!(a.2, edited, "the record now holds the staged text");
    // What the store says of it is what the gate said: lines 4-5, reviewed.
    let status = repo.vouch(&["status", "--all", "--json"]).json();
    assert_eq!(status[0]["startLine"], 4, "{status}");
    assert_eq!(status[0]["endLine"], 5, "{status}");
    assert_eq!(status[0]["blocked"], false, "{status}");
    assert_eq!(status.as_array().map(Vec::len), Some(1), "{status}");
    ok(&try_git(&repo, &["commit", "-m", "lines around"]));
    let note = note(&repo, "HEAD").expect("a note");
    assert_eq!(ai_line_numbers(&note, "a.rs"), vec![4, 5], "{note}");
    assert_eq!(
        store_state(&repo),
        after,
        "post-commit had nothing to teach"
    );
}

/// A commit that changes other tools' trace file (which post-commit reads
/// at the new commit, the gate at the one before) is not taught by the gate:
/// post-commit works such a commit out from its own view.
#[test]
fn the_gate_teaches_nothing_when_the_commit_changes_the_trace_file() {
    let repo = committed_reviewed_ai_change();
    repo.write("a.rs", &format!("{}fn h6() {{}}\n", repo.read("a.rs")));
    repo.write(".agent-trace/traces.jsonl", "{\"version\":\"0.1.0\"}\n");
    repo.git(&["add", "-A"]);
    gate_leaves_the_store(&repo);
    // Nor when the commit moves the trace file away.
    ok(&try_git(&repo, &["commit", "-m", "trace"]));
    repo.write("a.rs", &format!("{}fn h7() {{}}\n", repo.read("a.rs")));
    repo.git(&["mv", ".agent-trace/traces.jsonl", ".agent-trace/old.jsonl"]);
    repo.git(&["add", "-A"]);
    let renamed = repo.git(&["diff", "--cached", "--name-status", "-M"]);
    assert!(renamed.contains("R100"), "{renamed}");
    gate_leaves_the_store(&repo);
    // Nor when it deletes it.
    repo.git(&["mv", ".agent-trace/old.jsonl", ".agent-trace/traces.jsonl"]);
    ok(&try_git(&repo, &["commit", "-m", "trace back"]));
    repo.write("a.rs", &format!("{}fn h8() {{}}\n", repo.read("a.rs")));
    repo.git(&["rm", "-q", ".agent-trace/traces.jsonl"]);
    repo.git(&["add", "-A"]);
    gate_leaves_the_store(&repo);
}

/// During a rebase post-commit writes no note (post-rewrite carries the
/// notes): the gate teaches nothing either.
#[test]
fn the_gate_teaches_nothing_during_a_rebase() {
    let repo = committed_reviewed_ai_change();
    repo.write("m.rs", "fn m() {}\n");
    repo.git(&["add", "m.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "m"]));
    // Stopped at an `edit` of the last commit.
    let out = git_in(
        repo.path(),
        &["rebase", "-q", "-i", "HEAD~1"],
        &[("GIT_SEQUENCE_EDITOR", "sed -i -e s/^pick/edit/")],
    );
    ok(&out);
    assert!(repo.path().join(".git/rebase-merge").is_dir());
    repo.write("a.rs", &format!("{}fn h6() {{}}\n", repo.read("a.rs")));
    repo.git(&["add", "a.rs"]);
    gate_leaves_the_store(&repo);
}

/// Concluding a merge, the gate teaches nothing: post-commit (post-merge)
/// works the merge out with the commits it brings in.
#[test]
fn the_gate_teaches_nothing_while_a_merge_is_concluded() {
    let repo = committed_reviewed_ai_change();
    repo.git(&["checkout", "-q", "-b", "other"]);
    repo.write("a.rs", &format!("{}fn h6() {{}}\n", repo.read("a.rs")));
    repo.git(&["commit", "-q", "--no-verify", "-am", "other"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("m.rs", "fn m() {}\n");
    repo.git(&["add", "m.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "main"]));
    repo.git(&["merge", "-q", "--no-commit", "--no-ff", "other"]);
    assert!(repo.path().join(".git/MERGE_HEAD").exists());
    let before = store_state(&repo);
    assert!(
        before
            .records
            .iter()
            .any(|(p, _, t)| p == "a.rs" && *t != repo.read("a.rs")),
        "the record is older than the merged text"
    );
    repo.vouch(&["check", "--staged", "--for-commit"])
        .expect_code(0);
    assert_eq!(store_state(&repo), before);
}

/// With no store yet, the hook's gate creates none, though the notes know
/// AI lines of what it checks.
#[test]
fn the_gate_creates_no_store_when_only_the_notes_know() {
    let repo = repo_with_ai_change();
    repo.git(&["add", "a.rs"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "ai"]);
    assert_eq!(
        ai_line_numbers(&note(&repo, "HEAD").expect("a note"), "a.rs"),
        vec![3, 4]
    );
    std::fs::remove_dir_all(repo.path().join(".git/vouch")).expect("drop the store");
    repo.write("a.rs", &format!("{}fn h6() {{}}\n", repo.read("a.rs")));
    repo.git(&["add", "a.rs"]);
    let out = repo
        .vouch(&["check", "--staged", "--for-commit"])
        .expect_code(1)
        .stdout();
    assert!(out.contains("a.rs:3-4"), "{out}");
    assert!(!repo.path().join(".git/vouch").exists());
}
