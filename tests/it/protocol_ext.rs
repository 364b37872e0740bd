//! Vouch's protocol extensions are declared three times: the Rust types
//! (`server/src/lsp/ext.rs`), the TypeScript declarations of the VS Code
//! client (`editors/vscode/src/protocol.ts`) and the contract
//! (`docs/protocol.md`). This test fails when they drift apart: method
//! names, command names, and the field names of every parameter and result
//! type.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn read(rel: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The text between the first `"` (or `'`) pair after `from`.
fn quoted(s: &str, quote: char) -> Option<&str> {
    let start = s.find(quote)? + 1;
    let len = s[start..].find(quote)?;
    Some(&s[start..start + len])
}

/// `snake_case` → `camelCase` (serde's `rename_all = "camelCase"`).
fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A type's own fields and the types it includes whole (`flatten`, `extends`).
#[derive(Debug, Default)]
struct Shape {
    fields: BTreeSet<String>,
    includes: Vec<String>,
}

/// Every field of `name`, included types' fields too.
fn fields(types: &BTreeMap<String, Shape>, name: &str) -> BTreeSet<String> {
    let shape = &types[name];
    let mut out = shape.fields.clone();
    for inner in &shape.includes {
        out.extend(fields(types, inner));
    }
    out
}

/// ext.rs: structs (serde camelCase), methods (`const METHOD`), commands
/// (`const X: &str = "vouch.x"`).
fn rust() -> (BTreeMap<String, Shape>, BTreeSet<String>, BTreeSet<String>) {
    let src = read("server/src/lsp/ext.rs");
    let mut types = BTreeMap::new();
    let mut methods = BTreeSet::new();
    let mut commands = BTreeSet::new();
    let mut current: Option<(String, Shape)> = None;
    let mut flatten = false;
    for line in src.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("pub(crate) struct ") {
            let name = rest.split([' ', '{']).next().unwrap().to_owned();
            assert!(
                src.contains(&format!(
                    "#[serde(rename_all = \"camelCase\")]\npub(crate) struct {name}"
                )),
                "ext.rs: {name} must be #[serde(rename_all = \"camelCase\")]"
            );
            current = Some((name, Shape::default()));
        } else if t == "}" {
            if let Some((name, shape)) = current.take() {
                types.insert(name, shape);
            }
        } else if t == "#[serde(flatten)]" {
            flatten = true;
        } else if let (Some((_, shape)), Some(rest)) =
            (current.as_mut(), t.strip_prefix("pub(crate) "))
            && let Some((field, ty)) = rest.split_once(": ")
        {
            if std::mem::take(&mut flatten) {
                shape.includes.push(ty.trim_end_matches(',').to_owned());
            } else {
                shape.fields.insert(camel(field));
            }
        } else if t.starts_with("const METHOD") {
            methods.insert(quoted(t, '"').unwrap().to_owned());
        } else if t.starts_with("pub(crate) const ") && t.contains(": &str = ") {
            commands.insert(quoted(t, '"').unwrap().to_owned());
        }
    }
    (types, methods, commands)
}

/// protocol.ts: interfaces, `new RequestType`/`NotificationType(...)`,
/// `CMD_*` constants.
fn typescript() -> (BTreeMap<String, Shape>, BTreeSet<String>, BTreeSet<String>) {
    let src = read("editors/vscode/src/protocol.ts");
    let mut types = BTreeMap::new();
    let mut methods = BTreeSet::new();
    let mut commands = BTreeSet::new();
    let mut current: Option<(String, Shape)> = None;
    for line in src.lines() {
        if let Some(rest) = line.strip_prefix("export interface ") {
            let mut words = rest.split_whitespace();
            let name = words.next().unwrap().to_owned();
            let mut shape = Shape::default();
            if words.next() == Some("extends") {
                shape.includes.push(words.next().unwrap().to_owned());
            }
            current = Some((name, shape));
        } else if line == "}" {
            if let Some((name, shape)) = current.take() {
                types.insert(name, shape);
            }
        } else if let Some((_, shape)) = current.as_mut()
            && let Some(rest) = line.strip_prefix("  ")
            && !rest.starts_with(' ')
            && !rest.starts_with('/')
            && let Some((field, _)) = rest.split_once(':')
        {
            shape.fields.insert(field.trim_end_matches('?').to_owned());
        } else if line.contains("new RequestType") || line.contains("new NotificationType") {
            methods.insert(
                quoted(line.split_once(">(").unwrap().1, '\'')
                    .unwrap()
                    .to_owned(),
            );
        } else if line.starts_with("export const CMD_") {
            commands.insert(quoted(line, '\'').unwrap().to_owned());
        }
    }
    (types, methods, commands)
}

#[test]
fn rust_typescript_and_docs_declare_the_same_extensions() {
    let (rs_types, rs_methods, rs_commands) = rust();
    let (ts_types, ts_methods, ts_commands) = typescript();
    let docs = read("docs/protocol.md");

    assert!(rs_methods.contains("vouch/regions") && rs_methods.contains("vouch/didAcceptAi"));
    assert_eq!(rs_methods, ts_methods, "methods: ext.rs vs protocol.ts");
    assert_eq!(rs_commands.len(), 4, "{rs_commands:?}");
    assert_eq!(rs_commands, ts_commands, "commands: ext.rs vs protocol.ts");
    for name in rs_methods.iter().chain(&rs_commands) {
        assert!(
            docs.contains(&format!("`{name}`")),
            "docs/protocol.md does not describe `{name}`"
        );
    }

    assert!(rs_types.len() >= 9, "{:?}", rs_types.keys());
    for name in rs_types.keys() {
        assert!(
            ts_types.contains_key(name),
            "protocol.ts has no interface {name} (ext.rs has the struct)"
        );
        let rs = fields(&rs_types, name);
        let ts = fields(&ts_types, name);
        assert_eq!(
            rs, ts,
            "fields of {name}: ext.rs (left) vs protocol.ts (right)"
        );
        for f in &rs {
            assert!(
                docs.contains(&format!("\"{f}\"")) || docs.contains(&format!("`{f}`")),
                "docs/protocol.md never names the field \"{f}\" of {name}"
            );
        }
    }
    for name in ts_types.keys() {
        assert!(
            rs_types.contains_key(name),
            "protocol.ts declares {name}, which ext.rs does not have"
        );
    }
}

/// The parsers see what they should: a renamed field is noticed.
#[test]
fn a_renamed_field_is_drift() {
    let (rs_types, ..) = rust();
    let region = fields(&rs_types, "Region");
    for f in ["range", "tool", "reviewedBy", "reviews", "acceptedAt"] {
        assert!(region.contains(f), "{region:?}");
    }
    let (ts_types, ..) = typescript();
    let mut ts = fields(&ts_types, "Region");
    ts.remove("reviewedBy");
    ts.insert("reviewer".into());
    assert_ne!(region, ts);
}
