//! `warrant test`: the bundled rule tests pass; failing cases print a diff
//! and exit 3; invalid test files exit 1 with diagnostics and nothing on
//! stdout; `--coverage` and `--boundaries` report what the cases leave
//! untested; and no fixture makes the binary panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use std::fs;
use std::path::{Path, PathBuf};

use common::warrant;
use predicates::prelude::*;
use warrant::infer::Truth;
use warrant::testing::{self, Expected, Mismatch};

mod common;

const FIXTURES: &str = "tests/fixtures/rule_tests";

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `N passed, M failed` from the last line.
fn tally(stdout: &str) -> (usize, usize) {
    let last = stdout.lines().last().unwrap_or_default();
    let words: Vec<&str> = last.split(' ').collect();
    match words.as_slice() {
        [passed, "passed,", failed, "failed"] => (passed.parse().unwrap(), failed.parse().unwrap()),
        _ => panic!("the last line is not `N passed, M failed`: {last:?}"),
    }
}

#[test]
fn the_bundled_rule_tests_pass() {
    // With no path, `tests/rule_tests` in the current directory.
    let output = warrant().arg("test").output().unwrap();
    let stdout = stdout_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", stderr_of(&output));
    let (passed, failed) = tally(&stdout);
    assert_eq!(failed, 0, "{stdout}");
    assert!(passed >= 20, "only {passed} cases");
    assert!(stdout.lines().all(|l| !l.starts_with("FAIL")), "{stdout}");
    assert!(output.stderr.is_empty(), "{}", stderr_of(&output));

    let explicit = warrant().args(["test", "tests/rule_tests"]).output().unwrap();
    assert_eq!(stdout, stdout_of(&explicit), "the default directory is tests/rule_tests");
}

/// The bundled rules that have a condition, which coverage counts.
fn conditional_rules() -> usize {
    let kb = common::bundled();
    kb.graph
        .program
        .rules
        .iter()
        .filter(|r| r.when.is_some() || r.unless.is_some() || r.population.is_some())
        .count()
}

#[test]
fn every_outcome_is_tested_firing_and_not_firing() {
    let output = warrant().args(["test", "--coverage"]).output().unwrap();
    let stdout = stdout_of(&output);
    let rules = conditional_rules();
    assert!(
        stdout.contains(&format!("rules: {rules} of {rules} seen both true and false (100%)")),
        "{stdout}"
    );
}

#[test]
fn a_failing_case_prints_expected_against_actual_and_exits_three() {
    let path = format!("{FIXTURES}/failing.yaml");
    let output = warrant().args(["test", &path]).output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr_of(&output));
    assert!(output.stderr.is_empty(), "{}", stderr_of(&output));
    let stdout = stdout_of(&output);
    assert_eq!(tally(&stdout), (1, 3));
    for expected in [
        "FAIL tests/fixtures/rule_tests/failing.yaml: low ferritin gets oral iron",
        "    - low_tsat_high_ferritin: expected to fire, but it is false",
        "    - magnesium_evening: expected to fire, but it is undecided (missing: labs.magnesium_rbc)",
        "    - oral_iron: expected not to fire, but it is undecided (missing: labs.ferritin)",
    ] {
        assert!(stdout.lines().any(|line| line == expected), "{expected:?} missing from\n{stdout}");
    }
    insta::with_settings!({ description => fs::read_to_string(&path).unwrap(), omit_expression => true }, {
        insta::assert_snapshot!("failing", stdout);
    });
}

#[test]
fn colour_marks_failures_only_when_asked() {
    let path = format!("{FIXTURES}/failing.yaml");
    let escape = predicate::str::contains("\u{1b}[");
    warrant().args(["test", &path]).assert().code(3).stdout(escape.clone().not());
    warrant().args(["--color", "always", "test", &path]).assert().code(3).stdout(escape);
}

#[test]
fn invalid_test_files_exit_one_with_diagnostics_and_nothing_on_stdout() {
    insta::glob!("fixtures/rule_tests/invalid/*.yaml", |path| {
        let relative = relative(path);
        let output = warrant().arg("test").arg(&relative).output().unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(1), "{}: {stderr}", relative.display());
        assert!(output.stdout.is_empty(), "{}: {}", relative.display(), stdout_of(&output));
        assert!(stderr.contains("error[E0"), "{}: {stderr}", relative.display());
        assert!(stderr.trim_end().lines().last().unwrap().starts_with("invalid test files: "), "{stderr}");
        insta::with_settings!({ description => fs::read_to_string(path).unwrap(), omit_expression => true }, {
            insta::assert_snapshot!("invalid", stderr);
        });
    });
}

