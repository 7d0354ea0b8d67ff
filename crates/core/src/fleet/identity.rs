//! Which CloudFormation stack (or StackSet) belongs to which model of a fleet, and the tags that say so.
//!
//! The name is `bedrock-ops-alert-<CustomerName>-<BedrockModelName>` with both names kept as written: the
//! template's resource names and Parameter Store paths keep their case too, so lower-casing the stack name
//! would let `Acme` and `ACME` share one stack (the Python sample's W-16). Within one fleet the customer is
//! fixed and model names are unique, so two models never land in one stack; across fleets a name clash is
//! caught by [`super::plan`], which only touches a stack whose own `CustomerName` and `BedrockModelName`
//! parameters are this model's.

/// Prefix of every stack and StackSet a fleet creates.
pub const STACK_PREFIX: &str = "bedrock-ops-alert";

/// Tag on every stack (StackSet) of a fleet: the customer, so `--prune` only ever considers the fleet's own.
pub const FLEET_TAG: &str = "bedrock-ops-alert:fleet";
/// Tag naming the model (`BedrockModelName`) of the stack.
pub const MODEL_TAG: &str = "bedrock-ops-alert:model";
/// Tag holding the digest of the template source the stack was last applied with.
pub const TEMPLATE_TAG: &str = "bedrock-ops-alert:template";

/// The stack (and StackSet) name of one model: deterministic, never a tool's default such as `sam-app`.
pub fn stack_name(customer: &str, model: &str) -> String {
    format!("{STACK_PREFIX}-{customer}-{model}")
}

/// The fleet's tags for one model's stack.
pub fn stack_tags(customer: &str, model: &str, template_digest: &str) -> Vec<(String, String)> {
    vec![
        (FLEET_TAG.to_owned(), customer.to_owned()),
        (MODEL_TAG.to_owned(), model.to_owned()),
        (TEMPLATE_TAG.to_owned(), template_digest.to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_case_and_fit_cloudformation() {
        assert_eq!(
            stack_name("Acme", "Opus-4-6"),
            "bedrock-ops-alert-Acme-Opus-4-6"
        );
        assert_ne!(stack_name("Acme", "Opus"), stack_name("ACME", "Opus"));
        // The longest names the template allows (10 + 15) stay far below CloudFormation's 128 characters.
        let longest = stack_name(&"C".repeat(10), &"M".repeat(15));
        assert!(longest.len() <= 128);
        assert!(
            longest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        );
    }
}
