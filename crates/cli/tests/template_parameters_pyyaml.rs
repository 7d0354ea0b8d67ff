//! The fleet reads template.yaml's `Parameters:` with a small strict reader (crates/core/src/fleet/template.rs);
//! this test reads the same section with PyYAML (the emulator's Python has it) and requires every field of
//! every parameter to agree, so the reader cannot silently misread the template. Needs `--features emulator`.

use std::process::Command;

use bedrock_ops_core::fleet::TemplateParameters;
use bedrock_ops_core::fleet::template::ParameterKind;
use bedrock_ops_testkit::emulator::{python, workspace_root};
use serde_json::Value;

const DUMP: &str = r#"
import json, sys, yaml
class Loader(yaml.SafeLoader):
    pass
Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
template = yaml.load(open(sys.argv[1]), Loader=Loader)
print(json.dumps(list(template["Parameters"].items())))
"#;

fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => panic!("unexpected {other}"),
    }
}

fn number(value: &Value) -> Option<f64> {
    text(value).map(|t| t.parse().unwrap())
}

#[test]
fn every_parameter_reads_as_pyyaml_reads_it() {
    let path = workspace_root().unwrap().join("template.yaml");
    let output = Command::new(python().unwrap())
        .args(["-c", DUMP])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // In template order: [[name, {property: value}], ...].
    let expected: Vec<(String, Value)> = serde_json::from_slice(&output.stdout).unwrap();
    let ours = TemplateParameters::embedded().unwrap();
    assert_eq!(
        ours.names(),
        expected
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
    );
    for (spec, (_, want)) in ours.iter().zip(&expected) {
        let kind = match spec.kind {
            ParameterKind::String => "String",
            ParameterKind::Number => "Number",
            ParameterKind::CommaDelimitedList => "CommaDelimitedList",
        };
        assert_eq!(want["Type"], kind, "{}", spec.name);
        assert_eq!(spec.default, text(&want["Default"]), "{}", spec.name);
        let allowed: Vec<String> = want["AllowedValues"]
            .as_array()
            .map(|values| values.iter().filter_map(text).collect())
            .unwrap_or_default();
        assert_eq!(spec.allowed_values, allowed, "{}", spec.name);
        assert_eq!(
            spec.allowed_pattern,
            text(&want["AllowedPattern"]),
            "{}",
            spec.name
        );
        assert_eq!(
            spec.constraint_description,
            text(&want["ConstraintDescription"]),
            "{}",
            spec.name
        );
        assert_eq!(
            spec.min_length,
            number(&want["MinLength"]).map(|n| n as usize),
            "{}",
            spec.name
        );
        assert_eq!(
            spec.max_length,
            number(&want["MaxLength"]).map(|n| n as usize),
            "{}",
            spec.name
        );
        assert_eq!(spec.min_value, number(&want["MinValue"]), "{}", spec.name);
        assert_eq!(spec.max_value, number(&want["MaxValue"]), "{}", spec.name);
        assert_eq!(
            spec.no_echo,
            want["NoEcho"] == Value::Bool(true),
            "{}",
            spec.name
        );
    }
}
