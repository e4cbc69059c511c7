"""The Spark job on 100,000 generated profiles in local mode: its Parquet
results must equal, profile for profile, what `warrant batch` gives for the
same profiles as JSON Lines. Run by `scripts/python-test.sh --spark`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]
JOB = Path(__file__).resolve().parent / "warrant_job.py"
PROFILES = 100_000
FIELDS = 50


def warrant(*args: str, stdout=subprocess.PIPE, stdin=None) -> subprocess.CompletedProcess:
    binary = os.environ.get("WARRANT_BIN", str(REPO / "target" / "debug" / "warrant"))
    env = dict(os.environ, NO_COLOR="1", WARRANT_TODAY="2026-11-29")
    return subprocess.run([binary, *args], stdout=stdout, stdin=stdin, env=env, check=True)


def test_the_spark_job_equals_warrant_batch(tmp_path):
    warrant("generate", "rules", "--count", "100", "--seed", "5", "--out", str(tmp_path))
    generated = warrant("generate", "profiles", "--count", str(PROFILES), "--seed", "5").stdout.decode()

    # The same profiles twice: JSON Lines for `warrant batch`, Parquet for
    # Spark, with every seventh lab or so left out (unknown in both).
    names, columns, lines = [], [[] for _ in range(FIELDS)], []
    for index, line in enumerate(generated.splitlines()):
        profile = json.loads(line)
        profile["labs"] = {k: v for k, v in profile["labs"].items() if (len(k) + index) % 7 != 0}
        lines.append(json.dumps(profile))
        names.append(profile["name"])
        for field in range(FIELDS):
            lab = profile["labs"].get(f"f{field}")
            columns[field].append(lab["value"] if lab else None)
    table = pa.table({"name": names, **{f"f{field}": pa.array(columns[field], pa.float64()) for field in range(FIELDS)}})
    pq.write_table(table, tmp_path / "profiles.parquet")
    jsonl = tmp_path / "profiles.jsonl"
    jsonl.write_text("\n".join(lines) + "\n")

    rules, evidence = str(tmp_path / "rules"), str(tmp_path / "evidence")
    with jsonl.open("rb") as stdin:
        batch = warrant("batch", "--rules", rules, "--evidence", evidence, stdin=stdin).stdout.decode()
    want = {}
    for line in batch.splitlines():
        result = json.loads(line)
        want[result["profile"]] = (result["fired"], result["undecided"], result["not_considered"])

    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    out = tmp_path / "results.parquet"
    subprocess.run(
        [sys.executable, str(JOB), "--profiles", str(tmp_path / "profiles.parquet"), "--out", str(out),
         "--rules", rules, "--evidence", evidence, "--id-column", "name", "--master", "local[2]"],
        env=env, check=True,
    )
    results = pq.read_table(out).to_pylist()
    assert len(results) == PROFILES == len(want)
    for row in results:
        assert (row["fired"], row["undecided"], row["not_considered"]) == want[row["name"]], row["name"]
    assert sum(1 for row in results if row["fired"]) > PROFILES // 2
    assert sum(1 for row in results if row["undecided"]) > 0


def test_a_bad_unit_option_is_refused():
    done = subprocess.run(
        [sys.executable, str(JOB), "--profiles", "x", "--out", "y", "--unit", "ferritin"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode != 0
    assert "--unit takes NAME=UNIT" in done.stderr


def test_a_unit_for_a_column_the_profiles_lack_is_refused(tmp_path):
    pq.write_table(pa.table({"name": ["a"], "ferritin": [30.0]}), tmp_path / "p.parquet")
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    done = subprocess.run(
        [sys.executable, str(JOB), "--profiles", str(tmp_path / "p.parquet"), "--out", str(tmp_path / "out"),
         "--unit", "feritin=ug/L", "--master", "local[1]"],
        capture_output=True, text=True, env=env, check=False,
    )
    assert done.returncode != 0
    assert "--unit names `feritin`, which the profiles do not have" in done.stderr
    assert not (tmp_path / "out").exists(), "nothing is written"


def test_existing_results_are_kept_unless_overwrite_is_given(tmp_path):
    pq.write_table(pa.table({"name": ["a"], "ferritin": [30.0]}), tmp_path / "p.parquet")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "kept").write_text("earlier results")
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    job = [sys.executable, str(JOB), "--profiles", str(tmp_path / "p.parquet"), "--out", str(tmp_path / "out"),
           "--master", "local[1]"]
    done = subprocess.run(job, capture_output=True, text=True, env=env, check=False)
    assert done.returncode != 0
    assert "already exists; remove it, or pass --overwrite" in done.stderr
    assert (tmp_path / "out" / "kept").read_text() == "earlier results"
    subprocess.run(job + ["--overwrite"], capture_output=True, env=env, check=True)
    assert pq.read_table(tmp_path / "out").to_pylist()[0]["name"] == "a"


def test_a_column_no_rule_reads_stops_the_job_before_it_starts(tmp_path):
    pq.write_table(pa.table({"name": ["a"], "feritin": [30.0]}), tmp_path / "p.parquet")
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    done = subprocess.run(
        [sys.executable, str(JOB), "--profiles", str(tmp_path / "p.parquet"), "--out", str(tmp_path / "out"),
         "--master", "local[1]"],
        capture_output=True, text=True, env=env, check=False,
    )
    assert done.returncode != 0
    assert "error[E0602]: column `feritin`: no rule reads an input of this name" in done.stderr
    assert not (tmp_path / "out").exists(), "nothing is written"
