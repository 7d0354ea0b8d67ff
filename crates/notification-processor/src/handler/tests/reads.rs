//! Tests of the first round trip's reads and how they are read into the plan.

use crate::handler::test_support::*;

#[tokio::test]
async fn cases_older_than_the_lookback_are_not_duplicates() {
    let world = World::new();
    world.set("support-case-lookback-days", "45");
    world
        .support
        .seed_open_case(INVESTIGATION_SUBJECT, 50 * 86_400);

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(types(&decision), ["support_case"]);
}
