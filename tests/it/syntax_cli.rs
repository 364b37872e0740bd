//! End-to-end: syntax-aware provenance in the CLI (`vouch status` names and
//! groups by unit, `vouch review PATH::NAME`, `vouch blame --json` units),
//! for every language's fixture, through the real binary.

use crate::support;
use crate::support::syntax;

use support::TempRepo;

/// Marks each expectation's lines AI-written, each in its own copy of the
/// fixture, and checks `vouch status --json` names the expected unit.
#[test]
fn status_json_names_the_unit_of_every_fixture_region() {
    for fixture in syntax::fixtures() {
        let repo = TempRepo::new();
        for (n, e) in fixture.expectations.iter().enumerate() {
            let file = fixture.numbered(n);
            repo.write(&file, &fixture.text);
            repo.vouch(&[
                "mark",
                &format!("{file}:{}-{}", e.first, e.last),
                "--tool",
                "copilot",
                "--model",
                "gpt-4.1",
            ])
            .expect_code(0);
        }
        let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
        let entries = status.as_array().expect("array");
        for (n, e) in fixture.expectations.iter().enumerate() {
            let file = fixture.numbered(n);
            let mine: Vec<_> = entries.iter().filter(|x| x["path"] == file).collect();
            assert_eq!(mine.len(), 1, "{file}: one region: {mine:?}");
            let entry = mine[0];
            assert_eq!(entry["startLine"], e.first, "{file}");
            assert_eq!(entry["endLine"], e.last, "{file}");
            let want = |v: Option<&str>| v.map_or(serde_json::Value::Null, serde_json::Value::from);
            assert_eq!(
                entry["unit"],
                want(e.name()),
                "{file}:{}-{}",
                e.first,
                e.last
            );
        }
    }
}

const CART: &str = "pub struct Cart {\n    n: u32,\n}\n\nimpl Cart {\n    pub fn total(&self) -> u32 {\n        let t = self.n;\n        t * 2\n    }\n\n    pub fn clear(&mut self) {\n        self.n = 0;\n    }\n}\n\nconst LIMIT: u32 = 3;\n";

fn mark(repo: &TempRepo, spec: &str) {
    repo.vouch(&["mark", spec, "--tool", "copilot", "--model", "gpt-4.1"])
        .expect_code(0);
}

#[test]
fn status_groups_regions_by_unit() {
    let repo = TempRepo::new();
    repo.write("src/cart.rs", CART);
    mark(&repo, "src/cart.rs:7-7");
    mark(&repo, "src/cart.rs:16-16");
    mark(&repo, "src/cart.rs:12-12");
    // A second, separate region in `total` (a different tool keeps it apart).
    repo.vouch(&["mark", "src/cart.rs:8-8", "--tool", "claude"])
        .expect_code(0);
    let out = repo.vouch(&["status"]).expect_code(0).stdout();
    let total = out.find("in fn total (Cart::total):").expect(&out);
    let clear = out.find("in fn clear (Cart::clear):").expect(&out);
    let line7 = out.find("src/cart.rs:7-7").expect(&out);
    let line8 = out.find("src/cart.rs:8-8").expect(&out);
    let line12 = out.find("src/cart.rs:12-12").expect(&out);
    // Both regions of `total` sit under its heading, before `clear`'s.
    assert!(total < line7 && line7 < clear && line8 < clear, "{out}");
    assert!(clear < line12, "{out}");
    // Code outside any unit is listed without a heading.
    assert!(
        out.contains("\n  src/cart.rs:16-16  copilot (gpt-4.1)"),
        "{out}"
    );
    assert!(out.contains("vouch review PATH::NAME"), "{out}");
}

#[test]
fn review_path_name_reviews_the_ai_code_of_one_unit() {
    let repo = TempRepo::new();
    repo.write("src/cart.rs", CART);
    mark(&repo, "src/cart.rs:6-9"); // all of `total`
    mark(&repo, "src/cart.rs:12-12"); // a line of `clear`
    let out = repo
        .vouch(&["review", "src/cart.rs::Cart::total", "--as", "Ada"])
        .expect_code(0)
        .stdout();
    assert!(out.contains("reviewed"), "{out}");
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    let units: Vec<_> = status
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["unit"].clone())
        .collect();
    assert_eq!(units, [serde_json::json!("clear")]);
    // A bare name works too, and from a sub-folder.
    repo.vouch_in("src", &["review", "cart.rs::clear", "--as", "Ada"])
        .expect_code(0);
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(status, serde_json::json!([]));
}

