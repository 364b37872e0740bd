//! History rewrites and working-tree moves, end to end with real git:
//! amend, interactive rebase (reorder, squash, fixup) with a scripted
//! sequence editor, rebase onto a moved base, cherry-pick, stash, branch
//! switching, and a second worktree.

use crate::support;
use crate::support::git as gitsupport;
use crate::support::lsp;

use gitsupport::*;
use support::TempRepo;

const ADA: &str = "Ada <ada@example.com>";

/// Ten human lines in a.rs, committed, hooks installed.
fn ten_line_repo() -> TempRepo {
    let repo = TempRepo::new();
    repo.write("a.rs", &numbered("fn h", 1..=10));
    repo.git(&["add", "a.rs"]);
    repo.git(&["commit", "-q", "-m", "base"]);
    init(&repo);
    repo
}

/// Commits `text` as `path` with `lines` (1-based, inclusive) AI-written and reviewed.
fn commit_ai(repo: &TempRepo, path: &str, text: &str, lines: &str, tool: &str, msg: &str) {
    repo.write(path, text);
    mark(repo, &format!("{path}:{lines}"), tool, "m1");
    review(repo, path, ADA);
    repo.git(&["add", path]);
    ok(&try_git(repo, &["commit", "-m", msg]));
}

fn commit_human(repo: &TempRepo, path: &str, text: &str, msg: &str) {
    repo.write(path, text);
    repo.git(&["add", path]);
    ok(&try_git(repo, &["commit", "-m", msg]));
}

/// a.rs with lines 8-9 replaced by AI lines.
fn with_ai_at_8() -> String {
    let mut s = numbered("fn h", 1..=7);
    s.push_str("fn ai8() { 8 }\nfn ai9() { 9 }\n");
    s.push_str(&numbered("fn h", 10..=10));
    s
}

#[test]
fn amend_moves_note_lines() {
    let repo = ten_line_repo();
    commit_ai(&repo, "a.rs", &with_ai_at_8(), "8-9", "copilot", "ai");
    let before = rev(&repo, "HEAD");
    assert_eq!(
        ai_line_numbers(&note(&repo, "HEAD").unwrap(), "a.rs"),
        vec![8, 9]
    );
    // Two human lines on top, amended into the same commit.
    repo.write("a.rs", &format!("// one\n// two\n{}", with_ai_at_8()));
    ok(&try_git(
        &repo,
        &["commit", "-a", "--amend", "-m", "ai amended"],
    ));
    assert_ne!(rev(&repo, "HEAD"), before);
    let n = note(&repo, "HEAD").expect("amended commit has a note");
    assert_eq!(ai_line_numbers(&n, "a.rs"), vec![10, 11]);
    // Rewording alone keeps the note too.
    ok(&try_git(&repo, &["commit", "--amend", "-m", "reworded"]));
    let n = note(&repo, "HEAD").expect("reworded commit has a note");
    assert_eq!(ai_line_numbers(&n, "a.rs"), vec![10, 11]);
    assert_eq!(n["metadata"]["vouch"]["attestations"][0]["reviewer"], ADA);
}

/// Two human lines on top of a.rs on `main`, then `feature` rebased onto it.
fn rebase_onto_two_new_lines(repo: &TempRepo) {
    repo.git(&["checkout", "-q", "main"]);
    commit_human(
        repo,
        "a.rs",
        &format!("// new 1\n// new 2\n{}", numbered("fn h", 1..=10)),
        "top",
    );
    repo.git(&["checkout", "-q", "feature"]);
    ok(&try_git(repo, &["rebase", "main"]));
}

#[test]
fn rebase_onto_a_moved_base_moves_note_lines() {
    let repo = ten_line_repo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    commit_ai(&repo, "a.rs", &with_ai_at_8(), "8-9", "copilot", "ai");
    rebase_onto_two_new_lines(&repo);
    let n = note(&repo, "HEAD").expect("rebased commit has a note");
    assert_eq!(ai_line_numbers(&n, "a.rs"), vec![10, 11]);
    assert_eq!(n["vcs"]["revision"], rev(&repo, "HEAD"));
    // The working tree is back on the tip: its attribution is intact.
    let blame = repo
        .vouch(&["blame", "--json", "a.rs"])
        .expect_code(0)
        .json();
    assert_eq!(blame[9]["origin"], "ai");
    assert_eq!(blame[9]["reviewer"], ADA);
    assert_eq!(blame[0]["origin"], "human");
}

