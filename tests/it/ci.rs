//! Pull requests and CI (issue 15), end to end with real git, real
//! `ssh-keygen` and the real `vouch` binary: `vouch report`, the CI script
//! `scripts/ci/vouch-ci` run in fresh clones of a simulated forge (a bare
//! origin, an author, a reviewer, the forge's own merges without hooks),
//! `vouch ci post-merge`, and concurrent notes pushes. See docs/ci.md.

use crate::support;
use crate::support::forge::{self, POLICY};
use crate::support::git as gitsupport;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gitsupport::*;
use serde_json::Value;
use support::{TempRepo, vouch_bin};

/// src/util.rs on the feature branch: lines 1-3 AI-written (`twice`), line 4 human.
const UTIL: &str = "pub fn twice(x: u32) -> u32 {\n    x * 2\n}\n// done by hand\n";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/ci/vouch-ci")
}

/// The shared forge (support/forge.rs: the signed policy, Alice's AI lines
/// 4-8 of src/lib.rs on `feature`) plus a second commit on `feature` adding
/// src/util.rs, AI lines 1-3 (copilot), also self-reviewed by Alice.
struct Forge(forge::Forge);

impl std::ops::Deref for Forge {
    type Target = forge::Forge;
    fn deref(&self) -> &forge::Forge {
        &self.0
    }
}

impl Forge {
    fn new() -> Forge {
        let forge = forge::Forge::new(POLICY);
        let author = &forge.author;
        author.write("src/util.rs", UTIL);
        mark(author, "src/util.rs:1-3", "copilot", "gpt-5");
        review(author, "src/util.rs", "Alice <alice@example.com>");
        author.git(&["add", "-A"]);
        ok(&try_git(author, &["commit", "-q", "-m", "add twice"]));
        ok(&try_git(author, &["push", "-q", "origin", "feature"]));
        Forge(forge)
    }

    /// A developer's clone (`Clone::clone` would shadow the shared method).
    fn clone(&self, name: &str) -> TempRepo {
        self.0.clone(name)
    }

    /// Grace approves `locations` (all when empty) of main..feature and pushes.
    fn approve(&self, locations: &[&str]) {
        let grace = self.reviewer("Grace", &self.grace);
        let mut args = vec!["approve", "origin/main..origin/feature"];
        args.extend_from_slice(locations);
        grace.vouch(&args).expect_code(0);
        ok(&try_git(&grace, &["push", "-q", "origin", "main"]));
    }

    /// A fresh clone as a forge's CI job has it: no hooks, no vouch init.
    fn ci_clone(&self) -> TempRepo {
        clone_of(self.remote.path(), "CI")
    }

