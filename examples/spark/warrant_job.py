"""Evaluate a Parquet dataset of profiles with Warrant on Spark.

One row per profile, one column per input (as `KnowledgeBase.evaluate_arrow`
reads them), plus an identifier column. Each task (one per partition) loads the
knowledge base once and evaluates its partition's Arrow batches (`mapInArrow`),
column by column; the results (the identifier, then the fired, undecided
and not-considered lists) are written back as Parquet.

    python examples/spark/warrant_job.py --profiles profiles.parquet --out results.parquet \
        [--rules DIR] [--evidence DIR] [--id-column name] [--unit ferritin=ug/L] [--overwrite] [--master local[2]]

On a cluster the job is the same: ship the wheel (`--py-files` cannot carry a
compiled module, so install it on the executors, e.g. `pip install
warrant-*.whl` in the image or `spark.archives` with a packed virtual
environment) and the rule and evidence directories (`--files`, or a path the
executors can read), then `spark-submit` this file without `--master`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Dict, Iterator, Optional

import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql.types import ArrayType, StringType, StructField, StructType


def parse_units(pairs) -> Dict[str, str]:
    units = {}
    for pair in pairs:
        name, sep, unit = pair.partition("=")
        if not sep or not name or not unit:
            raise SystemExit(f"error: --unit takes NAME=UNIT, as in ferritin=ug/L; got `{pair}`")
        units[name] = unit
    return units


def with_units(batch: pa.RecordBatch, units: Dict[str, str]) -> pa.RecordBatch:
    """The batch with each named column's unit in its field metadata (Parquet
    written by Spark keeps none)."""
    if not units:
        return batch
    fields = [
        field.with_metadata({"unit": units[field.name]}) if field.name in units else field
        for field in batch.schema
    ]
    return pa.RecordBatch.from_arrays(batch.columns, schema=pa.schema(fields))


def evaluator(rules: Optional[str], evidence: Optional[str], id_column: str, units: Dict[str, str]):
    """The function each task runs over its partition's batches."""

    def evaluate(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import warrant

        kb = warrant.KnowledgeBase.from_dirs(rules, evidence)
        for batch in batches:
            yield kb.evaluate_arrow(with_units(batch, units), id_column=id_column)

    return evaluate


def check_on_driver(frame, rules, evidence, id_column: str, units: Dict[str, str]) -> None:
    """Rules that do not check, and columns no rule reads or of the wrong
    type, stop the job here with Warrant's own message, before any
    executor starts (a value refused later fails its task, with the same
    kind of message in the task's error)."""
    import warrant
    from pyspark.sql.pandas.types import to_arrow_schema

    try:
        kb = warrant.KnowledgeBase.from_dirs(rules, evidence)
        empty = pa.RecordBatch.from_pylist([], schema=to_arrow_schema(frame.schema))
        kb.evaluate_arrow(with_units(empty, units), id_column=id_column)
    except warrant.WarrantError as error:
        # Warrant's own diagnostic, code and all: `error[E0602]: column ...`.
        raise SystemExit(str(error)) from None


def exists(spark: SparkSession, path: str) -> bool:
    """Whether `path` exists, on whatever file system Spark writes to."""
    hadoop_path = spark._jvm.org.apache.hadoop.fs.Path(path)
    return hadoop_path.getFileSystem(spark._jsc.hadoopConfiguration()).exists(hadoop_path)


def run(spark: SparkSession, profiles: str, out: str, rules, evidence, id_column: str, units, overwrite=False) -> None:
    if not overwrite and exists(spark, out):
        raise SystemExit(f"error: `{out}` already exists; remove it, or pass --overwrite to replace it")
    frame = spark.read.parquet(profiles)
    if id_column not in frame.columns:
        raise SystemExit(f"error: the profiles have no `{id_column}` column; name the identifier with --id-column")
    unknown = sorted(set(units) - set(frame.columns))
    if unknown:
        raise SystemExit(f"error: --unit names {', '.join(f'`{n}`' for n in unknown)}, which the profiles do not have")
    check_on_driver(frame, rules, evidence, id_column, units)
    listed = ArrayType(StringType(), containsNull=True)
    schema = StructType(
        [frame.schema[id_column]]
        + [StructField(name, listed, nullable=False) for name in ("fired", "undecided", "not_considered")]
    )
    results = frame.mapInArrow(evaluator(rules, evidence, id_column, units), schema)
    # Spark's committer moves the files into place only when every task has
    # succeeded, so a failed job leaves no partial results.
    results.write.mode("overwrite" if overwrite else "errorifexists").parquet(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", required=True, help="Parquet file or directory of profiles")
    parser.add_argument("--out", required=True, help="where to write the results (Parquet)")
    parser.add_argument("--rules", help="rule directory (default: the bundled rules)")
    parser.add_argument("--evidence", help="evidence directory (default: the bundled evidence)")
    parser.add_argument("--id-column", default="name", help="the column that identifies a profile")
    parser.add_argument("--unit", action="append", default=[], help="NAME=UNIT for a lab column not in its own unit")
    parser.add_argument("--overwrite", action="store_true", help="replace the results if --out already exists")
    parser.add_argument("--master", help="Spark master, e.g. local[2]; leave out under spark-submit")
    args = parser.parse_args(argv)
    units = parse_units(args.unit)
    builder = SparkSession.builder.appName("warrant")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    try:
        run(spark, args.profiles, args.out, args.rules, args.evidence, args.id_column, units, args.overwrite)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