/// A notes ref past 256 notes keeps them in two-digit folders: the note a
/// rebase carries goes in its commit's folder, once, reads back as any
/// note does, and every other note stays. (Which way it is written, by
/// path or placed by fast-import, the notes module's tests tell.)
#[test]
fn rebase_writes_notes_into_a_fanned_out_notes_tree() {
    let repo = ten_line_repo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    commit_ai(&repo, "a.rs", &with_ai_at_8(), "8-9", "copilot", "ai");
    commit_human(&repo, "b.rs", "fn b() {}\n", "b");
    // 300 notes of other objects, one level of folders as git lays them out.
    let mut stream =
        String::from("commit refs/notes/vouch\ncommitter T <t@x> 1700000000 +0000\ndata 5\nfill\n");
    let tip = repo.git(&["rev-parse", "-q", "--verify", "refs/notes/vouch"]);
    if !tip.trim().is_empty() {
        stream.push_str(&format!("from {}\n", tip.trim()));
    }
    // Every two-digit folder gets one or two.
    for k in 0..300u32 {
        let id = format!("{:02x}{:038x}", k % 256, k + 1);
        stream.push_str(&format!(
            "M 100644 inline {}/{}\ndata 3\n{{}}\n",
            &id[..2],
            &id[2..]
        ));
    }
    ok(&git_with_input(&repo, &["fast-import", "--quiet"], &stream));
    rebase_onto_two_new_lines(&repo);
    let ai = rev(&repo, "HEAD~1");
    let n = note(&repo, "HEAD~1").expect("rebased commit has a note");
    assert_eq!(ai_line_numbers(&n, "a.rs"), vec![10, 11]);
    // Its note is in its folder, once.
    let listing = repo.git(&["ls-tree", "-r", "--name-only", "refs/notes/vouch"]);
    let at = format!("{}/{}", &ai[..2], &ai[2..]);
    let found: Vec<&str> = listing.lines().filter(|p| p.contains(&ai[2..])).collect();
    assert_eq!(found, [at.as_str()], "{listing}");
    // The 300 other notes are all still there.
    let listed = repo.git(&["notes", "--ref", "vouch", "list"]);
    assert!(listed.lines().count() >= 302, "{listed}");
}

#[test]
fn interactive_rebase_reorder_squash_fixup() {
    let repo = ten_line_repo();
    commit_ai(
        &repo,
        "b.rs",
        "fn b1() {}\nfn b2() {}\n",
        "1-2",
        "claude",
        "C1 b ai",
    );
    commit_human(
        &repo,
        "a.rs",
        &format!("{}// tail\n", numbered("fn h", 1..=10)),
        "C2 a human",
    );
    commit_ai(&repo, "c.rs", "fn c1() {}\n", "1", "codex", "C3 c ai");
    commit_human(
        &repo,
        "b.rs",
        "// top\nfn b1() {}\nfn b2() {}\n",
        "C4 b fix",
    );
    let [c1, c2, c3, c4] = ["HEAD~3", "HEAD~2", "HEAD~1", "HEAD"].map(|r| rev(&repo, r));
    assert_eq!(
        ai_line_numbers(&note(&repo, &c4).unwrap(), "b.rs"),
        vec![2, 3]
    );

    // Reorder C3 first, then C1 with C4 fixed up into it and C2 squashed in.
    let script = repo.path().join(".git/seq-editor.sh");
    write_script(
        &script,
        &format!(
            "#!/bin/sh\nprintf 'pick {c3}\\npick {c1}\\nfixup {c4}\\nsquash {c2}\\n' > \"$1\"\n"
        ),
    );
    let editor = script.to_string_lossy().into_owned();
    ok(&git_in(
        repo.path(),
        &["rebase", "-i", "HEAD~4"],
        &[("GIT_SEQUENCE_EDITOR", &editor)],
    ));
    let log = repo.git(&["log", "--format=%s", "-2"]);
    assert!(log.lines().next().unwrap().starts_with("C1"), "{log}");
    assert!(log.lines().nth(1).unwrap().starts_with("C3"), "{log}");

    let first = note(&repo, "HEAD~1").expect("reordered C3 has a note");
    assert_eq!(ai_line_numbers(&first, "c.rs"), vec![1]);
    assert!(ai_lines(&first, "b.rs").is_empty());
    let squashed = note(&repo, "HEAD").expect("squashed commit has a note");
    assert_eq!(ai_line_numbers(&squashed, "b.rs"), vec![2, 3], "{squashed}");
    assert!(ai_lines(&squashed, "a.rs").is_empty());
    assert_eq!(squashed["vcs"]["revision"], rev(&repo, "HEAD"));
    // verify sees every rewritten commit reviewed.
    repo.vouch(&["verify", "main~2..main"]).expect_code(0);
}

