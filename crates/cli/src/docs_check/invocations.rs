//! Every `bedrock-ops-alert …` invocation of README.md and docs/*.md, parsed by the CLI's own clap
//! definition: a command, subcommand or flag the CLI does not have fails the check with the doc
//! line. Missing required arguments are fine (docs often name a command without its arguments);
//! placeholders in capitals (`FILE`, `MS`) are accepted where clap would want a number.

use clap::error::ErrorKind;

use super::markdown::Doc;

const BINARY: &str = "bedrock-ops-alert";

/// One invocation found in a doc: the arguments after the binary's name.
#[derive(Debug, PartialEq, Eq)]
pub struct Invocation {
    pub line: usize,
    pub args: Vec<String>,
}

/// Splits a shell line into words: quotes and backslashes as the shell reads them, a `#` at the
/// start of a word ends the line, and `|`, `;`, `&&`, `||`, `>`, `<` and `$(` are words of their own
/// so an invocation stops there.
pub fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut started = false;
    let mut chars = line.chars().peekable();
    let flush = |word: &mut String, started: &mut bool, words: &mut Vec<String>| {
        if *started {
            words.push(std::mem::take(word));
            *started = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                started = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                started = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        _ => word.push(q),
                    }
                }
            }
            '\\' => {
                started = true;
                word.extend(chars.next());
            }
            '#' if !started => break,
            c if c.is_whitespace() => flush(&mut word, &mut started, &mut words),
            '|' | ';' | '&' | '>' | '<' | '(' | ')' => {
                flush(&mut word, &mut started, &mut words);
                let mut op = c.to_string();
                while let Some(&next) = chars.peek() {
                    if matches!(next, '|' | '&' | '>') && next == c {
                        op.push(next);
                        chars.next();
                    } else {
                        break;
                    }
                }
                words.push(op);
            }
            '$' if chars.peek() == Some(&'(') => {
                flush(&mut word, &mut started, &mut words);
                chars.next();
                words.push("$(".to_owned());
            }
            _ => {
                started = true;
                word.push(c);
            }
        }
    }
    flush(&mut word, &mut started, &mut words);
    words
}

fn is_operator(word: &str) -> bool {
    matches!(
        word,
        "|" | "||" | ";" | "&" | "&&" | ">" | ">>" | "<" | "(" | ")" | "$("
    )
}

fn is_binary(word: &str) -> bool {
    word == BINARY || word.ends_with(&format!("/{BINARY}"))
}

/// Whether the word before a binary name puts it in command position.
fn starts_command(previous: Option<&str>) -> bool {
    match previous {
        None => true,
        Some(word) => {
            is_operator(word)
                || matches!(word, "time" | "exec" | "sudo" | "then" | "do")
                || (word.contains('=') && !word.starts_with('-'))
        }
    }
}

/// The invocations of one shell line: `bedrock-ops-alert ARGS` in command position, and
/// `cargo run … --bin bedrock-ops-alert … -- ARGS`.
pub fn invocations_in_shell(line: usize, text: &str) -> Vec<Invocation> {
    let words = shell_words(text);
    let mut found = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if !is_binary(word) {
            continue;
        }
        let previous = i.checked_sub(1).map(|p| words[p].as_str());
        let rest = &words[i + 1..];
        let args = if previous == Some("--bin") {
            match rest.iter().position(|w| w == "--") {
                Some(dashes) => &rest[dashes + 1..],
                None => continue,
            }
        } else if starts_command(previous) {
            rest
        } else {
            continue;
        };
        let args = args
            .iter()
            .take_while(|w| !is_operator(w))
            .filter_map(|w| clean(w))
            .collect();
        found.push(Invocation { line, args });
    }
    found
}

/// A word of a usage synopsis as the parser should see it: optional parts `[--json]` keep their
/// content, an ellipsis (`…`, `...`) is dropped.
fn clean(word: &str) -> Option<String> {
    let word = word.trim_start_matches('[').trim_end_matches(']');
    (!word.is_empty() && word != "..." && !word.ends_with('…')).then(|| word.to_owned())
}

fn span_words(span: &str) -> Vec<String> {
    shell_words(span).iter().filter_map(|w| clean(w)).collect()
}

/// The invocations of a doc: fenced shell lines, inline spans that start with the binary's name,
/// and inline spans that start with one of its subcommands (`fleet apply --prune`).
pub fn invocations(doc: &Doc, subcommands: &[String]) -> Vec<Invocation> {
    let mut found = Vec::new();
    for (line, text) in &doc.shell_lines {
        found.extend(invocations_in_shell(*line, text));
    }
    for span in &doc.spans {
        let words = span_words(&span.text);
        match words.first() {
            Some(first) if first == BINARY => found.push(Invocation {
                line: span.line,
                args: words[1..].to_vec(),
            }),
            Some(first) if words.len() > 1 && subcommands.contains(first) => {
                found.push(Invocation {
                    line: span.line,
                    args: words,
                })
            }
            _ => {}
        }
    }
    found
}

fn is_placeholder(value: &str) -> bool {
    value.chars().any(|c| c.is_ascii_uppercase())
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "_-<>".contains(c))
}

/// `None` when clap accepts the invocation as far as a doc can promise, else the problem.
pub fn check(command: &clap::Command, invocation: &Invocation) -> Option<String> {
    let argv = std::iter::once(BINARY.to_owned()).chain(invocation.args.iter().cloned());
    let error = command.clone().try_get_matches_from(argv).err()?;
    match error.kind() {
        ErrorKind::MissingRequiredArgument
        | ErrorKind::MissingSubcommand
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        | ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion => None,
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
            if invocation.args.iter().any(|a| is_placeholder(a)) =>
        {
            None
        }
        _ => Some(
            error
                .render()
                .to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<Vec<String>> {
        invocations_in_shell(1, line)
            .into_iter()
            .map(|i| i.args)
            .collect()
    }

    #[test]
    fn shell_words_follow_quotes_comments_and_operators() {
        assert_eq!(
            shell_words(r#"a "b c" 'd e' f\ g # comment"#),
            vec!["a", "b c", "d e", "f g"]
        );
        assert_eq!(
            shell_words("x=$(cat f)|y && z>o"),
            vec!["x=", "$(", "cat", "f", ")", "|", "y", "&&", "z", ">", "o"]
        );
    }

    #[test]
    fn invocations_are_found_in_command_position_and_after_cargo_run() {
        assert_eq!(
            args("bedrock-ops-alert fleet plan --json | jq ."),
            vec![vec!["fleet", "plan", "--json"]]
        );
        assert_eq!(
            args("cargo run -q --bin bedrock-ops-alert -- thresholds --rpm-quota 1"),
            vec![vec!["thresholds", "--rpm-quota", "1"]]
        );
        assert_eq!(
            args("AWS_REGION=x target/debug/bedrock-ops-alert simulate"),
            vec![vec!["simulate"]]
        );
        assert!(args("sam delete --stack-name bedrock-ops-alert").is_empty());
        assert!(args("echo bedrock-ops-alert-acme").is_empty());
    }

    #[test]
    fn spans_drop_optional_brackets_and_ellipses() {
        assert_eq!(
            span_words("fleet apply [--prune] [--yes] …"),
            vec!["fleet", "apply", "--prune", "--yes"]
        );
    }
}
