//! `bedrock-ops-alert fleet init`: writes the commented example, never over an existing file without --force,
//! and `fleet plan` reports a broken file with its lines before any AWS call.

use std::process::Command;

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bedrock-ops-alert"))
        .args(args)
        .env_clear()
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("binary runs")
}

#[test]
fn init_writes_the_example_once_and_plan_names_the_bad_lines() {
    let dir = std::env::temp_dir().join(format!("bedrock-ops-fleet-init-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fleet.toml");
    let path = file.to_str().unwrap();

    let written = cli(&["fleet", "init", "--file", path]);
    assert!(written.status.success(), "{written:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("customer = \"Acme\""));
    assert!(text.contains("[[models]]"));

    let again = cli(&["fleet", "init", "--file", path]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("exists; pass --force to overwrite it")
    );
    assert!(
        cli(&["fleet", "init", "--file", path, "--force"])
            .status
            .success()
    );

    std::fs::write(
        &file,
        text.replace(
            "NotificationPreference = \"all\"",
            "NotificationPreference = \"everything\"",
        )
        .replace("Mode = \"live\"", "Modus = \"live\""),
    )
    .unwrap();
    let plan = cli(&["fleet", "plan", "--file", path, "--region", "us-east-1"]);
    assert!(!plan.status.success());
    let stderr = String::from_utf8_lossy(&plan.stderr);
    let line_of = |needle: &str| text.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    let (preference, mode) = (line_of("NotificationPreference"), line_of("Mode"));
    assert!(stderr.contains(&format!("{path}:{preference}: NotificationPreference cannot be \"everything\"; allowed: all, critical, warning")), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{path}:{mode}: unknown parameter `Modus` in [defaults]"
        )),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
