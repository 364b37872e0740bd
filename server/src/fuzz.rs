//! Shared strategies for the property tests that fuzz parsers of untrusted
//! bytes (notes, `vouch.toml`, agent payloads and configurations, language
//! server frames). Each asserts no panic and bounded work on arbitrary and
//! mutated inputs.
//!
//! The case counts are small so `cargo test` stays quick; a longer budget:
//! `PROPTEST_CASES=100000 cargo test --lib fuzz_`.

use proptest::prelude::*;
use proptest::test_runner::Config;

/// `cases` runs, or `PROPTEST_CASES` when set; no failure files written.
pub(crate) fn config(cases: u32) -> Config {
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
pub(crate) fn bytes(seeds: Vec<Vec<u8>>, max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..max),
        (
            proptest::sample::select(seeds),
            proptest::collection::vec(mutation(), 0..6)
        )
            .prop_map(|(seed, edits)| apply(seed, edits)),
    ]
}
