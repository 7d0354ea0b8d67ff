//! The Lambda functions' logs: JSON lines on stdout (or plain text when the function's log format is Text), at
//! the level Lambda's advanced logging controls set.
//!
//! This does what lambda_runtime's `init_default_subscriber` does, with `tracing_subscriber`'s `Targets`
//! filter in place of its `EnvFilter`: `EnvFilter` brings a regex engine, which made every release
//! bootstrap about 0.4 MB larger (docs/performance.md, "What keeps the numbers down"). `RUST_LOG` still
//! takes per-target levels (`info,aws_smithy_runtime=warn`); only span and field filters are not understood.

use std::str::FromStr;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The filter from the function's settings: `AWS_LAMBDA_LOG_LEVEL` (the template's ApplicationLogLevel) wins;
/// otherwise `RUST_LOG`'s directives; INFO for every target that neither names (so a stray `RUST_LOG` never
/// silences the function).
pub fn filter(lambda_log_level: Option<&str>, rust_log: Option<&str>) -> Targets {
    // Lambda's levels are tracing's plus FATAL, which tracing has not: its nearest is ERROR.
    let lambda_level = lambda_log_level.map(str::trim).and_then(|level| {
        if level.eq_ignore_ascii_case("fatal") {
            Some(LevelFilter::ERROR)
        } else {
            LevelFilter::from_str(level).ok()
        }
    });
    if let Some(level) = lambda_level {
        return Targets::new().with_default(level);
    }
    let targets = rust_log
        .map(str::trim)
        .filter(|directives| !directives.is_empty())
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_default();
    match targets.default_level() {
        Some(_) => targets,
        None => targets.with_default(LevelFilter::INFO),
    }
}

/// Installs the subscriber for the process; call once, first thing in `main`.
pub fn init() {
    let var = |name| std::env::var(name).ok();
    let json = var("AWS_LAMBDA_LOG_FORMAT").is_none_or(|f| f.eq_ignore_ascii_case("json"));
    let filter = filter(
        var("AWS_LAMBDA_LOG_LEVEL").as_deref(),
        var("RUST_LOG").as_deref(),
    );
    let registry = tracing_subscriber::registry().with(filter);
    // Lambda stamps every line itself.
    let layer = fmt::layer().with_target(false).without_time();
    if json {
        registry.with(layer.json()).init();
    } else {
        registry.with(layer).init();
    }
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    #[test]
    fn the_lambda_log_level_wins_over_rust_log() {
        let filter = filter(Some("DEBUG"), Some("error"));
        assert!(filter.would_enable("notification_processor", &Level::DEBUG));
        assert!(!filter.would_enable("notification_processor", &Level::TRACE));
    }

    #[test]
    fn lambdas_fatal_level_keeps_errors_only() {
        let filter = filter(Some("FATAL"), None);
        assert!(filter.would_enable("notification_processor", &Level::ERROR));
        assert!(!filter.would_enable("notification_processor", &Level::WARN));
    }

    #[test]
    fn rust_log_directives_set_levels_per_target() {
        let filter = filter(None, Some("debug,aws_smithy_runtime=warn"));
        assert!(filter.would_enable("bedrock_ops_aws::ledger", &Level::DEBUG));
        assert!(!filter.would_enable("aws_smithy_runtime::client", &Level::INFO));
        assert!(filter.would_enable("aws_smithy_runtime::client", &Level::WARN));
    }

    #[test]
    fn a_rust_log_that_names_only_some_targets_keeps_info_for_the_rest() {
        let filter = filter(None, Some("aws_smithy_runtime=debug"));
        assert!(filter.would_enable("aws_smithy_runtime::client", &Level::DEBUG));
        assert!(filter.would_enable("notification_processor", &Level::INFO));
        assert!(!filter.would_enable("notification_processor", &Level::DEBUG));
    }

    #[test]
    fn unset_or_unreadable_settings_mean_info() {
        for (lambda, rust) in [
            (None, None),
            (Some("loud"), None),
            (None, Some("  ")),
            (None, Some("loud")),
        ] {
            let filter = filter(lambda, rust);
            assert!(
                filter.would_enable("any", &Level::INFO),
                "{lambda:?} {rust:?}"
            );
            assert!(
                !filter.would_enable("any", &Level::DEBUG),
                "{lambda:?} {rust:?}"
            );
        }
    }
}
