//! The plan and status tables as text: fixed columns, one stack per row, multi-line cells for a stack's
//! several changes. Widths come from the content, so nothing is cut.

use super::plan::{Action, FleetPlan};
use super::status::{Limits, StackStatus};
use crate::messages::format::thousands;

/// Lays out rows of cells (each cell may hold several lines) under a header, two spaces between columns.
fn table(header: &[&str], rows: &[Vec<Vec<String>>]) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (column, cell) in row.iter().enumerate().take(columns) {
            for line in cell {
                widths[column] = widths[column].max(line.chars().count());
            }
        }
    }
    let mut out = String::new();
    let mut push_line = |cells: &[&str]| {
        let mut line = String::new();
        for (column, cell) in cells.iter().enumerate() {
            if column + 1 == cells.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[column] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    };
    push_line(header);
    for row in rows {
        let height = row.iter().map(Vec::len).max().unwrap_or(1).max(1);
        for index in 0..height {
            let cells: Vec<&str> = (0..columns)
                .map(|column| {
                    row.get(column)
                        .and_then(|cell| cell.get(index))
                        .map_or("", String::as_str)
                })
                .collect();
            push_line(&cells);
        }
    }
    out
}

fn shown(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "(not set)".into())
}

fn changes(action: &Action, prune: bool) -> Vec<String> {
    match action {
        Action::Create {
            parameters,
            placements,
        } => {
            let what = if placements.is_empty() {
                "stack"
            } else {
                "stack set"
            };
            let mut lines = vec![format!("new {what}, {parameters} parameters")];
            lines.extend(placements.iter().map(|p| format!("+ instances in {p}")));
            lines
        }
        Action::Update {
            changes,
            template_changed,
            placements_added,
            placements_removed,
        } => {
            let mut lines: Vec<String> = changes
                .iter()
                .map(|c| format!("{}: {} → {}", c.name, shown(&c.from), shown(&c.to)))
                .collect();
            if *template_changed {
                lines.push("template: new version".into());
            }
            lines.extend(
                placements_added
                    .iter()
                    .map(|p| format!("+ instances in {p}")),
            );
            lines.extend(placements_removed.iter().map(|p| {
                if prune {
                    format!("- instances in {p}")
                } else {
                    format!("- instances in {p} (only with --prune)")
                }
            }));
            lines
        }
        Action::Unchanged => Vec::new(),
        Action::Delete if prune => vec!["stack and its resources deleted".into()],
        Action::Delete => vec!["only with --prune".into()],
        Action::Blocked { reason } => vec![reason.clone()],
    }
}

/// The plan table, its summary line and what was not compared. `prune` says whether deletions will run.
pub fn plan_table(plan: &FleetPlan, prune: bool) -> String {
    let rows: Vec<Vec<Vec<String>>> = plan
        .stacks
        .iter()
        .map(|stack| {
            vec![
                vec![stack.stack_name.clone()],
                vec![stack.model.clone()],
                vec![stack.status.clone().unwrap_or_else(|| "-".into())],
                vec![stack.action.label().to_owned()],
                changes(&stack.action, prune),
            ]
        })
        .collect();
    let template = plan.template.as_deref().map_or_else(
        || "template not compared (no --template-url or --template-file)".to_owned(),
        |digest| format!("template {digest}"),
    );
    let mut out = format!("Fleet {} → {}, {template}\n", plan.customer, plan.target);
    out.push_str(&table(
        &["STACK", "MODEL", "STATUS", "ACTION", "CHANGES"],
        &rows,
    ));
    let counts = plan.counts();
    let deleted = if prune || counts.delete == 0 {
        format!("{} to delete", counts.delete)
    } else {
        format!("{} to delete with --prune", counts.delete)
    };
    out.push_str(&format!(
        "Plan: {} to create, {} to update, {deleted}, {} unchanged, {} blocked.\n",
        counts.create, counts.update, counts.unchanged, counts.blocked
    ));
    if !plan.not_compared.is_empty() {
        out.push_str(&format!(
            "Not compared (NoEcho, CloudFormation never returns them; sent on every create and update): {}.\n",
            plan.not_compared.join(", ")
        ));
    }
    out
}

fn number(value: &str) -> String {
    value
        .parse::<u64>()
        .map_or_else(|_| value.to_owned(), thousands)
}

fn limits(limits: &Limits) -> String {
    match (&limits.threshold, &limits.quota) {
        (None, None) => "-".into(),
        (threshold, quota) => format!(
            "{} / {}",
            threshold.as_deref().map_or_else(|| "?".into(), number),
            quota.as_deref().map_or_else(|| "?".into(), number)
        ),
    }
}

/// The status table: one line per stack (more when a stack has several open requests).
pub fn status_table(stacks: &[StackStatus]) -> String {
    let rows: Vec<Vec<Vec<String>>> = stacks
        .iter()
        .map(|stack| {
            let mut notes: Vec<String> = stack
                .open_cases
                .iter()
                .map(|case| format!("case {case}"))
                .collect();
            notes.extend(stack.unreadable.iter().map(|u| format!("unreadable: {u}")));
            vec![
                vec![stack.stack_name.clone()],
                vec![
                    stack
                        .status
                        .clone()
                        .unwrap_or_else(|| "not deployed".into()),
                ],
                vec![limits(&stack.rpm)],
                vec![limits(&stack.tpm)],
                if stack.in_alarm.is_empty() {
                    vec!["-".into()]
                } else {
                    stack.in_alarm.clone()
                },
                if stack.open_requests.is_empty() {
                    vec!["-".into()]
                } else {
                    stack
                        .open_requests
                        .iter()
                        .map(|r| {
                            let case = r
                                .case_id
                                .as_deref()
                                .map_or_else(String::new, |c| format!(", case {c}"));
                            format!(
                                "{} → {} ({}{case})",
                                r.quota_code,
                                thousands(r.desired),
                                r.status
                            )
                        })
                        .collect()
                },
                if notes.is_empty() {
                    vec!["-".into()]
                } else {
                    notes
                },
            ]
        })
        .collect();
    table(
        &[
            "STACK",
            "STATUS",
            "RPM THRESHOLD / QUOTA",
            "TPM THRESHOLD / QUOTA",
            "IN ALARM",
            "OPEN REQUESTS",
            "CASES",
        ],
        &rows,
    )
}
