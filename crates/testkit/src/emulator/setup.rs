//! Where the emulator comes from: the workspace checkout, its pinned Python environment (prepared by
//! `tests/emulator/setup.sh` when needed), and the per-process run directories.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::error::{EmulatorError, io_error};

/// Environment variable naming a Python that already has the requirements (skips `setup.sh`).
pub const PYTHON_ENV: &str = "BEDROCK_OPS_EMULATOR_PYTHON";

const RUN_DIR_PREFIX: &str = "bedrock-ops-emulator-run-";

/// The emulator's Python (its venv, prepared first if needed, or [`PYTHON_ENV`]); it also has PyYAML, so the
/// demo and the template tests can run `tests/template/render_stack.py` with it.
pub fn python() -> Result<PathBuf, EmulatorError> {
    if let Some(python) = std::env::var_os(PYTHON_ENV) {
        return Ok(PathBuf::from(python));
    }
    let emulator_dir = workspace_root()?.join("tests").join("emulator");
    run_setup(&emulator_dir)?;
    Ok(emulator_dir.join(".venv").join("bin").join("python"))
}

/// The workspace checkout: the first directory above the crate (or the current directory) that holds
/// `tests/emulator/launcher.py`.
pub fn workspace_root() -> Result<PathBuf, EmulatorError> {
    let mut starts: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        starts.push(PathBuf::from(dir));
    }
    if let Ok(dir) = std::env::current_dir() {
        starts.push(dir);
    }
    starts.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    for start in &starts {
        for dir in start.ancestors() {
            if dir
                .join("tests")
                .join("emulator")
                .join("launcher.py")
                .is_file()
            {
                return Ok(dir.to_path_buf());
            }
        }
    }
    Err(EmulatorError::NoWorkspace(starts.swap_remove(0)))
}

fn run_setup(emulator_dir: &Path) -> Result<(), EmulatorError> {
    let output = Command::new("bash")
        .arg(emulator_dir.join("setup.sh"))
        .stdin(Stdio::null())
        .output()
        .map_err(io_error("running tests/emulator/setup.sh"))?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Err(EmulatorError::Setup(format!(
        "{}: {}",
        output.status,
        tail(&text, 40)
    )))
}

/// Removes run directories left by test processes that are gone (the shared emulator is never dropped, so its
/// directory outlives the run; its launcher has exited by then).
pub(super) fn remove_stale_run_dirs() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(RUN_DIR_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest
            .split('-')
            .next()
            .filter(|pid| pid.chars().all(|c| c.is_ascii_digit()))
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

pub(super) fn unique_run_dir() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or_default();
    std::env::temp_dir().join(format!(
        "{RUN_DIR_PREFIX}{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

pub(super) fn log_tail(path: &Path) -> String {
    fs::read_to_string(path)
        .map(|text| tail(&text, 30))
        .unwrap_or_else(|error| format!("(log unreadable: {error})"))
}

pub(super) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_root_holds_the_launcher() {
        let root = workspace_root().unwrap();
        assert!(root.join("tests/emulator/setup.sh").is_file());
    }
}