/// Seed 285 of the workflow test, reduced: a reviewed AI line replaced by a
/// new, unreviewed one that looks alike (`fn ai9() { 9 }` then
/// `fn ai19() { 19 }`), the two commits then squashed. git amends the first
/// commit for the squash and runs post-rewrite for that amend; carrying the
/// first commit's note alone made the new line "mixed, reviewed", and the
/// rebase's own post-rewrite kept that note. The later commit's note knows
/// the line is unreviewed.
#[test]
fn squashing_keeps_a_replaced_line_unreviewed() {
    let repo = ten_line_repo();
    commit_ai(&repo, "a.rs", &with_ai_at_8(), "8-9", "copilot", "ai");
    repo.write(
        "a.rs",
        &with_ai_at_8().replace("fn ai9() { 9 }", "fn ai19() { 19 }"),
    );
    mark(&repo, "a.rs:9", "copilot", "gpt-5");
    ok(&try_git(
        &repo,
        &["commit", "-q", "--no-verify", "-am", "replace"],
    ));
    let reviewed = |n: &serde_json::Value| -> Vec<(u64, bool)> {
        n["metadata"]["vouch"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| {
                let r = l["reviewed"].as_bool().unwrap();
                (l["start_line"].as_u64().unwrap()..=l["end_line"].as_u64().unwrap())
                    .map(move |x| (x, r))
            })
            .collect()
    };
    let before = note(&repo, "HEAD").expect("note");
    assert_eq!(reviewed(&before), [(8, true), (9, false)], "{before}");
    ok(&git_in(
        repo.path(),
        &["rebase", "-q", "-i", "HEAD~2"],
        &[("GIT_SEQUENCE_EDITOR", "sed -i -e 2s/^pick/squash/")],
    ));
    let n = note(&repo, "HEAD").expect("note");
    assert_eq!(reviewed(&n), [(8, true), (9, false)], "{n}");
    assert_eq!(ai_line_numbers(&n, "a.rs"), [8, 9], "{n}");
}

#[test]
fn rebase_keeps_an_edited_line_as_mixed() {
    let repo = ten_line_repo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    commit_ai(&repo, "a.rs", &with_ai_at_8(), "8-9", "copilot", "ai");
    repo.git(&["checkout", "-q", "main"]);
    commit_human(&repo, "b.rs", "fn b() {}\n", "unrelated");
    repo.git(&["checkout", "-q", "feature"]);
    // Reword the AI commit while rebasing and change line 9 by an exec step.
    let script = repo.path().join(".git/seq-editor.sh");
    let feature = rev(&repo, "HEAD");
    let mut edited = numbered("fn h", 1..=7);
    edited.push_str("fn ai8() { 8 }\nfn ai9() { 99 }\n");
    edited.push_str(&numbered("fn h", 10..=10));
    std::fs::write(repo.path().join(".git/edited.rs"), &edited).unwrap();
    write_script(
        &script,
        &format!(
            "#!/bin/sh\nprintf 'pick {feature}\\nexec cp .git/edited.rs a.rs && git commit -q -a --amend --no-verify -m edited\\n' > \"$1\"\n"
        ),
    );
    let editor = script.to_string_lossy().into_owned();
    ok(&git_in(
        repo.path(),
        &["rebase", "-i", "main"],
        &[("GIT_SEQUENCE_EDITOR", &editor)],
    ));
    let n = note(&repo, "HEAD").expect("note");
    // Line 8 is unchanged and keeps its attribution; line 9 was edited into
    // a recognisably same line: still AI, now mixed (never called human).
    assert_eq!(
        ai_lines(&n, "a.rs"),
        vec![(8, "ai".to_owned()), (9, "mixed".to_owned())],
        "{n}"
    );
}

