//! The parameters of the template a fleet deploys — names, types, defaults and constraints — read from the
//! template's own `Parameters:` section, so a fleet file can never name a key or a value the template would
//! refuse (or silently ignore).
//!
//! The reader understands exactly the YAML this repository writes in that section: two-space block
//! mappings, plain, single- and double-quoted scalars, flow sequences (`[a, "b"]`) and folded or literal
//! block scalars (`>-`, `|`). Anything else is an error naming the line, never a guess; a test reads the
//! real `template.yaml` and another compares every field with PyYAML's reading of it.

use std::collections::BTreeMap;

use regex_lite::Regex;

/// `template.yaml` of this build: what `fleet` validates against when no template file is given.
pub const EMBEDDED_TEMPLATE: &str = include_str!("../../../../template.yaml");

/// CloudFormation parameter types this project uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterKind {
    String,
    Number,
    CommaDelimitedList,
}

/// One template parameter and its constraints.
#[derive(Debug, Clone)]
pub struct ParameterSpec {
    pub name: String,
    pub kind: ParameterKind,
    pub default: Option<String>,
    pub allowed_values: Vec<String>,
    pub allowed_pattern: Option<String>,
    pub constraint_description: Option<String>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
    /// CloudFormation never returns the value (DescribeStacks answers `****`).
    pub no_echo: bool,
    /// Line of the parameter's name in the template.
    pub line: usize,
    pattern: Option<Regex>,
}

/// A template whose `Parameters:` section could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template line {line}: {message}")]
pub struct TemplateError {
    pub line: usize,
    pub message: String,
}

/// Every parameter of one template, in template order.
#[derive(Debug, Clone)]
pub struct TemplateParameters {
    parameters: Vec<ParameterSpec>,
}

impl TemplateParameters {
    /// The parameters of this build's `template.yaml`.
    pub fn embedded() -> Result<TemplateParameters, TemplateError> {
        TemplateParameters::parse(EMBEDDED_TEMPLATE)
    }

    /// Reads the `Parameters:` section of a template (YAML as this repository writes it, or a JSON
    /// template's `"Parameters"` is refused: the fleet only deploys YAML templates).
    pub fn parse(template: &str) -> Result<TemplateParameters, TemplateError> {
        let lines: Vec<&str> = template.lines().collect();
        let start = lines
            .iter()
            .position(|line| line.trim_end() == "Parameters:")
            .ok_or(TemplateError {
                line: 1,
                message: "no top-level `Parameters:` section".into(),
            })?;
        let mut parameters: Vec<ParameterSpec> = Vec::new();
        let mut current: Option<(usize, BTreeMap<String, Scalar>)> = None;
        let mut index = start + 1;
        while index < lines.len() {
            let line = lines[index];
            let number = index + 1;
            index += 1;
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            let error = |message: &str| TemplateError {
                line: number,
                message: message.to_owned(),
            };
            match indent {
                0 => break,
                2 => {
                    let name = trimmed
                        .trim_end()
                        .strip_suffix(':')
                        .filter(|name| is_identifier(name))
                        .ok_or_else(|| error("expected `<ParameterName>:`"))?;
                    if let Some((line, props)) = current.take() {
                        parameters.push(ParameterSpec::from_props(line, props)?);
                    }
                    current = Some((number, BTreeMap::from([("".into(), Scalar::name(name))])));
                }
                4 => {
                    let Some((_, props)) = current.as_mut() else {
                        return Err(error("a property outside any parameter"));
                    };
                    let (key, raw) = trimmed
                        .split_once(':')
                        .filter(|(key, _)| is_identifier(key))
                        .ok_or_else(|| error("expected `<Property>: <value>`"))?;
                    let raw = raw.trim();
                    let value = if matches!(raw, ">" | ">-" | "|" | "|-") {
                        let mut parts = Vec::new();
                        while index < lines.len() {
                            let next = lines[index];
                            let body = next.trim_start();
                            if !body.is_empty() && next.len() - body.len() <= 4 {
                                break;
                            }
                            parts.push(body.trim_end());
                            index += 1;
                        }
                        Scalar::One(parts.join(if raw.starts_with('>') { " " } else { "\n" }))
                    } else {
                        parse_value(raw).map_err(|message| error(&message))?
                    };
                    if props.insert(key.to_owned(), value).is_some() {
                        return Err(error(&format!("property {key} given twice")));
                    }
                }
                _ => {
                    return Err(error(
                        "unsupported YAML construct in Parameters (block sequence or deeper nesting)",
                    ));
                }
            }
        }
        if let Some((line, props)) = current.take() {
            parameters.push(ParameterSpec::from_props(line, props)?);
        }
        Ok(TemplateParameters { parameters })
    }

