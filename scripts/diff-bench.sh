#!/usr/bin/env bash
# Times `warrant diff` on a corpus of N profiles (default 10,000) against
# the bundled knowledge base and a copy with the adult iron threshold
# lowered from 75 to 50 ng/mL, under /usr/bin/time: wall time, peak RSS,
# and how many profiles changed. The corpus is the fixture profiles over
# and over as JSON Lines, each with its own ferritin between 10 and 200.
#
#   scripts/diff-bench.sh [N]
#
# Needs python3 (with PyYAML) and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."

count="${1:-10000}"
cargo build --release --locked --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/rules"
for file in rules/*.warrant; do
    sed 's|when rls and (ferritin <= 75 ng/mL|when rls and (ferritin <= 50 ng/mL|' "$file" >"$work/rules/$(basename "$file")"
done
python3 - "$count" >"$work/corpus.jsonl" <<'PY'
import glob, json, random, sys
import yaml
random.seed(7)
profiles = [yaml.safe_load(open(path)) or {} for path in sorted(glob.glob("tests/fixtures/profiles/*.yaml"))]
for i in range(int(sys.argv[1])):
    profile = json.loads(json.dumps(profiles[i % len(profiles)], default=str))
    ferritin = profile.get("labs", {}).get("ferritin")
    if isinstance(ferritin, dict):
        ferritin["value"] = random.randint(10, 200)
    print(json.dumps(profile))
PY

for format in json markdown; do
    /usr/bin/time -f "%e %M" -o "$work/time" target/release/warrant --today 2026-11-29 diff \
        --base-rules rules --rules "$work/rules" --profiles "$work/corpus.jsonl" --format "$format" >"$work/out"
    read -r seconds kilobytes <"$work/time"
    changed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["changed"])' "$work/out" 2>/dev/null || echo "-")
    echo "diff-bench: $count profiles, --format $format: ${seconds} s, peak RSS ${kilobytes} KB, $(wc -c <"$work/out") bytes out, changed ${changed}"
done
