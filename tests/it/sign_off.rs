//! Sign-off end to end (issue 14): real git, real `ssh-keygen`, a bare remote
//! and separate clones for the author (Alice), reviewers (Grace, Henry,
//! Mallory) and CI. See docs/sign-off.md.

use crate::support;
use crate::support::forge::{FEATURE, Forge, HUMAN, POLICY, use_key};
use crate::support::git as gitsupport;
use crate::support::lsp;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use gitsupport::*;
use serde_json::Value;
use support::{TempRepo, VouchOutput};

fn approve(repo: &TempRepo, range: &str) -> String {
    repo.vouch(&["approve", range]).expect_code(0).stdout()
}

/// `git push` of a branch that has nothing new: the pre-push hook shares the notes.
fn push_notes(repo: &TempRepo) {
    ok(&try_git(repo, &["push", "-q", "origin", "main"]));
}

fn json_of(out: &VouchOutput) -> Value {
    out.json()
}

/// `(start, end)` of every unapproved range of `path` in verify's JSON.
fn unapproved(report: &Value, path: &str) -> Vec<(u64, u64)> {
    report["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["path"] == path)
        .flat_map(|f| f["ranges"].as_array().cloned().unwrap_or_default())
        .map(|r| {
            (
                r["start_line"].as_u64().unwrap_or(0),
                r["end_line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn reviewer_approves_and_ci_verifies() {
    let w = Forge::new(POLICY);
    // Before anyone approves, CI fails and names the lines, unit, tool and approvers.
    let out = w.ci_verify(&[]).expect_code(1).stdout();
    assert!(
        out.contains("src/lib.rs:4-8: AI code (claude, claude-opus-4) in total: only an unsigned"),
        "{out}"
    );
    assert!(
        out.contains("only an unsigned `vouch review` by Alice"),
        "{out}"
    );
    assert!(out.contains("except Alice <alice@example.com>"), "{out}");

    let grace = w.reviewer("Grace", &w.grace);
    let listed = grace
        .vouch(&["approve", "origin/main..origin/feature", "--dry-run"])
        .expect_code(0)
        .stdout();
    assert!(
        listed.contains("src/lib.rs:4-8  claude (claude-opus-4)"),
        "{listed}"
    );
    assert!(listed.contains("total"), "{listed}");
    let none = grace.git(&["notes", "--ref", "refs/notes/vouch-approvals", "list"]);
    assert!(none.trim().is_empty(), "a dry run records nothing: {none}");

    let done = approve(&grace, "origin/main..origin/feature");
    assert!(done.contains("as grace@example.com"), "{done}");
    push_notes(&grace);

    let out = w.ci_verify(&[]).expect_code(0).stdout();
    assert!(out.contains("(5 of 5 lines)"), "{out}");
    let report = json_of(&w.ci_verify(&["--format", "json"]).expect_code(0));
    assert_eq!(report["needed_lines"], 5);
    assert_eq!(report["approved_lines"], 5);
    assert_eq!(report["approvals"][0]["status"], "valid");
    assert_eq!(report["approvals"][0]["principal"], "grace@example.com");
    let sarif = json_of(&w.ci_verify(&["--format", "sarif"]).expect_code(0));
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(0)
    );
}

#[test]
fn concurrent_approvals_merge_as_a_set() {
    let w = Forge::new(POLICY);
    let grace = w.reviewer("Grace", &w.grace);
    let henry = w.reviewer("Henry", &w.henry);
    approve(&grace, "origin/main..origin/feature");
    approve(&henry, "origin/main..origin/feature");
    push_notes(&grace);
    push_notes(&henry); // fetches Grace's, merges (cat_sort_uniq), pushes without force
    let report = json_of(&w.ci_verify(&["--format", "json"]).expect_code(0));
    let mut who: Vec<String> = report["approvals"]
        .as_array()
        .expect("approvals")
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                a["principal"].as_str().unwrap_or(""),
                a["status"].as_str().unwrap_or("")
            )
        })
        .collect();
    who.sort();
    assert_eq!(
        who,
        vec!["grace@example.com valid", "henry@example.com valid"]
    );
}

#[test]
fn the_authors_own_allowed_key_does_not_count() {
    let w = Forge::new(POLICY);
    use_key(&w.author, &w.alice);
    approve(&w.author, "origin/main..feature");
    push_notes(&w.author);
    let out = w.ci_verify(&[]).expect_code(1).stdout();
    assert!(
        out.contains("approved by alice@example.com, who wrote or changed these lines"),
        "{out}"
    );
    assert!(out.contains("src/lib.rs:4-8"), "{out}");
}

#[test]
fn a_key_not_in_allowed_signers_does_not_count() {
    let w = Forge::new(POLICY);
    let mallory_key = w.key("mallory");
    let mallory = w.reviewer("Mallory", &mallory_key);
    // Refused outright against the base's allowed signers.
    let out = mallory
        .vouch(&["approve", "origin/main..origin/feature"])
        .expect_code(2);
    assert!(
        out.stderr().contains("is not in .vouch/allowed_signers"),
        "{}",
        out.stderr()
    );
    // Mallory's own branch lists her key; an approval signed against it...
    mallory.git(&["checkout", "-q", "-b", "evil", "origin/main"]);
    let signers = mallory.read(".vouch/allowed_signers");
    mallory.write(
        ".vouch/allowed_signers",
        &format!("{signers}mallory@example.com {}\n", mallory_key.public),
    );
    mallory.git(&["commit", "-q", "--no-verify", "-am", "me too"]);
    mallory
        .vouch(&[
            "approve",
            "origin/main..origin/feature",
            "--policy-from",
            "evil",
        ])
        .expect_code(0);
    // Pushing the approvals ref by name works too (the pre-push hook leaves it to this push).
    ok(&try_git(
        &mallory,
        &["push", "-q", "origin", "refs/notes/vouch-approvals"],
    ));
    // ...does not count where the policy comes from main.
    let out = w.ci_verify(&[]).expect_code(1).stdout();
    assert!(out.contains("src/lib.rs:4-8"), "{out}");
    assert!(
        out.contains("the approval by mallory@example.com does not count: signer not allowed"),
        "{out}"
    );
    let report = json_of(&w.ci_verify(&["--format", "json"]).expect_code(1));
    assert_eq!(report["approvals"][0]["status"], "signer-not-allowed");
}

/// Replaces `from` with `to` in the approvals note of `commit` (by hand).
fn edit_approval(repo: &TempRepo, commit: &str, from: &str, to: &str) {
    let text = repo.git(&[
        "notes",
        "--ref",
        "refs/notes/vouch-approvals",
        "show",
        commit,
    ]);
    assert!(text.contains(from), "{text}");
    let edited = text.replacen(from, to, 1);
    let file = repo.path().join(".git/edited-note");
    std::fs::write(&file, edited).expect("write");
    repo.git(&[
        "notes",
        "--ref",
        "refs/notes/vouch-approvals",
        "add",
        "-f",
        "-F",
        &file.to_string_lossy(),
        commit,
    ]);
}

#[test]
fn a_hand_edited_approval_does_not_count() {
    let w = Forge::new(POLICY);
    let grace = w.reviewer("Grace", &w.grace);
    approve(&grace, "origin/main..origin/feature");
    let tip = rev(&grace, "origin/feature");
    // The reviewer changed: Henry is allowed too, but never signed this.
    edit_approval(&grace, &tip, "grace@example.com", "henry@example.com");
    push_notes(&grace);
    let out = w.ci_verify(&[]).expect_code(1).stdout();
    assert!(
        out.contains("the approval by henry@example.com does not count: bad signature"),
        "{out}"
    );
    // A hash changed: point the first approved line at other text.
    let report = json_of(&w.ci_verify(&["--format", "json"]).expect_code(1));
    assert_eq!(report["approvals"][0]["status"], "bad-signature");
    edit_approval(&grace, &tip, "henry@example.com", "grace@example.com");
    let text = grace.git(&["notes", "--ref", "refs/notes/vouch-approvals", "show", &tip]);
    let at = text.find("sha256:").expect("a hash") + "sha256:".len();
    let old = &text[at..at + 8];
    let new = if old == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    edit_approval(
        &grace,
        &tip,
        &format!("sha256:{old}"),
        &format!("sha256:{new}"),
    );
    push_notes(&grace);
    let out = w.ci_verify(&[]).expect_code(1).stdout();
    assert!(out.contains("does not count: bad signature"), "{out}");
}

#[test]
fn a_line_changed_after_approval_is_listed_alone() {
    let w = Forge::new(POLICY);
    let grace = w.reviewer("Grace", &w.grace);
    approve(&grace, "origin/main..origin/feature");
    push_notes(&grace);
    w.ci_verify(&[]).expect_code(0);
    // The author changes line 6 (AI again) after the approval.
    let changed = FEATURE.replace("for x in xs { t += x; }", "for x in xs.iter() { t += *x; }");
    w.author.write("src/lib.rs", &changed);
    mark(&w.author, "src/lib.rs:6", "claude", "claude-opus-4");
    review(&w.author, "src/lib.rs", "Alice <alice@example.com>");
    w.author.git(&["commit", "-q", "-am", "tweak"]);
    ok(&try_git(&w.author, &["push", "-q", "origin", "feature"]));
    let out = w.ci_verify(&["--format", "json"]).expect_code(1);
    let report = json_of(&out);
    assert_eq!(unapproved(&report, "src/lib.rs"), vec![(6, 6)]);
    let reason = report["files"][0]["ranges"][0]["reason"]
        .as_str()
        .unwrap_or("");
    assert!(
        reason.contains("changed since grace@example.com approved"),
        "{reason}"
    );
    assert_eq!(report["approved_lines"], 4);
    let sarif = json_of(&w.ci_verify(&["--format", "sarif"]).expect_code(1));
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{sarif}");
    assert_eq!(results[0]["ruleId"], "vouch/ai-unapproved");
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "src/lib.rs");
    assert_eq!(loc["region"]["startLine"], 6);
    assert_eq!(loc["region"]["endLine"], 6);
}

