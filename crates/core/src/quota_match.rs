//! Matching Service Quotas quota names to a model id, an invocation mode and a quota kind.
//!
//! Quota names look like `<Mode> model inference <requests|tokens> per minute for <Model display>`,
//! mode being `On-demand`, `Cross-region` or `Global cross-region`. A quota matches a model only when
//! the display name, minus leading vendor words and a trailing `Vn`, has exactly the model id's tokens
//! and the same version (no `Vn` means version 1). Variants (`… 1M Context Length`, `latency-optimized`,
//! `bedrock-mantle`) therefore never match: the sample's substring matching accepted them (W-12).
//! A model whose token limit is split in two has `<Mode> model inference input tokens per minute for …`
//! and `… output tokens per minute for …` quotas: kinds of their own, never taken for the combined one.

use std::fmt;

use serde::Serialize;

/// How a model id is invoked, which decides the quota family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InvocationMode {
    /// A plain foundation-model id (`anthropic.claude-…`).
    OnDemand,
    /// A geographic cross-region profile (`us.`, `eu.`, `apac.`, …).
    CrossRegion,
    /// The `global.` cross-region profile.
    Global,
}

/// Geographic inference-profile prefixes known today.
pub const GEO_PREFIXES: [&str; 7] = ["us", "us-gov", "eu", "apac", "jp", "au", "ca"];

impl InvocationMode {
    /// From the model id's first dot segment: `global` → global, a geo prefix → cross-region
    /// (`apac.` included, W-12). An unknown lower-case prefix followed by a provider segment is also
    /// taken as cross-region, so a new geography works before this list learns it.
    pub fn of_model_id(model_id: &str) -> InvocationMode {
        let id = model_id.trim();
        let segments: Vec<&str> = id.split(':').next().unwrap_or(id).split('.').collect();
        match segments.as_slice() {
            ["global", _, ..] => InvocationMode::Global,
            [prefix, _, ..] if GEO_PREFIXES.contains(prefix) => InvocationMode::CrossRegion,
            [prefix, _, _, ..] if prefix.chars().all(|c| c.is_ascii_lowercase() || c == '-') => {
                InvocationMode::CrossRegion
            }
            _ => InvocationMode::OnDemand,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InvocationMode::OnDemand => "on-demand",
            InvocationMode::CrossRegion => "cross-region",
            InvocationMode::Global => "global",
        }
    }
}

impl fmt::Display for InvocationMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which per-minute quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaKind {
    RequestsPerMinute,
    /// The combined (input + output) tokens-per-minute quota.
    TokensPerMinute,
    /// The input half of a split token quota.
    InputTokensPerMinute,
    /// The output half of a split token quota.
    OutputTokensPerMinute,
}

impl QuotaKind {
    pub const ALL: [QuotaKind; 4] = [
        QuotaKind::RequestsPerMinute,
        QuotaKind::TokensPerMinute,
        QuotaKind::InputTokensPerMinute,
        QuotaKind::OutputTokensPerMinute,
    ];

    fn phrase(self) -> &'static str {
        match self {
            QuotaKind::RequestsPerMinute => "requests per minute",
            QuotaKind::TokensPerMinute => "tokens per minute",
            QuotaKind::InputTokensPerMinute => "input tokens per minute",
            QuotaKind::OutputTokensPerMinute => "output tokens per minute",
        }
    }
}

impl fmt::Display for QuotaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.phrase())
    }
}

/// A recognised per-minute model-inference quota name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaName {
    pub mode: InvocationMode,
    pub kind: QuotaKind,
    /// The text after `for `, e.g. `Anthropic Claude Opus 4.6 V1`.
    pub model_display: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuotaNameError {
    #[error(
        "quota '{0}' is for the bedrock-mantle endpoint; Bedrock Ops Alert monitors bedrock-runtime only"
    )]
    Mantle(String),
    #[error(
        "quota '{0}' is not a per-minute model inference quota (expected '<On-demand|Cross-region|Global cross-region> model inference <requests|tokens|input tokens|output tokens> per minute for <model>')"
    )]
    Unrecognised(String),
    #[error("quota '{name}' is a {found} quota, but model id '{model_id}' is invoked {expected}")]
    WrongMode {
        name: String,
        model_id: String,
        expected: InvocationMode,
        found: InvocationMode,
    },
    #[error("quota '{name}' is a {found} quota, expected {expected}")]
    WrongKind {
        name: String,
        expected: QuotaKind,
        found: QuotaKind,
    },
    #[error("quota '{name}' is for another model than '{model_id}'")]
    WrongModel { name: String, model_id: String },
}

