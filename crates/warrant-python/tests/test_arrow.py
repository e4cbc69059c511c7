"""`evaluate_arrow`: a record batch evaluated column by column gives, row
for row, the outcomes `warrant batch` gives for the same profiles as JSON
Lines; bad columns raise WarrantError naming the column and the row."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
import warrant

FIELDS = 50


def generated(cli, tmp_path, rules: int, profiles: int, seed: int):
    """A synthetic knowledge base and profiles, some labs left out."""
    code, _, stderr = cli("generate", "rules", "--count", str(rules), "--seed", str(seed), "--out", str(tmp_path))
    assert code == 0, stderr
    code, stdout, stderr = cli("generate", "profiles", "--count", str(profiles), "--seed", str(seed))
    assert code == 0, stderr
    lines = []
    for index, line in enumerate(stdout.splitlines()):
        profile = json.loads(line)
        # Leave some labs out, so unknowns flow through the rules too.
        profile["labs"] = {k: v for k, v in profile["labs"].items() if (len(k) + index) % 7 != 0}
        lines.append(profile)
    return lines


def as_batch(profiles) -> pa.RecordBatch:
    columns = {"name": [p["name"] for p in profiles]}
    for field in range(FIELDS):
        key = f"f{field}"
        columns[key] = [p["labs"][key]["value"] if key in p["labs"] else None for p in profiles]
    arrays = [pa.array(values, type=pa.float64() if key != "name" else pa.string()) for key, values in columns.items()]
    schema = pa.schema(
        [pa.field("name", pa.string())]
        + [pa.field(f"f{field}", pa.float64(), metadata={"unit": "mg/L"}) for field in range(FIELDS)]
    )
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


@pytest.mark.parametrize("rules", [100, 1000])
def test_columnar_results_equal_warrant_batch(cli, tmp_path, rules):
    profiles = generated(cli, tmp_path, rules, 1500, seed=rules)
    jsonl = "".join(json.dumps(p) + "\n" for p in profiles).encode()
    code, stdout, stderr = cli(
        "batch", "--rules", str(tmp_path / "rules"), "--evidence", str(tmp_path / "evidence"), stdin=jsonl
    )
    assert code == 0, stderr
    want = [json.loads(line) for line in stdout.splitlines()]

    kb = warrant.KnowledgeBase.from_dirs(str(tmp_path / "rules"), str(tmp_path / "evidence"))
    got = kb.evaluate_arrow(as_batch(profiles), id_column="name").to_pylist()
    assert len(got) == len(want) == 1500
    for row, (mine, theirs) in enumerate(zip(got, want)):
        assert mine["name"] == theirs["profile"]
        assert mine["fired"] == theirs["fired"], f"row {row}"
        assert mine["undecided"] == theirs["undecided"], f"row {row}"
    assert any(row["fired"] for row in got) and any(row["undecided"] for row in got)


@pytest.fixture(scope="module")
def kb():
    return warrant.KnowledgeBase.bundled()


def test_a_unit_in_the_field_metadata_is_converted(kb):
    mass = pa.RecordBatch.from_arrays([pa.array([32.0, 120.0])], names=["ferritin"])
    same = pa.RecordBatch.from_arrays(
        [pa.array([32.0, 120.0])], schema=pa.schema([pa.field("ferritin", pa.float64(), metadata={"unit": "ug/L"})])
    )
    assert kb.evaluate_arrow(mass).to_pylist() == kb.evaluate_arrow(same).to_pylist()


def test_every_kind_of_column_is_read(kb):
    batch = pa.RecordBatch.from_pydict(
        {
            "id": ["a", "b"],
            "ferritin": [32, None],
            "age": [45.0, 8.0],
            "sex": ["female", None],
            "pregnant": [False, False],
            "lactating": [False, False],
            "rls": [None, True],
            "medications": [["omeprazole"], ["omeprazole"]],
            "conditions": [["rls", "hemochromatosys"], None],
        }
    )
    rows = kb.evaluate_arrow(batch, id_column="id").to_pylist()
    assert [row["id"] for row in rows] == ["a", "b"]
    # `rls` comes from the conditions list in row a, from its own column in row b.
    assert "evening_minerals" in rows[0]["fired"]
    # Advice for adults never reaches a child: it is withheld, and said so.
    assert "evening_minerals" not in rows[1]["fired"]
    assert "rules_for_adults" in rows[1]["fired"]
    assert rows[0]["not_considered"] == ["`hemochromatosys` (conditions): did you mean `hemochromatosis`?"]
    assert rows[1]["not_considered"] == []


def test_a_table_of_several_batches_and_an_empty_one(kb):
    batch = pa.RecordBatch.from_pydict({"ferritin": [10.0, 50.0, 300.0]})
    table = pa.Table.from_batches([batch, batch])
    assert kb.evaluate_arrow(table).num_rows == 6
    empty = kb.evaluate_arrow(pa.table({"ferritin": pa.array([], pa.float64())}))
    assert empty.num_rows == 0 and empty.column_names == ["fired", "undecided", "not_considered"]


@pytest.mark.parametrize(
    "columns, schema_unit, message",
    [
        ({"colour": [1.0]}, None, "column `colour`: no rule reads an input of this name"),
        ({"ferritin": ["high"]}, None, "column `ferritin`: the column is Utf8; give numbers"),
        ({"ferritin": [30.0, -1.0]}, None, "column `ferritin`: the value of profile 1 is not a finite number"),
        ({"ferritin": [1e12]}, None, "column `ferritin`: the value of profile 0 is outside the plausible range"),
        ({"ferritin": [30.0]}, "mmol/L", "column `ferritin`: the values are in `mmol/L`, which does not fit"),
        ({"ferritin": [30.0]}, "furlongs", "`furlongs`, which is not a unit Warrant knows"),
        ({"sex": ["f"]}, None, "column `sex`: row 0 is `f`; write `female`, `male` or `other`"),
        ({"rls": [1]}, None, "column `rls`: the column is Int64; give true, false or null"),
        ({"conditions": [["rls", None]]}, None, "column `conditions`: row 0 has a null entry"),
        (
            {"conditions": [[f"c{i}" for i in range(501)]]},
            None,
            "column `conditions`: the list of profile 0 has 501 entries, more than the limit of 500",
        ),
    ],
)
def test_a_bad_column_is_refused_with_where_and_what(kb, columns, schema_unit, message):
    batch = pa.RecordBatch.from_pydict(columns)
    if schema_unit:
        field = batch.schema.field(0).with_metadata({"unit": schema_unit})
        batch = pa.RecordBatch.from_arrays(batch.columns, schema=pa.schema([field]))
    with pytest.raises(warrant.WarrantError, match=message.replace("(", r"\(").replace(")", r"\)")):
        kb.evaluate_arrow(batch)


def test_an_input_given_by_two_columns_is_refused(kb):
    batch = pa.RecordBatch.from_pydict({"ferritin": [30.0], "Ferritin": [40.0]})
    with pytest.raises(warrant.WarrantError, match="column `Ferritin`: column `ferritin` gives the same input"):
        kb.evaluate_arrow(batch)


@pytest.mark.parametrize(
    "columns, code",
    [
        ({"colour": [1.0]}, "E0602"),
        ({"ferritin": ["high"]}, "E0601"),
        ({"ferritin": [-1.0]}, "E0604"),
        ({"ferritin": [1e12]}, "E0611"),
        ({"ferritin": [30.0], "Ferritin": [40.0]}, "E0608"),
    ],
)
def test_column_errors_carry_the_profile_readers_codes(kb, columns, code):
    with pytest.raises(warrant.WarrantError) as raised:
        kb.evaluate_arrow(pa.RecordBatch.from_pydict(columns))
    assert [d["code"] for d in raised.value.diagnostics] == [code]
    assert f"error[{code}]" in str(raised.value)


def test_a_named_id_column_must_exist(kb):
    with pytest.raises(warrant.WarrantError, match="`id_column` is `id`"):
        kb.evaluate_arrow(pa.RecordBatch.from_pydict({"ferritin": [30.0]}), id_column="id")
