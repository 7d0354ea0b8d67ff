//! The one emulator lock. Tests of one binary share one emulator ([`Emulator::shared`](super::Emulator::shared))
//! and each resets it, so they take turns: the call log and the read-backs are then exactly one test's.

use std::sync::{Mutex, MutexGuard};

static TURN: Mutex<()> = Mutex::new(());

/// One test at a time on the shared emulator (a failed test does not block the others).
pub fn take_turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
