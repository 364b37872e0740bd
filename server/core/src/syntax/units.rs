//! Finding units with the `units.scm` queries, and choosing the unit that
//! names a range of AI code.

use std::ops::Range;

use ropey::Rope;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, QueryCursor, Tree};

use super::{Language, ResolveError, SyntaxTree, Unit, UnitKind};

type Raw = (Range<usize>, UnitKind, Range<usize>, Option<Range<usize>>);

/// Runs the language's query over the tree (only over `range` when given) and
/// returns units sorted outer before inner, with qualified names and methods.
pub(super) fn collect(
    language: Language,
    tree: &Tree,
    rope: &Rope,
    range: Option<Range<usize>>,
) -> Vec<Unit> {
    let Some(query) = language.units_query() else {
        return Vec::new();
    };
    let names = query.capture_names();
    let mut cursor = QueryCursor::new();
    if let Some(range) = range {
        // An empty range would match nothing; widen it to the byte at start.
        cursor.set_byte_range(range.start..range.end.max(range.start + 1));
    }
    let text = |node: Node| {
        rope.byte_slice(clamp(rope, node.byte_range()))
            .chunks()
            .map(str::as_bytes)
    };
    // (unit range, kind, name range, outer name range)
    let mut raw: Vec<Raw> = Vec::new();
    let mut matches = cursor.matches(query, tree.root_node(), text);
    while let Some(m) = matches.next() {
        let mut unit = None;
        let mut name = None;
        let mut outer = None;
        for capture in m.captures() {
            let capture_name = names[capture.index as usize];
            if capture_name == "name" {
                name.get_or_insert(capture.node.byte_range());
            } else if capture_name == "outer" {
                outer.get_or_insert(capture.node.byte_range());
            } else if let Some(kind) = capture_name.strip_prefix("unit.").and_then(UnitKind::parse)
            {
                unit = Some((capture.node.byte_range(), kind));
            }
        }
        if let (Some((range, kind)), Some(name)) = (unit, name) {
            raw.push((range, kind, name, outer));
        }
    }
    // Outer before inner; among captures of the same node the highest rank.
    raw.sort_by(|a, b| (a.0.start, b.0.end, b.1.rank()).cmp(&(b.0.start, a.0.end, a.1.rank())));
    raw.dedup_by(|later, kept| later.0 == kept.0);

    let separator = language.separator();
    let mut units: Vec<Unit> = Vec::with_capacity(raw.len());
    let mut stack: Vec<usize> = Vec::new(); // indices into `units`
    for (range, mut kind, name_range, outer) in raw {
        while let Some(&top) = stack.last() {
            if range.end <= units[top].range.end {
                break;
            }
            stack.pop();
        }
        let parent = stack.last().map(|&i| &units[i]);
        let name = unit_name(rope, &name_range);
        // Directly inside a class/impl/trait, or defined out of line (`Cart::add`).
        if kind == UnitKind::Function
            && (parent.is_some_and(|p| p.kind.holds_methods()) || name.contains("::"))
        {
            kind = UnitKind::Method;
        }
        let outer = outer.map(|o| unit_name(rope, &o));
        let qualified_name = match (parent, outer) {
            (Some(p), Some(o)) => format!("{}{separator}{o}{separator}{name}", p.qualified_name),
            (Some(p), None) => format!("{}{separator}{name}", p.qualified_name),
            (None, Some(o)) => format!("{o}{separator}{name}"),
            (None, None) => name.clone(),
        };
        units.push(Unit {
            name,
            qualified_name,
            kind,
            keyword: language.keyword(kind),
            range,
            name_range,
            depth: stack.len(),
        });
        stack.push(units.len() - 1);
    }
    units
}

fn clamp(rope: &Rope, range: Range<usize>) -> Range<usize> {
    let len = rope.len_bytes();
    range.start.min(len)..range.end.min(len)
}