    fn sha(&self, rev: &str) -> String {
        let out = git_in(self.remote.path(), &["rev-parse", rev], &[]);
        ok(&out);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

/// Runs the CI script in `repo` with the forge's environment.
fn run_script(repo: &TempRepo, step: &str, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new("bash");
    c.arg(script())
        .arg(step)
        .current_dir(repo.path())
        .env("LC_ALL", "C")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("VOUCH_BIN", vouch_bin())
        .env("VOUCH_FORGE", "none")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .env_remove("GITHUB_TOKEN");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run vouch-ci")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn json_file(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON")
}

// ---------------------------------------------------------------------------
// vouch report

#[test]
fn report_lists_ai_lines_approvals_shares_and_unapproved_ranges() {
    let forge = Forge::new();
    forge.approve(&["src/lib.rs"]);
    let ci = forge.clone("CI");
    let md = ci
        .vouch(&["report", "origin/main..origin/feature"])
        .expect_code(0)
        .stdout();
    assert!(md.starts_with("<!-- vouch-report -->\n"), "{md}");
    assert!(
        md.contains("**8 AI-written lines in 2 files · 5 approved · 3 need approval by any principal in .vouch/allowed\\_signers**"),
        "{md}"
    );
    // Per-file table: path, added, AI, tool/model, kind, approved, unapproved, units.
    assert!(
        md.contains("| src/lib.rs | 5 | 5 | claude (claude-opus-4) | manual | 5 | 0 | total |"),
        "{md}"
    );
    assert!(
        md.contains("| src/util.rs | 4 | 3 | copilot (gpt-5) | manual | 0 | 3 | twice |"),
        "{md}"
    );
    // Shares of the 9 added lines.
    assert!(md.contains("**Shares of the 9 added lines**"), "{md}");
    assert!(
        md.contains("| claude (claude-opus-4) | 5 | 55.6% |"),
        "{md}"
    );
    assert!(md.contains("| copilot (gpt-5) | 3 | 33.3% |"), "{md}");
    assert!(md.contains("| human | 1 | 11.1% |"), "{md}");
    assert!(md.contains("| manual | 8 | 88.9% |"), "{md}");
    // Unapproved ranges with their unit.
    assert!(
        md.contains("- src/util.rs:1-3 in twice — copilot (gpt-5): only an unsigned"),
        "{md}"
    );
    assert!(
        !md.contains("src/lib.rs:4"),
        "approved lines are not listed: {md}"
    );

    let report = ci
        .vouch(&["report", "origin/main..origin/feature", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(report["added_lines"], 9);
    assert_eq!(report["ai_lines"], 8);
    assert_eq!(report["approved_lines"], 5);
    assert_eq!(report["unapproved_lines"], 3);
    assert_eq!(report["review_required"], true);
    assert_eq!(report["ok"], false);
    let files = report["files"].as_array().expect("files");
    let util = files
        .iter()
        .find(|f| f["path"] == "src/util.rs")
        .expect("util");
    assert_eq!(util["units"], serde_json::json!(["twice"]));
    let approvals: Vec<(u64, String)> = util["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            (
                l["line"].as_u64().unwrap_or(0),
                l["approval"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        approvals,
        vec![
            (1, "unapproved".into()),
            (2, "unapproved".into()),
            (3, "unapproved".into())
        ]
    );
    // The unapproved ranges are exactly verify's.
    let verify = ci
        .vouch(&["verify", "origin/main..origin/feature", "--format", "json"])
        .expect_code(1)
        .json();
    let from_verify: Vec<(String, u64, u64)> = verify["files"]
        .as_array()
        .expect("files")
        .iter()
        .flat_map(|f| {
            f["ranges"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |r| {
                    (
                        f["path"].as_str().unwrap_or("").to_owned(),
                        r["start_line"].as_u64().unwrap_or(0),
                        r["end_line"].as_u64().unwrap_or(0),
                    )
                })
        })
        .collect();
    let from_report: Vec<(String, u64, u64)> = report["unapproved"]
        .as_array()
        .expect("unapproved")
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap_or("").to_owned(),
                r["start_line"].as_u64().unwrap_or(0),
                r["end_line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(from_report, from_verify);
    assert_eq!(from_report, vec![("src/util.rs".to_owned(), 1, 3)]);
    let tools: Vec<(String, u64)> = report["shares"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|s| {
            (
                s["label"].as_str().unwrap_or("").to_owned(),
                s["lines"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        tools,
        vec![
            ("claude (claude-opus-4)".to_owned(), 5),
            ("copilot (gpt-5)".to_owned(), 3),
            ("human".to_owned(), 1)
        ]
    );
}

#[test]
fn report_of_a_huge_range_stays_under_the_comment_limit() {
    let repo = TempRepo::new();
    repo.write("README", "base\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "base"]);
    repo.git(&["checkout", "-q", "-b", "big"]);
    // 1500 files with long names, each with two separate AI ranges.
    let dir = "a-rather-long-folder-name-that-makes-every-path-in-the-table-long/".repeat(2);
    let mut files = Vec::new();
    for i in 0..1500 {
        let path = format!("{dir}file_{i:04}.txt");
        repo.write(&path, "ai one\nhuman\nai two\n");
        files.push(format!(
            "{{\"path\":\"{path}\",\"conversations\":[{{\"contributor\":{{\"type\":\"ai\",\"model_id\":\"m-{}\"}},\"ranges\":[{{\"start_line\":1,\"end_line\":1}},{{\"start_line\":3,\"end_line\":3}}]}}]}}",
            i % 40
        ));
    }
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "big"]);
    let note = format!(
        "{{\"version\":\"0.1.0\",\"id\":\"00000000-0000-4000-8000-000000000000\",\"timestamp\":\"2026-12-04T00:00:00Z\",\"tool\":{{\"name\":\"other-agent\"}},\"files\":[{}]}}\n",
        files.join(",")
    );
    let note_path = repo.path().join("../note.json");
    std::fs::write(&note_path, note).expect("write note");
    repo.git(&[
        "notes",
        "--ref",
        "refs/notes/vouch",
        "add",
        "-F",
        &note_path.to_string_lossy(),
        "HEAD",
    ]);
    let json = repo
        .vouch(&["report", "main..big", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json["ai_lines"], 3000);
    assert_eq!(json["unapproved_lines"], 3000);
    assert_eq!(json["unapproved"].as_array().map(Vec::len), Some(3000));
    let md = repo.vouch(&["report", "main..big"]).expect_code(0).stdout();
    assert!(
        md.chars().count() < 65_536,
        "{} characters",
        md.chars().count()
    );
    assert!(
        md.contains("3000 AI-written lines in 1500 files · 0 approved · 3000 need approval"),
        "{}",
        &md[..500]
    );
    // Summarised, not cut: the rest is counted.
    assert!(md.contains(" more | "), "the file table says how many more");
    assert!(
        md.contains("- … and "),
        "the ranges list says how many more"
    );
    assert!(
        md.trim_end().ends_with("</sub>"),
        "the footer is still there"
    );
    // Piped into `head`: ends quietly, with git's status for a closed pipe.
    let piped = Command::new("bash")
        .arg("-c")
        .arg("\"$0\" report main..big --format json | head -c 10 >/dev/null; echo \"status ${PIPESTATUS[0]}\"")
        .arg(vouch_bin())
        .current_dir(repo.path())
        .output()
        .expect("run bash");
    assert_eq!(text(&piped).trim(), "status 141", "{}", text(&piped));
}

// ---------------------------------------------------------------------------
// The CI script on a simulated forge

#[test]
fn ci_script_checks_a_pull_request_in_a_fresh_clone() {
    let forge = Forge::new();
    let base = forge.sha("main");
    let head = forge.sha("feature");
    let env = [
        ("VOUCH_BASE_SHA", base.as_str()),
        ("VOUCH_HEAD_SHA", head.as_str()),
        ("VOUCH_OUT", "out"),
    ];
    // Before any approval: exit 1, SARIF results, a comment naming the lines.
    let ci = forge.ci_clone();
    let out = run_script(&ci, "check", &env);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("comment written to out/comment.md"),
        "{}",
        text(&out)
    );
    let sarif = json_file(&ci.path().join("out/vouch.sarif"));
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .clone();
    let uris: Vec<&str> = results
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert_eq!(uris, vec!["src/lib.rs", "src/util.rs"], "{sarif}");
    let comment = std::fs::read_to_string(ci.path().join("out/comment.md")).expect("comment");
    assert!(comment.starts_with("<!-- vouch-report -->"), "{comment}");
    assert!(comment.contains("8 need approval"), "{comment}");
    assert!(comment.contains("- src/lib.rs:4-8 in total"), "{comment}");
    let report = json_file(&ci.path().join("out/report.json"));
    assert_eq!(report["unapproved_lines"], 8);
    assert!(
        std::fs::read_to_string(ci.path().join("out/verify.txt"))
            .expect("verify.txt")
            .contains("8 of 8 lines needing approval are not approved"),
    );

    // Grace approves everything; a new CI run passes.
    forge.approve(&[]);
    let ci = forge.ci_clone();
    let out = run_script(&ci, "check", &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let sarif = json_file(&ci.path().join("out/vouch.sarif"));
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(0)
    );
    let comment = std::fs::read_to_string(ci.path().join("out/comment.md")).expect("comment");
    assert!(
        comment.contains("**8 AI-written lines in 2 files · 8 approved**"),
        "{comment}"
    );

    // A pull request that edits the policy to exempt itself is judged by the base's.
    forge
        .author
        .write("vouch.toml", "[review]\nrequire = false\n");
    forge.author.git(&["commit", "-q", "-am", "no review"]);
    ok(&try_git(
        &forge.author,
        &["push", "-q", "origin", "feature"],
    ));
    let head2 = forge.sha("feature");
    let ci = forge.ci_clone();
    let out = run_script(
        &ci,
        "check",
        &[
            ("VOUCH_BASE_SHA", &base),
            ("VOUCH_HEAD_SHA", &head2),
            ("VOUCH_OUT", "out"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("vouch.toml:1-2: policy file changed"),
        "{}",
        text(&out)
    );

    // Bad input: exit 2 with one clear line.
    let out = run_script(
        &ci,
        "check",
        &[
            ("VOUCH_BASE_SHA", "main; rm -rf /"),
            ("VOUCH_HEAD_SHA", &head),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("VOUCH_BASE_SHA must be a commit id"),
        "{}",
        text(&out)
    );
}

/// A tiny forge API on localhost: records requests, answers the comments list.
fn fake_github(existing: Option<u64>) -> (String, std::thread::JoinHandle<Vec<String>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..2 {
            let (stream, _) = listener.accept().expect("accept");
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request = String::new();
            reader.read_line(&mut request).expect("request line");
            let mut length = 0usize;
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).expect("header");
                if h.trim().is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).expect("body");
            let list = match existing {
                Some(id) => format!(
                    "[{{\"id\":7,\"body\":\"other\"}},{{\"id\":{id},\"body\":\"<!-- vouch-report -->\\nold\"}}]"
                ),
                None => "[{\"id\":7,\"body\":\"other\"}]".to_owned(),
            };
            let answer = if request.starts_with("GET") {
                list
            } else {
                "{}".to_owned()
            };
            let mut stream = stream;
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            )
            .expect("answer");
            seen.push(format!(
                "{}{}",
                request.trim(),
                String::from_utf8_lossy(&body)
            ));
        }
        seen
    });
    (url, handle)
}

#[test]
fn ci_script_posts_one_comment_and_updates_it() {
    let forge = Forge::new();
    let base = forge.sha("main");
    let head = forge.sha("feature");
    for existing in [None, Some(42)] {
        let (api, server) = fake_github(existing);
        let ci = forge.ci_clone();
        let out = run_script(
            &ci,
            "check",
            &[
                ("VOUCH_BASE_SHA", &base),
                ("VOUCH_HEAD_SHA", &head),
                ("VOUCH_FORGE", "github"),
                ("GITHUB_TOKEN", "t0ken"),
                ("GITHUB_REPOSITORY", "acme/app"),
                ("GITHUB_API_URL", &api),
                ("VOUCH_PR_NUMBER", "5"),
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let seen = server.join().expect("server");
        assert!(
            seen[0].starts_with("GET /repos/acme/app/issues/5/comments"),
            "{seen:?}"
        );
        match existing {
            None => assert!(
                seen[1].starts_with("POST /repos/acme/app/issues/5/comments"),
                "{seen:?}"
            ),
            Some(id) => assert!(
                seen[1].starts_with(&format!("PATCH /repos/acme/app/issues/comments/{id}")),
                "{seen:?}"
            ),
        }
        let body: Value =
            serde_json::from_str(&seen[1][seen[1].find('{').expect("body")..]).expect("JSON body");
        let comment =
            std::fs::read_to_string(ci.path().join("vouch-out/comment.md")).expect("comment");
        assert_eq!(body["body"], comment.as_str());
    }
}

// ---------------------------------------------------------------------------
// Forge merges keep provenance

/// The forge merges `feature` into main the way `how` says, on a clone
/// without hooks (as on the forge's server), after main moved on; returns
/// (B, H, M).
fn forge_merge(forge: &Forge, how: &str) -> (String, String, String) {
    let other = clone_of(forge.remote.path(), "Olga");
    other.write("NOTES.md", "unrelated\n");
    other.git(&["add", "-A"]);
    ok(&try_git(&other, &["commit", "-q", "-m", "unrelated"]));
    ok(&try_git(&other, &["push", "-q", "origin", "main"]));
    let server = clone_of(forge.remote.path(), "Forge");
    let base = rev(&server, "origin/main");
    let head = rev(&server, "origin/feature");
    match how {
        "squash" => {
            ok(&try_git(
                &server,
                &["merge", "-q", "--squash", "origin/feature"],
            ));
            ok(&try_git(
                &server,
                &["commit", "-q", "-m", "Add total and twice (#1)"],
            ));
        }
        "rebase" => {
            ok(&try_git(
                &server,
                &["cherry-pick", &format!("{base}..{head}")],
            ));
        }
        _ => unreachable!(),
    }
    ok(&try_git(&server, &["push", "-q", "origin", "main"]));
    let merged = rev(&server, "HEAD");
    (base, head, merged)
}

/// After the merge and post-merge: a developer's clone sees the AI lines on
/// main with `vouch blame`, and `vouch verify B..M` passes (approvals are
/// bound to the text).
fn check_target(forge: &Forge, base: &str, merged: &str, landed: &[&str]) {
    let dev = forge.clone("Dana");
    ok(&try_git(
        &dev,
        &["checkout", "-q", "-B", "main", "origin/main"],
    ));
    let blame = dev
        .vouch(&["blame", "--json", "src/lib.rs"])
        .expect_code(0)
        .json();
    let lines = blame.as_array().expect("lines");
    for (i, l) in lines.iter().enumerate() {
        let ai = (3..8).contains(&i);
        assert_eq!(
            l["origin"],
            if ai { "ai" } else { "human" },
            "line {}: {l}",
            i + 1
        );
        if ai {
            assert_eq!(l["tool"], "claude");
            assert_eq!(l["model"], "claude-opus-4");
            assert!(landed.contains(&l["commit"].as_str().unwrap_or("")), "{l}");
        }
    }
    let blame = dev
        .vouch(&["blame", "--json", "src/util.rs"])
        .expect_code(0)
        .json();
    let tools: Vec<&str> = blame
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["tool"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(tools, vec!["copilot", "copilot", "copilot", "-"]);
    let verify = dev
        .vouch(&["verify", &format!("{base}..{merged}"), "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(verify["needed_lines"], 8, "{verify}");
    assert_eq!(verify["approved_lines"], 8, "{verify}");
}

/// Runs the CI script's post-merge step in `ci` with the forge's SHAs.
fn post_merge(ci: &TempRepo, base: &str, head: &str, merged: &str) -> Output {
    run_script(
        ci,
        "post-merge",
        &[
            ("VOUCH_BASE_SHA", base),
            ("VOUCH_HEAD_SHA", head),
            ("VOUCH_MERGED_SHA", merged),
        ],
    )
}

#[test]
fn squash_merge_then_post_merge_keeps_provenance_and_approvals() {
    let forge = Forge::new();
    forge.approve(&[]);
    let (base, head, merged) = forge_merge(&forge, "squash");
    // Without the repair step, main's copy of the AI lines has no provenance.
    let dev = forge.clone("Dana");
    ok(&try_git(
        &dev,
        &["checkout", "-q", "-B", "main", "origin/main"],
    ));
    let blame = dev
        .vouch(&["blame", "--json", "src/lib.rs"])
        .expect_code(0)
        .json();
    assert!(
        blame
            .as_array()
            .expect("lines")
            .iter()
            .all(|l| l["origin"] != "ai"),
        "{blame}"
    );

    let ci = forge.ci_clone();
    let out = post_merge(&ci, &base, &head, &merged);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(
            "squash merge: notes written for 1 landed commit from 2 pull-request commits"
        ),
        "{}",
        text(&out)
    );
    check_target(&forge, &base, &merged, &[merged.as_str()]);
}

#[test]
fn rebase_merge_then_post_merge_keeps_provenance_and_approvals() {
    let forge = Forge::new();
    forge.approve(&[]);
    let (base, head, merged) = forge_merge(&forge, "rebase");
    let ci = forge.ci_clone();
    let out = post_merge(&ci, &base, &head, &merged);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("rebase merge: notes written for 2 landed commits"),
        "{}",
        text(&out)
    );
    let first = rev(&ci, &format!("{merged}~1"));
    check_target(&forge, &base, &merged, &[first.as_str()]);
    // Running it again changes nothing and still succeeds.
    let again = forge.ci_clone();
    let out = post_merge(&again, &base, &head, &merged);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("notes written for 0 landed commits"),
        "{}",
        text(&out)
    );
}

// ---------------------------------------------------------------------------
// Notes reach everyone

#[test]
fn concurrent_notes_pushes_never_lose_a_record() {
    const ROUNDS: usize = 6;
    let origin = bare_remote();
    let seed = clone_of(origin.path(), "Seed");
    for i in 0..ROUNDS {
        seed.write("log.txt", &format!("{i}\n"));
        seed.git(&["add", "-A"]);
        seed.git(&["commit", "-q", "-m", &format!("c{i}")]);
    }
    ok(&try_git(&seed, &["push", "-q", "origin", "main"]));
    let clones: Vec<TempRepo> = ["Ann", "Bob", "Cat"]
        .iter()
        .map(|n| {
            let c = clone_of(origin.path(), n);
            init(&c);
            c
        })
        .collect();
    for round in 0..ROUNDS {
        let target = format!("HEAD~{round}");
        for (k, c) in clones.iter().enumerate() {
            let record = format!(
                "{{\"version\":\"0.1.0\",\"id\":\"r{round}-c{k}\",\"timestamp\":\"2026-12-04T00:00:00Z\",\"files\":[]}}"
            );
            c.git(&[
                "notes",
                "--ref",
                "refs/notes/vouch",
                "add",
                "-f",
                "-m",
                &record,
                &target,
            ]);
        }
        // Every clone pushes at the same moment (the pre-push hook pushes the notes).
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(clones.len()));
        let results: Vec<Output> = std::thread::scope(|s| {
            let handles: Vec<_> = clones
                .iter()
                .map(|c| {
                    let barrier = barrier.clone();
                    let dir = c.path().to_path_buf();
                    s.spawn(move || {
                        barrier.wait();
                        git_in(&dir, &["push", "-q", "origin", "main"], &[])
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("push thread"))
                .collect()
        });
        for r in &results {
            let t = text(r);
            assert!(
                r.status.success() && !t.contains("could not push notes"),
                "{t}"
            );
        }
        let note = git_in(
            origin.path(),
            &[
                "notes",
                "--ref",
                "refs/notes/vouch",
                "show",
                &format!("main~{round}"),
            ],
            &[],
        );
        let note = ok(&note);
        for k in 0..clones.len() {
            assert!(
                note.contains(&format!("r{round}-c{k}")),
                "round {round}: {note}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Other tools' provenance

/// A git-ai authorship log (Git AI Standard v3.0.0, section 1.2.5's layout):
/// lines 2-4 of src/app.py by cursor (claude-4.5-opus), line 6 by a known human.
const GITAI_LOG: &str = "src/app.py\n  abcd1234abcd1234 2-4\n  h_0123456789abcd 6\n---\n{\n  \"schema_version\": \"authorship/3.0.0\",\n  \"git_ai_version\": \"1.0.23\",\n  \"base_commit_sha\": \"7734793b756b3921c88db5375a8c156e9532447b\",\n  \"prompts\": {\n    \"abcd1234abcd1234\": {\n      \"agent_id\": {\"tool\": \"cursor\", \"id\": \"6ef2299e-a67f-432b-aa80-3d2fb4d28999\", \"model\": \"claude-4.5-opus\"},\n      \"human_author\": \"Developer <dev@example.com>\",\n      \"messages\": [{\"type\": \"user\", \"text\": \"Add error handling\"}],\n      \"total_additions\": 3, \"total_deletions\": 0, \"accepted_lines\": 3, \"overriden_lines\": 0\n    }\n  }\n}\n";

/// A repository with one human commit on main (hooks installed), on a new
/// branch `feature`.
fn feature_repo() -> TempRepo {
    let repo = TempRepo::new();
    repo.write("README", "base\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "base"]);
    init(&repo);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo
}

#[test]
fn git_ai_notes_count_in_blame_report_and_verify_and_are_never_written() {
    // Committed without vouch's hooks seeing any AI: git-ai recorded it.
    let repo = git_ai_repo();
    let before = rev(&repo, "refs/notes/ai");

    assert_eq!(
        blame_origins_and_tools(&repo, "src/app.py"),
        vec![
            ("human".into(), "-".into()),
            ("ai".into(), "cursor".into()),
            ("ai".into(), "cursor".into()),
            ("ai".into(), "cursor".into()),
            ("human".into(), "-".into()),
            ("human".into(), "-".into()),
        ]
    );
    let report = repo
        .vouch(&["report", "main..feature", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(report["ai_lines"], 3, "{report}");
    assert_eq!(
        report["shares"]["tools"][0]["label"],
        "cursor (claude-4.5-opus)"
    );
    let verify = repo
        .vouch(&["verify", "main..feature", "--format", "json"])
        .expect_code(1)
        .json();
    assert_eq!(verify["files"][0]["ranges"][0]["start_line"], 2, "{verify}");
    assert_eq!(verify["files"][0]["ranges"][0]["end_line"], 4, "{verify}");
    assert_eq!(verify["files"][0]["ranges"][0]["tool"], "cursor");
    let text = repo
        .vouch(&["report", "main..feature"])
        .expect_code(0)
        .stdout();
    assert!(
        !text.contains("Add error handling"),
        "prompts are never shown: {text}"
    );
    assert_eq!(
        rev(&repo, "refs/notes/ai"),
        before,
        "refs/notes/ai is never written"
    );
}

/// `(origin, tool or "-")` of each line of `vouch blame --json PATH`.
fn blame_origins_and_tools(repo: &TempRepo, path: &str) -> Vec<(String, String)> {
    let blame = repo.vouch(&["blame", "--json", path]).expect_code(0).json();
    blame
        .as_array()
        .unwrap_or_else(|| panic!("blame lines: {blame}"))
        .iter()
        .map(|l| {
            (
                l["origin"].as_str().unwrap_or("").to_owned(),
                l["tool"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

/// `src/app.py` committed without Vouch seeing AI, then git-ai's note
/// saying lines 2-4 are cursor's (claude-4.5-opus).
fn git_ai_repo() -> TempRepo {
    let repo = feature_repo();
    repo.write(
        "src/app.py",
        "import os\ndef main():\n    try: run()\n    except OSError: pass\n\nx = 1\n",
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "app"]);
    let log = repo.path().join("../gitai.txt");
    std::fs::write(&log, GITAI_LOG).expect("write log");
    repo.git(&[
        "notes",
        "--ref",
        "refs/notes/ai",
        "add",
        "-f",
        "-F",
        &log.to_string_lossy(),
        "HEAD",
    ]);
    repo
}

/// `(path, start, end, tool, blocked)` of each `vouch status --json` entry.
fn status_entries(repo: &TempRepo, args: &[&str]) -> Vec<(String, u64, u64, String, bool)> {
    let mut all = vec!["status", "--json"];
    all.extend(args);
    let status = repo.vouch(&all).expect_code(0).json();
    status
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap_or("").to_owned(),
                e["startLine"].as_u64().unwrap_or(0),
                e["endLine"].as_u64().unwrap_or(0),
                e["tool"].as_str().unwrap_or("").to_owned(),
                e["blocked"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

#[test]
fn git_ai_lines_of_committed_code_count_in_status_check_and_verify_alike() {
    let repo = git_ai_repo();
    let before = rev(&repo, "refs/notes/ai");
    // status, check and verify: the same lines, the same tool, all blocked.
    assert_eq!(
        status_entries(&repo, &[]),
        vec![("src/app.py".to_owned(), 2, 4, "cursor".to_owned(), true)]
    );
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(status[0]["model"], "claude-4.5-opus", "{status}");
    let check = repo.vouch(&["check"]).expect_code(1).stdout();
    assert!(
        check.contains("src/app.py:2-4: unreviewed AI code (cursor, claude-4.5-opus)"),
        "{check}"
    );
    let verify = repo.vouch(&["verify"]).expect_code(1).stdout();
    assert!(
        verify.contains(&rev(&repo, "HEAD")) && verify.contains("src/app.py:2-4:"),
        "{verify}"
    );
    // What status lists, review reviews: then nothing blocks.
    repo.vouch(&["review", "src/app.py:2-4", "--as", "Ada <ada@example.com>"])
        .expect_code(0);
    assert_eq!(
        status_entries(&repo, &["--all"]),
        vec![("src/app.py".to_owned(), 2, 4, "cursor".to_owned(), false)]
    );
    assert!(status_entries(&repo, &[]).is_empty());
    repo.vouch(&["check"]).expect_code(0);
    assert_eq!(
        rev(&repo, "refs/notes/ai"),
        before,
        "refs/notes/ai is never written"
    );
}

#[test]
fn agent_trace_records_in_the_repository_count() {
    let repo = feature_repo();
    repo.write(
        "lib.go",
        "package lib\n\nfunc A() int { return 1 }\nfunc B() int { return 2 }\n",
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "lib"]);
    let written = rev(&repo, "HEAD");
    // Another tool appends its record for that commit in a later commit.
    let record = format!(
        "{{\"version\":\"0.1.0\",\"id\":\"3b9c2b1e-1f0a-4c55-9a51-0c1d2e3f4a5b\",\"timestamp\":\"2026-12-01T10:00:00Z\",\"vcs\":{{\"type\":\"git\",\"revision\":\"{written}\"}},\"tool\":{{\"name\":\"amp\",\"version\":\"1.0.0\"}},\"files\":[{{\"path\":\"lib.go\",\"conversations\":[{{\"contributor\":{{\"type\":\"ai\",\"model_id\":\"anthropic/claude-opus-4-5\"}},\"ranges\":[{{\"start_line\":3,\"end_line\":4}}]}}]}}]}}\n{{not json\n"
    );
    repo.write(".agent-trace/traces.jsonl", &record);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "trace"]);
    let tools: Vec<String> = blame_origins_and_tools(&repo, "lib.go")
        .into_iter()
        .map(|(_, tool)| tool)
        .collect();
    assert_eq!(tools, vec!["-", "-", "amp", "amp"]);
    // status and check count them too.
    assert_eq!(
        status_entries(&repo, &[]),
        vec![("lib.go".to_owned(), 3, 4, "amp".to_owned(), true)]
    );
    assert!(
        repo.vouch(&["check"])
            .expect_code(1)
            .stdout()
            .contains("lib.go:3-4:")
    );
    let report = repo
        .vouch(&["report", "main..feature", "--format", "json"])
        .expect_code(0)
        .json();
    let lib = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == "lib.go")
        .cloned()
        .expect("lib.go");
    assert_eq!(lib["ai_lines"], 2, "{report}");
    assert_eq!(lib["lines"][0]["model"], "anthropic/claude-opus-4-5");
}

#[test]
fn stats_share_lines_by_tool_model_kind_author_and_month() {
    let forge = Forge::new();
    let a = &forge.author;
    // A commit made without the hooks: its lines are unknown, not human.
    a.write("NOHOOKS.md", "one\ntwo\n");
    a.git(&["add", "-A"]);
    a.git(&[
        "-c",
        "core.hooksPath=/nonexistent",
        "commit",
        "-q",
        "-m",
        "no hooks",
    ]);
    let s = a
        .vouch(&["stats", "main..feature", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(s["commits"], 3);
    assert_eq!(s["total"]["ai_lines"], 8, "{s}");
    assert_eq!(s["total"]["human_lines"], 1, "{s}");
    assert_eq!(s["total"]["unknown_lines"], 2, "{s}");
    let labels = |k: &str| -> Vec<(String, u64)> {
        s[k].as_array()
            .expect(k)
            .iter()
            .map(|v| {
                (
                    v["label"].as_str().unwrap_or("").to_owned(),
                    v["ai_lines"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    };
    assert_eq!(
        labels("tools"),
        vec![("claude".into(), 5), ("copilot".into(), 3)]
    );
    assert_eq!(
        labels("models"),
        vec![("claude-opus-4".into(), 5), ("gpt-5".into(), 3)]
    );
    assert_eq!(labels("kinds"), vec![("manual".into(), 8)]);
    let authors = s["authors"].as_array().expect("authors");
    assert_eq!(authors.len(), 1);
    assert_eq!(authors[0]["label"], "Alice <alice@example.com>");
    assert_eq!(authors[0]["lines"], 11);
    let month = ok(&git_in(
        a.path(),
        &["log", "-1", "--date=format-local:%Y-%m", "--format=%cd"],
        &[("TZ", "UTC")],
    ));
    assert_eq!(s["months"][0]["label"], month.trim(), "{s}");
    // The whole of HEAD: the policy commit's lines are human.
    let all = a
        .vouch(&["stats", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(all["total"]["ai_lines"], 8);
    assert!(
        all["total"]["human_lines"].as_u64().unwrap_or(0) > 1,
        "{all}"
    );
    let text = a.vouch(&["stats"]).expect_code(0).stdout();
    assert!(text.contains("AI lines by tool:\n  claude"), "{text}");
}

#[test]
fn the_ci_templates_only_call_the_script() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/ci");
    let action = std::fs::read_to_string(dir.join("action.yml")).expect("action.yml");
    assert!(action.contains("using: composite"), "{action}");
    assert!(action.contains("cargo install --locked"), "{action}");
    assert!(
        action.contains("\"$GITHUB_ACTION_PATH/vouch-ci\" \"${{ inputs.step }}\""),
        "{action}"
    );
    assert!(action.contains("upload-sarif"), "{action}");
    let gitlab = std::fs::read_to_string(dir.join("gitlab-ci.yml")).expect("gitlab-ci.yml");
    assert!(gitlab.contains("cargo install --locked"), "{gitlab}");
    assert!(gitlab.contains("scripts/ci/vouch-ci check"), "{gitlab}");
    assert!(
        gitlab.contains("scripts/ci/vouch-ci post-merge"),
        "{gitlab}"
    );
    // Unknown steps are usage errors.
    let repo = TempRepo::new();
    let out = run_script(&repo, "deploy", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn ci_script_fetches_a_forks_commits_and_notes() {
    let forge = Forge::new();
    let fork = tempfile::tempdir().expect("temp dir");
    ok(&git_in(
        fork.path(),
        &[
            "clone",
            "-q",
            "--bare",
            &forge.remote.path().to_string_lossy(),
            ".",
        ],
        &[],
    ));
    // A contributor works in their fork: AI lines, notes pushed to the fork only.
    let contributor = clone_of(fork.path(), "Carl");
    init(&contributor);
    contributor.git(&["checkout", "-q", "-b", "contrib", "origin/main"]);
    contributor.write("src/extra.rs", "pub fn three() -> u32 {\n    3\n}\n");
    mark(&contributor, "src/extra.rs:1-3", "codex", "gpt-5-codex");
    review(&contributor, "src/extra.rs", "Carl <carl@example.com>");
    contributor.git(&["add", "-A"]);
    ok(&try_git(&contributor, &["commit", "-q", "-m", "three"]));
    ok(&try_git(&contributor, &["push", "-q", "origin", "contrib"]));
    let head = rev(&contributor, "HEAD");
    let base = forge.sha("main");
    let fork_url = fork.path().to_string_lossy().into_owned();

    // Without the fork's URL, CI cannot even see the commit.
    let ci = forge.ci_clone();
    let out = run_script(
        &ci,
        "check",
        &[("VOUCH_BASE_SHA", &base), ("VOUCH_HEAD_SHA", &head)],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("is not available"), "{}", text(&out));

    // With it: the fork's commits and notes, so the AI lines are seen.
    let ci = forge.ci_clone();
    let out = run_script(
        &ci,
        "check",
        &[
            ("VOUCH_BASE_SHA", &base),
            ("VOUCH_HEAD_SHA", &head),
            ("VOUCH_HEAD_REPO", &fork_url),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json_file(&ci.path().join("vouch-out/report.json"));
    assert_eq!(report["ai_lines"], 3, "{report}");
    assert_eq!(report["unapproved"][0]["path"], "src/extra.rs");
    assert_eq!(report["unapproved"][0]["tool"], "codex");
}
