//! `fleet.toml` → a validated [`Fleet`]: every key known, every value one the template accepts, every
//! problem reported with its line (all of them at once, not the first only).
//!
//! The template's parameter list ([`TemplateParameters`]) is the only list of valid keys for `[defaults]`
//! and a model's `parameters`, and its AllowedValues, AllowedPattern, lengths and Min/Max are the checks.
//! Five parameters belong to the fleet itself and are refused there: `CustomerName` (`customer`),
//! `BedrockModelName` (`name`), `BedrockModelId` (`model_id`) and the two quota codes (`rpm_quota_code`,
//! `tpm_quota_code`, found by `quotas discover` when omitted: the template's defaults are one model's codes
//! and must never reach another model's stack).

use std::collections::BTreeMap;
use std::fmt;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::template::{ParameterKind, TemplateParameters};
use crate::thresholds::{QuotaCode, RpmQuotaCode};

pub const CUSTOMER_PARAMETER: &str = "CustomerName";
pub const MODEL_NAME_PARAMETER: &str = "BedrockModelName";
pub const MODEL_ID_PARAMETER: &str = "BedrockModelId";
pub const RPM_CODE_PARAMETER: &str = "RequestsPerMinuteQuotaCode";
pub const TPM_CODE_PARAMETER: &str = "TokensPerMinuteQuotaCode";

/// The parameters the fleet sets itself, and the fleet-file key that sets each.
pub const FLEET_OWNED: [(&str, &str); 5] = [
    (CUSTOMER_PARAMETER, "customer"),
    (MODEL_NAME_PARAMETER, "name in [[models]]"),
    (MODEL_ID_PARAMETER, "model_id in [[models]]"),
    (RPM_CODE_PARAMETER, "rpm_quota_code in [[models]]"),
    (TPM_CODE_PARAMETER, "tpm_quota_code in [[models]]"),
];

const TOP_KEYS: [&str; 5] = ["customer", "region", "defaults", "models", "targets"];
const MODEL_KEYS: [&str; 5] = [
    "name",
    "model_id",
    "rpm_quota_code",
    "tpm_quota_code",
    "parameters",
];
const TARGET_KEYS: [&str; 3] = ["organizational_units", "accounts", "regions"];

/// One problem in the file; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for FleetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Every problem found, in line order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FleetErrors(pub Vec<FleetError>);

impl fmt::Display for FleetErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl FleetErrors {
    /// Each error as `<path>:<line>: <message>`, one per line.
    pub fn with_path(&self, path: &str) -> String {
        let lines: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{path}:{}: {}", e.line, e.message))
            .collect();
        lines.join("\n")
    }
}

/// A template parameter's value as the file sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub name: String,
    pub value: String,
    pub line: usize,
}

/// One `[[models]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetModel {
    /// `BedrockModelName`.
    pub name: String,
    pub line: usize,
    /// `BedrockModelId`.
    pub model_id: String,
    /// `None`: found by discovery at plan time.
    pub rpm_quota_code: Option<RpmQuotaCode>,
    pub tpm_quota_code: Option<QuotaCode>,
    pub parameters: Vec<Setting>,
}

/// `[targets]`: StackSets with service-managed permissions instead of stacks in the caller's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    pub organizational_units: Vec<String>,
    /// When given, only these accounts of the organizational units (AccountFilterType INTERSECTION).
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub line: usize,
}

/// A validated fleet file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fleet {
    pub customer: String,
    pub region: Option<String>,
    pub defaults: Vec<Setting>,
    pub models: Vec<FleetModel>,
    pub targets: Option<Targets>,
}

struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        LineIndex(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(at, _)| at)
                .collect(),
        )
    }

    fn line<T>(&self, spanned: &Spanned<T>) -> usize {
        let at = spanned.span().start;
        self.0.partition_point(|&newline| newline < at) + 1
    }
}

struct Reader<'a> {
    lines: LineIndex,
    template: &'a TemplateParameters,
    errors: Vec<FleetError>,
}

