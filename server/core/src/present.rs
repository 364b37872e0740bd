//! Words and groupings shared by every human-readable output (the CLI's
//! commands, the language server's messages, reports): one way to say a
//! count, a tool, a range of lines, and to group findings by their unit.
//! Plain strings; escaping stays with the caller (`untrusted::escape`).

/// The noun for a count of `n`: `one` for 1, else `many`.
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `n` with its noun: `1 line`, `2 lines`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", plural(n, one, many))
}

/// A tool as people read it: `copilot (gpt-4.1)`, or `copilot` without a model.
pub fn tool_label(tool: &str, model: Option<&str>) -> String {
    match model {
        Some(m) => format!("{tool} ({m})"),
        None => tool.to_owned(),
    }
}

/// 1-based inclusive lines: `7`, or `7-9`.
pub fn lines_label(start: usize, end: usize) -> String {
    if start == end {
        format!("{start}")
    } else {
        format!("{start}-{end}")
    }
}

/// `items` grouped by `key`, the groups in order of first appearance, each
/// with its key; an item without a key (code outside any unit) stands alone.
pub fn group_by_key<T, K: PartialEq>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> Option<K>,
) -> Vec<(Option<K>, Vec<T>)> {
    let mut groups: Vec<(Option<K>, Vec<T>)> = Vec::new();
    for item in items {
        let k = key(&item);
        let existing = k
            .as_ref()
            .and_then(|k| groups.iter_mut().find(|(g, _)| g.as_ref() == Some(k)));
        match existing {
            Some((_, members)) => members.push(item),
            None => groups.push((k, vec![item])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(count(1, "line", "lines"), "1 line");
        assert_eq!(count(0, "line", "lines"), "0 lines");
        assert_eq!(plural(2, "holds", "hold"), "hold");
        assert_eq!(tool_label("copilot", Some("gpt-4.1")), "copilot (gpt-4.1)");
        assert_eq!(tool_label("copilot", None), "copilot");
        assert_eq!(lines_label(7, 7), "7");
        assert_eq!(lines_label(7, 9), "7-9");
    }

    #[test]
    fn groups_keep_first_appearance_and_lone_items() {
        let items = [("f", 1), ("g", 2), ("f", 3), ("", 4), ("", 5), ("g", 6)];
        let groups = group_by_key(items, |(u, _)| (!u.is_empty()).then_some(*u));
        let shape: Vec<(Option<&str>, Vec<i32>)> = groups
            .into_iter()
            .map(|(k, m)| (k, m.into_iter().map(|(_, n)| n).collect()))
            .collect();
        assert_eq!(
            shape,
            [
                (Some("f"), vec![1, 3]),
                (Some("g"), vec![2, 6]),
                (None, vec![4]),
                (None, vec![5]),
            ]
        );
    }
}
