"""Issue 15's figures, side by side in one run: profiles per second for
`warrant batch` (JSON Lines), `KnowledgeBase.evaluate_arrow` from Python and
the Spark job in local mode, at 100 and 1,000 synthetic rules, on the same
1,000,000 profiles; then the peak memory of the Spark job streaming a
10,000,000-profile Parquet file. Run by bench/columnar/run.sh."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
import pyarrow.parquet as pq
import warrant

REPO = Path(__file__).resolve().parents[2]
WARRANT = REPO / "target" / "release" / "warrant"
JOB = REPO / "examples" / "spark" / "warrant_job.py"
WORK = Path(os.environ.get("WORK", "/tmp/warrant-columnar-bench"))
PROFILES = 1_000_000
LARGE = 10_000_000


def run(*args, **kwargs):
    return subprocess.run([str(a) for a in args], check=True, **kwargs)


def tree_rss_kb(root: int) -> int:
    """Resident memory of `root` and all its descendants, in KB, from /proc."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry.name))
            except OSError:
                continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def timed_job(*args) -> tuple[float, int]:
    """Wall seconds and peak resident memory (KB, the whole process tree:
    the Python driver, Spark's JVM and its Python workers) of a command."""
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    start = time.perf_counter()
    process = subprocess.Popen([str(a) for a in args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kb(process.pid))
        time.sleep(0.2)
    if process.returncode != 0:
        raise SystemExit(f"{args} failed with {process.returncode}")
    return time.perf_counter() - start, peak


def spark_job(profiles: Path, kb: Path, out: Path) -> tuple[float, int]:
    return timed_job(
        sys.executable, JOB, "--profiles", profiles, "--out", out, "--rules", kb / "rules",
        "--evidence", kb / "evidence", "--id-column", "name", "--master", "local[2]",
    )


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    jsonl, parquet = WORK / "profiles.jsonl", WORK / "profiles.parquet"
    with jsonl.open("wb") as out:
        run(WARRANT, "generate", "profiles", "--count", PROFILES, "--seed", 1, stdout=out)
    nested = pj.read_json(jsonl, read_options=pj.ReadOptions(block_size=1 << 24)).flatten().flatten()
    table = pa.table({"name": nested["name"], **{f"f{i}": nested[f"labs.f{i}.value"].cast(pa.float64()) for i in range(50)}})
    pq.write_table(table, parquet, row_group_size=100_000)
    print(f"{PROFILES:,} profiles; {jsonl.stat().st_size / 1e6:,.0f} MB of JSON Lines, {parquet.stat().st_size / 1e6:,.0f} MB of Parquet\n")

    print("| rules | `warrant batch`, JSON Lines, 2 threads | `warrant batch`, 1 thread | `evaluate_arrow`, 1 thread | Spark job, local[2], whole job |")
    print("|---:|---:|---:|---:|---:|")
    for rules in (100, 1000):
        kb = WORK / f"kb{rules}"
        run(WARRANT, "generate", "rules", "--count", rules, "--seed", 1, "--out", kb)
        rates = []
        for jobs in ("2", "1"):
            with jsonl.open("rb") as stdin:
                start = time.perf_counter()
                run(WARRANT, "batch", "--jobs", jobs, "--rules", kb / "rules", "--evidence", kb / "evidence",
                    stdin=stdin, stdout=subprocess.DEVNULL)
                rates.append(PROFILES / (time.perf_counter() - start))
        compiled = warrant.KnowledgeBase.from_dirs(str(kb / "rules"), str(kb / "evidence"))
        loaded = pq.read_table(parquet)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            result = compiled.evaluate_arrow(loaded, id_column="name")
            best = min(best, time.perf_counter() - start)
        assert result.num_rows == PROFILES
        rates.append(PROFILES / best)
        seconds, _ = spark_job(parquet, kb, WORK / f"results{rules}.parquet")
        rates.append(PROFILES / seconds)
        print(f"| {rules:,} | " + " | ".join(f"{rate / 1000:,.0f}k/s" for rate in rates) + " |")

    large = WORK / "large.parquet"
    with pq.ParquetWriter(large, table.schema) as writer:
        for copy in range(LARGE // PROFILES):
            names = pc.binary_join_element_wise(table["name"], pa.scalar(f"-{copy}"), "")
            writer.write_table(table.set_column(0, "name", names), row_group_size=100_000)
    seconds, peak = spark_job(large, WORK / "kb100", WORK / "large-results.parquet")
    print(f"\n{LARGE:,} profiles ({large.stat().st_size / 1e9:.1f} GB of Parquet), 100 rules, Spark local[2]: "
          f"{seconds:.0f} s, {LARGE / seconds / 1000:,.0f}k profiles/s, peak resident memory of the whole job "
          f"{peak / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