#[test]
fn each_invalid_fixture_has_its_code() {
    let expect = |name: &str, needles: &[&str]| {
        let output = warrant().arg("test").arg(format!("{FIXTURES}/invalid/{name}")).output().unwrap();
        let stderr = stderr_of(&output);
        for needle in needles {
            assert!(stderr.contains(needle), "{name}: {needle:?} missing from\n{stderr}");
        }
    };
    expect(
        "unknown_outcome.yaml",
        &[
            "error[E0803]: unknown outcome `oral_irn`",
            "did you mean `oral_iron`?",
            "error[E0804]: unknown evidence id `trotti_2019_cochrane`",
            "did you mean `trotti_2019_cochrane_iron`?",
            "unknown_outcome.yaml:5:13",
        ],
    );
    expect(
        "both_profiles.yaml",
        &["error[E0802]", "gives both `profile` and `profile_file`", "gives no profile"],
    );
    expect("unknown_field.yaml", &["error[E0801]", "unknown field `fire`", "unknown_field.yaml:5:5"]);
    expect("bad_yaml.yaml", &["error[E0801]", "bad_yaml.yaml:6:"]);
    expect("not_cases.yaml", &["error[E0801]", "expected a mapping with `cases:`"]);
    expect("contradictions.yaml", &["error[E0807]", "error[E0806]"]);
    expect("profile_file_problems.yaml", &["error[E0805]", "error[E0603]", "the profile of this case"]);
    // Inline profiles are bound as `explain` binds files, with errors in the test file at the case's line.
    expect(
        "inline_profile.yaml",
        &[
            "error[E0602]",
            "did you mean `ferritin`?",
            "inline_profile.yaml:12:9",
            "inline_profile.yaml:13:34",
        ],
    );
    expect("inline_profile_field.yaml", &["error[E0601]: invalid profile", "unknown field `condition`"]);
}

