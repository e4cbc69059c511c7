#!/usr/bin/env bash
# Issue 15's throughput and memory figures (BENCHMARKS.md, "Columnar
# evaluation, Python and Spark"): builds the release CLI, installs the
# package and PySpark into target/python-venv, and runs run.py. About ten
# minutes and 6 GB of disk under $WORK (default /tmp/warrant-columnar-bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked --quiet
venv=target/python-venv
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check ./crates/warrant-python "pyspark[sql]>=3.5,<5"
"$venv/bin/python" bench/columnar/run.py
