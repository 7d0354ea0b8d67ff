//! Many models from one file (`fleet.toml`), free of I/O: the file read against the template's own
//! parameter list, the deterministic stack identity, the plan as a diff of desired and observed stacks, and
//! the plan and status tables. The CLI reads CloudFormation and the other services and prints; the rules
//! live here. Compiled only with the `fleet` feature (the CLI's), so the Lambdas never carry a TOML parser.
//!
//! | file | what |
//! |---|---|
//! | [`template`] | the template's `Parameters:` (types, defaults, AllowedValues, AllowedPattern, lengths, Min/Max) |
//! | [`file`] | `fleet.toml` → [`Fleet`], every error with its line |
//! | [`example`] | the commented example `fleet init` writes |
//! | [`identity`] | stack and StackSet names, the fleet's tags |
//! | [`plan`] | desired vs observed → create / update / unchanged / delete / blocked |
//! | [`status`] | one line of `fleet status` |
//! | [`render`] | the plan and status tables |

pub mod example;
pub mod file;
pub mod identity;
pub mod plan;
pub mod render;
pub mod status;
pub mod template;

pub use file::{Fleet, FleetError, FleetErrors, FleetModel, Setting, Targets};
pub use plan::{Action, DesiredStack, FleetPlan, ObservedStack, StackPlan, plan};
pub use template::{ParameterSpec, TemplateParameters};
