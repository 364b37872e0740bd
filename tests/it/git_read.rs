//! Reading provenance back, end to end: `vouch blame`, `vouch export`
//! (Agent Trace, SARIF, JSON), `vouch verify`, and notes shared through a
//! bare remote by two clones.

use crate::support;
use crate::support::git as gitsupport;

use gitsupport::*;
use serde_json::Value;
use support::TempRepo;

const ADA: &str = "Ada <ada@example.com>";

/// Three commits: base (human), one with reviewed AI lines 2-3 of a.rs, one
/// with unreviewed AI (committed with --no-verify) in b.rs; plus an
/// uncommitted AI line appended to a.rs.
fn history() -> TempRepo {
    let repo = TempRepo::new();
    init(&repo);
    repo.write("a.rs", &numbered("fn h", 1..=4));
    repo.git(&["add", "a.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "base"]));
    repo.write(
        "a.rs",
        "fn h1() {}\nfn ai2() { 2 }\nfn ai3() { 3 }\nfn h4() {}\n",
    );
    mark(&repo, "a.rs:2-3", "copilot", "gpt-5");
    review(&repo, "a.rs", ADA);
    repo.git(&["add", "a.rs"]);
    ok(&try_git(&repo, &["commit", "-m", "reviewed ai"]));
    repo.write("b.rs", "fn b() {}\n");
    mark(&repo, "b.rs:1", "claude", "claude-opus-4");
    repo.git(&["add", "b.rs"]);
    ok(&try_git(
        &repo,
        &["commit", "--no-verify", "-m", "unreviewed ai"],
    ));
    repo.write(
        "a.rs",
        "fn h1() {}\nfn ai2() { 2 }\nfn ai3() { 3 }\nfn h4() {}\nfn wip() {}\n",
    );
    mark(&repo, "a.rs:5", "codex", "gpt-5-codex");
    repo
}

#[test]
fn blame_combines_notes_and_working_tree() {
    let repo = history();
    let lines = repo
        .vouch(&["blame", "--json", "a.rs"])
        .expect_code(0)
        .json();
    let lines = lines.as_array().unwrap();
    assert_eq!(lines.len(), 5);
    let ai_commit = rev(&repo, "HEAD~1");
    assert_eq!(lines[0]["origin"], "human");
    assert_eq!(lines[0]["commit"], rev(&repo, "HEAD~2"));
    assert_eq!(lines[0]["reviewed"], Value::Null);
    for l in &lines[1..3] {
        assert_eq!(l["origin"], "ai");
        assert_eq!(l["tool"], "copilot");
        assert_eq!(l["model"], "gpt-5");
        assert_eq!(l["reviewed"], true);
        assert_eq!(l["reviewer"], ADA);
        assert_eq!(l["commit"], ai_commit.as_str());
    }
    assert_eq!(lines[4]["origin"], "ai");
    assert_eq!(lines[4]["tool"], "codex");
    assert_eq!(lines[4]["reviewed"], false);
    assert_eq!(lines[4]["commit"], Value::Null);
    let human = repo.vouch(&["blame", "a.rs"]).expect_code(0).stdout();
    assert!(human.contains("reviewed by Ada"), "{human}");
    assert!(human.contains("uncommitted"), "{human}");
}

/// The units of AI lines come from the store's unit-name cache once a
/// blame has named them: a second blame (names from the cache) prints
/// exactly what the first (names from a parse) did, and a changed text is
/// parsed again, not answered from the old text's names.
#[test]
fn blame_names_units_the_same_from_the_cache() {
    let repo = history();
    let first = repo
        .vouch(&["blame", "--json", "a.rs"])
        .expect_code(0)
        .stdout();
    let units: Vec<Value> = serde_json::from_str::<Value>(&first)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["unit"].clone())
        .collect();
    assert_eq!(
        units,
        [
            Value::Null,
            "ai2".into(),
            "ai3".into(),
            Value::Null,
            "wip".into()
        ]
    );
    let again = repo
        .vouch(&["blame", "--json", "a.rs"])
        .expect_code(0)
        .stdout();
    assert_eq!(again, first);
    // Same byte ranges, other functions: the old names must not come back.
    repo.write(
        "a.rs",
        "fn h1() {}\nfn bi2() { 2 }\nfn bi3() { 3 }\nfn h4() {}\nfn new() {}\n",
    );
    mark(&repo, "a.rs:5", "codex", "gpt-5-codex");
    let after = repo
        .vouch(&["blame", "--json", "a.rs"])
        .expect_code(0)
        .json();
    assert_eq!(after.as_array().unwrap()[4]["unit"], "new");
}

#[test]
fn blame_reads_notes_alone_in_a_fresh_clone() {
    let repo = history();
    let remote = bare_remote();
    let url = remote.path().to_string_lossy().into_owned();
    repo.git(&["remote", "add", "origin", &url]);
    init(&repo);
    ok(&try_git(&repo, &["push", "-q", "origin", "main"]));
    let clone = clone_of(remote.path(), "Bob");
    init(&clone);
    ok(&try_git(&clone, &["fetch", "-q", "origin"]));
    let lines = clone
        .vouch(&["blame", "--json", "a.rs"])
        .expect_code(0)
        .json();
    assert_eq!(lines[1]["origin"], "ai");
    assert_eq!(lines[1]["reviewer"], ADA);
    assert_eq!(lines[0]["origin"], "human");
    let b = clone
        .vouch(&["blame", "--json", "b.rs"])
        .expect_code(0)
        .json();
    assert_eq!(b[0]["tool"], "claude");
    assert_eq!(b[0]["reviewed"], false);
}

#[test]
fn export_agent_trace_json_and_sarif() {
    let repo = history();
    let out = repo.vouch(&["export"]).expect_code(0).stdout();
    let records: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON record per line"))
        .collect();
    assert_eq!(records.len(), 3, "{out}");
    assert_eq!(records[0]["vcs"]["revision"], rev(&repo, "HEAD~2"));
    assert_eq!(records[1]["files"][0]["path"], "a.rs");
    for r in &records {
        assert_eq!(r["version"], "0.1.0");
    }
    let only_last = repo
        .vouch(&["export", "HEAD~1..HEAD"])
        .expect_code(0)
        .stdout();
    assert_eq!(only_last.lines().count(), 1);

    let json = repo
        .vouch(&["export", "--format", "json"])
        .expect_code(0)
        .json();
    let ai = &json[1]["files"][0]["ranges"][0];
    assert_eq!(
        (ai["start_line"].clone(), ai["end_line"].clone()),
        (2.into(), 3.into())
    );
    assert_eq!(ai["reviewer"], ADA);
    assert_eq!(json[2]["files"][0]["ranges"][0]["reviewed"], false);

    let sarif = repo
        .vouch(&["export", "--format", "sarif"])
        .expect_code(0)
        .json();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["tool"]["driver"]["name"], "vouch");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let reviewed = results
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a.rs")
        .unwrap();
    // Accepted by the policy: kind pass, level none (SARIF 2.1.0 §3.27.10).
    assert_eq!(reviewed["kind"], "pass");
    assert_eq!(reviewed["level"], "none");
    assert_eq!(reviewed["suppressions"][0]["status"], "accepted");
    assert_eq!(reviewed["suppressions"][0]["kind"], "external");
    let region = &reviewed["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 2);
    assert_eq!(region["endLine"], 3);
    let open = results
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "b.rs")
        .unwrap();
    assert_eq!(open["kind"], "fail");
    assert_eq!(open["level"], "error");
    assert!(open.get("suppressions").is_none());
    assert!(open["message"]["text"].as_str().unwrap().contains("claude"));
}

