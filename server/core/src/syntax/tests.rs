use std::path::PathBuf;

use ropey::Rope;

use super::*;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/syntax")
}

/// `(first_line, last_line, qualified, label)` from a `.expect` file (1-based lines).
fn expectations(text: &str) -> Vec<(usize, usize, String, String)> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let parts: Vec<&str> = l.split('|').map(str::trim).collect();
            let (a, b) = parts[0].split_once('-').unwrap();
            (
                a.parse().unwrap(),
                b.parse().unwrap(),
                parts[1].to_owned(),
                parts[2].to_owned(),
            )
        })
        .collect()
}

fn lines(rope: &Rope, first: usize, last: usize) -> std::ops::Range<usize> {
    let end = if last >= rope.len_lines() {
        rope.len_bytes()
    } else {
        rope.line_to_byte(last)
    };
    rope.line_to_byte(first - 1)..end
}

#[test]
fn every_query_compiles() {
    for lang in Language::all() {
        if lang.has_grammar() {
            lang.check_query().unwrap();
        }
    }
}

#[test]
fn languages_come_from_extensions() {
    let id = |p: &str| Language::from_path(p).map(Language::id);
    assert_eq!(id("src/lib.rs"), Some("rust"));
    assert_eq!(id("a/b.py"), Some("python"));
    assert_eq!(id("x.ts"), Some("typescript"));
    assert_eq!(id("x.tsx"), Some("tsx"));
    for js in ["x.js", "x.jsx", "x.mjs", "x.cjs"] {
        assert_eq!(id(js), Some("javascript"), "{js}");
    }
    assert_eq!(id("main.go"), Some("go"));
    assert_eq!(id("A.java"), Some("java"));
    assert_eq!(id("x.c"), Some("c"));
    assert_eq!(id("x.h"), Some("c"));
    for cpp in ["x.hpp", "x.cc", "x.cpp", "x.cxx", "X.CPP"] {
        assert_eq!(id(cpp), Some("cpp"), "{cpp}");
    }
    assert_eq!(id("README.md"), None);
    assert_eq!(id("Makefile"), None);
    assert_eq!(id("dir.rs/file"), None);
    assert!(SyntaxTree::for_path("notes.txt", "fn x() {}").is_none());
}

/// `grammars/tsx/units.scm` only says `; inherits: typescript`: the build
/// puts TypeScript's whole query first, so TSX code (JSX included) gets every
/// TypeScript unit.
#[test]
fn tsx_inherits_the_typescript_query() {
    let ts = Language::from_id("typescript").unwrap();
    let tsx = Language::from_id("tsx").unwrap();
    let own = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../grammars/tsx/units.scm"),
    )
    .unwrap();
    assert!(own.starts_with("; inherits: typescript\n"), "{own}");
    assert!(!own.contains("@unit."), "tsx repeats no pattern of its own");
    assert!(tsx.spec().query.starts_with(ts.spec().query));
    assert!(tsx.spec().query.ends_with(&own));
    if !tsx.has_grammar() {
        return;
    }
    let text = "interface Props {\n  n: number;\n}\n\
                export function Cart(p: Props) {\n  return <div>{p.n}</div>;\n}\n\
                class Store {\n  total(): number {\n    return 1;\n  }\n}\n";
    let tree = SyntaxTree::parse(tsx, text).unwrap();
    let names: Vec<(String, String)> = tree
        .units()
        .iter()
        .map(|u| (u.qualified_name.clone(), u.label()))
        .collect();
    for want in ["Props", "Cart", "Store", "Store.total"] {
        assert!(names.iter().any(|(q, _)| q == want), "{want} in {names:?}");
    }
}

