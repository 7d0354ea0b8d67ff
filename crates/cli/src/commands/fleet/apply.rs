//! `fleet apply [--file F] [--prune] [--yes]`: carries the plan out through CloudFormation.
//!
//! Without [targets], one stack per model through change sets: create the change set, wait until it is
//! ready (a change set CloudFormation finds empty — "The submitted information didn't contain changes" — is
//! deleted and reported as no change), execute it, and wait for the stack with a bounded back-off, printing
//! each new stack event as progress. With [targets], one StackSet per model (service-managed permissions):
//! create or update the set, add (and with `--prune` remove) instances, waiting on each operation.
//!
//! Stacks are applied one at a time in file order, deletions last. The first failure stops the run, with
//! the events (or the StackSet operation's reason) that explain it; nothing is deleted without `--prune`,
//! and a plan with a blocked stack applies nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, IsTerminal, Write};

use bedrock_ops_core::fleet::identity::{STACK_PREFIX, stack_tags};
use bedrock_ops_core::fleet::render::plan_table;
use bedrock_ops_core::fleet::{Action, DesiredStack, ObservedStack, StackPlan};

use super::FleetArgs;
use super::desired::{deployable, load};
use super::plan::compute;
use super::wait::{Backoff, Waiter};
use crate::cloudformation::sdk::{SdkStackSets, SdkStacks};
use crate::cloudformation::{
    ChangeSetRequest, ChangeSetState, Deployment, OperationState, StackSets, Stacks, TemplateSource,
};
use crate::commands::{CommandResult, aws_config};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Also delete the stacks (StackSet instances) of models that left the file.
    #[arg(long)]
    pub prune: bool,
    /// Apply without asking (required when standard input is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// First pause between two reads of a stack's (or operation's) status, in milliseconds; it doubles
    /// up to 15 s.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub poll_interval_ms: u64,
    /// Stop waiting for one stack after this many minutes (CloudFormation carries on; see `fleet status`).
    #[arg(long, value_name = "MIN", default_value_t = 60)]
    pub wait_timeout_minutes: u64,
}

/// What one run did, for the closing line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub deleted: usize,
}

/// Prints a line and flushes it, so progress shows while the run waits.
fn say(out: &mut impl Write, line: impl AsRef<str>) -> Result<(), String> {
    writeln!(out, "{}", line.as_ref())
        .and_then(|()| out.flush())
        .map_err(|e| e.to_string())
}

fn change_set_name() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("{STACK_PREFIX}-{now}")
}

/// The stack statuses that end an operation successfully.
fn succeeded(status: &str) -> bool {
    matches!(
        status,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE"
    )
}

/// Applies stacks through change sets.
pub struct StackRunner<'a, S, W> {
    pub stacks: &'a S,
    pub out: &'a mut W,
    pub backoff: Backoff,
    pub template: &'a TemplateSource,
    pub customer: &'a str,
}

