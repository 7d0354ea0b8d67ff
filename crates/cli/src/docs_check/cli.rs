//! Every `bedrock-ops-alert …` invocation in README.md and docs/*.md parses.

use clap::CommandFactory;

use super::invocations::{check, invocations};
use super::{all_docs, report};

#[test]
fn docs_name_only_commands_and_flags_the_cli_has() {
    let command = crate::Cli::command();
    let subcommands: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    let mut findings = Vec::new();
    let mut checked = 0;
    for doc in all_docs() {
        for invocation in invocations(&doc, &subcommands) {
            checked += 1;
            if let Some(problem) = check(&command, &invocation) {
                findings.push(format!(
                    "{}:{}: `bedrock-ops-alert {}`: {problem}",
                    doc.path,
                    invocation.line,
                    invocation.args.join(" ")
                ));
            }
        }
    }
    // The docs show the CLI in many places; finding none means the parser broke, not the docs.
    assert!(
        checked >= 20,
        "only {checked} invocations found in the docs"
    );
    report("CLI invocations in README.md and docs/", &findings);
}

#[test]
fn docs_check_catches_an_unknown_flag_and_subcommand() {
    use super::invocations::Invocation;
    let command = crate::Cli::command();
    let bad = |args: &[&str]| {
        check(
            &command,
            &Invocation {
                line: 1,
                args: args.iter().map(|a| (*a).to_owned()).collect(),
            },
        )
    };
    assert!(bad(&["fleet", "apply", "--no-such-flag"]).is_some());
    assert!(bad(&["no-such-command"]).is_some());
    assert!(
        bad(&["fleet"]).is_none(),
        "a bare group is a pointer, not an error"
    );
    assert!(bad(&["simulate", "--event", "FILE", "--json"]).is_none());
}