    pub fn get(&self, name: &str) -> Option<&ParameterSpec> {
        self.parameters.iter().find(|p| p.name == name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &ParameterSpec> {
        self.parameters.iter()
    }

    pub fn len(&self) -> usize {
        self.parameters.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parameters.is_empty()
    }

    /// Names, in template order.
    pub fn names(&self) -> Vec<&str> {
        self.parameters.iter().map(|p| p.name.as_str()).collect()
    }
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A property value: one scalar or a flow sequence of scalars.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    One(String),
    List(Vec<String>),
}

impl Scalar {
    fn name(name: &str) -> Scalar {
        Scalar::One(name.to_owned())
    }
}

fn parse_value(raw: &str) -> Result<Scalar, String> {
    if let Some(mut rest) = raw.strip_prefix('[') {
        let mut items = Vec::new();
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix(']') {
                rest = after;
                break;
            }
            if rest.is_empty() {
                return Err("a flow sequence must close on the same line".into());
            }
            let (item, after) = scalar(rest, true)?;
            items.push(item);
            rest = after.trim_start();
            if let Some(after) = rest.strip_prefix(',') {
                rest = after;
            } else if !rest.starts_with(']') {
                return Err(format!("unexpected `{rest}` in a flow sequence"));
            }
        }
        return trailing(rest).map(|()| Scalar::List(items));
    }
    let (value, rest) = scalar(raw, false)?;
    trailing(rest).map(|()| Scalar::One(value))
}

/// Only a comment may follow a value on its line.
fn trailing(rest: &str) -> Result<(), String> {
    let rest = rest.trim();
    if rest.is_empty() || rest.starts_with('#') {
        Ok(())
    } else {
        Err(format!("unexpected `{rest}` after a value"))
    }
}
/// One scalar at the start of `text` and what follows it (plain scalars end at ` #`, and inside a flow
/// sequence also at `,` or `]`).
fn scalar(text: &str, in_flow: bool) -> Result<(String, &str), String> {
    if let Some(body) = text.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = body.char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => return Ok((value, &body[at + 1..])),
                '\\' => match chars.next().map(|(_, e)| e) {
                    Some('\\') => value.push('\\'),
                    Some('"') => value.push('"'),
                    Some('/') => value.push('/'),
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    other => return Err(format!("unsupported escape \\{}", other.unwrap_or(' '))),
                },
                c => value.push(c),
            }
        }
        return Err("unterminated double-quoted scalar".into());
    }
    if let Some(body) = text.strip_prefix('\'') {
        let mut value = String::new();
        let mut chars = body.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                    chars.next();
                    value.push('\'');
                } else {
                    return Ok((value, &body[at + 1..]));
                }
            } else {
                value.push(c);
            }
        }
        return Err("unterminated single-quoted scalar".into());
    }
    let end = text
        .char_indices()
        .find(|&(at, c)| {
            (in_flow && (c == ',' || c == ']')) || (c == '#' && text[..at].ends_with(' '))
        })
        .map_or(text.len(), |(at, _)| at);
    let value = text[..end].trim();
    if value.starts_with(['{', '&', '*', '!', '|', '>', '@', '`']) {
        return Err(format!("unsupported YAML scalar `{value}`"));
    }
    Ok((value.to_owned(), &text[end..]))
}

