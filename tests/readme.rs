//! Every `console` sample in README.md is run against the built binary, on
//! the report date the README states, and must print what the README shows
//! (`...` and `[..]` mark what a sample leaves out). So none can go stale.

#[test]
fn readme_samples_print_what_the_readme_shows() {
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .env("WARRANT_TODAY", "2026-11-29")
        .env("WARRANT_ERROR_FORMAT", "human")
        .register_bin("warrant", trycmd::cargo::cargo_bin("warrant"))
        .case("README.md");
}