/// The name text on one line, without the quotes of a string name.
fn unit_name(rope: &Rope, range: &Range<usize>) -> String {
    let raw = rope.byte_slice(clamp(rope, range.clone())).to_string();
    let trimmed = raw.trim().trim_matches(['"', '\'', '`']);
    trimmed.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `range` without leading and trailing whitespace (unchanged if all blank).
fn trim(rope: &Rope, range: Range<usize>) -> Range<usize> {
    let range = clamp(rope, range);
    let (mut start, mut end) = (range.start, range.end);
    while start < end && rope.byte(start).is_ascii_whitespace() {
        start += 1;
    }
    while end > start && rope.byte(end - 1).is_ascii_whitespace() {
        end -= 1;
    }
    if start == end { range } else { start..end }
}

pub(super) fn unit_for(tree: &SyntaxTree, range: Range<usize>) -> Option<Unit> {
    let range = trim(&tree.rope, range);
    let candidates = tree.units_in(range.clone());
    let covered: Vec<&Unit> = candidates.iter().filter(|u| u.within(&range)).collect();
    let maximal: Vec<&Unit> = covered
        .iter()
        .filter(|u| {
            !covered
                .iter()
                .any(|v| v.range != u.range && v.contains(&u.range))
        })
        .copied()
        .collect();
    let whole: Vec<&Unit> = maximal
        .iter()
        .filter(|u| wrote_whole(tree, u, &range))
        .copied()
        .collect();
    if let [only] = whole.as_slice() {
        return Some((*only).clone());
    }
    // Several whole units (two functions at once) or a unit plus code
    // outside every unit: only a unit containing all of it names it.
    candidates
        .iter()
        .filter(|u| u.contains(&range))
        .max_by_key(|u| u.depth)
        .cloned()
}

/// Whether `range` (which covers `unit`) holds nothing but `unit` and its
/// trivia: comments, attributes, decorators, annotations, punctuation.
fn wrote_whole(tree: &SyntaxTree, unit: &Unit, range: &Range<usize>) -> bool {
    let root = tree.tree.root_node();
    let Some(mut node) = root.descendant_for_byte_range(unit.range.start, unit.range.end) else {
        return false;
    };
    // Climb through wrappers (decorated definitions, exports, templates) that
    // the range also covers.
    while let Some(parent) = node.parent() {
        let r = parent.byte_range();
        if range.start <= r.start && r.end <= range.end {
            node = parent;
        } else {
            break;
        }
    }
    // Every other child the range touches, level by level up to the level
    // that holds the whole range, is trivia (a comment before the first
    // method of a Python class hangs off the class, not off its body).
    loop {
        let Some(parent) = node.parent() else {
            return true; // the range covers the whole file
        };
        let mut cursor = parent.walk();
        let only_trivia = parent.children(&mut cursor).all(|child| {
            let c = child.byte_range();
            child.id() == node.id()
                || c.end <= range.start
                || c.start >= range.end
                || is_trivia(child)
        });
        if !only_trivia {
            return false;
        }
        let p = parent.byte_range();
        if p.start <= range.start && range.end <= p.end {
            return true;
        }
        node = parent;
    }
}

fn is_trivia(node: Node) -> bool {
    let kind = node.kind();
    if !node.is_named() {
        return !kind.chars().any(char::is_alphanumeric);
    }
    [
        "comment",
        "attribute",
        "decorator",
        "annotation",
        "modifiers",
    ]
    .iter()
    .any(|t| kind.contains(t))
}

/// Units named `query`, a bare or qualified name (`::` or `.`) matched against
/// the end of each qualified name; exact matches first.
pub(super) fn find(units: &[Unit], query: &str) -> Vec<Unit> {
    let query = query.trim();
    let wanted = segments(query);
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut exact: Vec<Unit> = Vec::new();
    let mut suffix: Vec<Unit> = Vec::new();
    for unit in units {
        if unit.qualified_name == query || unit.name == query {
            exact.push(unit.clone());
        } else if segments(&unit.qualified_name).ends_with(&wanted) {
            suffix.push(unit.clone());
        }
    }
    exact.extend(suffix);
    exact
}

fn segments(name: &str) -> Vec<&str> {
    name.split("::")
        .flat_map(|s| s.split('.'))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// See [`SyntaxTree::resolve`].
pub(super) fn resolve(units: &[Unit], query: &str) -> Result<Vec<Unit>, ResolveError> {
    let query = query.trim();
    let found = find(units, query);
    let mut names: Vec<String> = found.iter().map(|u| u.qualified_name.clone()).collect();
    names.sort();
    names.dedup();
    let chosen = if names.len() <= 1 || names.iter().any(|n| n == query) {
        names
            .iter()
            .find(|n| *n == query)
            .or(names.first())
            .cloned()
            .ok_or_else(|| ResolveError::NotFound(query.to_owned()))?
    } else {
        return Err(ResolveError::Ambiguous {
            name: query.to_owned(),
            candidates: names,
        });
    };
    Ok(found
        .into_iter()
        .filter(|u| u.qualified_name == chosen)
        .collect())
}
