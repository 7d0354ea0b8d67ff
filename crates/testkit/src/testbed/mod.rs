//! The three Lambdas' testbeds: a seeded emulator and the production wiring of each handler on it.
//!
//! | file | for |
//! |---|---|
//! | [`processor`] | the notification processor's integration tests, the CLI's tests and the benchmark: one stack's settings, thresholds, quotas, ledger table, topic and metrics |
//! | [`calculator`] | the quota calculator's: the blog's quotas and their look-alikes, custom-resource events answered to the emulator |
//! | [`updater`] | the alarm updater's: the stack the calculator's Create made, its topic and the updater's configuration |

pub mod calculator;
pub mod processor;
pub mod updater;
