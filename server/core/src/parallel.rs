//! Work shared among threads: one function for every caller that maps a
//! list on several cores.

use std::sync::atomic::{AtomicUsize, Ordering};

/// How many cores this process may use (at least one).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// `f` of each of `items`, in their order, computed on up to `threads`
/// threads (here, one at a time, for one thread or one item). Each thread
/// takes the next item not yet taken, so uneven items share out evenly. A
/// panic on a thread is this one's.
pub fn map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads.min(items.len());
    if threads <= 1 {
        return items.iter().map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::map;

    /// In order whatever the thread count and however uneven the items.
    #[test]
    fn results_come_in_the_items_order() {
        let items: Vec<u64> = (0..500).collect();
        for threads in [0, 1, 2, 3, 8, 1000] {
            let out = map(&items, threads, |&n| {
                if n % 7 == 0 {
                    std::thread::sleep(std::time::Duration::from_micros(50));
                }
                n * n
            });
            assert_eq!(
                out,
                items.iter().map(|n| n * n).collect::<Vec<_>>(),
                "{threads}"
            );
        }
        assert!(map(&[] as &[u8], 4, |&b| b).is_empty());
    }
}
