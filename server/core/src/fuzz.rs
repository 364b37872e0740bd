//! Shared strategies for the property tests that fuzz parsers of untrusted
//! bytes (notes, `vouch.toml`, agent payloads and configurations, language
//! server frames). Each asserts no panic and bounded work on arbitrary and
//! mutated inputs. The edge crate's tests reach these strategies through the
//! `fuzz` feature (its dev-dependency on `vouch-core` turns it on).
//!
//! The case counts are small so `cargo test` stays quick; a longer budget:
//! `PROPTEST_CASES=100000 cargo test --lib fuzz_`.

use proptest::prelude::*;
use proptest::test_runner::Config;

/// `cases` runs, or `PROPTEST_CASES` when set; no failure files written.
pub fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// One edit of a byte string.
#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Repeat(usize, usize, u8),
}

fn apply(mut bytes: Vec<u8>, edits: Vec<Mutation>) -> Vec<u8> {
    for e in edits {
        let n = bytes.len().max(1);
        match e {
            Mutation::Flip(at, b) => {
                if let Some(x) = bytes.get_mut(at % n) {
                    *x ^= b;
                }
            }
            Mutation::Insert(at, more) => {
                let at = (at % (bytes.len() + 1)).min(bytes.len());
                bytes.splice(at..at, more);
            }
            Mutation::Delete(at, len) => {
                let at = (at % n).min(bytes.len());
                let end = (at + len).min(bytes.len());
                bytes.drain(at..end);
            }
            Mutation::Repeat(at, len, times) => {
                let at = (at % n).min(bytes.len());
                let end = (at + len).min(bytes.len());
                let piece = bytes[at..end].to_vec();
                for _ in 0..times {
                    bytes.splice(at..at, piece.iter().copied());
                }
            }
        }
    }
    bytes
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Flip(a, b)),
        (
            any::<usize>(),
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..16),
                // Tokens that steer parsers into their interesting corners.
                proptest::sample::select(vec![
                    b"\"".to_vec(),
                    b"{".to_vec(),
                    b"}".to_vec(),
                    b"[".to_vec(),
                    b"]".to_vec(),
                    b"\n".to_vec(),
                    b"\r\n\r\n".to_vec(),
                    b"18446744073709551615".to_vec(),
                    b"-1".to_vec(),
                    b"1e309".to_vec(),
                    b"\\u0000".to_vec(),
                    b"**".to_vec(),
                    b"\x1b[2K\r".to_vec(),
                    b"Content-Length: ".to_vec(),
                ]),
            ]
        )
            .prop_map(|(a, v)| Mutation::Insert(a, v)),
        (any::<usize>(), 0usize..64).prop_map(|(a, l)| Mutation::Delete(a, l)),
        (any::<usize>(), 0usize..64, 0u8..8).prop_map(|(a, l, t)| Mutation::Repeat(a, l, t)),
    ]
}

/// Arbitrary bytes (up to `max` long), and valid `seeds` with a few
/// random edits.
pub fn bytes(seeds: Vec<Vec<u8>>, max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..max),
        (
            proptest::sample::select(seeds),
            proptest::collection::vec(mutation(), 0..6)
        )
            .prop_map(|(seed, edits)| apply(seed, edits)),
    ]
}

/// Fuzz targets for parsers whose modules belong to other areas (the note
/// parser and the LSP frame reader have theirs next to the code).
#[cfg(test)]
mod targets {
    use proptest::prelude::*;

    use crate::agent::{self, Agent};
    use crate::commit::lines::LineAttr;
    use crate::commit::policy::Policy;
    use crate::ledger::LineOrigin;

    const POLICY: &str = r#"[review]
require = true
exempt = ["docs/**", "*.md", "gen/", "src/[a-c]?.rs"]
severity = "warning"

[[review.rule]]
paths = ["src/crypto/**"]
reviewers = ["Ada Lovelace <ada@example.com>"]
distinct_from_author = true
"#;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!("../../../tests/fixtures/agents/", $name)).to_vec()
        };
    }

    fn payloads() -> Vec<(Agent, Vec<u8>)> {
        vec![
            (Agent::ClaudeCode, fixture!("claude-code/post-edit.json")),
            (Agent::ClaudeCode, fixture!("claude-code/pre-bash.json")),
            (Agent::Codex, fixture!("codex/post-apply-patch.json")),
            (Agent::Copilot, fixture!("copilot/post-edit.json")),
            (Agent::Cursor, fixture!("cursor/after-file-edit.json")),
            (Agent::Gemini, fixture!("gemini/after-replace.json")),
        ]
    }

    fn attr() -> LineAttr {
        LineAttr {
            origin: LineOrigin::Ai,
            tool: "t".into(),
            model: None,
            kind: None,
            reviews: vec![crate::commit::lines::Reviewer {
                by: "Ada Lovelace <ada@example.com>".into(),
                at: None,
            }],
            chars: None,
        }
    }

    proptest! {
        #![proptest_config(super::config(128))]

        /// `vouch.toml`: parsing arbitrary and mutated policies never
        /// panics; an accepted policy matches paths (linear-time globs).
        #[test]
        fn fuzz_policy(bytes in super::bytes(vec![POLICY.as_bytes().to_vec()], 1024)) {
            let text = String::from_utf8_lossy(&bytes);
            if let Ok(policy) = Policy::parse(&text, "vouch.toml") {
                let path = "src/crypto/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/b.rs";
                let _ = policy.is_exempt(path);
                let _ = policy.unmet(path, &attr(), Some("A <a@x>"));
            }
        }

        /// Agent payloads: arbitrary and mutated payloads of every agent
        /// parse or are refused, never panic; a parsed model name is valid.
        #[test]
        fn fuzz_agent_payloads(
            (agent, bytes) in proptest::sample::select(payloads()).prop_flat_map(|(agent, seed)| {
                (Just(agent), super::bytes(vec![seed], 2048))
            })
        ) {
            if let Ok(event) = agent::parse(agent, &bytes)
                && let Some(m) = &event.model
            {
                prop_assert!(crate::untrusted::check_name(m).is_ok());
            }
        }

        /// Agent configuration JSON: merging Vouch's hooks into arbitrary
        /// and mutated files never panics; when it succeeds the file is a
        /// JSON object holding the hook, and removing it succeeds too.
        #[test]
        fn fuzz_agent_configs(bytes in super::bytes(vec![
            br#"{"hooks":{"PostToolUse":[{"matcher":"Edit","hooks":[{"type":"command","command":"other"}]}]},"env":{"A":"1"}}"#.to_vec(),
            br#"{"version":1,"hooks":{"afterFileEdit":[{"command":"x"}]}}"#.to_vec(),
            b"{}".to_vec(),
        ], 512)) {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("settings.json");
            std::fs::write(&path, &bytes).expect("write");
            for agent in [Agent::ClaudeCode, Agent::Cursor] {
                let command = format!("vouch record --agent {}", agent.name());
                if agent::install::install(agent, &path, &command).is_ok() {
                    let text = std::fs::read_to_string(&path).expect("read back");
                    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
                    prop_assert!(v.is_object());
                    prop_assert!(text.contains(&command));
                    prop_assert!(agent::install::uninstall(agent, &path).is_ok());
                }
            }
        }
    }
}
