#!/usr/bin/env bash
# Runs the fuzz targets in fuzz/ for SECONDS each (default 60), every
# target or those named, each corpus seeded from the test fixtures. A
# finding stops the run with libFuzzer's report and the input saved under
# fuzz/artifacts/TARGET/; reproduce it with
#   cargo +nightly fuzz run TARGET fuzz/artifacts/TARGET/crash-...
#
#   scripts/fuzz.sh 3600              # an hour per target
#   scripts/fuzz.sh 10 rules fmt      # ten seconds each for two targets
#
# Needs the nightly toolchain; installs cargo-fuzz if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(rules fmt evidence profile_yaml profile_json fhir cds_hooks evaluate)
fi

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2

# Seeds: every fixture a target can read. Copying again is harmless.
seed() {
    local target="$1"
    shift
    mkdir -p "fuzz/corpus/$target"
    for file in "$@"; do
        cp "$file" "fuzz/corpus/$target/seed-$(basename "$(dirname "$file")")-$(basename "$file")"
    done
}
rule_files=(rules/*.warrant tests/fixtures/rules_invalid/*.warrant tests/fixtures/fmt/*.warrant
    tests/fixtures/person/rules/*.warrant tests/fixtures/lint/*.warrant)
seed rules "${rule_files[@]}"
seed fmt "${rule_files[@]}"
seed evidence evidence/*.yaml tests/fixtures/evidence_invalid/*.yaml
seed profile_yaml tests/fixtures/profiles/*.yaml tests/fixtures/profiles_invalid/*.yaml examples/profile.yaml
seed profile_json tests/fixtures/profiles/*.json tests/fixtures/profiles_invalid/*.json fuzz/seeds/profile_json/*.json
seed fhir tests/fixtures/fhir/*.json tests/fixtures/profiles_invalid/fhir_*.json
seed cds_hooks fuzz/seeds/cds_hooks/*.json
# `evaluate` reads rules, a line `---profile---`, and a profile.
mkdir -p fuzz/corpus/evaluate
for profile in tests/fixtures/person/profiles/*.yaml tests/fixtures/profiles/*.yaml; do
    for rules in tests/fixtures/person/rules/person.warrant rules/iron.warrant rules/magnesium.warrant; do
        out="fuzz/corpus/evaluate/seed-$(basename "$rules" .warrant)-$(basename "$profile" .yaml)"
        { cat "$rules"; printf '\n---profile---\n'; cat "$profile"; } >"$out"
    done
done

mkdir -p fuzz/logs
for target in "${targets[@]}"; do
    log="fuzz/logs/$target.log"
    # -timeout: an input taking 10 s is a runaway; -rss_limit_mb: so is 2 GB.
    if ! cargo +nightly fuzz run "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
        tail -n 80 "$log" >&2
        echo "fuzz: $target found a problem; the input is in fuzz/artifacts/$target/ (full log: $log)" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    memory=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
    echo "fuzz: $target ran ${seconds}s, ${runs:-?} inputs, peak ${memory:-?} MB, no finding"
done