/// Every language has a fixture, and every AI range in it is named as expected.
#[test]
fn fixtures_name_the_expected_units() {
    let mut seen = Vec::new();
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let Some(source) = name.strip_suffix(".expect") else {
            continue;
        };
        let lang = Language::from_path(source).unwrap();
        seen.push(lang.id());
        let text = std::fs::read_to_string(fixtures().join(source)).unwrap();
        let tree = SyntaxTree::parse(lang, &text).unwrap();
        assert!(!tree.has_errors(), "{source} parses without errors");
        let rope = Rope::from_str(&text);
        for (first, last, qualified, label) in
            expectations(&std::fs::read_to_string(&path).unwrap())
        {
            let unit = tree.unit_for(lines(&rope, first, last));
            let got = unit.as_ref().map_or(("-".to_owned(), "-".to_owned()), |u| {
                (u.qualified_name.clone(), u.label())
            });
            if got != (qualified.clone(), label.clone()) {
                failures.push(format!(
                    "{source}:{first}-{last}: want {qualified} / {label}, got {got:?}; units: {:?}",
                    tree.units()
                        .iter()
                        .map(|u| (&u.qualified_name, u.label(), &u.range))
                        .collect::<Vec<_>>()
                ));
                continue;
            }
            if let Some(unit) = unit {
                let found = tree.find_units(&qualified);
                assert!(found.contains(&unit), "{source}: find_units({qualified})");
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    seen.sort_unstable();
    let mut all: Vec<&str> = Language::all().map(Language::id).collect();
    all.sort_unstable();
    assert_eq!(seen, all, "one fixture per language");
}

#[test]
fn find_unit_accepts_bare_and_qualified_names() {
    let text = std::fs::read_to_string(fixtures().join("cart.rs")).unwrap();
    let tree = SyntaxTree::for_path("cart.rs", &text).unwrap();
    for name in ["total", "Cart::total", "Cart.total", " Cart::total "] {
        let unit = tree.find_unit(name).unwrap();
        assert_eq!(unit.qualified_name, "Cart::total", "{name}");
        assert_eq!(unit.kind, UnitKind::Method);
        assert_eq!(&text[unit.name_range.clone()], "total");
    }
    assert_eq!(
        tree.find_unit("inner").unwrap().qualified_name,
        "helper::inner"
    );
    assert!(tree.find_unit("Priced::total").is_none());
    assert!(tree.find_unit("nothing").is_none());
    assert!(tree.find_unit("").is_none());
}

#[test]
fn a_method_written_whole_is_named_by_the_method_not_the_class() {
    let text =
        "class A:\n    def one(self):\n        return 1\n\n    def two(self):\n        return 2\n";
    let tree = SyntaxTree::for_path("a.py", text).unwrap();
    let two = text.find("    def two").unwrap();
    // The AI region includes the blank line before and the trailing newline.
    let unit = tree.unit_for(two - 1..text.len()).unwrap();
    assert_eq!(
        (unit.label(), unit.qualified_name.as_str()),
        ("def two".to_owned(), "A.two")
    );
    // Both methods: no single unit written whole, so the class containing them.
    let both = text.find("    def one").unwrap();
    assert_eq!(tree.unit_for(both..text.len()).unwrap().label(), "class A");
    // Half of one method and half of the next: the class.
    let mid = text.find("return 1").unwrap()..text.find("return 2").unwrap();
    assert_eq!(tree.unit_for(mid).unwrap().label(), "class A");
}

#[test]
fn text_between_units_is_not_a_unit() {
    let text = "fn a() {}\n\nconst X: u32 = 1;\n\nfn b() {}\n";
    let tree = SyntaxTree::for_path("x.rs", text).unwrap();
    let x = text.find("const").unwrap();
    assert_eq!(tree.unit_for(x..x + 17), None);
    // Two functions written together: neither was written whole alone and
    // no unit holds both, so line ranges (docs/syntax.md, rule 3).
    assert_eq!(tree.unit_for(0..text.len()), None);
    // One whole function plus top-level code after it: likewise.
    let end_of_x = text.find(";").unwrap() + 1;
    assert_eq!(tree.unit_for(0..end_of_x), None);
    // The whole function alone is named by it.
    assert_eq!(tree.unit_for(0..9).unwrap().name, "a");
}

/// Applies `edits` (range in the current text, replacement) to the tree
/// incrementally and checks it matches a fresh parse of the final text.
fn check_incremental(path: &str, text: &str, edits: &[(std::ops::Range<usize>, &str)]) {
    let mut tree = SyntaxTree::for_path(path, text).unwrap();
    let mut rope = Rope::from_str(text);
    for (range, new_text) in edits {
        tree.edit_text(&rope, range.clone(), new_text);
        let start = rope.byte_to_char(range.start);
        let end = rope.byte_to_char(range.end);
        rope.remove(start..end);
        rope.insert(start, new_text);
        tree.reparse(&rope);
        let fresh = SyntaxTree::parse_rope(tree.language(), &rope).unwrap();
        assert_eq!(
            tree.tree.root_node().to_sexp(),
            fresh.tree.root_node().to_sexp()
        );
        assert_eq!(tree.units(), fresh.units());
    }
}

#[test]
fn incremental_edits_match_a_fresh_parse() {
    let text = std::fs::read_to_string(fixtures().join("cart.rs")).unwrap();
    let at = |s: &str| text.find(s).unwrap();
    let total = at("total(&self)");
    let use_line = at("use std");
    check_incremental(
        "cart.rs",
        &text,
        &[
            // Rename a method, one keystroke at a time.
            (total..total, "g"),
            (total + 1..total + 1, "r"),
            // A new function, with a multi-line insertion and a non-ASCII name.
            (0..0, "fn größe() -> u32 {\n    1\n}\n\n"),
        ],
    );
    // Delete a line, and replace a body.
    let body = at("Cart { items");
    check_incremental(
        "cart.rs",
        &text,
        &[
            (
                use_line..use_line + "use std::collections::HashMap;\n".len(),
                "",
            ),
            (body - 37..body - 37, "x"),
        ],
    );
}

#[test]
fn units_follow_edits() {
    let mut text = String::from("fn a() {\n    1\n}\n");
    let mut tree = SyntaxTree::for_path("x.rs", &text).unwrap();
    let mut rope = Rope::from_str(&text);
    let insert = "\nfn added() {\n    2\n}\n";
    tree.edit_text(&rope, text.len()..text.len(), insert);
    text.push_str(insert);
    rope = Rope::from_str(&text);
    tree.reparse(&rope);
    let names: Vec<_> = tree.units().iter().map(|u| u.name.clone()).collect();
    assert_eq!(names, ["a", "added"]);
    let body = text.find("    2").unwrap();
    assert_eq!(tree.unit_for(body..body + 5).unwrap().name, "added");
}

#[test]
fn sync_brings_the_tree_to_new_text() {
    let old = "def a():\n    return 1\n";
    let new = "def a():\n    return 1\n\ndef b():\n    return 2\n";
    let mut tree = SyntaxTree::for_path("x.py", old).unwrap();
    tree.sync(&Rope::from_str(new));
    let names: Vec<_> = tree.units().iter().map(|u| u.name.clone()).collect();
    assert_eq!(names, ["a", "b"]);
    tree.sync(&Rope::from_str(""));
    assert!(tree.units().is_empty());
}

#[test]
fn broken_code_still_names_units() {
    let text = "fn ok() {\n    let x = ;\n}\n";
    let tree = SyntaxTree::for_path("x.rs", text).unwrap();
    assert!(tree.has_errors());
    let at = text.find("let").unwrap();
    assert_eq!(tree.unit_for(at..at + 3).unwrap().name, "ok");
}

#[test]
fn ranged_lookup_matches_the_full_unit_list() {
    let text = std::fs::read_to_string(fixtures().join("cart.cpp")).unwrap();
    let tree = SyntaxTree::for_path("cart.cpp", &text).unwrap();
    let at = text.find("sum += kv").unwrap();
    let ranged = tree.units_in(at..at + 5);
    let full: Vec<Unit> = tree
        .units()
        .iter()
        .filter(|u| u.range.start < at + 5 && at < u.range.end)
        .cloned()
        .collect();
    assert_eq!(ranged, full);
    assert_eq!(
        ranged
            .iter()
            .map(|u| u.qualified_name.as_str())
            .collect::<Vec<_>>(),
        ["shop", "shop::Cart", "shop::Cart::total"]
    );
}

#[test]
fn resolve_picks_one_qualified_name_or_reports_ambiguity() {
    let text = "struct Cart;\nimpl Cart {\n    fn total(&self) {}\n}\nstruct Order;\nimpl Order {\n    fn total(&self) {}\n}\n";
    let tree = SyntaxTree::for_path("x.rs", text).unwrap();
    // A struct and its impl share a name: both are meant.
    let cart = tree.resolve("Cart").unwrap();
    assert_eq!(
        cart.iter().map(Unit::label).collect::<Vec<_>>(),
        ["struct Cart", "impl Cart"]
    );
    assert_eq!(tree.resolve("Order.total").unwrap().len(), 1);
    match tree.resolve("total") {
        Err(ResolveError::Ambiguous { candidates, .. }) => {
            assert_eq!(candidates, ["Cart::total", "Order::total"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        tree.resolve("missing"),
        Err(ResolveError::NotFound("missing".to_owned()))
    );
}

#[test]
fn extent_takes_in_the_regions_named_by_the_unit() {
    let text =
        "impl A {\n    /// Doc.\n    fn f(&self) {\n        1;\n    }\n\n    fn g(&self) {}\n}\n";
    let tree = SyntaxTree::for_path("x.rs", text).unwrap();
    let f = tree.find_unit("f").unwrap();
    let doc = text.find("    /// Doc.").unwrap();
    let end = text.find("\n\n").unwrap() + 1;
    let g = text.find("fn g").unwrap();
    let extent = tree.extent(&f, [doc..end, g..g + 14]);
    assert_eq!(extent, doc..f.range.end.max(end));
}

/// Naming through a ranged query and through the cached full list agree.
#[test]
fn ranged_and_cached_lookups_agree() {
    for file in ["cart.cpp", "cart.py", "cart.ts", "cart_test.go"] {
        let text = std::fs::read_to_string(fixtures().join(file)).unwrap();
        let cached = SyntaxTree::for_path(file, &text).unwrap();
        assert!(!cached.units().is_empty());
        let rope = Rope::from_str(&text);
        let n = rope.len_lines();
        for first in 1..n {
            for last in first..(first + 6).min(n) {
                let range = lines(&rope, first, last);
                // A fresh tree answers with a ranged query (first lookup).
                let fresh = SyntaxTree::for_path(file, &text).unwrap();
                assert_eq!(
                    fresh.unit_for(range.clone()),
                    cached.unit_for(range),
                    "{file}:{first}-{last}"
                );
            }
        }
    }
}

mod incremental {
    use proptest::prelude::*;
    use ropey::Rope;

    use super::super::SyntaxTree;

    const SNIPPETS: &[&str] = &[
        "fn c() {\n    2\n}\n",
        "fn d(&self) -> u32 {\n    3\n}\n",
        "#[test]\nfn t() {}\n",
        "// é comment\n",
        "fn größe() {}\n",
    ];

    /// One keystroke: replace `range` (chars) of `rope` by `text`, in tree and rope.
    fn key(tree: &mut SyntaxTree, rope: &mut Rope, chars: std::ops::Range<usize>, text: &str) {
        let bytes = rope.char_to_byte(chars.start)..rope.char_to_byte(chars.end);
        tree.edit_text(rope, bytes, text);
        rope.remove(chars.clone());
        rope.insert(chars.start, text);
        tree.reparse(rope);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

        /// Typing whole items character by character at line starts, and
        /// deleting whole lines with backspace: the incrementally updated tree
        /// names the same units as a fresh parse of the final text whenever
        /// that text parses cleanly (error recovery may legitimately differ).
        #[test]
        fn typing_keeps_units_equal_to_a_fresh_parse(
            ops in proptest::collection::vec((any::<bool>(), 0.0f64..1.0, 0usize..SNIPPETS.len()), 1..6)
        ) {
            let start = "impl A {\n    fn a(&self) {}\n}\n\nfn b() {\n    1\n}\n";
            let mut tree = SyntaxTree::for_path("x.rs", start).unwrap();
            let mut rope = Rope::from_str(start);
            for (insert, at, snippet) in ops {
                let lines = rope.len_lines();
                let line = ((lines as f64) * at) as usize % lines;
                let mut c = rope.line_to_char(line);
                if insert {
                    for ch in SNIPPETS[snippet].chars() {
                        key(&mut tree, &mut rope, c..c, &ch.to_string());
                        c += 1;
                    }
                } else {
                    let end = rope.line_to_char((line + 1).min(lines));
                    for k in (c..end).rev() {
                        key(&mut tree, &mut rope, k..k + 1, "");
                    }
                }
            }
            let fresh = SyntaxTree::parse_rope(tree.language(), &rope).unwrap();
            if !fresh.has_errors() {
                prop_assert_eq!(tree.units(), fresh.units());
            }
            let len = rope.len_bytes();
            let _ = tree.unit_for(0..len);
            let _ = tree.unit_for(len..len);
        }
    }
}
