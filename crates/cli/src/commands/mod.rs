//! One module per command. Each exposes clap `Args` and `run(&Args, &mut impl Write)`.

pub mod aws_config;
#[cfg(feature = "emulator")]
pub mod bench;
pub mod classify;
#[cfg(feature = "emulator")]
pub mod demo;
pub mod doctor;
pub mod fleet;
pub mod follow_up;
pub mod process;
pub mod quotas;
pub mod simulate;
pub mod thresholds;
pub mod thresholds_live;

/// What a command returns; the message is printed after `error: ` and the exit code is 1.
pub type CommandResult = Result<(), Box<dyn std::error::Error>>;