#[test]
fn cherry_pick_carries_the_note() {
    let repo = ten_line_repo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    commit_ai(&repo, "a.rs", &with_ai_at_8(), "8-9", "copilot", "ai");
    let picked = rev(&repo, "HEAD");
    repo.git(&["checkout", "-q", "main"]);
    commit_human(
        &repo,
        "a.rs",
        &format!("// new 1\n// new 2\n// new 3\n{}", numbered("fn h", 1..=10)),
        "top",
    );
    ok(&try_git(&repo, &["cherry-pick", &picked]));
    assert_ne!(rev(&repo, "HEAD"), picked);
    let n = note(&repo, "HEAD").expect("cherry-picked commit has a note");
    assert_eq!(ai_line_numbers(&n, "a.rs"), vec![11, 12]);
    assert_eq!(n["metadata"]["vouch"]["attestations"][0]["reviewer"], ADA);
}

#[test]
fn stash_and_pop_keep_uncommitted_attribution() {
    let repo = ten_line_repo();
    repo.write("a.rs", &with_ai_at_8());
    mark(&repo, "a.rs:8-9", "copilot", "gpt-5");
    let before = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(before[0]["startLine"], 8);
    repo.git(&["stash", "-q"]);
    assert_eq!(repo.read("a.rs"), numbered("fn h", 1..=10));
    // The stashed-away AI lines are not in the file, nor in what would be committed.
    let blame = repo
        .vouch(&["blame", "--json", "a.rs"])
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
    repo.git(&["stash", "pop", "-q"]);
    let after = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(after, before);
    repo.git(&["add", "a.rs"]);
    let out = repo.vouch(&["check", "--staged"]).expect_code(1);
    assert!(
        out.stdout()
            .contains("a.rs:8-9: unreviewed AI code (copilot, gpt-5)")
    );
}

