"""Shared fixtures: the repository, the `warrant` binary the answers are
compared with, and the pinned report date."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
TODAY = "2026-11-29"


@pytest.fixture(scope="session")
def warrant_bin() -> Path:
    """The CLI built from the same checkout (`cargo build` puts it in target/debug)."""
    path = Path(os.environ.get("WARRANT_BIN", REPO / "target" / "debug" / "warrant"))
    if not path.exists():
        pytest.fail(f"no warrant binary at {path}: run `cargo build --locked` first, or set WARRANT_BIN")
    return path


@pytest.fixture(scope="session")
def cli(warrant_bin):
    """Runs the CLI with the pinned date and no colour; returns (exit code, stdout, stderr)."""

    def run(*args: str, stdin: bytes | None = None):
        env = dict(os.environ, NO_COLOR="1", WARRANT_TODAY=TODAY)
        env.pop("WARRANT_ERROR_FORMAT", None)
        done = subprocess.run([str(warrant_bin), *args], input=stdin, capture_output=True, env=env, check=False)
        return done.returncode, done.stdout.decode(), done.stderr.decode()

    return run
