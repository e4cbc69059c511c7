#!/usr/bin/env bash
# Peak memory of `warrant batch` over a million synthetic profiles, streamed
# through a pipe so that nothing but the batch itself is measured.
#   scripts/peak-memory.sh [PROFILES] [RULES]
set -euo pipefail
cd "$(dirname "$0")/.."
profiles="${1:-1000000}"
rules="${2:-1000}"
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./target/release/warrant generate rules --count "$rules" --out "$work"
./target/release/warrant generate profiles --count "$profiles" \
  | /usr/bin/time -v ./target/release/warrant batch --rules "$work/rules" --evidence "$work/evidence" \
      > /dev/null 2> "$work/time.txt"
grep -E "Maximum resident set size|Elapsed \(wall clock\)|batch:" "$work/time.txt"