#[test]
fn stash_switch_branches_and_back_then_pop_keeps_attribution() {
    let repo = ten_line_repo();
    // A branch whose a.rs differs, so switching rewrites the file.
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("a.rs", &numbered("fn side", 1..=10));
    repo.git(&["commit", "-qam", "side"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("a.rs", &with_ai_at_8());
    mark(&repo, "a.rs:8-9", "copilot", "gpt-5");
    let before = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(before[0]["startLine"], 8);
    repo.git(&["stash", "-q"]);
    repo.git(&["checkout", "-q", "side"]);
    // Something on the other branch reads and rewrites the store meanwhile.
    repo.vouch(&["status"]).expect_code(0);
    repo.git(&["checkout", "-q", "main"]);
    repo.vouch(&["status"]).expect_code(0);
    repo.git(&["stash", "pop", "-q"]);
    // An editor opening the file gets that state back...
    let mut c = lsp::LspClient::start(repo.path());
    c.initialize(repo.path(), true, serde_json::json!({}));
    let uri = lsp::uri_of(&repo.path().join("a.rs"));
    c.open(&uri, 1, &with_ai_at_8());
    let regions = c.regions(&uri);
    c.shutdown();
    assert_eq!(
        regions["regions"][0]["range"],
        lsp::range(7, 0, 9, 0),
        "{regions}"
    );
    assert_eq!(regions["regions"][0]["tool"], "copilot");
    // ...and so does the CLI.
    let after = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(after, before);
    // A command that writes the file's state keeps it too.
    repo.vouch(&["review", "a.rs:9", "--as", "Ada <ada@example.com>"])
        .expect_code(0);
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(
        (status[0]["startLine"].clone(), status[0]["endLine"].clone()),
        (8.into(), 8.into())
    );
}

/// Seed 469 of the workflow test, reduced: a file edited by hand after its
/// AI lines were recorded (the store's record holds the older text), then
/// committed, then a switch away and back. The switch remembered the stale
/// record, not the committed text, so coming back found no state for the
/// text and kept only the lines it shared with the other branch's: the
/// committed AI lines became human in `blame`, and a later commit's note
/// dropped them.
#[test]
fn switching_away_and_back_after_a_hand_edit_keeps_committed_ai_lines() {
    let repo = ten_line_repo();
    repo.write("a.rs", &with_ai_at_8());
    mark(&repo, "a.rs:8-9", "copilot", "gpt-5");
    // A person's edit no vouch command sees, then the commit.
    repo.write("a.rs", &format!("// top\n{}", with_ai_at_8()));
    repo.git(&["add", "a.rs"]);
    ok(&try_git(
        &repo,
        &["commit", "-q", "--no-verify", "-m", "ai"],
    ));
    assert_eq!(
        ai_line_numbers(&note(&repo, "HEAD").unwrap(), "a.rs"),
        [9, 10]
    );
    repo.git(&["checkout", "-q", "-b", "side", "HEAD~1"]);
    repo.git(&["checkout", "-q", "main"]);
    let blame = repo
        .vouch(&["blame", "--json", "a.rs"])
        .expect_code(0)
        .json();
    let ai: Vec<u64> = blame
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["origin"] != "human")
        .map(|l| l["line"].as_u64().unwrap())
        .collect();
    assert_eq!(ai, [9, 10], "{blame}");
    repo.write(
        "a.rs",
        &format!("// top\n{}fn ai12() {{ 12 }}\n", with_ai_at_8()),
    );
    mark(&repo, "a.rs:12", "copilot", "gpt-5");
    ok(&try_git(
        &repo,
        &["commit", "-q", "--no-verify", "-am", "more"],
    ));
    let n = note(&repo, "HEAD").unwrap();
    assert_eq!(ai_line_numbers(&n, "a.rs"), [9, 10, 12], "{n}");
}

#[test]
fn switching_branches_and_back_keeps_attribution() {
    let repo = ten_line_repo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    commit_ai(&repo, "a.rs", &with_ai_at_8(), "8-9", "copilot", "ai");
    repo.write("b.rs", "fn wip() {}\n");
    mark(&repo, "b.rs:1", "claude", "claude-opus-4");
    repo.git(&["checkout", "-q", "main"]);
    let on_main = repo
        .vouch(&["blame", "--json", "a.rs"])
        .expect_code(0)
        .json();
    assert!(
        on_main
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["origin"] == "human")
    );
    repo.git(&["checkout", "-q", "feature"]);
    let back = repo
        .vouch(&["blame", "--json", "a.rs"])
        .expect_code(0)
        .json();
    assert_eq!(back[7]["origin"], "ai");
    assert_eq!(back[8]["reviewer"], ADA);
    // The untracked AI file went along untouched.
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(status[0]["path"], "b.rs");
}

/// The post-checkout hook does nothing when the store holds no AI text
/// (one query, before any git process); here only a remembered state holds
/// some (the record on main does not), and switching back must still bring
/// the record to it.
#[test]
fn switching_back_restores_a_state_only_the_history_holds() {
    let repo = ten_line_repo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    commit_ai(&repo, "a.rs", &with_ai_at_8(), "8-9", "copilot", "ai");
    repo.git(&["checkout", "-q", "main"]);
    let record = || {
        let service = vouch_core::service::Service::open(repo.path()).unwrap();
        let stored = service.store.load("a.rs").unwrap().unwrap().ledger;
        let ai = stored.spans().iter().any(|(_, a)| a.is_ai());
        (stored.text(), ai)
    };
    assert_eq!(record(), (numbered("fn h", 1..=10), false));
    repo.git(&["checkout", "-q", "feature"]);
    assert_eq!(record(), (with_ai_at_8(), true));
    let back = repo
        .vouch(&["blame", "--json", "a.rs"])
        .expect_code(0)
        .json();
    assert_eq!(back[7]["origin"], "ai");
    assert_eq!(back[8]["reviewer"], ADA);
}