impl<S: Stacks, W: Write> StackRunner<'_, S, W> {
    /// Creates or updates one stack; `Ok(false)` when CloudFormation found nothing to change.
    pub async fn put(&mut self, desired: &DesiredStack, create: bool) -> Result<bool, String> {
        let digest = desired.template_digest.clone().unwrap_or_default();
        let request = ChangeSetRequest {
            stack_name: desired.stack_name.clone(),
            change_set_name: change_set_name(),
            create,
            template: self.template.clone(),
            parameters: desired.parameters.clone(),
            tags: stack_tags(self.customer, &desired.model, &digest),
        };
        let name = &desired.stack_name;
        let id = self
            .stacks
            .create_change_set(&request)
            .await
            .map_err(|e| e.to_string())?;
        let mut waiter = self.backoff.start();
        let ready = loop {
            match self
                .stacks
                .change_set_state(&id)
                .await
                .map_err(|e| e.to_string())?
            {
                ChangeSetState::Pending => {
                    if !waiter.pause().await {
                        break Err(format!(
                            "{name}: change set {} still pending after the wait timeout",
                            request.change_set_name
                        ));
                    }
                }
                ChangeSetState::Ready => break Ok(true),
                ChangeSetState::NoChanges => break Ok(false),
                ChangeSetState::Failed(reason) => {
                    break Err(format!(
                        "{name}: change set {} failed: {reason}",
                        request.change_set_name
                    ));
                }
            }
        }?;
        if !ready {
            // CloudFormation keeps a failed change set until it is deleted; an empty one is of no use.
            self.stacks
                .delete_change_set(&id)
                .await
                .map_err(|e| e.to_string())?;
            say(
                self.out,
                "      no changes: CloudFormation found nothing to change (change set deleted)",
            )?;
            return Ok(false);
        }
        say(
            self.out,
            format!(
                "      change set {} ready, executing",
                request.change_set_name
            ),
        )?;
        let seen = self.event_ids(name).await?;
        self.stacks
            .execute_change_set(&id)
            .await
            .map_err(|e| e.to_string())?;
        self.wait(name, seen, false).await.map(|()| true)
    }

    /// Deletes one stack and waits until it is gone (followed by its id, which outlives the name).
    pub async fn delete(&mut self, name: &str) -> Result<(), String> {
        let Some(stack) = self
            .stacks
            .describe(name)
            .await
            .map_err(|e| e.to_string())?
        else {
            return say(self.out, "      already gone");
        };
        let seen = self.event_ids(&stack.id).await?;
        self.stacks
            .delete_stack(name)
            .await
            .map_err(|e| e.to_string())?;
        self.wait(&stack.id, seen, true).await
    }

    async fn event_ids(&self, name: &str) -> Result<BTreeSet<String>, String> {
        match self.stacks.events(name).await {
            Ok(events) => Ok(events.into_iter().map(|e| e.event_id).collect()),
            // A stack that does not exist yet has no events.
            Err(error) if error.message().contains("does not exist") => Ok(BTreeSet::new()),
            Err(error) => Err(error.to_string()),
        }
    }

    /// Prints the events not printed yet (oldest first) and returns the failed ones' explanations.
    async fn progress(
        &mut self,
        name: &str,
        seen: &mut BTreeSet<String>,
        waiter: &Waiter,
    ) -> Result<Vec<String>, String> {
        let events = match self.stacks.events(name).await {
            Ok(events) => events,
            Err(error) if error.message().contains("does not exist") => return Ok(Vec::new()),
            Err(error) => return Err(error.to_string()),
        };
        let mut failures = Vec::new();
        for event in events.into_iter().rev() {
            if !seen.insert(event.event_id.clone()) {
                continue;
            }
            let reason = event
                .reason
                .as_deref()
                .map_or_else(String::new, |r| format!(": {r}"));
            let line = format!(
                "{} {} {}{reason}",
                event.status, event.resource_type, event.logical_id
            );
            say(
                self.out,
                format!("      {:>4} s  {line}", waiter.elapsed_secs()),
            )?;
            if event.status.ends_with("_FAILED") && event.reason.is_some() {
                failures.push(line);
            }
        }
        Ok(failures)
    }

    /// Waits until the stack (by name, or by id when deleting) leaves its `*_IN_PROGRESS` states, printing
    /// each new status and event as it comes; a failure ends with the failed events' reasons.
    async fn wait(
        &mut self,
        stack: &str,
        mut seen: BTreeSet<String>,
        deleting: bool,
    ) -> Result<(), String> {
        let mut waiter = self.backoff.start();
        let mut failures = Vec::new();
        let mut last = String::new();
        loop {
            failures.extend(self.progress(stack, &mut seen, &waiter).await?);
            let described = self
                .stacks
                .describe(stack)
                .await
                .map_err(|e| e.to_string())?;
            let (status, reason, name) = match described {
                None if deleting => ("DELETE_COMPLETE".to_owned(), None, stack.to_owned()),
                None => {
                    return Err(format!(
                        "{stack}: the stack disappeared while it was being applied"
                    ));
                }
                Some(found) => (found.status, found.status_reason, found.name),
            };
            if status != last {
                say(
                    self.out,
                    format!("      {:>4} s  {status}", waiter.elapsed_secs()),
                )?;
                last.clone_from(&status);
            }
            // A deletion ends in DELETE_COMPLETE or DELETE_FAILED; until then the status may still lag behind.
            let done = if deleting {
                matches!(status.as_str(), "DELETE_COMPLETE" | "DELETE_FAILED")
            } else {
                !status.ends_with("_IN_PROGRESS")
            };
            if done {
                if (deleting && status == "DELETE_COMPLETE") || (!deleting && succeeded(&status)) {
                    return Ok(());
                }
                let why = if failures.is_empty() {
                    reason.unwrap_or_else(|| "no failed event was reported".to_owned())
                } else {
                    failures.join("; ")
                };
                return Err(format!("{name}: {status}: {why}"));
            }
            if !waiter.pause().await {
                return Err(format!(
                    "{name}: still {status} after {} s; CloudFormation carries on (see `fleet status`)",
                    waiter.elapsed_secs()
                ));
            }
        }
    }
}

