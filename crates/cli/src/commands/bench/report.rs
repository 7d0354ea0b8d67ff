//! The benchmark's tables: every figure next to its target with PASS or MISS, printed and written to the
//! benchmark's own section of docs/performance.md (between two markers; the rest of the file is left as is).

use std::path::Path;
use std::time::Duration;

use bedrock_ops_aws::clock::now_epoch;

pub const BEGIN: &str =
    "<!-- bench:begin (written by scripts/bench.sh; edits inside are overwritten) -->";
pub const END: &str = "<!-- bench:end -->";

/// A figure judged against its target: `9 (≤ 10) PASS`.
pub fn judged(value: impl std::fmt::Display, target: &str, pass: bool) -> String {
    format!("{value} ({target}) {}", if pass { "PASS" } else { "MISS" })
}

pub fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// Bytes in MiB (the size targets are read as binary megabytes), with the exact count.
pub fn mib(bytes: u64) -> String {
    format!("{:.2} MiB ({bytes} bytes)", bytes as f64 / 1_048_576.0)
}

/// A Markdown table with a heading.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Lines printed under the table.
    pub notes: Vec<String>,
}

impl Table {
    pub fn new(title: &str, header: &[&str]) -> Table {
        Table {
            title: title.to_owned(),
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            ..Table::default()
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn markdown(&self) -> String {
        let line = |cells: &[String]| format!("| {} |", cells.join(" | "));
        let mut out = vec![format!("#### {}", self.title), String::new()];
        out.push(line(&self.header));
        out.push(format!(
            "|{}|",
            self.header
                .iter()
                .map(|_| "---")
                .collect::<Vec<_>>()
                .join("|")
        ));
        out.extend(self.rows.iter().map(|r| line(r)));
        if !self.notes.is_empty() {
            out.push(String::new());
            out.extend(self.notes.iter().cloned());
        }
        out.join("\n")
    }
}

/// How many verdicts of `tables` are MISS.
pub fn misses(tables: &[Table]) -> usize {
    tables
        .iter()
        .flat_map(|t| &t.rows)
        .flatten()
        .filter(|cell| cell.ends_with(" MISS"))
        .count()
}

/// `nproc`, CPU model and memory of this machine.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    // Other work on the machine slows the emulator and the bootstraps alike: the load is part of the record.
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    format!(
        "{cpus} CPUs (nproc), {model}, {:.1} GiB memory, load average {load} at the start",
        memory_kib as f64 / 1_048_576.0
    )
}

/// Today's date, UTC, as YYYY-MM-DD.
pub fn today() -> String {
    let days = now_epoch().div_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Replaces the benchmark's section of `path` (between [`BEGIN`] and [`END`]) with `body`, or appends the section
/// when the file has none; everything else in the file stays as it is.
pub fn write_section(path: &Path, body: &str) -> std::io::Result<()> {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let section = format!("{BEGIN}\n{}\n{END}", body.trim_end());
    let updated = match (existing.find(BEGIN), existing.find(END)) {
        (Some(begin), Some(end)) if end > begin => format!(
            "{}{section}{}",
            &existing[..begin],
            &existing[end + END.len()..]
        ),
        _ if existing.trim().is_empty() => format!("{section}\n"),
        _ => format!("{}\n\n{section}\n", existing.trim_end()),
    };
    std::fs::write(path, updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_is_replaced_and_the_rest_kept() {
        let dir = std::env::temp_dir().join(format!("bench-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("performance.md");
        std::fs::write(&path, "# Performance\n\n## Release bootstraps\n\nkept\n").unwrap();
        write_section(&path, "first").unwrap();
        write_section(&path, "second").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# Performance\n\n## Release bootstraps\n\nkept\n"));
        assert!(text.contains("second") && !text.contains("first"), "{text}");
        assert_eq!(text.matches(BEGIN).count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn verdicts_are_counted() {
        let mut table = Table::new("t", &["a", "b"]);
        table.row(vec![judged(9, "≤ 10", true), judged(5, "≤ 4", false)]);
        assert_eq!(misses(&[table.clone()]), 1);
        assert!(
            table
                .markdown()
                .contains("| 9 (≤ 10) PASS | 5 (≤ 4) MISS |")
        );
        assert_eq!(today().len(), 10);
    }
}
