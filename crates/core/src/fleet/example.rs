//! The commented example `fleet init` writes (docs/fleet.md shows the same file; a test parses it against
//! the template, so the example can never teach a key the template does not have).

pub const EXAMPLE: &str = r#"# Bedrock Ops Alert fleet: one CloudFormation stack per model, planned and applied from this file.
#   bedrock-ops-alert fleet plan     what would change (reads CloudFormation, changes nothing)
#   bedrock-ops-alert fleet apply    carries the plan out through change sets (--prune also deletes)
#   bedrock-ops-alert fleet status   one line per stack: status, thresholds, alarms, open requests and cases
# Every key under [defaults] and a model's [models.parameters] is a parameter of template.yaml
# (docs/configuration.md); unknown keys and values the template refuses are reported with their line.

# CustomerName of every stack: 1-10 letters, digits or hyphens. Stacks are named
# bedrock-ops-alert-<customer>-<model name>.
customer = "Acme"

# Region of the stacks [default: --region, else the AWS configuration's Region].
# region = "us-east-1"

[defaults]
# Required (the template has no default): 1-10 addresses, comma separated, or a list.
StakeholderEmailList = ["ops@example.com", "ml-platform@example.com"]
NotificationPreference = "all"        # all | critical | warning
Mode = "live"                         # live | dry-run
RequestsPerMinuteThresholdPercent = 80
TokensPerMinuteThresholdPercent = 80
EnableAutomatedSupportCase = "Yes"    # Yes | No

# One [[models]] entry per stack. The quota codes are optional: when omitted, plan and apply find them
# as `bedrock-ops-alert quotas discover` does (RPM NA for a model without a requests-per-minute quota).
[[models]]
name = "Opus-4-6"                     # BedrockModelName: 1-15 letters, digits or hyphens
model_id = "global.anthropic.claude-opus-4-6-v1"
rpm_quota_code = "L-3DD46812"
tpm_quota_code = "L-3DCCFAA4"

[[models]]
name = "Sonnet-4-5"
model_id = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
[models.parameters]                   # overrides [defaults] for this model only
TokensPerMinuteThresholdPercent = 70

# Many accounts and Regions: uncomment to deploy one StackSet per model (service-managed permissions,
# from the management account or a delegated administrator; see docs/fleet.md).
# [targets]
# organizational_units = ["ou-abcd-12345678"]
# accounts = ["111122223333"]          # optional: only these accounts of the organizational units
# regions = ["us-east-1", "eu-west-1"]
"#;