/// Groups `<target>/<Region>` placements into one deployment per organizational unit (or account).
fn deployments(placements: &[String], accounts: &[String]) -> Vec<Deployment> {
    let mut by_target: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for placement in placements {
        if let Some((target, region)) = placement.rsplit_once('/') {
            by_target.entry(target).or_default().push(region.to_owned());
        }
    }
    by_target
        .into_iter()
        .map(|(target, regions)| {
            if target.starts_with("ou-") || target.starts_with("r-") {
                Deployment {
                    organizational_units: vec![target.to_owned()],
                    accounts: accounts.to_vec(),
                    regions,
                }
            } else {
                Deployment {
                    organizational_units: Vec::new(),
                    accounts: vec![target.to_owned()],
                    regions,
                }
            }
        })
        .collect()
}

/// Applies StackSets with service-managed permissions.
pub struct SetRunner<'a, S, W> {
    pub sets: &'a S,
    pub out: &'a mut W,
    pub backoff: Backoff,
    pub template: &'a TemplateSource,
    pub customer: &'a str,
    /// `[targets] accounts`: narrows every deployment to these accounts.
    pub accounts: &'a [String],
}

impl<S: StackSets, W: Write> SetRunner<'_, S, W> {
    async fn wait(&mut self, name: &str, operation_id: &str, what: &str) -> Result<(), String> {
        let mut waiter = self.backoff.start();
        say(self.out, format!("      {what}: operation {operation_id}"))?;
        loop {
            match self
                .sets
                .operation(name, operation_id)
                .await
                .map_err(|e| e.to_string())?
            {
                OperationState::Succeeded => {
                    return say(
                        self.out,
                        format!("      {:>4} s  {what}: SUCCEEDED", waiter.elapsed_secs()),
                    );
                }
                OperationState::Failed(reason) => {
                    return Err(format!("{name}: {what} failed: {reason}"));
                }
                OperationState::Running => {
                    if !waiter.pause().await {
                        return Err(format!(
                            "{name}: {what} still running after {} s; StackSets carries on",
                            waiter.elapsed_secs()
                        ));
                    }
                }
            }
        }
    }

    /// Adds (`adding`) or removes instances at `placements`, one operation per organizational unit.
    async fn instances(
        &mut self,
        name: &str,
        placements: &[String],
        adding: bool,
    ) -> Result<(), String> {
        // Removal names the units only: the accounts filter narrows what is created, not what is deleted.
        let accounts = if adding { self.accounts } else { &[] };
        for deployment in deployments(placements, accounts) {
            let started = if adding {
                self.sets.create_instances(name, &deployment).await
            } else {
                self.sets.delete_instances(name, &deployment).await
            };
            let id = started.map_err(|e| e.to_string())?;
            let what = format!(
                "{} instances in {} × {}",
                if adding { "+" } else { "-" },
                targets_text(&deployment),
                deployment.regions.join(", ")
            );
            self.wait(name, &id, &what).await?;
        }
        Ok(())
    }

    fn tags(&self, desired: &DesiredStack) -> Vec<(String, String)> {
        let digest = desired.template_digest.as_deref().unwrap_or_default();
        stack_tags(self.customer, &desired.model, digest)
    }

    pub async fn create(&mut self, desired: &DesiredStack) -> Result<(), String> {
        let tags = self.tags(desired);
        self.sets
            .create(
                &desired.stack_name,
                self.template,
                &desired.parameters,
                &tags,
            )
            .await
            .map_err(|e| e.to_string())?;
        say(self.out, "      stack set created")?;
        let placements: Vec<String> = desired.placements.iter().cloned().collect();
        self.instances(&desired.stack_name, &placements, true).await
    }

    pub async fn update(
        &mut self,
        desired: &DesiredStack,
        action: &Action,
        prune: bool,
    ) -> Result<(), String> {
        let Action::Update {
            changes,
            template_changed,
            placements_added,
            placements_removed,
        } = action
        else {
            return Ok(());
        };
        if !changes.is_empty() || *template_changed {
            let tags = self.tags(desired);
            let id = self
                .sets
                .update(
                    &desired.stack_name,
                    self.template,
                    &desired.parameters,
                    &tags,
                )
                .await
                .map_err(|e| e.to_string())?;
            self.wait(&desired.stack_name, &id, "update of every instance")
                .await?;
        }
        self.instances(&desired.stack_name, placements_added, true)
            .await?;
        if prune {
            self.instances(&desired.stack_name, placements_removed, false)
                .await?;
        }
        Ok(())
    }

    pub async fn delete(&mut self, observed: &ObservedStack) -> Result<(), String> {
        let placements: Vec<String> = observed.placements.iter().cloned().collect();
        self.instances(&observed.name, &placements, false).await?;
        self.sets
            .delete(&observed.name)
            .await
            .map_err(|e| e.to_string())?;
        say(self.out, "      stack set deleted")
    }
}

