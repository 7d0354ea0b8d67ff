//! docs/runbook.md's "Nothing filed because…" table against the reason codes the processor can
//! report (`NotFiledReason::CODES`), both ways.

use bedrock_ops_core::outcome::NotFiledReason;

use super::{doc, report};

const RUNBOOK: &str = "docs/runbook.md";
const SECTION: &str = "\"Nothing filed because";

fn is_code(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[test]
fn runbook_lists_exactly_the_reasons_the_code_reports() {
    let doc = doc(RUNBOOK);
    let rows: Vec<_> = doc
        .rows
        .iter()
        .filter(|row| row.section.starts_with(SECTION))
        .collect();
    assert!(
        !rows.is_empty(),
        "{RUNBOOK}: no table under a heading starting with {SECTION}"
    );
    let mut findings = Vec::new();
    let mut listed = Vec::new();
    for row in &rows {
        for code in row.codes(0).into_iter().filter(|c| is_code(c)) {
            if !NotFiledReason::CODES.contains(&code.as_str()) {
                findings.push(format!(
                    "{RUNBOOK}:{}: `{code}` is not a reason the processor reports (NotFiledReason::CODES: {})",
                    row.line,
                    NotFiledReason::CODES.join(", ")
                ));
            }
            listed.push(code);
        }
    }
    for code in NotFiledReason::CODES {
        if !listed.iter().any(|l| l == code) {
            findings.push(format!(
                "{RUNBOOK}: the reason `{code}` (NotFiledReason::CODES) has no row under {SECTION}…\""
            ));
        }
    }
    report("reason codes in docs/runbook.md", &findings);
}