const MODE_PREFIXES: [(&str, InvocationMode); 3] = [
    ("global cross-region ", InvocationMode::Global),
    ("cross-region ", InvocationMode::CrossRegion),
    ("on-demand ", InvocationMode::OnDemand),
];

/// Splits a quota name into mode, kind and model display name.
pub fn parse_quota_name(name: &str) -> Result<QuotaName, QuotaNameError> {
    let trimmed = name.trim();
    let lower = trimmed.to_ascii_lowercase();
    if lower.contains("bedrock-mantle") {
        return Err(QuotaNameError::Mantle(name.to_owned()));
    }
    let unrecognised = || QuotaNameError::Unrecognised(name.to_owned());
    let (prefix_len, mode) = MODE_PREFIXES
        .iter()
        .find(|(p, _)| lower.starts_with(p))
        .map(|(p, m)| (p.len(), *m))
        .ok_or_else(unrecognised)?;
    let rest = lower[prefix_len..]
        .strip_prefix("model inference ")
        .ok_or_else(unrecognised)?;
    let (kind, phrase_len) = QuotaKind::ALL
        .into_iter()
        .map(|k| (k, format!("{} for ", k.phrase())))
        .find(|(_, phrase)| rest.starts_with(phrase.as_str()))
        .map(|(k, phrase)| (k, phrase.len()))
        .ok_or_else(unrecognised)?;
    // ASCII lower-casing keeps byte offsets, so the display keeps its original case.
    let display_start = trimmed.len() - (rest.len() - phrase_len);
    let model_display = trimmed[display_start..].trim();
    if model_display.is_empty() {
        return Err(unrecognised());
    }
    Ok(QuotaName {
        mode,
        kind,
        model_display: model_display.to_owned(),
    })
}

/// Tokens and version of a model id, e.g. `us.meta.llama3-1-70b-instruct-v1:0` → `[llama, 3.1, 70b,
/// instruct]`, version 1.
fn model_id_tokens(model_id: &str) -> (Vec<String>, u32) {
    let lower = model_id.trim().to_ascii_lowercase();
    let without_context = lower.split(':').next().unwrap_or_default();
    // The model name is the last dot segment; everything before it is mode prefix and provider.
    let name = without_context.rsplit('.').next().unwrap_or_default();
    let (name, version) = match name.rsplit_once("-v") {
        Some((head, v)) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
            (head, v.parse().unwrap_or(1))
        }
        _ => (name, 1),
    };
    let raw = name
        .split('-')
        .filter(|t| !t.is_empty())
        .filter(|t| !(t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit())))
        .flat_map(split_stem_and_number)
        .collect();
    (join_version_numbers(raw), version)
}

/// `llama3` → `llama`, `3` (ids glue them, display names do not always); a one-letter stem such
/// as `r1` is a name of its own.
fn split_stem_and_number(token: &str) -> Vec<String> {
    match token.find(|c: char| c.is_ascii_digit()) {
        Some(i)
            if i >= 2
                && token[..i].bytes().all(|b| b.is_ascii_alphabetic())
                && token[i..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            vec![token[..i].to_owned(), token[i..].to_owned()]
        }
        _ => vec![token.to_owned()],
    }
}

/// `3`, `5` → `3.5`: ids spell the dotted version numbers of display names with a hyphen.
fn join_version_numbers(tokens: Vec<String>) -> Vec<String> {
    let short_number =
        |t: &str| (1..=2).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit());
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut iter = tokens.into_iter().peekable();
    while let Some(token) = iter.next() {
        if short_number(&token) && iter.peek().is_some_and(|next| short_number(next)) {
            let minor = iter.next().unwrap_or_default();
            out.push(format!("{token}.{minor}"));
        } else {
            out.push(token);
        }
    }
    out
}

