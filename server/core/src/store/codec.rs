//! The on-disk form of one file's runs: distinct attributions listed once,
//! each run an index into that list.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::ledger::{Attribution, Ledger, Snapshot};

#[derive(Serialize, Deserialize)]
struct Encoded {
    attrs: Vec<Attribution>,
    /// `(byte length, index into attrs)`.
    runs: Vec<(usize, usize)>,
}

pub(crate) fn encode(snapshot: &Snapshot) -> Result<Vec<u8>, serde_json::Error> {
    let mut attrs: Vec<Attribution> = Vec::new();
    let mut index: HashMap<&Attribution, usize> = HashMap::new();
    let mut runs = Vec::with_capacity(snapshot.runs.len());
    for (len, a) in &snapshot.runs {
        let i = *index.entry(a).or_insert_with(|| {
            attrs.push(a.clone());
            attrs.len() - 1
        });
        runs.push((*len, i));
    }
    serde_json::to_vec(&Encoded { attrs, runs })
}

/// Whether encoded runs may hold AI text, without decoding them: an AI
/// attribution is always encoded with `"origin":"ai"` (a name holding
/// those characters is escaped in JSON, so it can only add a false "yes").
/// `Store::holds_ai` asks SQLite the same.
pub(crate) fn may_hold_ai(runs: &[u8]) -> bool {
    const AI: &[u8] = b"\"origin\":\"ai\"";
    runs.windows(AI.len()).any(|w| w == AI)
}

/// The ledger of `text` whose encoded runs are `runs`: each attribution
/// read and interned once (a [`Snapshot`] holds one per run).
pub(crate) fn decode_ledger(text: &str, runs: &[u8]) -> Result<Ledger, String> {
    let e: Encoded = serde_json::from_slice(runs).map_err(|e| e.to_string())?;
    Ledger::from_indexed(text, &e.attrs, &e.runs).map_err(|e| e.to_string())
}

pub(crate) fn decode(text: String, runs: &[u8]) -> Result<Snapshot, String> {
    let e: Encoded = serde_json::from_slice(runs).map_err(|e| e.to_string())?;
    let runs = e
        .runs
        .into_iter()
        .map(|(len, i)| {
            e.attrs
                .get(i)
                .cloned()
                .map(|a| (len, a))
                .ok_or_else(|| format!("run refers to attribution {i} of {}", e.attrs.len()))
        })
        .collect::<Result<_, _>>()?;
    Ok(Snapshot { text, runs })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record read straight into a ledger is the one its snapshot makes;
    /// a corrupt one is refused with the reason.
    #[test]
    fn records_decode_into_ledgers_or_say_what_is_wrong() {
        let runs = br#"{"attrs":[{"origin":"human"},{"origin":"ai","source":{"tool":"copilot","kind":"inline-completion","accepted_at":1}}],"runs":[[2,0],[3,1],[2,0],[2,1]]}"#;
        let text = "ab\u{e9}cd\nxy";
        let ledger = decode_ledger(text, runs).expect("decodes");
        let via =
            Ledger::from_snapshot(decode(text.into(), runs).expect("decodes")).expect("valid");
        assert_eq!(ledger.snapshot(), via.snapshot());
        assert_eq!(ledger.regions().len(), 2);
        let bad_index = br#"{"attrs":[{"origin":"human"}],"runs":[[9,1]]}"#;
        let err = decode_ledger(text, bad_index).expect_err("refused");
        assert!(err.contains("attribution 1 of 1"), "{err}");
        let short = br#"{"attrs":[{"origin":"human"}],"runs":[[4,0]]}"#;
        assert!(
            decode_ledger(text, short)
                .expect_err("refused")
                .contains("does not cover")
        );
        // A run ending inside the two bytes of `é`.
        let split = br#"{"attrs":[{"origin":"human"}],"runs":[[3,0],[6,0]]}"#;
        assert!(
            decode_ledger(text, split)
                .expect_err("refused")
                .contains("character boundary")
        );
    }

    /// A store written before reviews accumulated holds one `review` per
    /// attribution; it is read as that one reviewer, and written back as
    /// `reviews` with every reviewer kept.
    #[test]
    fn old_single_review_is_read_and_reviews_accumulate() {
        let old = br#"{"attrs":[{"origin":"human"},{"origin":"ai","source":{"tool":"copilot","kind":"inline-completion","accepted_at":1},"review":{"by":"Grace <g@x>","at":5}}],"runs":[[3,0],[2,1]]}"#;
        let snap = decode("abcde".into(), old).unwrap();
        // The store's path (straight into a ledger) reads it the same.
        assert_eq!(
            decode_ledger("abcde", old).unwrap().snapshot(),
            crate::ledger::Ledger::from_snapshot(snap.clone())
                .unwrap()
                .snapshot()
        );
        let a = &snap.runs[1].1;
        assert_eq!(a.reviews().len(), 1);
        assert_eq!(a.reviews()[0].by, "Grace <g@x>");
        let mut ledger = crate::ledger::Ledger::from_snapshot(snap).unwrap();
        let ada = crate::ledger::Review {
            by: "Ada <a@x>".into(),
            at: 9,
        };
        assert_eq!(ledger.mark_reviewed(0..5, &ada).unwrap(), 2);
        let bytes = encode(&ledger.snapshot()).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.contains("\"reviews\"") && !text.contains("\"review\""),
            "{text}"
        );
        let back = decode("abcde".into(), &bytes).unwrap();
        let by: Vec<&str> = back.runs[1]
            .1
            .reviews()
            .iter()
            .map(|r| r.by.as_str())
            .collect();
        assert_eq!(by, ["Grace <g@x>", "Ada <a@x>"]);
    }
}
