//! docs/configuration.md against the code and the template, both ways: every template parameter
//! and every Parameter Store key has a row, every row names one that exists, and each setting's
//! "Written from" is the parameter the template writes it from. Anywhere in the docs, a
//! `thresholds/…` key or a full `/<C>/bedrock/quota-monitoring/<M>/KEY` name must be a real key.

use bedrock_ops_core::settings::keys;

use super::markdown::Doc;
use super::template::Template;
use super::{all_docs, doc, read, report};

/// Every doc but migration.md, which names the Python sample's parameters and keys on purpose (the ones
/// this project dropped or renamed).
fn docs_of_this_project() -> Vec<Doc> {
    all_docs()
        .into_iter()
        .filter(|d| d.path != "docs/migration.md")
        .collect()
}

const CONFIGURATION: &str = "docs/configuration.md";

fn known_keys() -> Vec<&'static str> {
    keys::SETTINGS
        .into_iter()
        .chain(keys::THRESHOLDS)
        .chain(keys::SPLIT_THRESHOLDS)
        .collect()
}

/// The first-column code spans of the tables under a `##` heading that starts with `section`.
fn first_column<'d>(doc: &'d Doc, section: &str) -> Vec<(usize, String, &'d super::markdown::Row)> {
    doc.rows
        .iter()
        .filter(|row| row.section.starts_with(section))
        .flat_map(|row| {
            row.codes(0)
                .into_iter()
                .map(move |code| (row.line, code, row))
        })
        .collect()
}

#[test]
fn configuration_documents_every_template_parameter_and_no_other() {
    let template = Template::parse(&read("template.yaml"));
    let doc = doc(CONFIGURATION);
    let documented = first_column(&doc, "Template parameters");
    let mut findings = Vec::new();
    for (line, name, _) in &documented {
        if !template.parameters.contains(name) {
            findings.push(format!(
                "{CONFIGURATION}:{line}: `{name}` is not a parameter of template.yaml"
            ));
        }
    }
    for parameter in &template.parameters {
        if !documented.iter().any(|(_, name, _)| name == parameter) {
            findings.push(format!(
                "{CONFIGURATION}: template.yaml's parameter `{parameter}` has no row under \"## Template parameters\""
            ));
        }
    }
    assert!(
        template.parameters.len() >= 20,
        "template.yaml's parameters were not found"
    );
    report("template parameters in docs/configuration.md", &findings);
}

#[test]
fn configuration_documents_every_parameter_store_key_and_its_source() {
    let template = Template::parse(&read("template.yaml"));
    let doc = doc(CONFIGURATION);
    let documented = first_column(&doc, "Parameter Store");
    let known = known_keys();
    let mut findings = Vec::new();
    for (line, key, row) in &documented {
        if !known.contains(&key.as_str()) {
            findings.push(format!(
                "{CONFIGURATION}:{line}: `{key}` is not a Parameter Store key of bedrock_ops_core::settings::keys"
            ));
            continue;
        }
        let Some(column) = row.column("written from") else {
            continue;
        };
        let claimed = row.codes(column);
        match template.settings.get(key) {
            None => findings.push(format!(
                "{CONFIGURATION}:{line}: the template writes no AWS::SSM::Parameter for `{key}`, yet the row says it is written from {claimed:?}"
            )),
            Some(source) if claimed.first() != Some(source) => findings.push(format!(
                "{CONFIGURATION}:{line}: `{key}` is written from the template parameter `{source}`, the row says {claimed:?}"
            )),
            Some(_) => {}
        }
    }
    for key in &known {
        if !documented.iter().any(|(_, name, _)| name == key) {
            findings.push(format!(
                "{CONFIGURATION}: the Parameter Store key `{key}` (bedrock_ops_core::settings::keys) has no row under \"## Parameter Store\""
            ));
        }
    }
    for (key, source) in &template.settings {
        if !keys::SETTINGS.contains(&key.as_str()) {
            findings.push(format!(
                "template.yaml writes `{key}` from `{source}`, which bedrock_ops_core::settings::keys::SETTINGS does not read"
            ));
        }
    }
    report("Parameter Store keys in docs/configuration.md", &findings);
}