fn kind_of(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

impl Reader<'_> {
    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.errors.push(FleetError {
            line,
            message: message.into(),
        });
    }

    /// Reports keys outside `allowed`; returns the table's entries by key.
    fn entries<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        allowed: &[&str],
        context: &str,
    ) -> BTreeMap<&'t str, &'t Spanned<DeValue<'i>>> {
        let mut found = BTreeMap::new();
        for (key, value) in table.iter() {
            if allowed.contains(&key.get_ref().as_ref()) {
                found.insert(key.get_ref().as_ref(), value);
            } else {
                let line = self.lines.line(key);
                self.error(
                    line,
                    format!(
                        "unknown key `{}` {context}; allowed: {}",
                        key.get_ref(),
                        allowed.join(", ")
                    ),
                );
            }
        }
        found
    }

    fn string(&mut self, value: &Spanned<DeValue<'_>>, what: &str) -> Option<String> {
        match value.get_ref() {
            DeValue::String(text) => Some(text.to_string()),
            other => {
                let line = self.lines.line(value);
                self.error(
                    line,
                    format!("{what} must be a string, not {}", kind_of(other)),
                );
                None
            }
        }
    }

    fn strings(&mut self, value: &Spanned<DeValue<'_>>, what: &str) -> Vec<(String, usize)> {
        let DeValue::Array(items) = value.get_ref() else {
            let line = self.lines.line(value);
            self.error(line, format!("{what} must be an array of strings"));
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| {
                let line = self.lines.line(item);
                self.string(item, what).map(|s| (s, line))
            })
            .collect()
    }

    /// A template parameter's value from its TOML form, checked against the template.
    fn setting(
        &mut self,
        name: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
        context: &str,
    ) -> Option<Setting> {
        let key = name.get_ref().as_ref();
        let line = self.lines.line(name);
        if let Some((_, owner)) = FLEET_OWNED.iter().find(|(param, _)| *param == key) {
            self.error(
                line,
                format!("{key} cannot be set {context}: the fleet sets it from `{owner}`"),
            );
            return None;
        }
        let Some(spec) = self.template.get(key) else {
            let known: Vec<&str> = self
                .template
                .names()
                .into_iter()
                .filter(|n| !FLEET_OWNED.iter().any(|(param, _)| param == n))
                .collect();
            self.error(
                line,
                format!(
                    "unknown parameter `{key}` {context}; the template's parameters are: {}",
                    known.join(", ")
                ),
            );
            return None;
        };
        let value_line = self.lines.line(value);
        let text = match (spec.kind, value.get_ref()) {
            (ParameterKind::Number, DeValue::Integer(int)) => {
                i64::from_str_radix(int.as_str(), int.radix())
                    .map(|n| n.to_string())
                    .unwrap_or_else(|_| int.as_str().to_owned())
            }
            (ParameterKind::Number, DeValue::Float(float)) => float.as_str().to_owned(),
            (ParameterKind::Number, other) => {
                self.error(
                    value_line,
                    format!("{key} must be a number (unquoted), not {}", kind_of(other)),
                );
                return None;
            }
            (_, DeValue::String(text)) => text.to_string(),
            (_, DeValue::Array(_)) => {
                let parts: Vec<String> = self
                    .strings(value, key)
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect();
                parts.join(",")
            }
            (_, other) => {
                let hint = if spec.allowed_values.is_empty() {
                    String::new()
                } else {
                    format!("; allowed: {}", spec.allowed_values.join(", "))
                };
                self.error(
                    value_line,
                    format!("{key} must be a string, not {}{hint}", kind_of(other)),
                );
                return None;
            }
        };
        if let Err(problem) = spec.check(&text) {
            self.error(value_line, problem);
            return None;
        }
        Some(Setting {
            name: key.to_owned(),
            value: text,
            line: value_line,
        })
    }

    fn settings(&mut self, value: &Spanned<DeValue<'_>>, context: &str) -> Vec<Setting> {
        let DeValue::Table(table) = value.get_ref() else {
            let line = self.lines.line(value);
            self.error(
                line,
                format!("{context} must be a table of template parameters"),
            );
            return Vec::new();
        };
        table
            .iter()
            .filter_map(|(key, value)| self.setting(key, value, context))
            .collect()
    }

    /// A value of a fleet-owned parameter, checked against the template's own constraint.
    fn owned(
        &mut self,
        parameter: &str,
        value: &Spanned<DeValue<'_>>,
        what: &str,
    ) -> Option<String> {
        let text = self.string(value, what)?;
        let line = self.lines.line(value);
        match self.template.get(parameter).map(|spec| spec.check(&text)) {
            None => {
                self.error(line, format!("the template has no {parameter} parameter, which the fleet sets from `{what}`"));
                None
            }
            Some(Err(problem)) => {
                self.error(line, format!("{what}: {problem}"));
                None
            }
            Some(Ok(())) => Some(text),
        }
    }

    fn model(&mut self, entry: &Spanned<DeValue<'_>>) -> Option<FleetModel> {
        let line = self.lines.line(entry);
        let DeValue::Table(table) = entry.get_ref() else {
            self.error(line, "each [[models]] entry must be a table");
            return None;
        };
        let keys = self.entries(table, &MODEL_KEYS, "in [[models]]");
        let mut required = |key: &str| {
            if !keys.contains_key(key) {
                self.errors.push(FleetError {
                    line,
                    message: format!("a [[models]] entry needs `{key}`"),
                });
            }
            keys.get(key).copied()
        };
        let (name, model_id) = (required("name"), required("model_id"));
        let name = name.and_then(|v| self.owned(MODEL_NAME_PARAMETER, v, "name"));
        let model_id = model_id.and_then(|v| self.owned(MODEL_ID_PARAMETER, v, "model_id"));
        let rpm_quota_code = keys.get("rpm_quota_code").and_then(|v| {
            let code = self.owned(RPM_CODE_PARAMETER, v, "rpm_quota_code")?;
            let line = self.lines.line(*v);
            RpmQuotaCode::parse(&code)
                .map_err(|e| self.error(line, format!("rpm_quota_code: {e}")))
                .ok()
        });
        let tpm_quota_code = keys.get("tpm_quota_code").and_then(|v| {
            let code = self.owned(TPM_CODE_PARAMETER, v, "tpm_quota_code")?;
            let line = self.lines.line(*v);
            QuotaCode::tpm(&code)
                .map_err(|e| self.error(line, format!("tpm_quota_code: {e}")))
                .ok()
        });
        let parameters = keys
            .get("parameters")
            .map(|v| self.settings(v, "in a model's parameters"))
            .unwrap_or_default();
        Some(FleetModel {
            name: name?,
            line,
            model_id: model_id?,
            rpm_quota_code,
            tpm_quota_code,
            parameters,
        })
    }

    fn checked_list(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        what: &str,
        valid: fn(&str) -> bool,
        shape: &str,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for (item, line) in self.strings(value, what) {
            if valid(&item) {
                out.push(item);
            } else {
                self.error(line, format!("{what}: {item:?} is not {shape}"));
            }
        }
        out
    }

    fn targets(&mut self, value: &Spanned<DeValue<'_>>) -> Option<Targets> {
        let line = self.lines.line(value);
        let DeValue::Table(table) = value.get_ref() else {
            self.error(line, "[targets] must be a table");
            return None;
        };
        let keys = self.entries(table, &TARGET_KEYS, "in [targets]");
        let organizational_units = keys
            .get("organizational_units")
            .map(|v| {
                self.checked_list(
                    v,
                    "organizational_units",
                    is_org_unit,
                    "an organizational unit id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx)",
                )
            })
            .unwrap_or_default();
        let accounts = keys
            .get("accounts")
            .map(|v| self.checked_list(v, "accounts", is_account, "a 12-digit account id"))
            .unwrap_or_default();
        let regions = keys
            .get("regions")
            .map(|v| self.checked_list(v, "regions", is_region, "a Region name such as eu-west-1"))
            .unwrap_or_default();
        if organizational_units.is_empty() {
            self.error(line, "[targets] needs organizational_units: StackSets with service-managed permissions deploy to organizational units (accounts, if given, narrow them down)");
        }
        if regions.is_empty() {
            self.error(line, "[targets] needs at least one Region in `regions`");
        }
        Some(Targets {
            organizational_units,
            accounts,
            regions,
            line,
        })
    }
}