#[test]
fn a_second_worktree_shares_hooks_and_notes() {
    let repo = ten_line_repo();
    let other = tempfile::tempdir().unwrap();
    let wt = other.path().join("wt");
    let wt_s = wt.to_string_lossy().into_owned();
    repo.git(&["worktree", "add", "-q", "-b", "other", &wt_s]);
    std::fs::write(wt.join("a.rs"), with_ai_at_8()).unwrap();
    vouch_at(
        &wt,
        &["mark", "a.rs:8-9", "--tool", "copilot", "--model", "gpt-5"],
    )
    .expect_code(0);
    // The main worktree's attribution is separate.
    assert_eq!(
        repo.vouch(&["status", "--json"]).json(),
        serde_json::json!([])
    );
    ok(&git_in(&wt, &["add", "a.rs"], &[]));
    let msg = fails(&git_in(&wt, &["commit", "-m", "wt ai"], &[]));
    assert!(msg.contains("a.rs:8-9: unreviewed AI code"), "{msg}");
    vouch_at(&wt, &["review", "a.rs", "--as", ADA]).expect_code(0);
    ok(&git_in(&wt, &["commit", "-m", "wt ai"], &[]));
    let n = note(&repo, "other").expect("the note is visible from the main worktree");
    assert_eq!(ai_line_numbers(&n, "a.rs"), vec![8, 9]);
}

#[test]
fn switching_back_restores_attribution_rewritten_in_between() {
    let repo = ten_line_repo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("a.rs", &with_ai_at_8());
    mark(&repo, "a.rs:8-9", "copilot", "gpt-5");
    repo.git(&["add", "a.rs"]);
    ok(&try_git(
        &repo,
        &["commit", "--no-verify", "-m", "unreviewed ai"],
    ));
    repo.git(&["checkout", "-q", "main"]);
    // Something writes the store while main's text is on disk (an editor, `vouch mark`).
    mark(&repo, "a.rs:1", "claude", "claude-opus-4");
    let on_main = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(on_main.as_array().map(Vec::len), Some(1), "{on_main}");
    repo.git(&["checkout", "-q", "feature"]);
    let back = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(back[0]["startLine"], 8, "{back}");
    assert_eq!(back[0]["endLine"], 9, "{back}");
    assert_eq!(back[0]["tool"], "copilot");
    // And main's own mark comes back on main.
    repo.git(&["checkout", "-q", "main"]);
    let again = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(again[0]["tool"], "claude", "{again}");
}

#[test]
fn a_checkout_without_a_commit_switch_leaves_unseen_edits_to_reconcile() {
    let repo = ten_line_repo();
    repo.write("a.rs", &with_ai_at_8());
    mark(&repo, "a.rs:8-9", "copilot", "gpt-5");
    // Re-indented while nothing ran: still AI by the usual reconcile.
    repo.write("a.rs", &with_ai_at_8().replace("fn ai8", "    fn ai8"));
    repo.git(&["checkout", "-q", "-b", "topic"]);
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(status[0]["startLine"], 8, "{status}");
    assert_eq!(status[0]["endLine"], 9, "{status}");
}

/// The commits that have a note on the local ref.
fn annotated(repo: &TempRepo) -> std::collections::BTreeSet<String> {
    repo.git(&["notes", "--ref", "refs/notes/vouch", "list"])
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(_, c)| c.to_owned()))
        .collect()
}

#[test]
fn post_rewrite_drops_notes_of_replaced_commits() {
    let repo = ten_line_repo();
    commit_ai(&repo, "a.rs", &with_ai_at_8(), "8-9", "copilot", "ai");
    let old = rev(&repo, "HEAD");
    assert!(annotated(&repo).contains(&old));
    ok(&try_git(&repo, &["commit", "--amend", "-m", "reworded"]));
    let new = rev(&repo, "HEAD");
    let notes = annotated(&repo);
    assert!(notes.contains(&new), "the new commit has the note");
    assert!(!notes.contains(&old), "the replaced commit's note is gone");

    // A replaced commit another branch still holds keeps its note.
    repo.git(&["branch", "keep"]);
    ok(&try_git(&repo, &["commit", "--amend", "-m", "again"]));
    let notes = annotated(&repo);
    assert!(notes.contains(&new), "`keep` still reaches {new}");
    assert!(notes.contains(&rev(&repo, "HEAD")));
}

