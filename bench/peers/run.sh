#!/usr/bin/env bash
# Warrant against regorus, zen-engine and CLIPS on the synthetic workload,
# side by side in one run. Needs the Debian package `clips` on PATH.
#   bench/peers/run.sh [extra arguments for warrant-peers, e.g. --sizes 100]
# Writes the table to bench/peers/results.md (and prints it).
set -euo pipefail
cd "$(dirname "$0")"
command -v clips > /dev/null || { echo "error: \`clips\` not found; install it with \`apt-get install clips\`" >&2; exit 1; }
cargo build --release --locked --quiet
PEERS_WARRANT_REVISION="git $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- ../../src || echo ', modified')" \
  ./target/release/warrant-peers --clips "$(command -v clips)" --out results.md "$@"
