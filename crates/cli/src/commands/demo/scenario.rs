//! The demo's givens: the customer and model its stack is created for, and the quotas the emulated
//! account holds. Every section tells its part of the same story from these values.

pub const CUSTOMER: &str = "Acme";
pub const MODEL: &str = "Opus-4-6";
/// Required by the template; the emulator delivers no e-mail (the formatted topic is read back instead) and
/// the address is never printed.
pub const STAKEHOLDERS: &str = "ops@example.com";
pub const RPM_QUOTA: f64 = 10_000.0;
pub const TPM_QUOTA: f64 = 6_250_000.0;
/// The TPM alarm's threshold at the template's default percent (80 %).
pub const TPM_THRESHOLD: f64 = TPM_QUOTA * 0.8;
/// Service Quotas' names for the default model's quotas, which the calculator checks the codes against.
pub const RPM_QUOTA_NAME: &str =
    "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1";
pub const TPM_QUOTA_NAME: &str =
    "Global cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1";
