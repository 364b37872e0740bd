//! The on-disk form of one file's runs: distinct attributions listed once,
//! each run an index into that list.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::ledger::{Attribution, Snapshot};

#[derive(Serialize, Deserialize)]
struct Encoded {
    attrs: Vec<Attribution>,
    /// `(byte length, index into attrs)`.
    runs: Vec<(usize, usize)>,
}

pub fn encode(snapshot: &Snapshot) -> Result<Vec<u8>, serde_json::Error> {
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

pub fn decode(text: String, runs: &[u8]) -> Result<Snapshot, String> {
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
