//! Fixtures of the syntax tests: `tests/fixtures/syntax/<file>` with
//! `<file>.expect` listing AI line ranges and the unit each must be named by.

use std::path::PathBuf;

pub struct Expectation {
    /// 1-based, inclusive.
    pub first: usize,
    pub last: usize,
    /// `fn total`, or `None`.
    pub label: Option<String>,
}

impl Expectation {
    /// The bare name: the label without its keyword (`total` of `fn total`).
    pub fn name(&self) -> Option<&str> {
        self.label
            .as_deref()
            .map(|l| l.split_once(' ').map_or(l, |(_, n)| n))
    }
}

pub struct Fixture {
    /// File name (`cart.rs`), which selects the language.
    pub file: String,
    pub text: String,
    pub expectations: Vec<Expectation>,
}

impl Fixture {
    /// The file name with `-<n>` before its extension (`cart-3.rs`).
    pub fn numbered(&self, n: usize) -> String {
        match self.file.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}-{n}.{ext}"),
            None => format!("{}-{n}", self.file),
        }
    }
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/syntax")
}

fn dash(s: &str) -> Option<String> {
    (s != "-").then(|| s.to_owned())
}

/// Every fixture, sorted by file name.
pub fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir()).expect("fixtures folder") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_owned();
        let Some(file) = name.strip_suffix(".expect") else {
            continue;
        };
        let expect = std::fs::read_to_string(&path).expect("expect file");
        let expectations = expect
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| {
                // `START-END | qualified name | label`; the qualified names
                // are checked by the core's unit tests (syntax/tests.rs).
                let parts: Vec<&str> = l.split('|').map(str::trim).collect();
                let (a, b) = parts[0].split_once('-').expect("START-END");
                Expectation {
                    first: a.parse().expect("start"),
                    last: b.parse().expect("end"),
                    label: dash(parts[2]),
                }
            })
            .collect();
        out.push(Fixture {
            file: file.to_owned(),
            text: std::fs::read_to_string(dir().join(file)).expect("fixture"),
            expectations,
        });
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    assert!(out.len() >= 9, "one fixture per language");
    out
}