#[test]
fn rebase_drops_notes_of_the_old_commits_only() {
    let repo = ten_line_repo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    commit_ai(&repo, "a.rs", &with_ai_at_8(), "8-9", "copilot", "ai");
    commit_human(&repo, "b.rs", "fn b() {}\n", "b");
    let olds = [rev(&repo, "HEAD~1"), rev(&repo, "HEAD")];
    repo.git(&["checkout", "-q", "main"]);
    commit_human(&repo, "c.rs", "fn c() {}\n", "c");
    let main_tip = rev(&repo, "HEAD");
    repo.git(&["checkout", "-q", "feature"]);
    ok(&try_git(&repo, &["rebase", "-q", "main"]));
    let notes = annotated(&repo);
    for old in &olds {
        assert!(!notes.contains(old), "old commit {old} keeps a note");
    }
    let news = [rev(&repo, "HEAD~1"), rev(&repo, "HEAD")];
    for new in &news {
        assert!(notes.contains(new), "new commit {new} has no note");
    }
    assert_eq!(
        ai_line_numbers(&note(&repo, "HEAD~1").unwrap(), "a.rs"),
        vec![8, 9]
    );
    assert!(notes.contains(&main_tip), "main's own note stays");
}

#[test]
fn gc_drops_notes_of_unreachable_commits_and_keeps_reachable_ones() {
    let repo = ten_line_repo();
    // Notes written before the hooks could clean up: a branch deleted later,
    // a tagged commit, and main.
    repo.git(&["checkout", "-q", "-b", "gone"]);
    commit_ai(&repo, "a.rs", &with_ai_at_8(), "8-9", "copilot", "ai");
    let gone = rev(&repo, "HEAD");
    commit_human(&repo, "b.rs", "fn b() {}\n", "b");
    let gone2 = rev(&repo, "HEAD");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "tagged"]);
    commit_human(&repo, "t.rs", "fn t() {}\n", "t");
    let tagged = rev(&repo, "HEAD");
    repo.git(&["tag", "v1"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["branch", "-q", "-D", "gone", "tagged"]);
    commit_human(&repo, "m.rs", "fn m() {}\n", "m");
    let main = rev(&repo, "HEAD");
    let before = annotated(&repo);
    for c in [&gone, &gone2, &tagged, &main] {
        assert!(before.contains(c));
    }

    let out = repo.vouch(&["gc"]).expect_code(0);
    assert_eq!(
        out.stdout(),
        "vouch gc: removed the notes of 2 unreachable commits\n"
    );
    let after = annotated(&repo);
    assert!(!after.contains(&gone) && !after.contains(&gone2));
    assert!(after.contains(&tagged), "a tag keeps its commit's note");
    assert!(after.contains(&main));
    // Nothing left to do: nothing changes.
    let notes_ref = rev(&repo, "refs/notes/vouch");
    let out = repo.vouch(&["gc"]).expect_code(0);
    assert_eq!(
        out.stdout(),
        "vouch gc: removed the notes of 0 unreachable commits\n"
    );
    assert_eq!(rev(&repo, "refs/notes/vouch"), notes_ref);
    // A detached HEAD counts as reachable too.
    repo.git(&["checkout", "-q", "--detach", "HEAD~1"]);
    commit_human(&repo, "d.rs", "fn d() {}\n", "detached");
    let detached = rev(&repo, "HEAD");
    repo.vouch(&["gc"]).expect_code(0);
    assert!(annotated(&repo).contains(&detached));
}

#[test]
fn gc_outside_a_repository_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(support::vouch_bin())
        .arg("gc")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join(".vouch").exists(), "gc creates no store");
}
