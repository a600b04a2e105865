//! Tidy checks: the documentation keeps up with the code.

use yigong_domain::rule::RuleId;

#[test]
fn every_rule_id_is_documented_in_docs_domain_md() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/domain.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let missing: Vec<&str> = RuleId::ALL
        .iter()
        .map(|r| r.code())
        .filter(|code| !doc.contains(&format!("`{code}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "rule ids missing from docs/domain.md: {missing:?}"
    );
}