impl ParameterSpec {
    fn from_props(
        line: usize,
        mut props: BTreeMap<String, Scalar>,
    ) -> Result<ParameterSpec, TemplateError> {
        let error = |message: String| TemplateError { line, message };
        let mut one = |key: &str| -> Result<Option<String>, TemplateError> {
            match props.remove(key) {
                None => Ok(None),
                Some(Scalar::One(value)) => Ok(Some(value)),
                Some(Scalar::List(_)) => Err(TemplateError {
                    line,
                    message: format!("{key} must be a single value"),
                }),
            }
        };
        let name = one("")?.unwrap_or_default();
        let kind = match one("Type")?.as_deref() {
            Some("String") => ParameterKind::String,
            Some("Number") => ParameterKind::Number,
            Some("CommaDelimitedList") => ParameterKind::CommaDelimitedList,
            other => {
                return Err(error(format!(
                    "parameter {name}: unsupported Type {other:?}"
                )));
            }
        };
        let number = |key: &str, value: Option<String>| -> Result<Option<f64>, TemplateError> {
            value
                .map(|v| {
                    v.parse::<f64>()
                        .map_err(|_| error(format!("parameter {name}: {key} is not a number")))
                })
                .transpose()
        };
        let length = |key: &str, value: Option<String>| -> Result<Option<usize>, TemplateError> {
            value
                .map(|v| {
                    v.parse::<usize>()
                        .map_err(|_| error(format!("parameter {name}: {key} is not a length")))
                })
                .transpose()
        };
        let default = one("Default")?;
        let allowed_pattern = one("AllowedPattern")?;
        let constraint_description = one("ConstraintDescription")?;
        let no_echo = match one("NoEcho")?.as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => return Err(error(format!("parameter {name}: NoEcho {other}"))),
        };
        let min_length = length("MinLength", one("MinLength")?)?;
        let max_length = length("MaxLength", one("MaxLength")?)?;
        let min_value = number("MinValue", one("MinValue")?)?;
        let max_value = number("MaxValue", one("MaxValue")?)?;
        let _description = one("Description")?;
        let allowed_values = match props.remove("AllowedValues") {
            None => Vec::new(),
            Some(Scalar::List(values)) => values,
            Some(Scalar::One(_)) => {
                return Err(error(format!(
                    "parameter {name}: AllowedValues must be a list"
                )));
            }
        };
        if let Some(unknown) = props.keys().next() {
            return Err(error(format!(
                "parameter {name}: unsupported property {unknown}"
            )));
        }
        let pattern = allowed_pattern
            .as_deref()
            .map(|p| Regex::new(&format!("^(?:{p})$")))
            .transpose()
            .map_err(|e| error(format!("parameter {name}: AllowedPattern: {e}")))?;
        Ok(ParameterSpec {
            name,
            kind,
            default,
            allowed_values,
            allowed_pattern,
            constraint_description,
            min_length,
            max_length,
            min_value,
            max_value,
            no_echo,
            line,
            pattern,
        })
    }

    /// Checks a value as CloudFormation would; the error says what is allowed.
    pub fn check(&self, value: &str) -> Result<(), String> {
        if self.kind == ParameterKind::Number {
            let Ok(number) = value.trim().parse::<f64>() else {
                return Err(format!("{} must be a number", self.name));
            };
            if !self.allowed_values.is_empty()
                && !self
                    .allowed_values
                    .iter()
                    .any(|v| v.parse::<f64>().is_ok_and(|allowed| allowed == number))
            {
                return Err(self.not_allowed(value));
            }
            let below = self.min_value.is_some_and(|min| number < min);
            let above = self.max_value.is_some_and(|max| number > max);
            if below || above {
                let range = match (self.min_value, self.max_value) {
                    (Some(min), Some(max)) => format!("{min} to {max}"),
                    (Some(min), None) => format!("at least {min}"),
                    (None, Some(max)) => format!("at most {max}"),
                    (None, None) => String::new(),
                };
                return Err(format!("{} must be {range}, not {value}", self.name));
            }
            return Ok(());
        }
        if !self.allowed_values.is_empty() && !self.allowed_values.iter().any(|v| v == value) {
            return Err(self.not_allowed(value));
        }
        let length = value.chars().count();
        if self.min_length.is_some_and(|min| length < min)
            || self.max_length.is_some_and(|max| length > max)
        {
            return Err(format!(
                "{} must be {} to {} characters long, not {length}",
                self.name,
                self.min_length.unwrap_or(0),
                self.max_length
                    .map_or_else(|| "any number of".into(), |m| m.to_string())
            ));
        }
        if let Some(pattern) = &self.pattern
            && !pattern.is_match(value)
        {
            let why = self
                .constraint_description
                .as_deref()
                .map_or_else(String::new, |d| format!(" ({d})"));
            return Err(format!(
                "{} must match {}{why}",
                self.name,
                self.allowed_pattern.as_deref().unwrap_or_default()
            ));
        }
        Ok(())
    }

    fn not_allowed(&self, value: &str) -> String {
        format!(
            "{} cannot be {value:?}; allowed: {}",
            self.name,
            self.allowed_values.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_template_declares_every_parameter_with_its_constraints() {
        let params = TemplateParameters::embedded().unwrap();
        assert_eq!(params.len(), 32, "{:?}", params.names());
        let customer = params.get("CustomerName").unwrap();
        assert_eq!(customer.default, None);
        assert_eq!(
            (customer.min_length, customer.max_length),
            (Some(1), Some(10))
        );
        assert_eq!(customer.allowed_pattern.as_deref(), Some("^[a-zA-Z0-9-]+$"));
        let emails = params.get("StakeholderEmailList").unwrap();
        assert!(emails.no_echo);
        assert!(emails.check("a@example.com,b@example.org").is_ok());
        assert!(emails.check("a@example.com, b@example.org").is_err());
        let support = params.get("EnableAutomatedSupportCase").unwrap();
        assert_eq!(support.allowed_values, ["Yes", "No"]);
        assert_eq!(support.default.as_deref(), Some("Yes"));
        let use_case = params.get("UseCaseDescription").unwrap();
        assert_eq!(
            use_case.default.as_deref(),
            Some(
                "Production application that serves generative AI features to its users through Amazon Bedrock."
            )
        );
        assert_eq!(
            params.get("ExtraModelIds").unwrap().default.as_deref(),
            Some("")
        );
        let cooldown = params.get("AppendCooldownMinutes").unwrap();
        assert_eq!(
            (
                cooldown.min_value,
                cooldown.max_value,
                cooldown.default.as_deref()
            ),
            (Some(0.0), Some(1440.0), Some("60"))
        );
        let percent = params.get("RequestsPerMinuteThresholdPercent").unwrap();
        assert_eq!(percent.kind, ParameterKind::Number);
        assert_eq!(
            (percent.min_value, percent.max_value),
            (Some(1.0), Some(100.0))
        );
    }

    #[test]
    fn checks_say_what_is_allowed() {
        let params = TemplateParameters::embedded().unwrap();
        let check = |name: &str, value: &str| params.get(name).unwrap().check(value);
        assert_eq!(
            check("NotificationPreference", "some").unwrap_err(),
            "NotificationPreference cannot be \"some\"; allowed: all, critical, warning"
        );
        assert_eq!(
            check("RequestsPerMinuteThresholdPercent", "120").unwrap_err(),
            "RequestsPerMinuteThresholdPercent must be 1 to 100, not 120"
        );
        assert_eq!(
            check("LatencyThresholdMs", "100").unwrap_err(),
            "LatencyThresholdMs must be at least 15000, not 100"
        );
        assert!(check("LogRetentionInDays", "30").is_ok());
        assert!(
            check("LogRetentionInDays", "31")
                .unwrap_err()
                .contains("allowed: 1, 3, 5")
        );
        assert!(
            check("AlarmEvaluationPeriod", "sixty")
                .unwrap_err()
                .contains("must be a number")
        );
        assert_eq!(
            check("BedrockModelName", "Opus 4").unwrap_err(),
            "BedrockModelName must match ^[a-zA-Z0-9-]+$ (1-15 characters, letters, digits and hyphens only.)"
        );
        assert_eq!(
            check("CustomerName", "AcmeCorporation").unwrap_err(),
            "CustomerName must be 1 to 10 characters long, not 15"
        );
        assert!(check("RequestsPerMinuteQuotaCode", "NA").is_ok());
        // NA is the template's value for a model with split token quotas (the functions then require both
        // split codes); a lower-case na is still refused.
        assert!(check("TokensPerMinuteQuotaCode", "NA").is_ok());
        assert!(check("TokensPerMinuteQuotaCode", "na").is_err());
        assert!(check("InputTokensPerMinuteQuotaCode", "").is_ok());
        assert!(check("InputTokensPerMinuteQuotaCode", "NA").is_err());
    }

    #[test]
    fn unsupported_yaml_is_refused_with_its_line() {
        let err = TemplateParameters::parse(
            "Parameters:\n  A:\n    Type: String\n    AllowedValues:\n      - x\n",
        )
        .unwrap_err();
        assert_eq!(err.line, 5, "{err}");
        let err =
            TemplateParameters::parse("Parameters:\n  A:\n    Type: String\n    Default: {a: 1}\n")
                .unwrap_err();
        assert_eq!(err.line, 4, "{err}");
        let err = TemplateParameters::parse("Parameters:\n  A:\n    Type: Json\n").unwrap_err();
        assert!(err.message.contains("unsupported Type"), "{err}");
        let err = TemplateParameters::parse("Parameters:\n  A:\n    Type: String\n    Foo: 1\n")
            .unwrap_err();
        assert!(err.message.contains("unsupported property Foo"), "{err}");
    }

    #[test]
    fn quoted_scalars_and_flow_sequences() {
        let params = TemplateParameters::parse(
            "Parameters:\n  A:\n    Type: String\n    Default: 'it''s'\n    AllowedValues: [\"x,y\", 'it''s', z] # note\n  B:\n    Type: Number\n    Default: \"3\"\nResources: {}\n",
        )
        .unwrap();
        let a = params.get("A").unwrap();
        assert_eq!(a.default.as_deref(), Some("it's"));
        assert_eq!(a.allowed_values, ["x,y", "it's", "z"]);
        assert_eq!(params.get("B").unwrap().line, 6);
        assert_eq!(params.len(), 2);
    }
}