/// The key a span names, when it names one: `thresholds/…`, or the part after
/// `/quota-monitoring/<M>/` of a full parameter name.
fn named_key(span: &str) -> Option<&str> {
    if let Some((_, after)) = span.split_once("/bedrock/quota-monitoring/") {
        let key = after.split_once('/')?.1;
        return (!key.is_empty()).then_some(key);
    }
    span.starts_with(keys::THRESHOLDS_DIR)
        .then_some(span)
        .filter(|key| key.len() > keys::THRESHOLDS_DIR.len())
}

#[test]
fn docs_name_only_parameter_store_keys_that_exist() {
    let known = known_keys();
    let mut findings = Vec::new();
    for doc in docs_of_this_project() {
        let spans = doc.spans.iter().map(|s| (s.line, s.text.clone()));
        let shell = doc.shell_lines.iter().flat_map(|(line, text)| {
            text.split_whitespace()
                .filter(|w| w.contains("/bedrock/quota-monitoring/"))
                .map(|w| (*line, w.trim_matches(['"', '\'']).to_owned()))
                .collect::<Vec<_>>()
        });
        for (line, text) in spans.chain(shell) {
            let Some(key) = named_key(&text) else {
                continue;
            };
            // A key with a placeholder or a wildcard (`thresholds/*`, `…/KEY`) names no single key.
            if key.contains(['*', '<', '…', '$', '{'])
                || key.chars().any(|c| c.is_ascii_uppercase())
            {
                continue;
            }
            let key = key.trim_end_matches('/');
            if !known.contains(&key) && format!("{key}/") != keys::THRESHOLDS_DIR {
                findings.push(format!(
                    "{}:{line}: `{text}` names the Parameter Store key `{key}`, which bedrock_ops_core::settings::keys does not have",
                    doc.path
                ));
            }
        }
    }
    report(
        "Parameter Store keys named in README.md and docs/",
        &findings,
    );
}

#[test]
fn named_key_reads_short_and_full_names() {
    assert_eq!(
        named_key("thresholds/rpm-quota"),
        Some("thresholds/rpm-quota")
    );
    assert_eq!(
        named_key("/Acme/bedrock/quota-monitoring/G-Opus-4-6/mode"),
        Some("mode")
    );
    assert_eq!(named_key("/C/bedrock/quota-monitoring/M/"), None);
    assert_eq!(named_key("mode"), None);
}

/// `Name=value` in inline code (`Mode=dry-run`, `EnableAutomatedSupportCase=No`): a stack parameter
/// being set, so `Name` must be one of the template's.
fn parameter_assignment(span: &str) -> Option<&str> {
    let (name, _) = span.split_once('=')?;
    let camel = name.len() > 1
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && name.chars().any(|c| c.is_ascii_lowercase());
    (camel && !span.contains(char::is_whitespace)).then_some(name)
}

#[test]
fn docs_set_only_stack_parameters_the_template_has() {
    let template = Template::parse(&read("template.yaml"));
    let mut findings = Vec::new();
    for doc in docs_of_this_project() {
        for span in &doc.spans {
            if let Some(name) = parameter_assignment(&span.text)
                && !template.parameters.iter().any(|p| p == name)
            {
                findings.push(format!(
                    "{}:{}: `{}` sets `{name}`, which is not a parameter of template.yaml",
                    doc.path, span.line, span.text
                ));
            }
        }
    }
    report("stack parameters set in README.md and docs/", &findings);
}

#[test]
fn parameter_assignment_reads_only_camel_case_names() {
    assert_eq!(parameter_assignment("Mode=dry-run"), Some("Mode"));
    assert_eq!(parameter_assignment("AWS_REGION=us-east-1"), None);
    assert_eq!(parameter_assignment("a=b"), None);
    assert_eq!(parameter_assignment("Mode = x"), None);
}