fn is_org_unit(id: &str) -> bool {
    let lower_alnum = |s: &str, min: usize| {
        s.len() >= min
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    };
    if let Some(root) = id.strip_prefix("r-") {
        return lower_alnum(root, 4);
    }
    id.strip_prefix("ou-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(root, unit)| lower_alnum(root, 4) && lower_alnum(unit, 8))
}

fn is_account(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// `eu-west-1`, `us-gov-west-1`, `ap-southeast-4`.
pub fn is_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

impl Fleet {
    /// Parses and validates a fleet file against the template's parameters.
    pub fn parse(text: &str, template: &TemplateParameters) -> Result<Fleet, FleetErrors> {
        let lines = LineIndex::new(text);
        let document = DeTable::parse(text).map_err(|error| {
            let line = error
                .span()
                .map_or(1, |span| lines.0.partition_point(|&n| n < span.start) + 1);
            FleetErrors(vec![FleetError {
                line,
                message: format!("not valid TOML: {}", error.message()),
            }])
        })?;
        let mut reader = Reader {
            lines,
            template,
            errors: Vec::new(),
        };
        let keys = reader.entries(document.get_ref(), &TOP_KEYS, "at the top level");
        let customer = match keys.get("customer") {
            Some(value) => reader.owned(CUSTOMER_PARAMETER, value, "customer"),
            None => {
                reader.error(
                    1,
                    "the file needs `customer` (the CustomerName of every stack)",
                );
                None
            }
        };
        let region = keys.get("region").and_then(|value| {
            let region = reader.string(value, "region")?;
            if is_region(&region) {
                Some(region)
            } else {
                let line = reader.lines.line(*value);
                reader.error(
                    line,
                    format!("region: {region:?} is not a Region name such as eu-west-1"),
                );
                None
            }
        });
        let defaults = keys
            .get("defaults")
            .map(|v| reader.settings(v, "in [defaults]"))
            .unwrap_or_default();
        let models: Vec<FleetModel> = match keys
            .get("models")
            .map(|v| (reader.lines.line(*v), v.get_ref()))
        {
            None => Vec::new(),
            Some((_, DeValue::Array(entries))) => entries
                .iter()
                .filter_map(|entry| reader.model(entry))
                .collect(),
            Some((line, _)) => {
                reader.error(line, "`models` must be an array of tables ([[models]])");
                Vec::new()
            }
        };
        let targets = keys.get("targets").and_then(|v| reader.targets(v));
        check_unique(&mut reader, &models);
        check_required(&mut reader, &defaults, &models);
        let mut errors = reader.errors;
        match customer {
            Some(customer) if errors.is_empty() => Ok(Fleet {
                customer,
                region,
                defaults,
                models,
                targets,
            }),
            _ => {
                errors.sort_by_key(|e| e.line);
                Err(FleetErrors(errors))
            }
        }
    }

    /// Every template parameter of one model's stack: the template's default, overridden by `[defaults]`,
    /// overridden by the model's `parameters`, plus what the fleet sets (names, model id, the two codes).
    pub fn parameters_for(
        &self,
        model: &FleetModel,
        template: &TemplateParameters,
        codes: (&RpmQuotaCode, &QuotaCode),
    ) -> BTreeMap<String, String> {
        let mut values: BTreeMap<String, String> = template
            .iter()
            .filter_map(|spec| spec.default.clone().map(|d| (spec.name.clone(), d)))
            .collect();
        for setting in self.defaults.iter().chain(&model.parameters) {
            values.insert(setting.name.clone(), setting.value.clone());
        }
        values.insert(CUSTOMER_PARAMETER.into(), self.customer.clone());
        values.insert(MODEL_NAME_PARAMETER.into(), model.name.clone());
        values.insert(MODEL_ID_PARAMETER.into(), model.model_id.clone());
        values.insert(RPM_CODE_PARAMETER.into(), codes.0.to_string());
        values.insert(TPM_CODE_PARAMETER.into(), codes.1.to_string());
        values
    }
}

fn check_unique(reader: &mut Reader<'_>, models: &[FleetModel]) {
    for (index, model) in models.iter().enumerate() {
        for earlier in &models[..index] {
            if earlier.name.eq_ignore_ascii_case(&model.name) {
                reader.error(
                    model.line,
                    format!(
                        "model name {:?} is already used on line {} (one stack per model name)",
                        model.name, earlier.line
                    ),
                );
            }
            if earlier.model_id == model.model_id {
                reader.error(
                    model.line,
                    format!(
                        "model id {:?} is already watched by {:?} on line {} (two stacks on one model id would file every increase twice)",
                        model.model_id, earlier.name, earlier.line
                    ),
                );
            }
        }
    }
}

/// A parameter without a template default must come from the file, for every model.
fn check_required(reader: &mut Reader<'_>, defaults: &[Setting], models: &[FleetModel]) {
    let required: Vec<String> = reader
        .template
        .iter()
        .filter(|spec| {
            spec.default.is_none() && !FLEET_OWNED.iter().any(|(param, _)| *param == spec.name)
        })
        .map(|spec| spec.name.clone())
        .collect();
    for model in models {
        for name in &required {
            let given = defaults
                .iter()
                .chain(&model.parameters)
                .any(|s| &s.name == name);
            if !given {
                reader.error(
                    model.line,
                    format!("model {:?} has no {name}: the template has no default for it; set it in [defaults] or in the model's parameters", model.name),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::example::EXAMPLE;

    fn template() -> TemplateParameters {
        TemplateParameters::embedded().unwrap()
    }

    fn errors(text: &str) -> Vec<(usize, String)> {
        Fleet::parse(text, &template())
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.line, e.message))
            .collect()
    }

    const MINIMAL: &str =
        "customer = \"Acme\"\n[defaults]\nStakeholderEmailList = \"ops@example.com\"\n";

    #[test]
    fn the_init_example_is_a_valid_fleet() {
        let fleet = Fleet::parse(EXAMPLE, &template()).unwrap();
        assert_eq!(fleet.customer, "Acme");
        assert_eq!(fleet.models.len(), 2);
        assert_eq!(
            fleet.models[1].tpm_quota_code, None,
            "the second model's codes are discovered"
        );
        assert!(fleet.targets.is_none());
        let emails = fleet
            .defaults
            .iter()
            .find(|s| s.name == "StakeholderEmailList")
            .unwrap();
        assert_eq!(emails.value, "ops@example.com,ml-platform@example.com");
    }

    #[test]
    fn unknown_keys_are_refused_with_their_line_and_the_allowed_keys() {
        let text = format!(
            "{MINIMAL}RequestPerMinuteThresholdPercent = 80\n[[models]]\nname = \"Opus\"\nmodel_id = \"global.anthropic.claude-opus-4-6-v1\"\nmodelid = \"x\"\n[target]\n"
        );
        let found = errors(&text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].0, 4);
        assert!(found[0].1.starts_with("unknown parameter `RequestPerMinuteThresholdPercent` in [defaults]; the template's parameters are: StakeholderEmailList, NotificationPreference"), "{}", found[0].1);
        assert!(
            !found[0].1.contains("CustomerName"),
            "fleet-owned keys are not offered: {}",
            found[0].1
        );
        assert_eq!(found[1], (8, "unknown key `modelid` in [[models]]; allowed: name, model_id, rpm_quota_code, tpm_quota_code, parameters".into()));
        assert_eq!(found[2], (9, "unknown key `target` at the top level; allowed: customer, region, defaults, models, targets".into()));
    }

    #[test]
    fn invalid_values_are_refused_with_their_line_and_what_is_allowed() {
        let text = format!(
            "{MINIMAL}NotificationPreference = \"everything\"\nRequestsPerMinuteThresholdPercent = 120\nEnableAutomatedSupportCase = true\nLatencyThresholdMs = \"20000\"\n"
        );
        let found = errors(&text);
        assert_eq!(
            found,
            vec![
                (4, "NotificationPreference cannot be \"everything\"; allowed: all, critical, warning".into()),
                (5, "RequestsPerMinuteThresholdPercent must be 1 to 100, not 120".into()),
                (6, "EnableAutomatedSupportCase must be a string, not a boolean; allowed: Yes, No".into()),
                (7, "LatencyThresholdMs must be a number (unquoted), not a string".into()),
            ]
        );
    }

    #[test]
    fn fleet_owned_parameters_are_refused_where_the_file_sets_them_otherwise() {
        let text = format!(
            "{MINIMAL}CustomerName = \"Other\"\n[[models]]\nname = \"Opus\"\nmodel_id = \"global.anthropic.claude-opus-4-6-v1\"\n[models.parameters]\nTokensPerMinuteQuotaCode = \"L-3DCCFAA4\"\n"
        );
        let found = errors(&text);
        assert_eq!(
            found[0],
            (
                4,
                "CustomerName cannot be set in [defaults]: the fleet sets it from `customer`"
                    .into()
            )
        );
        assert_eq!(found[1], (9, "TokensPerMinuteQuotaCode cannot be set in a model's parameters: the fleet sets it from `tpm_quota_code in [[models]]`".into()));
    }

    #[test]
    fn models_are_checked_against_the_template_and_each_other() {
        let text = format!(
            "{MINIMAL}[[models]]\nname = \"Opus 4\"\nmodel_id = \"global.anthropic.claude-opus-4-6-v1\"\n[[models]]\nname = \"Haiku\"\nmodel_id = \"global.anthropic.claude-haiku-4-5-20251001-v1:0\"\ntpm_quota_code = \"NA\"\n[[models]]\nname = \"haiku\"\nmodel_id = \"global.anthropic.claude-haiku-4-5-20251001-v1:0\"\n[[models]]\nmodel_id = \"x\"\n"
        );
        let found = errors(&text);
        assert!(found.contains(&(5, "name: BedrockModelName must match ^[a-zA-Z0-9-]+$ (1-15 characters, letters, digits and hyphens only.)".into())), "{found:?}");
        assert!(
            found
                .iter()
                .any(|(line, m)| *line == 10 && m.starts_with("tpm_quota_code: ")),
            "{found:?}"
        );
        assert!(
            found.contains(&(
                11,
                "model name \"haiku\" is already used on line 7 (one stack per model name)".into()
            )),
            "{found:?}"
        );
        assert!(found.iter().any(|(line, m)| *line == 11 && m.starts_with("model id \"global.anthropic.claude-haiku-4-5-20251001-v1:0\" is already watched by \"Haiku\" on line 7")), "{found:?}");
        assert!(
            found.contains(&(14, "a [[models]] entry needs `name`".into())),
            "{found:?}"
        );
    }

    #[test]
    fn a_parameter_without_template_default_is_required_per_model() {
        let text = "customer = \"Acme\"\n[[models]]\nname = \"Opus\"\nmodel_id = \"global.anthropic.claude-opus-4-6-v1\"\n";
        assert_eq!(
            errors(text),
            vec![(2, "model \"Opus\" has no StakeholderEmailList: the template has no default for it; set it in [defaults] or in the model's parameters".into())]
        );
    }

    #[test]
    fn targets_need_organizational_units_and_regions_of_the_right_shape() {
        let text = format!(
            "{MINIMAL}[targets]\norganizational_units = [\"ou-abcd-12345678\", \"sales\"]\naccounts = [\"12345\"]\nregions = [\"eu-west-1\", \"Europe\"]\n"
        );
        let found = errors(&text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found[0].0 == 5
                && found[0].1.starts_with(
                    "organizational_units: \"sales\" is not an organizational unit id"
                ),
            "{found:?}"
        );
        assert_eq!(
            found[1],
            (6, "accounts: \"12345\" is not a 12-digit account id".into())
        );
        assert_eq!(
            found[2],
            (
                7,
                "regions: \"Europe\" is not a Region name such as eu-west-1".into()
            )
        );
        let ok = Fleet::parse(&format!("{MINIMAL}[targets]\norganizational_units = [\"r-ab12\"]\nregions = [\"us-gov-west-1\"]\n"), &template()).unwrap();
        assert_eq!(ok.targets.unwrap().regions, ["us-gov-west-1"]);
    }

    #[test]
    fn toml_syntax_errors_name_their_line() {
        let found = errors("customer = \"Acme\"\n[defaults]\nMode = \"live\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 3);
        assert!(found[0].1.starts_with("not valid TOML"), "{found:?}");
    }

    #[test]
    fn a_models_parameters_are_defaults_then_file_then_fleet_owned() {
        let text = format!(
            "{MINIMAL}TokensPerMinuteThresholdPercent = 75\n[[models]]\nname = \"Opus\"\nmodel_id = \"global.anthropic.claude-opus-4-6-v1\"\n[models.parameters]\nTokensPerMinuteThresholdPercent = 70\n"
        );
        let template = template();
        let fleet = Fleet::parse(&text, &template).unwrap();
        let rpm = RpmQuotaCode::NotApplicable;
        let tpm = QuotaCode::tpm("L-3DCCFAA4").unwrap();
        let values = fleet.parameters_for(&fleet.models[0], &template, (&rpm, &tpm));
        assert_eq!(values.len(), template.len());
        assert_eq!(values["TokensPerMinuteThresholdPercent"], "70");
        assert_eq!(values["RequestsPerMinuteThresholdPercent"], "80");
        assert_eq!(values["RequestsPerMinuteQuotaCode"], "NA");
        assert_eq!(values["BedrockModelName"], "Opus");
        assert_eq!(values["CustomerName"], "Acme");
    }
}
