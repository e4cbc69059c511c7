#!/usr/bin/env bash
# The Python package (crates/warrant-python), as a user gets it: a fresh
# virtual environment, `pip install` of the package's path (maturin builds
# the wheel), then its pytest suite, which compares the answers with the
# CLI built from the same checkout.
#
#   scripts/python-test.sh            # the package's tests
#   scripts/python-test.sh --spark    # and the Spark job's (needs Java 17)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/python-venv
python3 -m venv --clear "$venv"
# The tests need no optimised build: the dev profile shares most of its
# compiled dependencies with `cargo test` and builds in a fraction of the
# time. Set MATURIN_PEP517_ARGS= (empty) to test the release wheel.
export MATURIN_PEP517_ARGS="${MATURIN_PEP517_ARGS---profile dev}"
"$venv/bin/pip" install --quiet --disable-pip-version-check ./crates/warrant-python pytest
cargo build --locked --quiet
"$venv/bin/python" -m pytest -q -p no:cacheprovider crates/warrant-python/tests

if [[ "${1:-}" == "--spark" ]]; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "pyspark[sql]>=3.5,<5"
    "$venv/bin/python" -m pytest -q -p no:cacheprovider examples/spark
fi
