use super::*;

fn ai(tool: &str) -> Attribution {
    Attribution::ai(AiSource {
        tool: tool.into(),
        model: Some("m".into()),
        kind: AiKind::InlineCompletion,
        session: None,
        accepted_at: 1,
    })
}

#[test]
fn edit_then_regions() {
    let mut l = Ledger::new("fn main() {\n}\n");
    l.apply_edit(12..12, "    println!(\"hé\");\n", &ai("copilot")).unwrap();
    assert_eq!(l.text(), "fn main() {\n    println!(\"hé\");\n}\n");
    let r = l.regions();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].range, 12..33);
}
