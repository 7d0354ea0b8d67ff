//! The table `doctor` prints by default: one line per check (status, check, detail, fix), then the summary.

use super::Report;

pub fn table(report: &Report) -> String {
    let width = report
        .checks
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(0)
        .max("CHECK".len());
    let mut out = format!("doctor: {}\n", report.stack);
    out.push_str(&format!("STATUS  {:width$}  DETAIL | FIX\n", "CHECK"));
    for check in &report.checks {
        out.push_str(&format!(
            "{:6}  {:width$}  {}",
            check.status.as_str(),
            check.id,
            check.detail
        ));
        if let Some(fix) = &check.fix {
            out.push_str(" | fix: ");
            out.push_str(fix);
        }
        out.push('\n');
    }
    let s = &report.summary;
    out.push_str(&format!(
        "{} PASS, {} WARN, {} FAIL (exit code {})\n",
        s.pass, s.warn, s.fail, s.exit_code
    ));
    out
}