fn version_token(token: &str) -> Option<u32> {
    let digits = token.strip_prefix('v')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Whether a quota's model display name is exactly this model id (see module docs).
pub fn model_matches(model_id: &str, model_display: &str) -> bool {
    let (mut model_tokens, model_version) = model_id_tokens(model_id);
    if model_tokens.is_empty() {
        return false;
    }
    let mut display: Vec<String> = model_display
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| c == '(' || c == ')' || c == ',')
                .to_ascii_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let display_version = match display.last().and_then(|t| version_token(t)) {
        Some(v) => {
            display.pop();
            v
        }
        None => 1,
    };
    if display_version != model_version {
        return false;
    }
    let mut display: Vec<String> = display
        .iter()
        .flat_map(|w| split_stem_and_number(w))
        .collect();
    model_tokens.sort();
    // Leading vendor words ("Anthropic", "Mistral AI", "Qwen" before "Qwen3") are not part of the
    // id's model name, so any number of them may be dropped, but nothing else.
    while !display.is_empty() {
        let mut rest = display.clone();
        rest.sort();
        if rest == model_tokens {
            return true;
        }
        display.remove(0);
    }
    false
}

/// Checks that a quota name fits a model id (mode taken from the id) and a kind.
pub fn check_quota_name(
    name: &str,
    model_id: &str,
    kind: QuotaKind,
) -> Result<QuotaName, QuotaNameError> {
    check_quota_name_in(name, model_id, InvocationMode::of_model_id(model_id), kind)
}

/// [`check_quota_name`] with the mode given: an application inference profile's mode comes from the
/// Regions it routes to, not from its id.
pub fn check_quota_name_in(
    name: &str,
    model_id: &str,
    expected: InvocationMode,
    kind: QuotaKind,
) -> Result<QuotaName, QuotaNameError> {
    let parsed = parse_quota_name(name)?;
    if parsed.mode != expected {
        return Err(QuotaNameError::WrongMode {
            name: name.to_owned(),
            model_id: model_id.to_owned(),
            expected,
            found: parsed.mode,
        });
    }
    if parsed.kind != kind {
        return Err(QuotaNameError::WrongKind {
            name: name.to_owned(),
            expected: kind,
            found: parsed.kind,
        });
    }
    if !model_matches(model_id, &parsed.model_display) {
        return Err(QuotaNameError::WrongModel {
            name: name.to_owned(),
            model_id: model_id.to_owned(),
        });
    }
    Ok(parsed)
}

