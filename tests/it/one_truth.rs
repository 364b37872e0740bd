//! Issue 16, end to end with the real binary, real git and SQLite: status,
//! check, verify, SARIF export and the language server's diagnostics give one
//! answer (`Policy::what_blocks`), reviews accumulate, and paths and lines
//! read as git users expect.
#![allow(clippy::unwrap_used)]

use crate::support;
use crate::support::git as gitsupport;
use crate::support::lsp as lspsupport;

use std::collections::BTreeSet;
use std::time::Duration;

use gitsupport::*;
use lspsupport::{LspClient, range, uri_of};
use serde_json::{Value, json};
use support::TempRepo;

const GRACE: &str = "Grace Hopper <grace@example.com>";
const ADA: &str = "Ada Lovelace <ada@example.com>";

/// The `(path, start, end)` ranges `vouch check` prints (`path:S-E: …` or `path:L: …`).
fn check_ranges(text: &str) -> BTreeSet<(String, u64, u64)> {
    text.lines()
        .filter_map(|l| {
            let (loc, _) = l.split_once(": ")?;
            let (path, lines) = loc.rsplit_once(':')?;
            let (s, e) = lines.split_once('-').unwrap_or((lines, lines));
            Some((path.to_owned(), s.parse().ok()?, e.parse().ok()?))
        })
        .collect()
}

const SHAPE: &str = "class Shape:
    def __init__(self, n):
        self.n = n

    def describe(self):
        return f\"{self.n} sides\"

    def area(self):
        return 0
";

// Item 1.
#[test]
fn reviewing_a_unit_covers_whole_lines_and_status_agrees_with_check() {
    let repo = base_repo();
    repo.write("util.py", SHAPE);
    mark(&repo, "util.py:1-9", "chatgpt", "gpt-5");
    repo.vouch(&["review", "util.py::Shape.describe", "--as", ADA])
        .expect_code(0);
    let status = status_ranges(&repo, &[]);
    // Nothing of describe (lines 5-6) is left: no indentation, no line break.
    assert!(
        status.iter().all(|(_, s, e)| *e < 5 || *s > 6),
        "{status:?}"
    );
    assert!(!status.is_empty());
    let check = repo.vouch(&["check"]).expect_code(1).stdout();
    assert_eq!(check_ranges(&check), status, "{check}");

    let out = repo
        .vouch(&["review", "util.py::Shape.__init__", "--as", ADA])
        .expect_code(0)
        .stdout();
    // Reported where __init__ is (its whole lines), not inside describe.
    assert!(out.starts_with("util.py:2-3: reviewed "), "{out}");
    let status = status_ranges(&repo, &[]);
    assert!(
        status.iter().all(|(_, s, e)| *e < 2 || *s > 3),
        "{status:?}"
    );
    let check = repo.vouch(&["check"]).expect_code(1).stdout();
    assert_eq!(check_ranges(&check), status, "{check}");

    // AI text of white space alone: the gate never blocks it, status never lists it.
    repo.write("blank.rs", "fn a() {}\n    \nfn b() {}\n");
    mark(&repo, "blank.rs:2", "chatgpt", "gpt-5");
    assert!(status_ranges(&repo, &["blank.rs"]).is_empty());
    let human = repo.vouch(&["status", "blank.rs"]).expect_code(0).stdout();
    assert!(!human.contains("blank.rs"), "{human}");
}

/// A repository with a policy: docs/ exempt, src/crypto/ needs Grace.
fn policy_repo() -> TempRepo {
    let repo = base_repo();
    init(&repo);
    repo.write(
        "vouch.toml",
        &format!(
            "[review]\nexempt = [\"docs/**\"]\n\n[[review.rule]]\npaths = [\"src/crypto/**\"]\nreviewers = [\"{GRACE}\"]\n"
        ),
    );
    repo.write("docs/guide.md", "# AI docs\nwritten by AI\n");
    repo.write("src/crypto/key.rs", "fn key() { 42 }\n");
    repo.write("src/open.rs", "fn open() { 1 }\n");
    repo.write("src/done.rs", "fn done() { 2 }\n");
    for f in [
        "docs/guide.md:1-2",
        "src/crypto/key.rs:1",
        "src/open.rs:1",
        "src/done.rs:1",
    ] {
        mark(&repo, f, "copilot", "gpt-5");
    }
    review(&repo, "src/crypto/key.rs", ADA);
    review(&repo, "src/done.rs", ADA);
    repo
}