#[test]
fn json_diagnostics_name_the_file_and_line() {
    let output = warrant()
        .args(["--error-format", "json", "test", &format!("{FIXTURES}/invalid/unknown_outcome.yaml")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let first: serde_json::Value = serde_json::from_str(stderr_of(&output).lines().next().unwrap()).unwrap();
    assert_eq!(first["code"], "E0803");
    assert_eq!(first["file"], "tests/fixtures/rule_tests/invalid/unknown_outcome.yaml");
    assert_eq!(first["line"], 5);
}

#[test]
fn a_case_that_expects_nothing_passes_with_a_warning() {
    warrant()
        .args(["test", &format!("{FIXTURES}/expects_nothing.yaml")])
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with("1 passed, 0 failed\n"))
        .stderr(predicate::str::contains("warning[E0808]"));
}

#[test]
fn missing_paths_and_a_broken_knowledge_base_exit_one() {
    warrant()
        .args(["test", "no/such/dir"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[E0701]"));
    warrant()
        .args(["test", "--rules", "tests/fixtures/rules_invalid"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("the knowledge base has errors"));
}

#[test]
fn coverage_of_the_bundled_tests() {
    let output = warrant().args(["test", "--coverage"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = stdout_of(&output);
    // Only the coverage section: the case lines are checked above.
    let start = stdout.find("COVERAGE OF").expect("a coverage section");
    insta::with_settings!({ omit_expression => true }, {
        insta::assert_snapshot!("coverage", stdout[start..].to_string());
    });
}

#[test]
fn coverage_lists_what_a_small_file_leaves_out() {
    let output =
        warrant().args(["test", "--coverage", &format!("{FIXTURES}/boundaries.yaml")]).output().unwrap();
    let stdout = stdout_of(&output);
    let rules = conditional_rules();
    assert!(stdout.contains(&format!("rules: 0 of {rules} seen both true and false (0%)")), "{stdout}");
    assert!(stdout.contains("      - iv_iron (unless): ferritin >= 300 ng/mL"), "{stdout}");
    assert!(stdout.contains("never cited by an outcome that fired:"), "{stdout}");
    assert!(
        stdout.contains(
            "      - trenkwalder_2006_pramipexole_withdrawal (cited by dopamine_agonist_augmentation)"
        ),
        "{stdout}"
    );
}

#[test]
fn boundaries_find_the_untested_side_of_ferritin_75() {
    let output =
        warrant().args(["test", "--boundaries", &format!("{FIXTURES}/boundaries.yaml")]).output().unwrap();
    // Boundary findings are reported, not failures.
    assert_eq!(output.status.code(), Some(0));
    let stdout = stdout_of(&output);
    assert!(
        stdout.contains(
            "  - ferritin <= 75 ng/mL (rules iron_low_for_rls, iv_only_band, oral_iron): tried 74.25, 75 and 75.75 ng/mL in 1 case"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "oral_iron changes at the boundary, but no test case of oral_iron that turns on it has ferritin above 75 ng/mL"
        ),
        "{stdout}"
    );
    assert_eq!(tally(&stdout), (1, 0));

    // The bundled tests cover both sides of every threshold.
    let bundled = stdout_of(&warrant().args(["test", "--boundaries"]).output().unwrap());
    assert!(
        bundled.contains("Every outcome that changes at a threshold is tested on both sides of it."),
        "{bundled}"
    );
    assert!(
        bundled.contains(
            "daily vitamin_b6 <= 12 mg (rule b6_above_eu_upper_level): tried 11.88, 12 and 12.12 mg"
        )
    );
}

#[test]
fn output_is_deterministic_and_files_are_sorted() {
    let args = [
        "test",
        "--coverage",
        "--boundaries",
        "tests/rule_tests/magnesium.yaml",
        "tests/rule_tests/iron.yaml",
    ];
    let first = stdout_of(&warrant().args(args).output().unwrap());
    let second = stdout_of(&warrant().args(args).output().unwrap());
    assert_eq!(first, second);
    let iron = first.find("iron.yaml:").unwrap();
    let magnesium = first.find("magnesium.yaml:").unwrap();
    assert!(iron < magnesium, "files run in sorted path order");
}

#[test]
fn the_library_reports_each_mismatch_with_its_verdict() {
    let kb = common::bundled();
    let mut sources = kb.sources.clone();
    let paths = [PathBuf::from(format!("{FIXTURES}/failing.yaml"))];
    let (suite, warnings) =
        testing::load(&kb, &mut sources, &paths, common::TODAY, &Default::default()).unwrap();
    assert!(warnings.is_empty());
    assert_eq!(suite.case_count(), 4);
    let results = testing::run(&kb, &suite);
    assert_eq!(results.iter().filter(|r| r.passed()).count(), 1);
    let program = &kb.graph.program;
    let magnesium = program.find_rule("magnesium_evening").unwrap();
    let second = &results[1].mismatches;
    assert!(second.contains(&Mismatch::Verdict {
        rule: magnesium,
        expected: Expected::Fires,
        actual: Truth::Unknown,
        missing: vec![String::from("labs.magnesium_rbc")],
        blocked_by: Vec::new(),
    }));
    let oral_iron = program.find_rule("oral_iron").unwrap();
    assert!(second.iter().any(|m| matches!(
        m,
        Mismatch::NotCited { rule, evidence, .. } if *rule == oral_iron && evidence == "trenkwalder_2017_fcm"
    )));
    let coverage = testing::coverage(&kb, &suite);
    assert_eq!(coverage.cases, 4);
    let (covered, total) = coverage.rule_counts();
    assert!(covered < total);
}

/// Every test file, valid or not, with every option: a clean exit status,
/// never a panic.
#[test]
fn no_fixture_makes_the_binary_panic() {
    let mut files = Vec::new();
    for dir in ["tests/rule_tests", FIXTURES, &format!("{FIXTURES}/invalid")] {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 15, "only {} files", files.len());
    for path in files {
        let output = warrant().arg("test").arg("--coverage").arg("--boundaries").arg(&path).output().unwrap();
        let stderr = stderr_of(&output);
        assert!(matches!(output.status.code(), Some(0 | 1 | 3)), "{}: {stderr}", path.display());
        assert!(!stderr.contains("panicked"), "{}: {stderr}", path.display());
        if output.status.code() == Some(1) {
            assert!(output.stdout.is_empty(), "{}", path.display());
        } else {
            tally(&stdout_of(&output));
        }
    }
}

/// A glob path relative to the crate root, so diagnostics name the file
/// the same way wherever the repository is checked out.
fn relative(path: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
}

#[test]
fn junit_and_json_carry_each_case_and_its_failures() {
    let path = format!("{FIXTURES}/failing.yaml");
    let junit = warrant().args(["test", "--format", "junit", &path]).output().unwrap();
    assert_eq!(junit.status.code(), Some(3));
    let xml = stdout_of(&junit);
    let document = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let root = document.root_element();
    assert_eq!(
        (root.tag_name().name(), root.attribute("tests"), root.attribute("failures")),
        ("testsuites", Some("4"), Some("3"))
    );
    let failures: Vec<&str> =
        root.descendants().filter(|n| n.has_tag_name("failure")).filter_map(|n| n.text()).collect();
    assert_eq!(failures.len(), 3);
    assert!(
        failures.iter().any(|f| f.contains(
            "fires: magnesium_evening: expected to fire, but it is undecided (missing: labs.magnesium_rbc)"
        )),
        "{failures:?}"
    );
    insta::assert_snapshot!("failing_junit", xml);

    let json = warrant().args(["test", "--format", "json", &path]).output().unwrap();
    assert_eq!(json.status.code(), Some(3));
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!((json["passed"].as_u64(), json["failed"].as_u64()), (Some(1), Some(3)));
    assert_eq!(json["cases"].as_array().unwrap().len(), 4);
    insta::assert_json_snapshot!("failing_json", json);
}

#[test]
fn min_coverage_fails_a_run_whose_cases_leave_rules_unexercised() {
    let small = format!("{FIXTURES}/boundaries.yaml");
    let output = warrant().args(["test", "--min-coverage", "50", &small]).output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stdout_of(&output));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("coverage below the minimum of 50%: rules 0%"), "{stderr}");
    // The bundled tests exercise everything, so even 100% holds.
    let output = warrant().args(["test", "--min-coverage", "100"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let json = warrant().args(["test", "--format", "json", "--min-coverage", "100"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["coverage"]["rules"]["percent"], 100);
    let refused = warrant().args(["test", "--min-coverage", "101"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
}