#[test]
fn reviewers_name_the_principals_that_count() {
    let policy = POLICY.replace(
        "distinct_from_author = true\n",
        "distinct_from_author = true\nreviewers = [\"Grace <GRACE@example.com>\"]\n",
    );
    let w = Forge::new(&policy);
    let henry = w.reviewer("Henry", &w.henry);
    approve(&henry, "origin/main..origin/feature");
    push_notes(&henry);
    let report = json_of(&w.ci_verify(&["--format", "json"]).expect_code(1));
    let range = &report["files"][0]["ranges"][0];
    assert_eq!(
        range["approvers"],
        serde_json::json!(["Grace <GRACE@example.com>"])
    );
    let reason = range["reason"].as_str().unwrap_or("");
    assert!(
        reason.contains("approved by henry@example.com, but the policy requires one of: Grace <GRACE@example.com>"),
        "{reason}"
    );
    let grace = w.reviewer("Grace", &w.grace);
    approve(&grace, "origin/main..origin/feature");
    push_notes(&grace);
    w.ci_verify(&[]).expect_code(0);
}

#[test]
fn an_unsigned_review_as_someone_else_does_not_count() {
    let w = Forge::new(POLICY);
    // Anyone in the author's shell can type another name.
    w.author.write("src/extra.rs", "fn extra() {}\n");
    mark(&w.author, "src/extra.rs:1", "claude", "claude-opus-4");
    w.author
        .vouch(&[
            "review",
            "src/extra.rs",
            "--as",
            "Senior <grace@example.com>",
        ])
        .expect_code(0);
    w.author.git(&["add", "-A"]);
    ok(&try_git(&w.author, &["commit", "-q", "-m", "extra"]));
    ok(&try_git(&w.author, &["push", "-q", "origin", "feature"]));
    let out = w.ci_verify(&[]).expect_code(1).stdout();
    assert!(
        out.contains("src/extra.rs:1: AI code (claude, claude-opus-4) in extra: only an unsigned `vouch review` by Senior <grace@example.com>"),
        "{out}"
    );
}