#[test]
fn review_path_name_widens_to_the_doc_comment_written_with_the_method() {
    let repo = TempRepo::new();
    let text = "class Cart:\n    # The sum.\n    def total(self):\n        return 1\n\n    def other(self):\n        return 2\n";
    repo.write("cart.py", text);
    mark(&repo, "cart.py:2-4");
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(status[0]["unit"], "total");
    repo.vouch(&["review", "cart.py::Cart.total", "--as", "Ada"])
        .expect_code(0);
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(
        status,
        serde_json::json!([]),
        "the comment was reviewed too"
    );
}

#[test]
fn review_path_name_errors() {
    let repo = TempRepo::new();
    repo.write(
        "two.rs",
        "struct A;\nimpl A {\n    fn total(&self) {}\n}\nstruct B;\nimpl B {\n    fn total(&self) {}\n}\n",
    );
    mark(&repo, "two.rs:3-3");
    let out = repo.vouch(&["review", "two.rs::total"]).expect_code(2);
    assert!(out.stderr().contains("ambiguous"), "{}", out.stderr());
    assert!(out.stderr().contains("A::total"), "{}", out.stderr());
    let out = repo.vouch(&["review", "two.rs::missing"]).expect_code(2);
    assert!(out.stderr().contains("missing"), "{}", out.stderr());
    // Qualifying resolves it.
    repo.vouch(&["review", "two.rs::A::total", "--as", "Ada"])
        .expect_code(0);
    // No grammar: an error that says to use lines.
    repo.write("notes.txt", "hello\nworld\n");
    mark(&repo, "notes.txt:1-1");
    let out = repo.vouch(&["review", "notes.txt::hello"]).expect_code(2);
    assert!(out.stderr().contains("START-END"), "{}", out.stderr());
    // The line form still works for that file, and status has no unit for it.
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(status[0]["path"], "notes.txt");
    assert_eq!(status[0]["unit"], serde_json::Value::Null);
    repo.vouch(&["review", "notes.txt:1", "--as", "Ada"])
        .expect_code(0);
}

#[test]
fn blame_json_carries_the_unit_of_each_ai_line() {
    let repo = TempRepo::new();
    repo.write("src/cart.rs", CART);
    mark(&repo, "src/cart.rs:1-1");
    mark(&repo, "src/cart.rs:6-7");
    mark(&repo, "src/cart.rs:12-12");
    mark(&repo, "src/cart.rs:16-16");
    let blame = repo
        .vouch(&["blame", "--json", "src/cart.rs"])
        .expect_code(0)
        .json();
    let units: Vec<_> = blame
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["unit"].as_str().map(str::to_owned))
        .collect();
    let s = |x: &str| Some(x.to_owned());
    assert_eq!(units[0], s("Cart"), "struct line");
    assert_eq!(units[5], s("total"), "signature line");
    assert_eq!(units[6], s("total"));
    assert_eq!(units[11], s("clear"));
    assert_eq!(units[15], None, "top-level const");
    assert_eq!(blame[6]["origin"], "ai");
    // Human lines are not named: naming costs a parse and a query per line.
    assert_eq!(blame[7]["origin"], "human");
    assert_eq!(units[7], None, "human line inside total");
    assert_eq!(units[2], None);
}

/// `vouch status` names regions from the store's cache when it has named
/// the same text before (no parse), and parses again when the text changes.
#[test]
fn status_names_units_from_the_cache_by_content_hash() {
    let repo = TempRepo::new();
    repo.write("src/cart.rs", CART);
    mark(&repo, "src/cart.rs:7-7");
    let first = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(first[0]["unit"], "total");
    let db = repo.path().join(".git/vouch/store.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM unit_names", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1, "one region named, one row cached");
    // What the cache says is what status prints: it did not parse again.
    conn.execute("UPDATE unit_names SET name = 'from_cache'", [])
        .unwrap();
    drop(conn);
    let second = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(second[0]["unit"], "from_cache");
    // Another text (a human edit elsewhere): parsed and named afresh.
    repo.write("src/cart.rs", &CART.replace("n: u32", "n: u64"));
    let third = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(third[0]["unit"], "total");
}
