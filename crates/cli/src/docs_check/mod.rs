//! The docs check, run by the test command: every sentence an operator acts on names things that
//! exist. Each check reads README.md and docs/*.md and fails with `path:line: what is wrong`:
//! - [`cli`]: every `bedrock-ops-alert …` invocation parses with this CLI's clap definition;
//! - [`configuration`]: docs/configuration.md documents exactly the template's parameters and the
//!   Parameter Store keys of `bedrock_ops_core::settings::keys`, each setting written from the
//!   parameter the template really uses;
//! - [`reasons`]: docs/runbook.md lists exactly the reason codes the processor can report.
//!
//! A unit test of the binary (not a test under `tests/`) because the clap definition is private to
//! it; nothing is run but the parser.

mod cli;
mod configuration;
mod invocations;
mod markdown;
mod reasons;
mod template;

use std::path::{Path, PathBuf};

use markdown::Doc;

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

fn read(relative: &str) -> String {
    let path = repository_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn doc(relative: &str) -> Doc {
    Doc::parse(relative, &read(relative))
}

/// README.md and every docs/*.md, in name order.
fn all_docs() -> Vec<Doc> {
    let mut paths: Vec<String> = std::fs::read_dir(repository_root().join("docs"))
        .expect("docs/")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.ends_with(".md").then(|| format!("docs/{name}"))
        })
        .collect();
    paths.sort();
    std::iter::once("README.md".to_owned())
        .chain(paths)
        .map(|p| doc(&p))
        .collect()
}

/// Fails with every finding, one per line, so one run shows all that is wrong.
fn report(what: &str, findings: &[String]) {
    assert!(
        findings.is_empty(),
        "{what}: {} finding(s)\n{}",
        findings.len(),
        findings.join("\n")
    );
}