#[test]
fn the_branch_cannot_relax_its_own_policy() {
    let w = Forge::new(POLICY);
    let grace = w.reviewer("Grace", &w.grace);
    // An exemption for everything, added by the branch under test.
    w.author.write(
        "vouch.toml",
        &POLICY.replace("signed = true\n", "signed = true\nexempt = [\"**\"]\n"),
    );
    w.author.git(&["commit", "-q", "-am", "exempt all"]);
    ok(&try_git(&w.author, &["push", "-q", "origin", "feature"]));
    let out = w.ci_verify(&[]).expect_code(1).stdout();
    assert!(
        out.contains("src/lib.rs:4-8"),
        "the exemption does not apply: {out}"
    );
    assert!(
        out.contains("vouch.toml:1-8: policy file changed in the range"),
        "{out}"
    );
    // Its own key in allowed-signers: listed, and its approvals do not count.
    let boss = w.key("boss");
    let signers = w.author.read(".vouch/allowed_signers");
    w.author.write(
        ".vouch/allowed_signers",
        &format!("{signers}boss@example.com {}\n", boss.public),
    );
    w.author.git(&["commit", "-q", "-am", "my other key"]);
    ok(&try_git(&w.author, &["push", "-q", "origin", "feature"]));
    use_key(&w.author, &boss);
    w.author
        .vouch(&[
            "approve",
            "origin/main..feature",
            "--policy-from",
            "feature",
        ])
        .expect_code(0);
    push_notes(&w.author);
    let report = json_of(&w.ci_verify(&["--format", "json"]).expect_code(1));
    assert!(
        !unapproved(&report, ".vouch/allowed_signers").is_empty(),
        "{report}"
    );
    assert!(!unapproved(&report, "src/lib.rs").is_empty(), "{report}");
    assert!(
        report["approvals"]
            .as_array()
            .expect("approvals")
            .iter()
            .any(|a| a["principal"] == "boss@example.com" && a["status"] == "signer-not-allowed"),
        "{report}"
    );
    // A reviewer's signed approval of the new policy text makes it pass.
    ok(&try_git(&grace, &["fetch", "-q", "origin"]));
    approve(&grace, "origin/main..origin/feature");
    push_notes(&grace);
    w.ci_verify(&[]).expect_code(0);
}