#[test]
fn verify_lists_offending_commits() {
    let repo = history();
    let out = repo.vouch(&["verify"]).expect_code(1).stdout();
    assert!(out.contains("unreviewed ai"), "{out}");
    assert!(
        out.contains("b.rs:1: unreviewed AI code (claude, claude-opus-4)"),
        "{out}"
    );
    let reviewed = rev(&repo, "HEAD~1");
    assert!(!out.contains(&reviewed[..12]), "{out}");
    repo.vouch(&["verify", "HEAD~2..HEAD~1"]).expect_code(0);
    // Trailers without a note: `Assisted-by:` fails, a human co-author does not.
    repo.git(&["notes", "--ref", "refs/notes/vouch", "remove", "HEAD~1"]);
    repo.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "--no-verify",
        "-m",
        "x\n\nAssisted-by: aider:gpt-5",
    ]);
    repo.git(&["notes", "--ref", "refs/notes/vouch", "remove", "HEAD"]);
    let out = repo
        .vouch(&["verify", "HEAD~1..HEAD"])
        .expect_code(1)
        .stdout();
    assert!(out.contains("Assisted-by: aider:gpt-5"), "{out}");
    // The whole history: each offender after a blank line, in the
    // history's order, under a header that counts them.
    let all = repo.vouch(&["verify"]).expect_code(1).stdout();
    let (x, unreviewed) = (rev(&repo, "HEAD"), rev(&repo, "HEAD~1"));
    let head = "vouch verify: 2 of 4 commits hold AI code not reviewed as the policy requires:\n";
    let x = format!(
        "\n{x} x\n  no provenance note, but the message says AI helped (Assisted-by: aider:gpt-5)\n"
    );
    let unreviewed = format!(
        "\n{unreviewed} unreviewed ai\n  b.rs:1: unreviewed AI code (claude, claude-opus-4)\n"
    );
    assert_eq!(all, format!("{head}{unreviewed}{x}"));
    repo.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "--no-verify",
        "-m",
        "y\n\nCo-authored-by: Jane <jane@example.com>",
    ]);
    repo.git(&["notes", "--ref", "refs/notes/vouch", "remove", "HEAD"]);
    repo.vouch(&["verify", "HEAD~1..HEAD"]).expect_code(0);
    // A policy that switches review off passes everything.
    repo.write("vouch.toml", "[review]\nrequire = false\n");
    repo.vouch(&["verify"]).expect_code(0);
    repo.write("vouch.toml", "[review]\nrequire = 1\n");
    let out = repo.vouch(&["verify"]).expect_code(2);
    assert!(
        out.stderr().contains("vouch.toml: line 2"),
        "{}",
        out.stderr()
    );
}

