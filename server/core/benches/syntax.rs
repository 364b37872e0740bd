//! Added cost per keystroke of syntax-aware provenance (issue 7): on a
//! 10k-line Rust file, one keystroke = `Tree::edit` + incremental reparse with
//! the old tree + naming the unit around the cursor. A full parse is measured
//! alongside for comparison.
//!
//! `cargo bench --bench syntax`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ropey::Rope;
use vouch_core::syntax::{Language, SyntaxTree};

/// ~10k lines: 500 impl blocks of two methods each, inside modules.
fn big_rust_file() -> String {
    let mut text = String::from("//! Generated benchmark input.\n\n");
    for m in 0..50 {
        text.push_str(&format!("pub mod m{m} {{\n"));
        for i in 0..10 {
            let n = m * 10 + i;
            text.push_str(&format!(
                "    pub struct S{n} {{\n        value: u64,\n    }}\n\n    impl S{n} {{\n        \
                 pub fn new(value: u64) -> Self {{\n            S{n} {{ value }}\n        }}\n\n        \
                 /// Adds things.\n        pub fn total(&self, items: &[u64]) -> u64 {{\n            \
                 let mut sum = self.value;\n            for item in items {{\n                \
                 if *item > 10 {{\n                    sum += item * 2;\n                }} else {{\n                    \
                 sum += item;\n                }}\n            }}\n            sum\n        }}\n    }}\n\n"
            ));
        }
        text.push_str("}\n\n");
    }
    text
}

/// One keystroke at `at`: types an `x` there, or deletes the one typed
/// before, then reparses. Returns the range the keystroke left.
fn type_or_delete(
    tree: &mut SyntaxTree,
    rope: &mut Rope,
    at: usize,
    typed: &mut bool,
) -> std::ops::Range<usize> {
    let range = if *typed {
        tree.edit_text(rope, at..at + 1, "");
        rope.remove(at..at + 1);
        at..at
    } else {
        tree.edit_text(rope, at..at, "x");
        rope.insert(at, "x");
        at..at + 1
    };
    *typed = !*typed;
    tree.reparse(rope);
    range
}

fn keystroke(c: &mut Criterion) {
    let text = big_rust_file();
    let lines = text.lines().count();
    assert!(lines >= 10_000, "{lines} lines");
    let language = Language::from_id("rust").expect("rust grammar folder");

    c.bench_function("syntax/full_parse_10k_lines", |b| {
        b.iter(|| black_box(SyntaxTree::parse(language, &text).expect("rust grammar")));
    });

    // Type a character into a method body in the middle of the file, then
    // delete it: each iteration is one keystroke (edit + reparse + lookup).
    let mut tree = SyntaxTree::parse(language, &text).expect("rust grammar");
    let mut rope = Rope::from_str(&text);
    let at = text.len() / 2 + text[text.len() / 2..].find("sum += item;").expect("body");
    let mut typed = false;
    c.bench_function("syntax/keystroke_10k_lines", |b| {
        b.iter(|| {
            let range = type_or_delete(&mut tree, &mut rope, at, &mut typed);
            black_box(tree.unit_for(range))
        });
    });

    // The same keystroke, plus listing every unit (what code lenses need).
    c.bench_function("syntax/keystroke_with_all_units_10k_lines", |b| {
        b.iter(|| {
            type_or_delete(&mut tree, &mut rope, at, &mut typed);
            black_box(tree.units().len())
        });
    });
}

/// Publishing diagnostics after a keystroke on a file with 500 AI regions:
/// edit + reparse, then the unit of every region (what `vouch lsp` does in a
/// quiet moment, and `vouch status` per file).
fn name_regions(c: &mut Criterion) {
    let text = big_rust_file();
    let language = Language::from_id("rust").expect("rust grammar folder");
    let mut tree = SyntaxTree::parse(language, &text).expect("rust grammar");
    let mut rope = Rope::from_str(&text);
    let regions: Vec<std::ops::Range<usize>> = (0..500)
        .map(|k| {
            let line = k * (rope.len_lines() - 2) / 500;
            rope.line_to_byte(line)..rope.line_to_byte(line + 1)
        })
        .collect();
    let at = text.len() / 2 + text[text.len() / 2..].find("sum += item;").expect("body");
    let mut typed = false;
    c.bench_function("syntax/keystroke_then_name_500_regions_10k_lines", |b| {
        b.iter(|| {
            type_or_delete(&mut tree, &mut rope, at, &mut typed);
            let named = regions
                .iter()
                .filter(|r| tree.unit_for((*r).clone()).is_some())
                .count();
            black_box(named)
        });
    });
}

criterion_group!(benches, keystroke, name_regions);
criterion_main!(benches);