#[test]
fn provenance_required_fails_a_commit_made_without_hooks() {
    let w = Forge::new(&format!("{POLICY}\n[provenance]\nrequire = true\n"));
    let grace = w.reviewer("Grace", &w.grace);
    approve(&grace, "origin/main..origin/feature");
    push_notes(&grace);
    w.ci_verify(&[]).expect_code(0);
    // A clone without `vouch init`: its commit has no note.
    let bare = clone_of(w.remote.path(), "Alice");
    bare.git(&["checkout", "-q", "feature"]);
    bare.write("src/more.rs", "fn more() {}\n");
    bare.git(&["add", "-A"]);
    bare.git(&["commit", "-q", "-m", "no hooks"]);
    ok(&try_git(&bare, &["push", "-q", "origin", "feature"]));
    let out = w.ci_verify(&[]).expect_code(1).stdout();
    assert!(
        out.contains("no hooks: not recorded: the hooks were not installed when it was made"),
        "{out}"
    );
}

#[test]
fn approvals_survive_rebase_and_squash_merge() {
    let w = Forge::new(POLICY);
    let grace = w.reviewer("Grace", &w.grace);
    approve(&grace, "origin/main..origin/feature");
    push_notes(&grace);
    // main moves on: a line above the AI code.
    let other = w.clone("Bob");
    other.write("src/lib.rs", &format!("// header\n{HUMAN}"));
    other.write("README", "hello\n");
    other.git(&["commit", "-q", "-am", "header"]);
    other.git(&["add", "-A"]);
    other.git(&["commit", "-q", "-m", "readme"]);
    ok(&try_git(&other, &["push", "-q", "origin", "main"]));
    // The author rebases onto it (the AI lines move down by one).
    ok(&try_git(&w.author, &["fetch", "-q", "origin"]));
    ok(&try_git(&w.author, &["rebase", "-q", "origin/main"]));
    ok(&try_git(
        &w.author,
        &["push", "-q", "-f", "origin", "feature"],
    ));
    let report = json_of(&w.ci_verify(&["--format", "json"]).expect_code(0));
    assert_eq!(report["needed_lines"], 5, "{report}");
    assert_eq!(report["approved_lines"], 5, "{report}");
    // Squash-merged into main.
    let before = rev(&w.author, "origin/main");
    w.author.git(&["checkout", "-q", "main"]);
    ok(&try_git(
        &w.author,
        &["merge", "-q", "--ff-only", "origin/main"],
    ));
    ok(&try_git(&w.author, &["merge", "--squash", "-q", "feature"]));
    // The default message lists the squashed commits; the post-commit hook
    // carries their notes.
    ok(&try_git(&w.author, &["commit", "-q", "--no-edit"]));
    ok(&try_git(&w.author, &["push", "-q", "origin", "main"]));
    let ci = w.clone("CI");
    let range = format!("{before}..origin/main");
    let report = json_of(
        &ci.vouch(&["verify", &range, "--format", "json"])
            .expect_code(0),
    );
    assert_eq!(report["needed_lines"], 5, "{report}");
    assert_eq!(report["approved_lines"], 5, "{report}");
    // Without the approvals the same range fails: the lines are seen as AI.
    ci.git(&["update-ref", "-d", "refs/notes/vouch-approvals"]);
    ci.git(&[
        "update-ref",
        "-d",
        "refs/notes/remotes/origin/vouch-approvals",
    ]);
    ci.vouch(&["verify", &range]).expect_code(1);
}