#[test]
fn notes_travel_through_a_bare_remote_without_force() {
    let remote = bare_remote();
    let one = clone_of(remote.path(), "One");
    init(&one);
    one.write("a.rs", "fn a() {}\n");
    one.git(&["add", "a.rs"]);
    ok(&try_git(&one, &["commit", "-m", "first"]));
    ok(&try_git(&one, &["push", "-q", "origin", "main"]));
    let config = one.git(&["config", "--get-all", "remote.origin.fetch"]);
    assert!(
        config.contains("+refs/notes/vouch:refs/notes/remotes/origin/vouch"),
        "{config}"
    );

    let two = clone_of(remote.path(), "Two");
    init(&two);
    ok(&try_git(&two, &["fetch", "-q", "origin"]));

    // Both commit on their own branches at once, each with a note.
    one.write("one.rs", "fn one() {}\n");
    mark(&one, "one.rs:1", "copilot", "gpt-5");
    review(&one, "one.rs", ADA);
    one.git(&["add", "one.rs"]);
    ok(&try_git(&one, &["commit", "-m", "one"]));
    two.git(&["checkout", "-q", "-b", "two"]);
    two.write("two.rs", "fn two() {}\n");
    mark(&two, "two.rs:1", "claude", "claude-opus-4");
    review(&two, "two.rs", "Bob <bob@example.com>");
    two.git(&["add", "two.rs"]);
    ok(&try_git(&two, &["commit", "-m", "two"]));

    ok(&try_git(&one, &["push", "-q", "origin", "main"]));
    // Two's notes ref has diverged from the remote's: the pre-push hook merges, no force.
    let pushed = ok(&try_git(&two, &["push", "origin", "two"]));
    assert!(!pushed.contains("forced update"), "{pushed}");
    let one_c = rev(&one, "HEAD");
    let two_c = rev(&two, "HEAD");
    assert!(
        note_in(remote.path(), &one_c).is_some(),
        "remote lacks one's note"
    );
    assert!(
        note_in(remote.path(), &two_c).is_some(),
        "remote lacks two's note"
    );
    // The remote's notes history contains both clones' notes commits.
    let log = String::from_utf8_lossy(
        &git_in(
            remote.path(),
            &["log", "--format=%an", "refs/notes/vouch"],
            &[],
        )
        .stdout,
    )
    .into_owned();
    assert!(log.contains("One") && log.contains("Two"), "{log}");

    // One fetches: vouch reads two's note from the fetched copy at once,
    // and the next hook (here a branch switch's post-checkout; `git pull`'s
    // post-merge or post-rewrite too) merges it into one's own notes ref.
    ok(&try_git(&one, &["fetch", "-q", "origin"]));
    assert!(
        note(&one, &two_c).is_none(),
        "no hook runs on fetch (the reference-transaction hook is gone)"
    );
    let out = one
        .vouch(&["export", "--format", "json", "origin/two"])
        .expect_code(0)
        .json();
    let commits: Vec<&str> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["commit"].as_str().unwrap())
        .collect();
    assert!(commits.contains(&two_c.as_str()), "{out}");
    ok(&try_git(
        &one,
        &["checkout", "-q", "-b", "look", "origin/two"],
    ));
    ok(&try_git(&one, &["checkout", "-q", "main"]));
    assert!(
        note(&one, &two_c).is_some(),
        "the post-checkout hook did not merge two's note"
    );
    // One's next push merges two's notes into its own ref and pushes them.
    one.write("three.rs", "fn three() {}\n");
    one.git(&["add", "three.rs"]);
    ok(&try_git(&one, &["commit", "-m", "three"]));
    ok(&try_git(&one, &["push", "-q", "origin", "main"]));
    assert!(note(&one, &two_c).is_some());
    assert!(note_in(remote.path(), &rev(&one, "HEAD")).is_some());
}