fn targets_text(deployment: &Deployment) -> String {
    let mut parts = deployment.organizational_units.clone();
    if !deployment.accounts.is_empty() {
        parts.push(format!("accounts {}", deployment.accounts.join(", ")));
    }
    parts.join(" ")
}

/// Whether apply does something with this stack (a removal of instances or stacks only with `--prune`).
fn actionable(action: &Action, prune: bool) -> bool {
    match action {
        Action::Create { .. } => true,
        Action::Update {
            changes,
            template_changed,
            placements_added,
            placements_removed,
        } => {
            !changes.is_empty()
                || *template_changed
                || !placements_added.is_empty()
                || (prune && !placements_removed.is_empty())
        }
        Action::Delete => prune,
        Action::Unchanged | Action::Blocked { .. } => false,
    }
}

fn confirm(out: &mut impl Write, yes: bool) -> Result<(), String> {
    if yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err("standard input is not a terminal: pass --yes to apply this plan".into());
    }
    write!(out, "Apply this plan? [y/N] ")
        .and_then(|()| out.flush())
        .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| e.to_string())?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
        Ok(())
    } else {
        Err("not applied".into())
    }
}

/// Carries out the plan's stacks one by one; the first failure ends the run.
async fn execute(
    args: &Args,
    stacks: &[StackPlan],
    desired: &[DesiredStack],
    observed: &[ObservedStack],
    runner: &mut Runner<'_, impl Stacks, impl StackSets, impl Write>,
) -> Result<Tally, String> {
    let mut tally = Tally::default();
    let work: Vec<&StackPlan> = stacks
        .iter()
        .filter(|s| actionable(&s.action, args.prune))
        .collect();
    // Creations and updates first, deletions last: a failure never leaves a model without its stack
    // because another one was removed first.
    let (deletes, puts): (Vec<&StackPlan>, Vec<&StackPlan>) = work
        .into_iter()
        .partition(|s| matches!(s.action, Action::Delete));
    let total = puts.len() + deletes.len();
    for (index, stack) in puts.into_iter().chain(deletes).enumerate() {
        runner.say(format!(
            "[{}/{total}] {}: {}",
            index + 1,
            stack.stack_name,
            stack.action.label()
        ))?;
        let want = desired.iter().find(|d| d.stack_name == stack.stack_name);
        let result = match (&stack.action, want) {
            (Action::Create { .. }, Some(want)) => runner
                .create(want)
                .await
                .map(|changed| (changed, &mut tally.created)),
            (Action::Update { .. }, Some(want)) => runner
                .update(want, &stack.action, args.prune)
                .await
                .map(|changed| (changed, &mut tally.updated)),
            (Action::Delete, _) => {
                let have = observed.iter().find(|o| o.name == stack.stack_name);
                runner
                    .delete(&stack.stack_name, have)
                    .await
                    .map(|()| (true, &mut tally.deleted))
            }
            _ => continue,
        };
        match result {
            Ok((true, counter)) => *counter += 1,
            Ok((false, _)) => tally.unchanged += 1,
            Err(error) => {
                let left = total - index - 1;
                return Err(format!(
                    "{error}\nStopped: {left} more stack(s) not applied."
                ));
            }
        }
    }
    Ok(tally)
}

