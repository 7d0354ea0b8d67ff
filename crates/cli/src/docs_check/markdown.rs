//! Just enough Markdown for the docs check: fenced code blocks (with their language), inline code
//! spans, table rows and the heading each line sits under, every piece with its 1-based line number
//! so a failure names the doc line that is wrong.

/// One Markdown file of the repository, split into the pieces the checks read.
pub struct Doc {
    /// Path relative to the repository root, as failures print it (`docs/runbook.md`).
    pub path: String,
    /// Shell lines of fenced `sh`/`bash`/`shell`/`console` (or unlabelled) blocks, continuation
    /// lines (`\` at the end) joined; the number is the first line's.
    pub shell_lines: Vec<(usize, String)>,
    /// Inline code spans outside fenced blocks.
    pub spans: Vec<Span>,
    /// Table rows outside fenced blocks (header and separator rows excluded).
    pub rows: Vec<Row>,
}

pub struct Span {
    pub line: usize,
    pub text: String,
    /// The `##` heading above the span ("" before the first one).
    pub section: String,
}

pub struct Row {
    pub line: usize,
    pub section: String,
    /// The header row of the table this row belongs to, one entry per column.
    pub header: Vec<String>,
    pub cells: Vec<String>,
}

impl Row {
    /// The inline code spans of column `index` (empty when the row is shorter).
    pub fn codes(&self, index: usize) -> Vec<String> {
        self.cells
            .get(index)
            .map(|cell| code_spans(cell))
            .unwrap_or_default()
    }

    /// The index of the first header column that contains `name` (case-insensitive).
    pub fn column(&self, name: &str) -> Option<usize> {
        let name = name.to_ascii_lowercase();
        self.header
            .iter()
            .position(|h| h.to_ascii_lowercase().contains(&name))
    }
}

const SHELL_LANGUAGES: [&str; 5] = ["", "sh", "bash", "shell", "console"];

impl Doc {
    pub fn parse(path: &str, text: &str) -> Doc {
        let mut doc = Doc {
            path: path.to_owned(),
            shell_lines: Vec::new(),
            spans: Vec::new(),
            rows: Vec::new(),
        };
        let mut fence: Option<(String, bool)> = None; // (marker, is a shell block)
        let mut pending: Option<(usize, String)> = None;
        let mut section = String::new();
        let mut header: Option<Vec<String>> = None;
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let trimmed = line.trim_start();
            if let Some((marker, shell)) = &fence {
                if trimmed.starts_with(marker.as_str())
                    && trimmed.trim_matches(['`', '~']).is_empty()
                {
                    fence = None;
                    continue;
                }
                if *shell {
                    let (start, mut joined) = pending.take().unwrap_or((number, String::new()));
                    match line.trim_end().strip_suffix('\\') {
                        Some(head) => {
                            joined.push_str(head);
                            joined.push(' ');
                            pending = Some((start, joined));
                        }
                        None => {
                            joined.push_str(line);
                            doc.shell_lines.push((start, joined));
                        }
                    }
                }
                continue;
            }
            if let Some(marker) = ["```", "~~~"].iter().find(|m| trimmed.starts_with(**m)) {
                let ticks: String = trimmed
                    .chars()
                    .take_while(|c| *c == marker.as_bytes()[0] as char)
                    .collect();
                let language = trimmed[ticks.len()..].trim().to_ascii_lowercase();
                let language = language.split_whitespace().next().unwrap_or("");
                fence = Some((ticks, SHELL_LANGUAGES.contains(&language)));
                header = None;
                continue;
            }
            if let Some(title) = trimmed.strip_prefix("## ") {
                section = title.trim().to_owned();
            }
            if trimmed.starts_with('|') {
                let cells = table_cells(trimmed);
                let separator = cells
                    .iter()
                    .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')));
                match &header {
                    None => header = Some(cells),
                    Some(_) if separator => {}
                    Some(h) => doc.rows.push(Row {
                        line: number,
                        section: section.clone(),
                        header: h.clone(),
                        cells,
                    }),
                }
            } else {
                header = None;
            }
            for text in code_spans(line) {
                doc.spans.push(Span {
                    line: number,
                    text,
                    section: section.clone(),
                });
            }
        }
        doc
    }
}

/// The cells of a table row `| a | b |`, trimmed; `\|` stays inside a cell.
fn table_cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut in_code = false;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '`' => {
                in_code = !in_code;
                cell.push(c);
            }
            '|' if !in_code => cells.push(std::mem::take(&mut cell).trim().to_owned()),
            _ => cell.push(c),
        }
    }
    cells.push(cell.trim().to_owned());
    cells
}

/// The inline code spans of one line: text between a run of backticks and the next run of the
/// same length, trimmed.
pub fn code_spans(line: &str) -> Vec<String> {
    let mut spans = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        let run = rest[start..].chars().take_while(|c| *c == '`').count();
        let after = &rest[start + run..];
        let delimiter = "`".repeat(run);
        let Some(end) = after.find(&delimiter) else {
            break;
        };
        spans.push(after[..end].trim().to_owned());
        rest = &after[end + run..];
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_finds_shell_lines_spans_rows_and_sections() {
        let text = "# T\n\n## One\n\nRun `a b` and ``c `d` e``.\n\n```sh\nx \\\n  --y\nz # c\n```\n\n```text\nno\n```\n\n| k | v |\n|---|---|\n| `p` \\| q | `r` |\n";
        let doc = Doc::parse("d.md", text);
        assert_eq!(
            doc.shell_lines,
            vec![(8, "x    --y".to_owned()), (10, "z # c".to_owned())]
        );
        let spans: Vec<(usize, &str, &str)> = doc
            .spans
            .iter()
            .map(|s| (s.line, s.text.as_str(), s.section.as_str()))
            .collect();
        assert_eq!(
            spans,
            vec![
                (5, "a b", "One"),
                (5, "c `d` e", "One"),
                (19, "p", "One"),
                (19, "r", "One")
            ]
        );
        assert_eq!(doc.rows.len(), 1);
        assert_eq!(doc.rows[0].line, 19);
        assert_eq!(doc.rows[0].cells, vec!["`p` | q", "`r`"]);
        assert_eq!(doc.rows[0].column("V"), Some(1));
        assert_eq!(doc.rows[0].codes(0), vec!["p"]);
    }
}
