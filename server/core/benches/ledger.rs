//! Core speed: edits, reconcile, and the store. Figures go in the README.
//!
//! `cargo bench --bench ledger`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use vouch_core::ledger::{AiKind, AiSource, Attribution, Ledger};
use vouch_core::store::Store;

fn ai(n: usize) -> Attribution {
    Attribution::ai(AiSource {
        tool: "copilot".into(),
        model: Some("gpt-4.1".into()),
        kind: AiKind::InlineCompletion,
        session: None,
        accepted_at: n as i64,
    })
}

/// A 10k-line file holding 2k AI runs, one every five lines.
fn big_ledger() -> Ledger {
    let text: String = (0..10_000)
        .map(|i| format!("    let value_{i} = compute({i}) + 1;\n"))
        .collect();
    let mut l = Ledger::new(&text);
    for k in 0..2_000 {
        let r = l.line_range(k * 5, k * 5).expect("line exists");
        let source = ai(k).source().cloned().expect("ai");
        l.mark_ai(r.start + 4..r.end - 1, &source).expect("mark");
    }
    l
}

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn edits(c: &mut Criterion) {
    let base = big_ledger();
    let human = Attribution::Human;
    // One single-character edit at a random place (insert or delete), in a
    // ledger that has already absorbed the previous ones.
    c.bench_function("edit: 1 char into 10k lines / 2k AI runs", |b| {
        let mut l = base.clone();
        let mut rng = Rng(42);
        let mut n = 0u64;
        b.iter(|| {
            n += 1;
            let len = l.len();
            let mut at = rng.below(len);
            while !l.is_char_boundary(at) {
                at -= 1;
            }
            if n.is_multiple_of(2) && at + 1 < len {
                l.apply_edit(at..at + 1, "", &human).expect("delete");
            } else {
                let attr = if n.is_multiple_of(7) {
                    ai(10_000 + n as usize)
                } else {
                    human.clone()
                };
                l.apply_edit(at..at, "x", &attr).expect("insert");
            }
        });
        black_box(l.len());
    });
    // The 100k-edit session as one figure (reported per edit).
    let mut l = base.clone();
    let mut rng = Rng(7);
    let t = Instant::now();
    for n in 0..100_000usize {
        let at = rng.below(l.len());
        if l.is_char_boundary(at) {
            let attr = if n.is_multiple_of(7) {
                ai(20_000 + n)
            } else {
                human.clone()
            };
            l.apply_edit(at..at, "y", &attr).expect("insert");
        }
    }
    let per = t.elapsed() / 100_000;
    println!(
        "100k single-character edits: {per:?} per edit on average, {} runs at the end",
        l.spans().len()
    );
}

/// The same edit on files of 1k, 10k and 100k lines: the cost must not grow
/// with the document.
fn edit_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("edit scaling");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2));
    for lines in [1_000usize, 10_000, 100_000] {
        let text: String = (0..lines)
            .map(|i| format!("    let value_{i} = compute({i});\n"))
            .collect();
        let mut l = Ledger::new(&text);
        for k in 0..lines / 5 {
            let r = l.line_range(k * 5, k * 5).expect("line");
            l.mark_ai(r.start + 4..r.end - 1, ai(k).source().expect("ai"))
                .expect("mark");
        }
        let mut rng = Rng(3);
        group.bench_function(format!("{lines} lines"), |b| {
            b.iter(|| {
                let at = rng.below(l.len() - 1);
                l.apply_edit(at..at, "z", &Attribution::Human)
                    .expect("insert");
                l.apply_edit(at..at + 1, "", &Attribution::Human)
                    .expect("delete");
            });
        });
    }
    group.finish();
}

fn reconcile(c: &mut Criterion) {
    let base = big_ledger();
    let text = base.text();
    // 1% of the lines changed (every 100th line rewritten).
    let changed: String = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i % 100 == 7 {
                format!("{line} // edited\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    c.bench_function("reconcile: 10k lines, 1% changed", |b| {
        b.iter_batched(
            || base.clone(),
            |mut l| {
                l.reconcile(&changed);
                l
            },
            BatchSize::LargeInput,
        );
    });
}

fn store(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("store.db")).expect("open");
    let ledgers: Vec<Ledger> = (0..1_000)
        .map(|f| {
            let text: String = (0..200)
                .map(|i| format!("line {i} of file {f}\n"))
                .collect();
            let mut l = Ledger::new(&text);
            for k in 0..10 {
                let r = l.line_range(k * 20, k * 20 + 2).expect("lines");
                l.mark_ai(r, ai(k).source().expect("ai")).expect("mark");
            }
            l
        })
        .collect();
    let mut group = c.benchmark_group("store");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("write 1k files (200 lines, 10 AI runs each)", |b| {
        b.iter(|| {
            for (i, l) in ledgers.iter().enumerate() {
                store.save(&format!("src/file{i}.rs"), l).expect("save");
            }
        });
    });
    group.bench_function("read 1k files", |b| {
        b.iter(|| {
            for i in 0..ledgers.len() {
                black_box(store.load(&format!("src/file{i}.rs")).expect("load"));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, edits, edit_scaling, reconcile, store);
criterion_main!(benches);