/// Single-account stacks or StackSets, behind one set of verbs.
pub enum Runner<'a, S, T, W> {
    Stacks(StackRunner<'a, S, W>),
    Sets(SetRunner<'a, T, W>),
}

impl<S: Stacks, T: StackSets, W: Write> Runner<'_, S, T, W> {
    fn say(&mut self, line: String) -> Result<(), String> {
        match self {
            Runner::Stacks(r) => say(r.out, line),
            Runner::Sets(r) => say(r.out, line),
        }
    }

    async fn create(&mut self, want: &DesiredStack) -> Result<bool, String> {
        match self {
            Runner::Stacks(r) => r.put(want, true).await,
            Runner::Sets(r) => r.create(want).await.map(|()| true),
        }
    }

    async fn update(
        &mut self,
        want: &DesiredStack,
        action: &Action,
        prune: bool,
    ) -> Result<bool, String> {
        match self {
            Runner::Stacks(r) => r.put(want, false).await,
            Runner::Sets(r) => r.update(want, action, prune).await.map(|()| true),
        }
    }

    async fn delete(&mut self, name: &str, observed: Option<&ObservedStack>) -> Result<(), String> {
        match (self, observed) {
            (Runner::Stacks(r), _) => r.delete(name).await,
            (Runner::Sets(r), Some(observed)) => r.delete(observed).await,
            (Runner::Sets(_), None) => Err(format!("{name}: the stack set is no longer listed")),
        }
    }
}

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    let loaded = load(&args.fleet)?;
    let template = deployable(&loaded.template.source)?.clone();
    let runtime = aws_config::runtime()?;
    let backoff = Backoff::new(args.poll_interval_ms, args.wait_timeout_minutes);
    let tally = runtime.block_on(async {
        let config = aws_config::load(loaded.region(&args.fleet)).await?;
        let planned = compute(&args.fleet, &loaded, &config).await?;
        out.write_all(plan_table(&planned.plan, args.prune).as_bytes())
            .map_err(|e| e.to_string())?;
        let counts = planned.plan.counts();
        if counts.blocked > 0 {
            return Err(format!(
                "{} stack(s) blocked (see the plan); nothing applied",
                counts.blocked
            ));
        }
        if !planned
            .plan
            .stacks
            .iter()
            .any(|s| actionable(&s.action, args.prune))
        {
            say(out, "Nothing to apply.")?;
            return Ok(Tally::default());
        }
        confirm(out, args.yes)?;
        let cloudformation = aws_sdk_cloudformation::Client::new(&config);
        let customer = loaded.fleet.customer.as_str();
        let (stacks, sets) = (
            SdkStacks::new(cloudformation.clone()),
            SdkStackSets::new(cloudformation, args.fleet.delegated_admin),
        );
        let mut runner = match &loaded.fleet.targets {
            None => Runner::Stacks(StackRunner {
                stacks: &stacks,
                out: &mut *out,
                backoff,
                template: &template,
                customer,
            }),
            Some(targets) => Runner::Sets(SetRunner {
                sets: &sets,
                out: &mut *out,
                backoff,
                template: &template,
                customer,
                accounts: &targets.accounts,
            }),
        };
        execute(
            args,
            &planned.plan.stacks,
            &planned.desired,
            &planned.observed,
            &mut runner,
        )
        .await
    })?;
    writeln!(
        out,
        "Applied: {} created, {} updated, {} without changes, {} deleted.",
        tally.created, tally.updated, tally.unchanged, tally.deleted
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    use bedrock_ops_core::fleet::identity::{FLEET_TAG, MODEL_TAG, TEMPLATE_TAG};
    use bedrock_ops_core::fleet::{FleetPlan, plan};

    use super::*;
    use crate::cloudformation::memory::MemoryStackSets;
    use crate::commands::fleet::observed;

    const OU: &str = "ou-ab12-11111111";
    const OTHER_OU: &str = "ou-ab12-22222222";

    fn args(prune: bool) -> Args {
        Args {
            fleet: FleetArgs {
                file: PathBuf::from("fleet.toml"),
                region: None,
                template_url: None,
                template_file: None,
                delegated_admin: false,
            },
            prune,
            yes: true,
            poll_interval_ms: 1,
            wait_timeout_minutes: 1,
        }
    }

    fn desired(model: &str, percent: &str, placements: &[&str]) -> DesiredStack {
        DesiredStack {
            model: model.into(),
            stack_name: format!("bedrock-ops-alert-Acme-{model}"),
            parameters: BTreeMap::from([
                ("CustomerName".to_owned(), "Acme".to_owned()),
                ("BedrockModelName".to_owned(), model.to_owned()),
                (
                    "TokensPerMinuteThresholdPercent".to_owned(),
                    percent.to_owned(),
                ),
            ]),
            template_digest: Some("sha256:1".into()),
            placements: placements.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    fn sets() -> MemoryStackSets {
        MemoryStackSets::new()
            .with_org_unit(OU, &["111111111111", "222222222222"])
            .with_org_unit(OTHER_OU, &["333333333333"])
    }

    async fn plan_of(
        memory: &MemoryStackSets,
        wanted: &[DesiredStack],
    ) -> (FleetPlan, Vec<ObservedStack>) {
        let seen = observed::stack_sets(memory, "Acme").await.unwrap();
        let no_echo = BTreeSet::new();
        (plan("Acme", "StackSets", wanted, &seen, &no_echo), seen)
    }

    async fn apply(
        memory: &MemoryStackSets,
        wanted: &[DesiredStack],
        prune: bool,
    ) -> (Result<Tally, String>, String) {
        let (plan, seen) = plan_of(memory, wanted).await;
        let mut out = Vec::new();
        let template =
            TemplateSource::Url("https://example-bucket.s3.us-east-1.amazonaws.com/t.yaml".into());
        let mut runner: Runner<'_, SdkStacks, _, _> = Runner::Sets(SetRunner {
            sets: memory,
            out: &mut out,
            backoff: Backoff::new(1, 1),
            template: &template,
            customer: "Acme",
            accounts: &[],
        });
        let result = execute(&args(prune), &plan.stacks, wanted, &seen, &mut runner).await;
        (result, String::from_utf8(out).unwrap())
    }

    fn placements(memory: &MemoryStackSets, name: &str) -> Vec<String> {
        let (_, instances) = memory.set(name).unwrap();
        let mut found: Vec<String> = instances
            .iter()
            .map(|i| format!("{}/{}", i.account, i.region))
            .collect();
        found.sort();
        found
    }

    #[tokio::test]
    async fn a_stack_set_is_created_with_instances_in_every_account_of_its_units_and_regions() {
        let memory = sets();
        let opus = desired(
            "Opus",
            "80",
            &[&format!("{OU}/us-east-1"), &format!("{OU}/eu-west-1")],
        );
        let (result, out) = apply(&memory, std::slice::from_ref(&opus), false).await;
        assert_eq!(result.unwrap().created, 1, "{out}");
        assert_eq!(
            placements(&memory, &opus.stack_name),
            [
                "111111111111/eu-west-1",
                "111111111111/us-east-1",
                "222222222222/eu-west-1",
                "222222222222/us-east-1"
            ]
        );
        let (set, _) = memory.set(&opus.stack_name).unwrap();
        assert_eq!(set.tags[FLEET_TAG], "Acme");
        assert_eq!(set.tags[MODEL_TAG], "Opus");
        assert_eq!(set.tags[TEMPLATE_TAG], "sha256:1");
        assert!(
            out.contains(&format!(
                "+ instances in {OU} × eu-west-1, us-east-1: SUCCEEDED"
            )),
            "{out}"
        );
        // Asynchronous like StackSets: each operation was read until it ended.
        let reads = memory
            .calls()
            .iter()
            .filter(|c| c.starts_with("DescribeStackSetOperation"))
            .count();
        assert_eq!(reads, 3);
        // Applied again: nothing to do.
        let (plan, _) = plan_of(&memory, &[opus]).await;
        assert_eq!(plan.stacks[0].action, Action::Unchanged);
    }

    #[tokio::test]
    async fn a_changed_percent_updates_the_set_and_a_new_unit_adds_only_its_instances() {
        let memory = sets();
        let before = desired("Opus", "80", &[&format!("{OU}/us-east-1")]);
        apply(&memory, &[before], false).await.0.unwrap();
        let after = desired(
            "Opus",
            "70",
            &[&format!("{OU}/us-east-1"), &format!("{OTHER_OU}/us-east-1")],
        );
        let (result, out) = apply(&memory, std::slice::from_ref(&after), false).await;
        assert_eq!(result.unwrap().updated, 1, "{out}");
        let (set, _) = memory.set(&after.stack_name).unwrap();
        assert_eq!(set.parameters["TokensPerMinuteThresholdPercent"], "70");
        assert_eq!(
            placements(&memory, &after.stack_name),
            [
                "111111111111/us-east-1",
                "222222222222/us-east-1",
                "333333333333/us-east-1"
            ]
        );
        let calls = memory.calls();
        assert_eq!(
            calls
                .iter()
                .filter(|c| c.starts_with("UpdateStackSet"))
                .count(),
            1
        );
        assert_eq!(
            calls
                .iter()
                .rfind(|c| c.starts_with("CreateStackInstances"))
                .unwrap(),
            &format!(
                "CreateStackInstances {} {OTHER_OU} us-east-1",
                after.stack_name
            )
        );
    }

    #[tokio::test]
    async fn instances_and_sets_of_removed_models_go_only_with_prune() {
        let memory = sets();
        let opus = desired(
            "Opus",
            "80",
            &[&format!("{OU}/us-east-1"), &format!("{OU}/eu-west-1")],
        );
        let haiku = desired("Haiku", "80", &[&format!("{OU}/us-east-1")]);
        apply(&memory, &[opus.clone(), haiku.clone()], false)
            .await
            .0
            .unwrap();
        let narrower = desired("Opus", "80", &[&format!("{OU}/us-east-1")]);

        let (result, out) = apply(&memory, std::slice::from_ref(&narrower), false).await;
        let tally = result.unwrap();
        assert_eq!((tally.updated, tally.deleted), (0, 0), "{out}");
        assert!(memory.set(&haiku.stack_name).is_some());
        assert_eq!(placements(&memory, &opus.stack_name).len(), 4);

        let (result, out) = apply(&memory, std::slice::from_ref(&narrower), true).await;
        let tally = result.unwrap();
        assert_eq!((tally.updated, tally.deleted), (1, 1), "{out}");
        assert!(memory.set(&haiku.stack_name).is_none(), "{out}");
        assert_eq!(
            placements(&memory, &opus.stack_name),
            ["111111111111/us-east-1", "222222222222/us-east-1"]
        );
        // The instances go before the set: StackSets refuses to delete a set that still has some.
        let calls = memory.calls();
        let instances = calls
            .iter()
            .position(|c| c.starts_with(&format!("DeleteStackInstances {}", haiku.stack_name)))
            .unwrap();
        let set = calls
            .iter()
            .position(|c| c == &format!("DeleteStackSet {}", haiku.stack_name))
            .unwrap();
        assert!(instances < set);
    }

    #[tokio::test]
    async fn a_failed_operation_stops_the_run_with_its_reason() {
        let memory = sets();
        memory.fail_next_operation("111111111111 us-east-1: Account 111111111111 should have 'AWSCloudFormationStackSetExecutionRole' role");
        let opus = desired("Opus", "80", &[&format!("{OU}/us-east-1")]);
        let haiku = desired("Haiku", "80", &[&format!("{OU}/us-east-1")]);
        let (result, out) = apply(&memory, &[opus, haiku.clone()], false).await;
        let error = result.unwrap_err();
        assert!(
            error.contains("failed: 111111111111 us-east-1: Account 111111111111 should have"),
            "{error}"
        );
        assert!(
            error.ends_with("Stopped: 1 more stack(s) not applied."),
            "{error}"
        );
        assert!(memory.set(&haiku.stack_name).is_none(), "{out}");
    }
}
