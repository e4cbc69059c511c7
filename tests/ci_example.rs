//! The CI workflow in `examples/ci/` is valid YAML for GitHub Actions and
//! uses only `warrant` commands and options that exist.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use common::warrant;
use serde_json::Value;

const WORKFLOW: &str = "examples/ci/warrant-rules.yml";

/// Every `warrant ...` command line in the workflow's `run` steps.
fn warrant_commands(workflow: &Value) -> Vec<String> {
    let mut commands = Vec::new();
    for job in workflow["jobs"].as_object().unwrap().values() {
        for step in job["steps"].as_array().unwrap() {
            let Some(run) = step["run"].as_str() else { continue };
            for line in run.lines() {
                let line = line.trim();
                if line.starts_with("warrant ") {
                    // Up to a redirection: the shell's, not warrant's.
                    commands.push(line.split(" > ").next().unwrap().to_string());
                }
            }
        }
    }
    commands
}

#[test]
fn the_ci_example_is_a_workflow_that_uses_only_commands_that_exist() {
    let text = std::fs::read_to_string(WORKFLOW).unwrap();
    let workflow: Value = serde_yaml::from_str(&text).unwrap();
    assert!(workflow["on"]["pull_request"].is_object(), "triggered on pull requests");
    for job in workflow["jobs"].as_object().unwrap().values() {
        assert!(job["runs-on"].is_string());
        for step in job["steps"].as_array().unwrap() {
            assert!(step["run"].is_string() ^ step["uses"].is_string(), "a step runs or uses: {step}");
        }
    }
    let readme = std::fs::read_to_string("README.md").unwrap();
    assert!(
        readme.contains(&format!("```yaml\n{text}```")),
        "README.md shows the workflow as it is in {WORKFLOW}"
    );
    let commands = warrant_commands(&workflow);
    let used: Vec<&str> = commands.iter().map(|c| c.split_whitespace().nth(1).unwrap()).collect();
    for wanted in ["check", "lint", "fmt", "test", "snapshot", "diff"] {
        assert!(used.contains(&wanted), "the workflow runs `warrant {wanted}`: {commands:?}");
    }
    for command in &commands {
        let words: Vec<&str> = command.split_whitespace().collect();
        let help = warrant().args([words[1], "--help"]).output().unwrap();
        assert!(help.status.success(), "`warrant {}` is not a command", words[1]);
        let help = String::from_utf8(help.stdout).unwrap();
        for option in words.iter().filter(|w| w.starts_with("--")) {
            assert!(
                help.contains(&format!("{option} ")) || help.contains(&format!("{option}\n")),
                "`warrant {}` has no option {option}",
                words[1]
            );
        }
    }
}