/// `export` writes commit by commit as it reads the notes; the JSON forms
/// are still exactly serde_json's pretty form of the whole document, with
/// more commits than one batch of notes.
#[test]
fn export_streams_the_same_bytes_as_the_whole_document() {
    let repo = history();
    // 300 more annotated commits (a batch of notes is 256), in one fast-import.
    let head = rev(&repo, "HEAD");
    let notes = rev(&repo, "refs/notes/vouch");
    let mut stream = String::new();
    for i in 1..=300 {
        let from = if i == 1 {
            head.clone()
        } else {
            format!(":{}", i - 1)
        };
        stream.push_str(&format!(
            "commit refs/heads/main\nmark :{i}\ncommitter C <c@example.com> {} +0000\ndata 1\nc\nfrom {from}\n",
            1_700_000_000 + i
        ));
        if i == 1 {
            // The file the notes describe, long enough for every line they name.
            let c_rs: String = (1..=300).map(|l| format!("fn c{l}() {{}}\n")).collect();
            stream.push_str(&format!(
                "M 100644 inline c.rs\ndata {}\n{c_rs}\n",
                c_rs.len()
            ));
        }
        stream.push('\n');
    }
    stream.push_str(&format!(
        "commit refs/notes/vouch\ncommitter C <c@example.com> 1700000999 +0000\ndata 1\nn\nfrom {notes}\n"
    ));
    for i in 1..=300 {
        let record = serde_json::json!({"version": "0.1.0", "vcs": {"type": "git", "revision": "x"},
            "files": [{"path": "c.rs", "conversations": [{"contributor": {"type": "ai", "model_id": "m"},
            "ranges": [{"start_line": i, "end_line": i}]}]}]})
        .to_string();
        stream.push_str(&format!("N inline :{i}\ndata {}\n{record}\n", record.len()));
    }
    let mut child = std::process::Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(repo.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), stream.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    repo.git(&["reset", "-q", "--hard", "main"]);
    for format in ["json", "sarif"] {
        let out = repo
            .vouch(&["export", "--format", format])
            .expect_code(0)
            .stdout();
        let whole: Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(
            out,
            format!("{}\n", serde_json::to_string_pretty(&whole).unwrap()),
            "{format}"
        );
        let n = match format {
            "json" => whole.as_array().unwrap().len(),
            _ => whole["runs"][0]["results"].as_array().unwrap().len(),
        };
        assert!(n >= 302, "{format}: {n}");
    }
    let lines = repo.vouch(&["export"]).expect_code(0).stdout();
    assert_eq!(lines.lines().count(), 303);
    // An empty range is an empty array.
    let out = repo
        .vouch(&["export", "--format", "json", "HEAD..HEAD"])
        .expect_code(0)
        .stdout();
    assert_eq!(out, "[]\n");
}