// Item 2.
#[test]
fn status_shows_what_the_gate_blocks_with_policy_reasons() {
    let repo = policy_repo();
    let status = status_ranges(&repo, &[]);
    let expected: BTreeSet<(String, u64, u64)> = [
        ("src/crypto/key.rs".to_owned(), 1, 1),
        ("src/open.rs".to_owned(), 1, 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(status, expected);
    repo.git(&["add", "."]);
    let gate = repo.vouch(&["check", "--staged"]).expect_code(1).stdout();
    assert_eq!(check_ranges(&gate), expected, "{gate}");
    let work = repo.vouch(&["check"]).expect_code(1).stdout();
    assert_eq!(check_ranges(&work), expected, "{work}");

    let human = repo.vouch(&["status"]).expect_code(0).stdout();
    assert!(
        human.contains(&format!(
            "src/crypto/key.rs:1-1  copilot (gpt-5)  reviewed by {ADA}; src/crypto/** needs one of: {GRACE}"
        )),
        "{human}"
    );
    assert!(!human.contains("docs/guide.md"), "{human}");
    assert!(!human.contains("src/done.rs"), "{human}");

    // --all: everything AI-written, each saying whether it blocks.
    let all = repo
        .vouch(&["status", "--all", "--json"])
        .expect_code(0)
        .json();
    let by_path: Vec<(String, bool)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_owned(),
                e["blocked"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_path,
        [
            ("docs/guide.md".to_owned(), false),
            ("src/crypto/key.rs".to_owned(), true),
            ("src/done.rs".to_owned(), false),
            ("src/open.rs".to_owned(), true),
        ]
    );
    let human = repo.vouch(&["status", "--all"]).expect_code(0).stdout();
    assert!(human.contains("docs/guide.md:1-2"), "{human}");
    assert!(
        human.contains(&format!(
            "src/done.rs:1-1  copilot (gpt-5)  reviewed by {ADA}"
        )),
        "{human}"
    );
}

// Item 3.
#[test]
fn sarif_fails_what_the_policy_blocks_and_suppresses_only_what_it_accepts() {
    let repo = policy_repo();
    repo.git(&["add", "."]);
    ok(&try_git(
        &repo,
        &["commit", "--no-verify", "-q", "-m", "ai"],
    ));
    let sarif = repo
        .vouch(&["export", "--format", "sarif", "HEAD~1..HEAD"])
        .expect_code(0)
        .json();
    let results = sarif["runs"][0]["results"].as_array().unwrap().clone();
    let of = |path: &str| -> Value {
        results
            .iter()
            .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == path)
            .cloned()
            .unwrap_or_else(|| panic!("no result for {path}: {results:?}"))
    };
    for path in ["src/crypto/key.rs", "src/open.rs"] {
        let r = of(path);
        assert_eq!(r["kind"], "fail", "{r}");
        assert_eq!(r["level"], "error", "{r}");
        assert!(r.get("suppressions").is_none(), "{r}");
    }
    assert!(
        of("src/crypto/key.rs")["message"]["text"]
            .as_str()
            .unwrap()
            .contains("needs one of")
    );
    let done = of("src/done.rs");
    assert_eq!(done["kind"], "pass");
    assert_eq!(done["suppressions"][0]["status"], "accepted");
    // SARIF 2.1.0 §3.27.10: level is none whenever kind is not fail.
    for r in &results {
        if r["kind"] != "fail" {
            assert_eq!(r["level"], "none", "{r}");
        }
    }
    assert!(results.iter().all(
        |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] != "docs/guide.md"
    ));
    repo.write("vouch.toml", "[review]\nseverity = \"warning\"\n");
    let sarif = repo
        .vouch(&["export", "--format", "sarif", "HEAD~1..HEAD"])
        .expect_code(0)
        .json();
    let levels: BTreeSet<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "fail")
        .map(|r| r["level"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(levels, ["warning".to_owned()].into_iter().collect());
}

// Item 4.
#[test]
fn reviews_accumulate_and_review_all_leaves_accepted_code_alone() {
    let repo = policy_repo();
    // Grace reviews the crypto code; then Ada reviews "everything".
    review(&repo, "src/crypto/key.rs", GRACE);
    let out = repo
        .vouch(&["review", "--all", "--as", ADA])
        .expect_code(0)
        .stdout();
    // Only what the policy did not accept yet: src/open.rs.
    assert!(out.contains("src/open.rs: reviewed"), "{out}");
    assert!(
        !out.contains("key.rs") && !out.contains("guide.md"),
        "{out}"
    );
    repo.git(&["add", "."]);
    repo.vouch(&["check", "--staged"]).expect_code(0);
    let all = repo
        .vouch(&["status", "--all", "--json"])
        .expect_code(0)
        .json();
    let key = all
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "src/crypto/key.rs")
        .unwrap()
        .clone();
    let who: Vec<&str> = key["reviewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["by"].as_str().unwrap())
        .collect();
    assert_eq!(who, [ADA, GRACE], "{key}");
    // The exempt file was left alone by --all; --include-accepted reviews it.
    assert_eq!(
        all.as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == "docs/guide.md")
            .unwrap()["reviewed"],
        false
    );
    repo.vouch(&["review", "--all", "--include-accepted", "--as", ADA])
        .expect_code(0);
    repo.git(&["add", "."]);
    ok(&try_git(&repo, &["commit", "-q", "-m", "reviewed"]));
    // The note keeps both reviewers of the crypto line; verify accepts it.
    let n = note(&repo, "HEAD").expect("note");
    let reviewers: BTreeSet<String> = n["metadata"]["vouch"]["attestations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["path"] == "src/crypto/key.rs")
        .map(|a| a["reviewer"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        reviewers,
        [ADA.to_owned(), GRACE.to_owned()].into_iter().collect()
    );
    repo.vouch(&["verify"]).expect_code(0);
    let exported = repo
        .vouch(&["export", "--format", "json", "HEAD~1..HEAD"])
        .expect_code(0)
        .json();
    let file = exported[0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "src/crypto/key.rs")
        .unwrap()
        .clone();
    assert_eq!(
        file["ranges"][0]["reviewers"].as_array().map(Vec::len),
        Some(2),
        "{file}"
    );
}

// Item 5.
#[test]
fn printed_paths_are_relative_to_the_current_directory() {
    let repo = base_repo();
    init(&repo);
    repo.write("src/lib.rs", "fn a() {}\nfn b() { 1 }\nfn c() { 2 }\n");
    mark(&repo, "src/lib.rs:2-3", "copilot", "gpt-5");
    let out = repo
        .vouch_in("src", &["status", "."])
        .expect_code(0)
        .stdout();
    assert!(out.contains("\n  lib.rs:2-3  copilot (gpt-5)"), "{out}");
    assert!(!out.contains("src/lib.rs"), "{out}");
    let json = repo
        .vouch_in("src", &["status", "--json", "."])
        .expect_code(0)
        .json();
    assert_eq!(json[0]["path"], "src/lib.rs");
    repo.git(&["add", "."]);
    let gate = repo
        .vouch_in("src", &["check", "--staged"])
        .expect_code(1)
        .stdout();
    assert!(gate.starts_with("lib.rs:2-3: unreviewed AI code"), "{gate}");
    let other = repo.vouch_in("src", &["status"]).expect_code(0).stdout();
    repo.write("b.rs", "fn z() { 9 }\n");
    mark(&repo, "b.rs:1", "copilot", "gpt-5");
    let both = repo.vouch_in("src", &["status"]).expect_code(0).stdout();
    assert!(both.contains("../b.rs:1-1"), "{other}\n{both}");
    // The printed location pasted back from the same folder works.
    repo.vouch_in("src", &["review", "lib.rs:2-3", "--as", ADA])
        .expect_code(0);
    repo.vouch_in("src", &["review", "../b.rs:1-1", "--as", ADA])
        .expect_code(0);
    assert!(status_ranges(&repo, &[]).is_empty());
}

// Item 6.
#[test]
fn a_path_that_does_not_exist_is_an_error() {
    let repo = base_repo();
    let out = repo.vouch(&["status", "nosuch.rs"]).expect_code(2);
    assert!(out.stderr().contains("nosuch.rs"), "{}", out.stderr());
    assert_eq!(out.stdout(), "");
    repo.vouch(&["review", "nosuch.rs", "--as", ADA])
        .expect_code(2);
    repo.vouch(&["forget", "nosuch.rs"]).expect_code(2);
    repo.vouch(&["mark", "nosuch.rs:1", "--tool", "t"])
        .expect_code(2);
}

// Item 7.
#[test]
fn the_line_after_the_last_line_break_is_not_a_line() {
    let repo = base_repo();
    repo.write("f.rs", &numbered("fn f", 1..=25));
    let out = repo
        .vouch(&["mark", "f.rs:26", "--tool", "chatgpt"])
        .expect_code(2);
    assert!(
        out.stderr().contains("the file has 25 lines"),
        "{}",
        out.stderr()
    );
    let out = repo
        .vouch(&["mark", "f.rs:25", "--tool", "chatgpt"])
        .expect_code(0)
        .stdout();
    assert!(
        out.contains("f.rs:25: marked as written by chatgpt (12 bytes changed)"),
        "{out}"
    );
    // Marking it again changes nothing, and says so.
    let again = repo
        .vouch(&["mark", "f.rs:25", "--tool", "chatgpt"])
        .expect_code(0)
        .stdout();
    assert!(
        again.contains("nothing changed") && !again.contains("bytes changed"),
        "{again}"
    );
    let out = repo
        .vouch(&["review", "f.rs:26", "--as", ADA])
        .expect_code(2);
    assert!(
        out.stderr().contains("f.rs:26: the file has 25 lines"),
        "{}",
        out.stderr()
    );
}

// Item 8.
#[test]
fn the_gate_lists_ranges_not_lines() {
    let repo = base_repo();
    init(&repo);
    // 300 AI lines with a blank line in the middle: one range.
    let text = format!(
        "{}\n{}",
        numbered("fn ai", 1..=150),
        numbered("fn ai", 151..=300)
    );
    repo.write("big.rs", &text);
    mark(&repo, "big.rs:3-301", "claude-code", "claude-opus-4");
    repo.git(&["add", "."]);
    let out = repo.vouch(&["check", "--staged"]).expect_code(1).stdout();
    let listed: Vec<&str> = out.lines().filter(|l| l.starts_with("big.rs:")).collect();
    assert_eq!(
        listed,
        ["big.rs:3-301: unreviewed AI code (claude-code, claude-opus-4)"],
        "{out}"
    );
    assert!(out.contains("298 staged lines hold"), "{out}");
    let work = repo.vouch(&["check"]).expect_code(1).stdout();
    assert_eq!(check_ranges(&work), check_ranges(&out), "{work}");
    assert_eq!(status_ranges(&repo, &[]), check_ranges(&out));
}

// Item 9: one-line inline completions under the limit are ignored alike by
// the diagnostics, status, check and verify, and still recorded as AI.
#[test]
fn ignore_below_is_applied_alike_everywhere_and_the_text_stays_ai() {
    let repo = base_repo();
    init(&repo);
    repo.write("vouch.toml", "[review]\nignore_below = { chars = 16 }\n");
    // The policy is in the base, so `vouch verify RANGE` reads it too.
    repo.git(&["add", "vouch.toml"]);
    ok(&try_git(&repo, &["commit", "-q", "-m", "policy"]));
    let text = "fn main() {\n    let total = compute();\n}\n";
    repo.write("src/m.rs", text);
    let mut c = LspClient::start(repo.path());
    c.initialize(repo.path(), true, json!({}));
    let uri = uri_of(&repo.path().join("src/m.rs"));
    c.open(&uri, 1, text);
    // A one-word completion ("compute", 7 characters)...
    c.change(&uri, 2, range(1, 16, 1, 23), "compute");
    c.accept_ai(
        &uri,
        2,
        vec![range(1, 16, 1, 23)],
        json!({"tool": "copilot", "model": "gpt-4.1", "kind": "inline-completion"}),
    );
    // ...and a longer one on a new line (24 characters).
    c.change(&uri, 3, range(2, 0, 2, 0), "    println!(\"{total}\");\n");
    c.accept_ai(
        &uri,
        3,
        vec![range(2, 0, 2, 26)],
        json!({"tool": "copilot", "model": "gpt-4.1", "kind": "inline-completion"}),
    );
    let diags = c
        .diagnostics_where(&uri, Duration::from_secs(10), |p| {
            p["version"] == 3 || p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
        })
        .expect("diagnostics");
    let lines: Vec<u64> = diags["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [2], "{diags}");
    // The server wrote the store before answering: the CLI agrees.
    let _ = c.regions(&uri);
    c.shutdown();
    std::fs::write(
        repo.path().join("src/m.rs"),
        "fn main() {\n    let total = compute();\n    println!(\"{total}\");\n}\n",
    )
    .unwrap();
    let status = status_ranges(&repo, &[]);
    assert_eq!(
        status,
        [("src/m.rs".to_owned(), 3, 3)].into_iter().collect()
    );
    repo.git(&["add", "."]);
    let gate = repo.vouch(&["check", "--staged"]).expect_code(1).stdout();
    assert_eq!(check_ranges(&gate), status, "{gate}");
    ok(&try_git(
        &repo,
        &["commit", "--no-verify", "-q", "-m", "ai"],
    ));
    let out = repo.vouch(&["verify"]).expect_code(1).stdout();
    assert!(out.contains("src/m.rs:3: unreviewed"), "{out}");
    assert!(!out.contains("src/m.rs:2"), "{out}");
    // The signed range check (what CI runs) lets the same noise go.
    let range = repo
        .vouch(&["verify", "HEAD~1..HEAD", "--format", "json"])
        .expect_code(1)
        .json();
    let ranges: Vec<(u64, u64)> = range["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["ranges"].as_array().unwrap().clone())
        .map(|r| {
            (
                r["start_line"].as_u64().unwrap(),
                r["end_line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ranges, [(3, 3)], "{range}");
    // Still AI in the note and in blame.
    let n = note(&repo, "HEAD").unwrap();
    assert_eq!(ai_line_numbers(&n, "src/m.rs"), vec![2, 3]);
    let blame = repo
        .vouch(&["blame", "--json", "src/m.rs"])
        .expect_code(0)
        .json();
    assert_eq!(blame[1]["origin"], "mixed");
    assert_eq!(blame[1]["reviewed"], false);
}

/// Runs `vouch args` in `repo` with its standard output a pipe whose
/// reading end is closed before it starts (what `| head -0` or a pager that
/// quit does): its first write fails, however soon it comes.
fn with_stdout_closed(repo: &TempRepo, args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    std::process::Command::new(support::vouch_bin())
        .args(args)
        .current_dir(repo.path())
        .env("LC_ALL", "C")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run vouch")
}

// Small things: `vouch … | head` ends quietly, as git does.
#[test]
fn every_command_stops_quietly_when_its_reader_goes_away() {
    let repo = policy_repo();
    repo.git(&["add", "."]);
    ok(&try_git(
        &repo,
        &["commit", "--no-verify", "-q", "-m", "ai"],
    ));
    repo.write("src/open.rs", "fn open() { 1 }\nfn more() { 3 }\n");
    mark(&repo, "src/open.rs:2", "copilot", "gpt-5");
    for args in [
        vec!["status"],
        vec!["status", "--all", "--json"],
        vec!["check"],
        vec!["blame", "src/open.rs"],
        vec!["blame", "--json", "src/open.rs"],
        vec!["export"],
        vec!["export", "--format", "sarif"],
        vec!["export", "--format", "json"],
        vec!["verify"],
        vec!["review", "--all", "--as", ADA],
        vec!["mark", "src/open.rs:1", "--tool", "t"],
        vec!["forget", "src/open.rs:1"],
        vec!["--help"],
    ] {
        let out = with_stdout_closed(&repo, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.is_empty(), "{args:?}: stderr {err:?}");
        // git's status for a closed pipe (128 + SIGPIPE): never 0, which
        // would let `vouch verify | head` pass under `set -o pipefail`.
        assert_eq!(out.status.code(), Some(141), "{args:?}: {err}");
    }
}

// Small things: singular forms, blame's columns and errors.
#[test]
fn singular_forms_aligned_blame_and_one_cause() {
    let repo = base_repo();
    init(&repo);
    repo.write("one.rs", "x\n");
    mark(&repo, "one.rs:1", "copilot", "gpt-5");
    // "x" plus the line break: 2 bytes; a 1-byte review of a fresh 1-byte mark.
    repo.write("b.rs", "y");
    mark(&repo, "b.rs:1", "copilot", "gpt-5");
    let out = repo
        .vouch(&["review", "b.rs", "--as", ADA])
        .expect_code(0)
        .stdout();
    assert!(
        out.contains("b.rs: reviewed 1 byte of AI-written code"),
        "{out}"
    );
    repo.git(&["add", "."]);
    ok(&try_git(
        &repo,
        &["commit", "--no-verify", "-q", "-m", "ai"],
    ));
    let out = repo.vouch(&["verify"]).expect_code(1).stdout();
    assert!(
        out.starts_with("vouch verify: 1 of 2 commits holds AI code"),
        "{out}"
    );

    // Columns stay aligned with a long reviewer name and `uncommitted`.
    let long = "Someone With A Really Long Name <someone.with.a.really.long.name@example.com>";
    repo.vouch(&["review", "one.rs", "--as", long])
        .expect_code(0);
    repo.write("one.rs", "x\nz\n");
    mark(&repo, "one.rs:2", "claude-code", "claude-opus-4-20250514");
    let blame = repo.vouch(&["blame", "one.rs"]).expect_code(0).stdout();
    let bars: BTreeSet<usize> = blame.lines().map(|l| l.find(" | ").unwrap()).collect();
    assert_eq!(bars.len(), 1, "{blame}");
    assert!(
        blame.contains("uncommitted") && blame.contains(long),
        "{blame}"
    );

    std::fs::create_dir(repo.path().join("dir")).unwrap();
    let err = repo.vouch(&["blame", "dir"]).expect_code(2).stderr();
    assert_eq!(err.matches("directory").count(), 1, "{err}");
}

// Items 2 and 4 in the editors: the diagnostics follow the policy
// (what `vouch status` lists), and the attribution JSON carries every reviewer.
#[test]
fn diagnostics_follow_the_policy_and_regions_list_every_reviewer() {
    let repo = policy_repo();
    let mut c = LspClient::start(repo.path());
    c.initialize(repo.path(), true, json!({}));
    let open = |c: &mut LspClient, rel: &str| -> String {
        let uri = uri_of(&repo.path().join(rel));
        c.open(&uri, 1, &repo.read(rel));
        uri
    };
    let key = open(&mut c, "src/crypto/key.rs");
    let d = c
        .diagnostics_where(&key, Duration::from_secs(10), |p| {
            p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
        })
        .expect("a diagnostic for code reviewed by the wrong person");
    let msg = d["diagnostics"][0]["message"].as_str().unwrap().to_owned();
    assert!(
        msg.contains(&format!(
            "reviewed by {ADA}; src/crypto/** needs one of: {GRACE}"
        )),
        "{msg}"
    );
    for rel in ["docs/guide.md", "src/done.rs"] {
        let uri = open(&mut c, rel);
        let d = c
            .diagnostics_where(&uri, Duration::from_secs(10), |_| true)
            .expect("diagnostics");
        assert_eq!(d["diagnostics"], json!([]), "{rel}");
    }
    // Grace reviews from the command line; the server adopts the store's
    // write, both reviewers are listed and the diagnostic goes away.
    review(&repo, "src/crypto/key.rs", GRACE);
    c.diagnostics_where(&key, Duration::from_secs(10), |p| {
        p["diagnostics"] == json!([])
    })
    .expect("diagnostic cleared after Grace's review");
    let regions = c.regions(&key);
    let who: Vec<&str> = regions["regions"][0]["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["by"].as_str().unwrap())
        .collect();
    assert_eq!(who, [ADA, GRACE], "{regions}");
    assert_eq!(regions["regions"][0]["reviewedBy"], GRACE);
    c.shutdown();
}

// The diagnostics apply `distinct_from_author` like the gate: the author is
// git's identity.
#[test]
fn diagnostics_know_the_author_like_the_gate() {
    let repo = base_repo();
    repo.write(
        "vouch.toml",
        "[[review.rule]]\npaths = [\"src/**\"]\ndistinct_from_author = true\n",
    );
    repo.write("src/k.rs", "fn k() { 1 }\n");
    mark(&repo, "src/k.rs:1", "copilot", "gpt-5");
    review(&repo, "src/k.rs", "Test User <test@example.com>");
    repo.git(&["add", "."]);
    let gate = repo.vouch(&["check", "--staged"]).expect_code(1).stdout();
    assert!(
        gate.contains("src/k.rs:1: AI code (copilot, gpt-5) reviewed only by its author"),
        "{gate}"
    );
    let mut c = LspClient::start(repo.path());
    c.initialize(repo.path(), true, json!({}));
    let uri = uri_of(&repo.path().join("src/k.rs"));
    c.open(&uri, 1, &repo.read("src/k.rs"));
    let d = c
        .diagnostics_where(&uri, Duration::from_secs(10), |p| {
            p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
        })
        .expect("a diagnostic for code reviewed only by its author");
    let msg = d["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("reviewed only by its author Test User"),
        "{msg}"
    );
    c.shutdown();
}
