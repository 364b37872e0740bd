//! Background tasks: publishing diagnostics, writing to the store when idle,
//! watching the store for other processes' writes, and forwarding log lines.
//! They are the only code that awaits the client.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{Backend, lock};
use vouch_core::syntax as syntax_tree;

/// Quiet time before diagnostics are published (the contract allows 100 ms
/// after the last change).
const PUBLISH_DELAY: Duration = Duration::from_millis(40);
/// Longest wait for a quiet moment while changes keep coming.
const PUBLISH_MAX: Duration = Duration::from_millis(90);
/// Idle time before unflushed changes are written to the store.
const FLUSH_DELAY: Duration = Duration::from_millis(200);
/// Longest wait for an idle moment while changes keep coming.
const FLUSH_MAX: Duration = Duration::from_secs(2);
/// How often the review range is verified again while one is set.
const REVIEW_INTERVAL: Duration = Duration::from_secs(10);
/// How often the store is checked for other processes' writes.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

impl Backend {
    pub(super) fn spawn_tasks(&self) {
        let shared = self.shared.clone();
        let client = self.client.clone();
        tokio::spawn(async move {
            loop {
                shared.publish.notified().await;
                // Wait for a quiet moment, but never longer than PUBLISH_MAX.
                let start = tokio::time::Instant::now();
                let quiet = loop {
                    let seen = shared.changes.load(Ordering::Relaxed);
                    tokio::time::sleep(PUBLISH_DELAY).await;
                    if shared.changes.load(Ordering::Relaxed) == seen {
                        break true;
                    }
                    if start.elapsed() >= PUBLISH_MAX {
                        break false;
                    }
                };
                // At a quiet moment, write what the diagnostics will show
                // first: a `vouch review` run from a terminal as soon as they
                // appear must find that text in the store. (While changes
                // keep coming, the writer task waits for a pause instead.)
                if quiet {
                    lock(&shared).flush_all();
                }
                // Reparse edited documents without holding the lock, so
                // changes keep flowing while the parser runs.
                let lent: Vec<(String, syntax_tree::SyntaxTree, ropey::Rope)> = {
                    let mut s = lock(&shared);
                    s.docs
                        .iter_mut()
                        .filter(|(_, d)| d.diag_due)
                        .filter_map(|(k, d)| d.lend_stale_syntax().map(|(t, r)| (k.clone(), t, r)))
                        .collect()
                };
                let parsed: Vec<_> = lent
                    .into_iter()
                    .map(|(k, mut t, r)| {
                        t.reparse(&r);
                        (k, t)
                    })
                    .collect();
                let (due, lens_refresh) = {
                    let mut s = lock(&shared);
                    for (k, t) in parsed {
                        if let Some(d) = s.docs.get_mut(&k) {
                            d.return_syntax(t);
                        }
                    }
                    (s.take_due_diagnostics(), s.code_lens_refresh)
                };
                let published = !due.is_empty();
                for (uri, diags, version) in due {
                    client.publish_diagnostics(uri, diags, version).await;
                }
                // Code lenses count unreviewed lines: ask the client to
                // re-request them (spawned: never wait on the client here).
                if published && lens_refresh {
                    let client = client.clone();
                    tokio::spawn(async move {
                        let _ = client.code_lens_refresh().await;
                    });
                }
            }
        });
        let shared = self.shared.clone();
        tokio::spawn(async move {
            loop {
                shared.flush.notified().await;
                // Write once changes pause (typing never waits on a large
                // document's write), and at least every FLUSH_MAX.
                let start = tokio::time::Instant::now();
                loop {
                    let seen = shared.changes.load(Ordering::Relaxed);
                    tokio::time::sleep(FLUSH_DELAY).await;
                    if shared.changes.load(Ordering::Relaxed) == seen
                        || start.elapsed() >= FLUSH_MAX
                    {
                        break;
                    }
                }
                lock(&shared).flush_all();
            }
        });
        // The review range: verified when settings change, after an
        // approval, and every REVIEW_INTERVAL while one is set (commits and
        // fetched approvals arrive from outside).
        let shared = self.shared.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(REVIEW_INTERVAL);
            loop {
                tokio::select! {
                    _ = shared.review.notified() => {}
                    _ = tick.tick() => {}
                }
                let Some((spec, roots)) = lock(&shared).review_targets() else {
                    if lock(&shared).set_review(Default::default()) {
                        shared.publish.notify_one();
                    }
                    continue;
                };
                let found = tokio::task::spawn_blocking(move || {
                    let mut out = std::collections::HashMap::new();
                    for (store, root) in roots {
                        match super::review::findings(&root, &spec) {
                            Ok(f) => {
                                out.insert(store, f);
                            }
                            Err(e) => tracing::warn!("review range {spec}: {e}"),
                        }
                    }
                    out
                })
                .await;
                if let Ok(found) = found
                    && lock(&shared).set_review(found)
                {
                    shared.changes.fetch_add(1, Ordering::Relaxed);
                    shared.publish.notify_one();
                }
            }
        });
        let shared = self.shared.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(POLL_INTERVAL);
            loop {
                tick.tick().await;
                let changed = lock(&shared).poll_stores();
                if changed {
                    shared.publish.notify_one();
                }
            }
        });
        let rx = self
            .logs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(mut rx) = rx {
            let client = self.client.clone();
            tokio::spawn(async move {
                while let Some((typ, line)) = rx.recv().await {
                    client.log_message(typ, line).await;
                }
            });
        }
    }
}
