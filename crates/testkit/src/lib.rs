//! Test support for Bedrock Ops Alert, never part of a Lambda: the Lambda crates take it as a
//! dev-dependency, the CLI as an optional dependency of its `demo` and `bench` (feature `emulator`).
//!
//! | module | what |
//! |---|---|
//! | [`async_retry`] | Lambda's asynchronous retry: three attempts whatever the errorType, then the on-failure destination |
//! | [`emulator`] | the local AWS emulator harness (`tests/emulator`): process, SDK clients, seeding, read-back, faults, the one lock |
//! | [`logs`] | [`logs::CapturedLogs`]: what a test logged, for the never-logged checks |
//! | [`fixtures`] | the blog example's model, quota codes, names and values, written once |
//! | [`testbed`] | each Lambda's seeded emulator and production wiring: processor, calculator, updater |
//! | [`runtime_api`] | a local Lambda runtime API with a bootstrap run behind it |

pub mod async_retry;
pub mod emulator;
pub mod fixtures;
pub mod logs;
pub mod runtime_api;
pub mod testbed;