/// `unapproved-ai` diagnostics of `params` as `(start line, end line)`, 0-based.
fn unapproved_diags(params: &Value) -> Vec<(u64, u64)> {
    params["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "unapproved-ai")
        .map(|d| {
            (
                d["range"]["start"]["line"].as_u64().unwrap_or(0),
                d["range"]["end"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn the_language_server_shows_unapproved_lines_and_approves_them_signed() {
    let w = Forge::new(POLICY);
    let grace = w.reviewer("Grace", &w.grace);
    grace.git(&["checkout", "-q", "-b", "feature", "origin/feature"]);
    let mut client = lsp::LspClient::start(grace.path());
    client.initialize(
        grace.path(),
        true,
        serde_json::json!({"reviewRange": "origin/main..HEAD"}),
    );
    let uri = lsp::uri_of(&grace.path().join("src/lib.rs"));
    client.open(&uri, 1, FEATURE);
    let params = client
        .diagnostics_where(&uri, Duration::from_secs(30), |p| {
            !unapproved_diags(p).is_empty()
        })
        .expect("unapproved-ai diagnostics");
    assert_eq!(unapproved_diags(&params), vec![(3, 7)], "{params}");
    let diag = params["diagnostics"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["code"] == "unapproved-ai").cloned())
        .expect("diagnostic");
    assert!(
        diag["message"].as_str().unwrap_or("").contains("in total"),
        "{diag}"
    );
    // The code action approves through the signed path.
    let actions = client.call(
        "textDocument/codeAction",
        serde_json::json!({
            "textDocument": {"uri": uri},
            "range": diag["range"],
            "context": {"diagnostics": [diag]},
        }),
    );
    let approve = actions
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|x| x["command"]["command"] == "vouch.approveRange")
                .cloned()
        })
        .unwrap_or_else(|| panic!("no approve action: {actions}"));
    assert_eq!(
        approve["title"],
        "Approve AI lines 4-8 (signed) for origin/main..HEAD"
    );
    let arg = approve["command"]["arguments"][0].clone();
    let done = client
        .command("vouch.approveRange", arg)
        .unwrap_or_else(|e| panic!("approve failed: {e}"));
    assert_eq!(done["principal"], "grace@example.com", "{done}");
    assert_eq!(done["lines"], 5, "{done}");
    client
        .diagnostics_where(&uri, Duration::from_secs(30), |p| {
            unapproved_diags(p).is_empty()
        })
        .expect("the unapproved-ai diagnostics go away");
    client.shutdown();
    // The same record the CLI writes: CI accepts it.
    push_notes(&grace);
    w.ci_verify(&[]).expect_code(0);
}

/// An `ssh-agent` started for one test, stopped (by its pid) when dropped.
struct Agent {
    sock: PathBuf,
    pid: u32,
}

impl Agent {
    fn start(dir: &Path) -> Agent {
        let sock = dir.join("agent.sock");
        let out = Command::new("ssh-agent")
            .arg("-a")
            .arg(&sock)
            .arg("-s")
            .output()
            .expect("run ssh-agent");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let pid = text
            .split(';')
            .find_map(|p| p.trim().strip_prefix("SSH_AGENT_PID="))
            .and_then(|p| p.trim().parse().ok())
            .expect("agent pid");
        Agent { sock, pid }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.pid.to_string()).status();
    }
}

#[test]
fn a_key_literal_signs_through_ssh_agent() {
    let w = Forge::new(POLICY);
    let grace = w.clone("Grace");
    let agent = Agent::start(w.keys.path());
    let added = Command::new("ssh-add")
        .arg("-q")
        .arg(&w.grace.path)
        .env("SSH_AUTH_SOCK", &agent.sock)
        .output()
        .expect("run ssh-add");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    // The private key is only in the agent now; git's config names the public key literally.
    std::fs::remove_file(&w.grace.path).expect("remove the private key");
    grace.git(&["config", "gpg.format", "ssh"]);
    grace.git(&[
        "config",
        "user.signingKey",
        &format!("key::{}", w.grace.public),
    ]);
    let out = Command::new(support::vouch_bin())
        .args(["approve", "origin/main..origin/feature"])
        .current_dir(grace.path())
        .env("SSH_AUTH_SOCK", &agent.sock)
        .env("LC_ALL", "C")
        .output()
        .expect("run vouch");
    let out = VouchOutput(out).expect_code(0);
    assert!(
        out.stdout().contains("as grace@example.com"),
        "{}",
        out.stdout()
    );
    // No temporary key file is left behind in the git directory.
    let left: Vec<_> = std::fs::read_dir(grace.path().join(".git/vouch"))
        .expect("git dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".signing-key-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    push_notes(&grace);
    w.ci_verify(&[]).expect_code(0);
    // Without the agent, signing fails with exit 2 and says why.
    let out = grace
        .vouch(&["approve", "origin/main..origin/feature"])
        .expect_code(2);
    assert!(
        out.stderr().contains("ssh-keygen -Y sign failed"),
        "{}",
        out.stderr()
    );
}
