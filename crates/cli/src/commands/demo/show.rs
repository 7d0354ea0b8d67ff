//! The demo's narration: numbered sections, aligned label/value lines and verbatim blocks (an e-mail, a
//! case body) indented under their label. Nothing is printed in `--json` mode.

use std::io::Write;

pub struct Show<'a, W: Write> {
    out: &'a mut W,
    quiet: bool,
    sections: usize,
    section: usize,
}

/// Width of the label column.
const LABEL: usize = 16;
/// Width of the value column: lines stay within 100 characters.
const VALUE_WIDTH: usize = 100 - 2 - LABEL;

impl<'a, W: Write> Show<'a, W> {
    pub fn new(out: &'a mut W, quiet: bool, sections: usize) -> Self {
        Self {
            out,
            quiet,
            sections,
            section: 0,
        }
    }

    pub fn title(&mut self, title: &str, intro: &[&str]) -> std::io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        writeln!(self.out, "{title}")?;
        writeln!(self.out, "{}", "═".repeat(title.chars().count()))?;
        for line in intro.iter().flat_map(|line| wrap(line, 100)) {
            writeln!(self.out, "{line}")?;
        }
        self.out.flush()
    }

    pub fn section(&mut self, heading: &str) -> std::io::Result<()> {
        self.section += 1;
        if self.quiet {
            return Ok(());
        }
        let heading = format!("[{}/{}] {heading}", self.section, self.sections);
        writeln!(self.out)?;
        writeln!(self.out, "{heading}")?;
        writeln!(self.out, "{}", "─".repeat(heading.chars().count()))?;
        self.out.flush()
    }

    /// `  label           value`; further lines of `value`, and the parts of lines longer than the page, are
    /// aligned under its first.
    pub fn field(&mut self, label: &str, value: impl AsRef<str>) -> std::io::Result<()> {
        self.field_lines(label, value.as_ref(), VALUE_WIDTH)
    }

    /// Like [`Show::field`], with each line kept whole: subjects and headers read better long than broken.
    pub fn field_unwrapped(&mut self, label: &str, value: impl AsRef<str>) -> std::io::Result<()> {
        self.field_lines(label, value.as_ref(), usize::MAX)
    }

    fn field_lines(&mut self, label: &str, value: &str, width: usize) -> std::io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        let lines: Vec<String> = value.lines().flat_map(|line| wrap(line, width)).collect();
        let mut lines = lines.iter();
        writeln!(
            self.out,
            "  {label:<LABEL$}{}",
            lines.next().map_or("", |l| l.as_str())
        )?;
        for line in lines {
            writeln!(self.out, "  {:<LABEL$}{line}", "")?;
        }
        self.out.flush()
    }

    /// Text shown as it is, between rules, indented: what a person would read in a mail client.
    pub fn verbatim(&mut self, text: &str) -> std::io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        let rule = format!("    {}", "┄".repeat(72));
        writeln!(self.out, "{rule}")?;
        for line in text.lines() {
            if line.is_empty() {
                writeln!(self.out)?;
            } else {
                writeln!(self.out, "    {line}")?;
            }
        }
        writeln!(self.out, "{rule}")?;
        self.out.flush()
    }

    pub fn out(&mut self) -> &mut W {
        self.out
    }
}

/// Breaks `line` at spaces so no part is wider than `width` (a longer word stays whole); the parts keep the
/// line's indentation.
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    let body = line.trim_start_matches(' ');
    let indent = &line[..line.len() - body.len()];
    let width = width.saturating_sub(indent.len()).max(1);
    let mut parts: Vec<String> = Vec::new();
    let mut part = String::new();
    for word in body.split(' ') {
        if !part.is_empty() && part.chars().count() + 1 + word.chars().count() > width {
            parts.push(format!("{indent}{}", std::mem::take(&mut part)));
        }
        if !part.is_empty() {
            part.push(' ');
        }
        part.push_str(word);
    }
    parts.push(format!("{indent}{part}"));
    parts
}

/// `5000000` → `5,000,000`; a fraction keeps one decimal.
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 && (0.0..1e15).contains(&value) {
        // Whole and in range: the cast is exact.
        bedrock_ops_core::messages::format::thousands(value as u64)
    } else {
        format!("{value:.1}")
    }
}

/// A count or quota as text (`"6250000"` → `6,250,000`), left alone when it is not a number (`NA`).
pub fn figure(text: &str) -> String {
    text.parse::<u64>()
        .map(bedrock_ops_core::messages::format::thousands)
        .unwrap_or_else(|_| text.to_owned())
}

/// `GreaterThanThreshold` → `>`.
pub fn operator(comparison: &str) -> &str {
    match comparison {
        "GreaterThanThreshold" => ">",
        "GreaterThanOrEqualToThreshold" => "≥",
        "LessThanThreshold" => "<",
        "LessThanOrEqualToThreshold" => "≤",
        "GreaterThanUpperThreshold" => "above the band",
        "LessThanLowerThreshold" => "below the band",
        "LessThanLowerOrGreaterThanUpperThreshold" => "outside the band",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_align_continuation_lines_and_quiet_prints_nothing() {
        let mut out = Vec::new();
        let mut show = Show::new(&mut out, false, 2);
        show.section("The stack").unwrap();
        show.field("Topics", "raw\nformatted").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "\n[1/2] The stack\n───────────────\n  Topics          raw\n                  formatted\n"
        );
        let mut out = Vec::new();
        let mut show = Show::new(&mut out, true, 2);
        show.section("The stack").unwrap();
        show.verbatim("body").unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn wrap_keeps_words_whole_and_the_indentation() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("averylongword x", 4), ["averylongword", "x"]);
        assert_eq!(wrap("  a b c", 5), ["  a b", "  c"]);
        assert_eq!(wrap("", 5), [""]);
    }

    #[test]
    fn figures_for_people() {
        assert_eq!(number(5_000_000.0), "5,000,000");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(figure("6250000"), "6,250,000");
        assert_eq!(figure("NA"), "NA");
        assert_eq!(operator("GreaterThanUpperThreshold"), "above the band");
    }
}
