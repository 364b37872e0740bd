//! Writing an agent's edit into the store: exactly the characters that differ
//! between the text before and after the tool call become the agent's.

use crate::ledger::{AiSource, Attribution, Ledger};
use crate::store::Store;

use super::AgentError;
use super::diff::{Change, changes};

/// Records that `source` turned `before` into `after` in file `rel`, in one
/// store transaction. The stored attribution is first brought to `before`
/// (text that changed since the store last saw the file is not the agent's),
/// then every changed character of `after` (see `diff`) is labelled with
/// `source`. When this returns, the store holds all of `after`. Returns the
/// number of bytes attributed to the agent.
pub(crate) fn attribute(
    store: &mut Store,
    rel: &str,
    before: &str,
    after: &str,
    source: &AiSource,
) -> Result<usize, AgentError> {
    if before == after {
        return Ok(0);
    }
    let pieces = changes(before, after);
    let mut bytes = 0;
    store.update(rel, |stored| -> Result<Option<Ledger>, AgentError> {
        let mut ledger = match stored {
            Some(s) => {
                let mut l = s.ledger;
                // Compared without copying the text out of the rope.
                if *l.rope() != before {
                    l.reconcile(before);
                }
                l
            }
            None => Ledger::new(before),
        };
        bytes = apply(&mut ledger, rel, &pieces, after, source)?;
        Ok(Some(ledger))
    })?;
    Ok(bytes)
}

/// Like `attribute` with the store's last known text of `rel` as the text
/// before. Returns `None`, writing nothing, when the store does not track
/// `rel`. Reads the stored text once, inside the transaction.
pub(crate) fn attribute_since_stored(
    store: &mut Store,
    rel: &str,
    after: &str,
    source: &AiSource,
) -> Result<Option<usize>, AgentError> {
    let mut result = None;
    store.update(rel, |stored| -> Result<Option<Ledger>, AgentError> {
        let Some(stored) = stored else {
            return Ok(None);
        };
        let mut ledger = stored.ledger;
        let before = ledger.text();
        if before == after {
            result = Some(0);
            return Ok(None);
        }
        let pieces = changes(&before, after);
        result = Some(apply(&mut ledger, rel, &pieces, after, source)?);
        Ok(Some(ledger))
    })?;
    Ok(result)
}

/// Applies the changes (offsets into the ledger's text) with the agent's
/// attribution; returns the bytes attributed.
fn apply(
    ledger: &mut Ledger,
    rel: &str,
    pieces: &[Change],
    after: &str,
    source: &AiSource,
) -> Result<usize, AgentError> {
    let attr = Attribution::ai(source.clone());
    let mut bytes = 0;
    // Last piece first, so earlier offsets (in the text before) stay valid.
    for Change { old, new } in pieces.iter().rev() {
        ledger
            .apply_edit(old.clone(), &after[new.clone()], &attr)
            .map_err(|e| AgentError::Ledger {
                path: rel.to_owned(),
                message: e.to_string(),
            })?;
        bytes += new.len();
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::AiKind;

    fn source() -> AiSource {
        AiSource {
            tool: "claude-code".into(),
            model: None,
            kind: AiKind::Agent,
            session: Some("s".into()),
            accepted_at: 1,
        }
    }

    #[test]
    fn exactly_the_changed_characters() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let n = attribute(
            &mut store,
            "a.rs",
            "let x = 1;\n",
            "let x = 42;\nfoo\n",
            &source(),
        )
        .unwrap();
        let ledger = store.load("a.rs").unwrap().unwrap().ledger;
        assert_eq!(ledger.text(), "let x = 42;\nfoo\n");
        let text = ledger.text();
        let ai: String = ledger
            .regions()
            .iter()
            .map(|r| &text[r.range.clone()])
            .collect();
        assert_eq!(n, ai.len());
        assert_eq!(ai, "42foo\n");
    }

    #[test]
    fn human_drift_since_the_store_stays_human() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        store.save("a.rs", &Ledger::new("one\n")).unwrap();
        // A person added "two" without the store seeing it; the agent adds "three".
        attribute(
            &mut store,
            "a.rs",
            "one\ntwo\n",
            "one\ntwo\nthree\n",
            &source(),
        )
        .unwrap();
        let ledger = store.load("a.rs").unwrap().unwrap().ledger;
        let regions = ledger.regions();
        assert_eq!(regions.len(), 1);
        assert_eq!(&ledger.text()[regions[0].range.clone()], "three\n");
    }
}