/// Codes of the quotas in `(code, name)` pairs that are this model's `mode` / `kind` quota, in
/// input order. More than one candidate means the caller must ask a person, not pick one.
pub fn candidate_codes<'a>(
    quotas: impl IntoIterator<Item = (&'a str, &'a str)>,
    model_id: &str,
    mode: InvocationMode,
    kind: QuotaKind,
) -> Vec<String> {
    quotas
        .into_iter()
        .filter(|(_, name)| {
            parse_quota_name(name).is_ok_and(|q| {
                q.mode == mode && q.kind == kind && model_matches(model_id, &q.model_display)
            })
        })
        .map(|(code, _)| code.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_from_model_id_prefix() {
        use InvocationMode::*;
        let cases = [
            ("global.anthropic.claude-opus-4-6-v1", Global),
            ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", CrossRegion),
            ("eu.amazon.nova-pro-v1:0", CrossRegion),
            ("apac.anthropic.claude-sonnet-4-20250514-v1:0", CrossRegion),
            ("jp.anthropic.claude-sonnet-4-5-20250929-v1:0", CrossRegion),
            ("au.anthropic.claude-haiku-4-5-20251001-v1:0", CrossRegion),
            ("ca.amazon.nova-lite-v1:0", CrossRegion),
            (
                "us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0",
                CrossRegion,
            ),
            ("mx.anthropic.claude-sonnet-4-5-20250929-v1:0", CrossRegion),
            ("anthropic.claude-3-5-sonnet-20240620-v1:0", OnDemand),
            ("meta.llama3-1-70b-instruct-v1:0", OnDemand),
            ("amazon.nova-pro-v1:0", OnDemand),
            ("e5t98lwp1dsr", OnDemand),
        ];
        for (id, mode) in cases {
            assert_eq!(InvocationMode::of_model_id(id), mode, "{id}");
        }
    }

    #[test]
    fn model_id_tokenisation() {
        let cases: [(&str, &[&str], u32); 6] = [
            (
                "global.anthropic.claude-opus-4-6-v1",
                &["claude", "opus", "4.6"],
                1,
            ),
            (
                "meta.llama3-1-70b-instruct-v1:0",
                &["llama", "3.1", "70b", "instruct"],
                1,
            ),
            ("us.amazon.nova-pro-v1:0", &["nova", "pro"], 1),
            (
                "anthropic.claude-3-5-sonnet-20241022-v2:0",
                &["claude", "3.5", "sonnet"],
                2,
            ),
            ("us.deepseek.r1-v1:0", &["r1"], 1),
            (
                "meta.llama3-70b-instruct-v1:0",
                &["llama", "3", "70b", "instruct"],
                1,
            ),
        ];
        for (id, tokens, version) in cases {
            let (got, v) = model_id_tokens(id);
            assert_eq!(got, tokens, "{id}");
            assert_eq!(v, version, "{id}");
        }
    }

    #[test]
    fn quota_name_parses_mode_kind_and_display() {
        let q = parse_quota_name(
            "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1",
        )
        .unwrap();
        assert_eq!(q.mode, InvocationMode::Global);
        assert_eq!(q.kind, QuotaKind::RequestsPerMinute);
        assert_eq!(q.model_display, "Anthropic Claude Opus 4.6 V1");
        let q = parse_quota_name(
            "Cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1",
        )
        .unwrap();
        assert_eq!(
            (q.mode, q.kind),
            (InvocationMode::CrossRegion, QuotaKind::TokensPerMinute)
        );
        let q = parse_quota_name(
            "On-demand model inference requests per minute for Anthropic Claude 3.5 Sonnet",
        )
        .unwrap();
        assert_eq!(q.mode, InvocationMode::OnDemand);
    }

    #[test]
    fn quota_name_rejects_mantle_and_other_families() {
        assert!(matches!(
            parse_quota_name(
                "On-demand model inference requests per minute for OpenAI GPT OSS 120B (bedrock-mantle)"
            ),
            Err(QuotaNameError::Mantle(_))
        ));
        for other in [
            "On-demand latency-optimized model inference requests per minute for Anthropic Claude 3.5 Haiku",
            "Model invocation max tokens per day for Anthropic Claude 3.5 Sonnet",
            "Cross-region model inference requests per minute for ",
        ] {
            assert!(
                matches!(
                    parse_quota_name(other),
                    Err(QuotaNameError::Unrecognised(_))
                ),
                "{other}"
            );
        }
    }

    #[test]
    fn split_token_quota_names_are_kinds_of_their_own() {
        let input = parse_quota_name(
            "Cross-region model inference input tokens per minute for Anthropic Claude Opus 4.8",
        )
        .unwrap();
        assert_eq!(
            (input.mode, input.kind, input.model_display.as_str()),
            (
                InvocationMode::CrossRegion,
                QuotaKind::InputTokensPerMinute,
                "Anthropic Claude Opus 4.8"
            )
        );
        let output = parse_quota_name(
            "On-demand model inference output tokens per minute for Anthropic Claude Sonnet 4.5 V1",
        )
        .unwrap();
        assert_eq!(
            (output.mode, output.kind),
            (InvocationMode::OnDemand, QuotaKind::OutputTokensPerMinute)
        );
        let id = "us.anthropic.claude-opus-4-8-v1";
        let name =
            "Cross-region model inference input tokens per minute for Anthropic Claude Opus 4.8";
        assert!(check_quota_name(name, id, QuotaKind::InputTokensPerMinute).is_ok());
        assert!(matches!(
            check_quota_name(name, id, QuotaKind::TokensPerMinute),
            Err(QuotaNameError::WrongKind { .. })
        ));
        assert!(matches!(
            check_quota_name(name, id, QuotaKind::OutputTokensPerMinute),
            Err(QuotaNameError::WrongKind { .. })
        ));
    }

    #[test]
    fn model_match_rejects_context_length_variant() {
        assert!(model_matches(
            "global.anthropic.claude-opus-4-6-v1",
            "Anthropic Claude Opus 4.6 V1"
        ));
        assert!(!model_matches(
            "global.anthropic.claude-opus-4-6-v1",
            "Anthropic Claude Opus 4.6 V1 1M Context Length"
        ));
    }

    #[test]
    fn model_match_requires_same_version() {
        let v2 = "anthropic.claude-3-5-sonnet-20241022-v2:0";
        assert!(model_matches(v2, "Anthropic Claude 3.5 Sonnet V2"));
        assert!(!model_matches(v2, "Anthropic Claude 3.5 Sonnet"));
        let v1 = "anthropic.claude-3-5-sonnet-20240620-v1:0";
        assert!(model_matches(v1, "Anthropic Claude 3.5 Sonnet"));
        assert!(!model_matches(v1, "Anthropic Claude 3.5 Sonnet V2"));
    }

    #[test]
    fn model_match_requires_every_token_and_no_extra() {
        let id = "meta.llama3-1-70b-instruct-v1:0";
        assert!(model_matches(id, "Meta Llama 3.1 70B Instruct"));
        assert!(!model_matches(id, "Meta Llama 3.1 8B Instruct"));
        assert!(!model_matches(id, "Meta Llama 3.1 70B"));
        assert!(!model_matches(
            "amazon.nova-pro-v1:0",
            "Amazon Nova Premier"
        ));
        assert!(!model_matches(
            "anthropic.claude-opus-4-6-v1",
            "Anthropic Claude Opus 4.1"
        ));
        assert!(!model_matches("e5t98lwp1dsr", "Anthropic Claude Opus 4.6"));
        assert!(!model_matches("anthropic.claude-opus-4-6-v1", "Anthropic"));
    }

    #[test]
    fn model_match_drops_vendor_words_even_when_they_repeat_the_model_name() {
        assert!(model_matches("qwen.qwen3-32b-v1:0", "Qwen Qwen3 32B"));
        assert!(model_matches("us.deepseek.r1-v1:0", "DeepSeek R1"));
        assert!(!model_matches(
            "qwen.qwen3-32b-v1:0",
            "Qwen Qwen3 32B Instruct"
        ));
    }

    #[test]
    fn check_quota_name_reports_wrong_mode_kind_and_model() {
        let id = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
        let ok =
            "Cross-region model inference requests per minute for Anthropic Claude Sonnet 4.5 V1";
        assert!(check_quota_name(ok, id, QuotaKind::RequestsPerMinute).is_ok());
        assert!(matches!(
            check_quota_name(ok, id, QuotaKind::TokensPerMinute),
            Err(QuotaNameError::WrongKind { .. })
        ));
        let global = "Global cross-region model inference requests per minute for Anthropic Claude Sonnet 4.5 V1";
        assert!(matches!(
            check_quota_name(global, id, QuotaKind::RequestsPerMinute),
            Err(QuotaNameError::WrongMode {
                expected: InvocationMode::CrossRegion,
                found: InvocationMode::Global,
                ..
            })
        ));
        let other =
            "Cross-region model inference requests per minute for Anthropic Claude Sonnet 4 V1";
        assert!(matches!(
            check_quota_name(other, id, QuotaKind::RequestsPerMinute),
            Err(QuotaNameError::WrongModel { .. })
        ));
    }

    #[test]
    fn candidate_codes_keeps_only_exact_model_mode_kind() {
        let quotas = [
            (
                "L-1",
                "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1",
            ),
            (
                "L-2",
                "Global cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1",
            ),
            (
                "L-3",
                "Global cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1 1M Context Length",
            ),
            (
                "L-4",
                "Cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1",
            ),
        ];
        let id = "global.anthropic.claude-opus-4-6-v1";
        assert_eq!(
            candidate_codes(
                quotas,
                id,
                InvocationMode::Global,
                QuotaKind::TokensPerMinute
            ),
            vec!["L-2"]
        );
        assert_eq!(
            candidate_codes(
                quotas,
                id,
                InvocationMode::Global,
                QuotaKind::RequestsPerMinute
            ),
            vec!["L-1"]
        );
    }
}