/// Five lines, the middle two AI.
const AI_TEXT: &str = "fn h1() {}\nfn h2() {}\nfn ai1() { 1 }\nfn ai2() { 2 }\nfn h5() {}\n";

/// Writes `path` with [`AI_TEXT`], lines 3-4 marked copilot's.
fn write_ai_file(repo: &TempRepo, path: &str) {
    repo.write(path, AI_TEXT);
    mark(repo, &format!("{path}:3-4"), "copilot", "gpt-5");
}

/// git lists a file whose stat data changed (copied, touched) as changed
/// since `HEAD` until something refreshes the index, which a command that
/// writes nothing does not do: `status` and `blame` say the same of it
/// either way. Here b.rs, committed without the hooks (the store does not
/// track it), holds the text of c.rs, whose record holds AI lines; only a
/// change since `HEAD` would make `status` look at b.rs.
#[test]
fn status_is_the_same_whether_or_not_git_refreshed_the_index() {
    let repo = base_repo();
    init(&repo);
    let text = AI_TEXT;
    write_ai_file(&repo, "c.rs");
    repo.git(&["add", "c.rs"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "ai"]);
    repo.write("b.rs", text);
    repo.git(&["add", "b.rs"]);
    repo.git(&["-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "b"]);
    repo.write("c.rs", &format!("{text}fn h6() {{}}\n"));
    // b.rs touched: git lists it until the index is refreshed.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .append(true)
        .open(repo.path().join("b.rs"))
        .and_then(|f| f.set_modified(later))
        .expect("touch b.rs");
    let listed = repo.git(&["diff-index", "--name-only", "HEAD"]);
    assert!(listed.contains("b.rs"), "{listed}");
    let status = |repo: &TempRepo| {
        repo.vouch(&["status", "--all", "--json"])
            .expect_code(0)
            .stdout()
    };
    let blame = |repo: &TempRepo| repo.vouch(&["blame", "b.rs"]).expect_code(0).stdout();
    let (stale_status, stale_blame) = (status(&repo), blame(&repo));
    repo.git(&["update-index", "-q", "--refresh"]);
    assert!(
        !repo
            .git(&["diff-index", "--name-only", "HEAD"])
            .contains("b.rs")
    );
    assert_eq!(stale_status, status(&repo));
    assert_eq!(stale_blame, blame(&repo));
    assert!(stale_status.contains("c.rs"), "{stale_status}");
}

/// The origins `vouch blame --json` gives each line of `path`.
fn blame_origins(repo: &TempRepo, path: &str) -> Vec<String> {
    let blame = repo.vouch(&["blame", "--json", path]).expect_code(0).json();
    blame
        .as_array()
        .unwrap_or_else(|| panic!("blame lines: {blame}"))
        .iter()
        .map(|l| l["origin"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Files git does not list as changed for another reason than their stat
/// data are still looked at: before the first commit (git lists nothing),
/// a file `git mv` moved keeps its AI lines in `status` and `check`.
#[test]
fn a_file_moved_before_the_first_commit_keeps_its_ai_lines() {
    let repo = TempRepo::new();
    init(&repo);
    write_ai_file(&repo, "a.rs");
    repo.git(&["add", "a.rs"]);
    repo.git(&["mv", "a.rs", "b.rs"]);
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(status[0]["path"], "b.rs", "{status}");
    assert_eq!(status[0]["startLine"], 3, "{status}");
    assert_eq!(status[0]["endLine"], 4, "{status}");
    let out = repo.vouch(&["check"]).expect_code(1).stdout();
    assert!(out.contains("b.rs:3-4"), "{out}");
}

/// A file git does not track at all (moved with `mv`, not `git mv`) is not
/// listed by git either: it takes the AI lines of the record it came from.
#[test]
fn a_file_moved_outside_git_keeps_its_ai_lines_in_blame() {
    let repo = base_repo();
    init(&repo);
    write_ai_file(&repo, "c.rs");
    repo.git(&["add", "c.rs"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "ai"]);
    std::fs::rename(repo.path().join("c.rs"), repo.path().join("new.rs")).expect("mv");
    assert_eq!(
        blame_origins(&repo, "new.rs"),
        vec!["human", "human", "ai", "ai", "human"]
    );
}
