"""`explain` and `plan` from Python give the very documents the CLI prints
with `--format json`, for every fixture profile; bad input raises
WarrantError carrying the CLI's diagnostics."""

from __future__ import annotations

import json

import pytest
import warrant

from conftest import REPO, TODAY

PROFILES = sorted((REPO / "tests" / "fixtures" / "profiles").iterdir())
INVALID = sorted((REPO / "tests" / "fixtures" / "profiles_invalid").iterdir())
FHIR = sorted((REPO / "tests" / "fixtures" / "fhir").glob("*.json"))


@pytest.fixture(scope="module")
def kb():
    return warrant.KnowledgeBase.bundled()


@pytest.mark.parametrize("path", PROFILES + FHIR, ids=lambda p: p.name)
def test_explain_and_plan_equal_the_cli(kb, cli, path):
    text = path.read_text()
    for command, method in [("explain", kb.explain), ("plan", kb.plan)]:
        code, stdout, stderr = cli(command, str(path), "--format", "json")
        assert code == 0, stderr
        assert method(text, today=TODAY) == json.loads(stdout), f"{command} {path.name}"


def test_a_dict_profile_is_read_as_the_json_profile_format(kb, cli):
    profile = {"age": 45, "labs": {"ferritin": {"value": 32, "unit": "ng/mL"}}, "conditions": ["rls"]}
    code, stdout, _ = cli("explain", "-", "--format", "json", stdin=json.dumps(profile).encode())
    assert code == 0
    assert kb.explain(profile, today=TODAY) == json.loads(stdout)


def test_every_report_says_it_is_not_medical_advice(kb):
    report = kb.explain({"labs": {"ferritin": {"value": 32, "unit": "ng/mL"}}}, today=TODAY)
    assert "not medical advice" in json.dumps(report).lower()


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_a_bad_profile_raises_with_the_cli_diagnostics(kb, cli, path):
    code, _, stderr = cli("explain", str(path), "--format", "json", "--error-format", "json")
    assert code == 1
    want = [json.loads(line)["code"] for line in stderr.splitlines() if line.startswith("{")]
    with pytest.raises(warrant.WarrantError) as raised:
        kb.explain(path.read_text(), today=TODAY)
    assert [d["code"] for d in raised.value.diagnostics] == want
    assert str(raised.value), "the message says what is wrong"


def test_strict_refuses_what_no_rule_reads(kb):
    profile = {"conditions": ["rls", "hemochromatosys"]}
    assert kb.explain(profile, today=TODAY)["not_considered"]
    with pytest.raises(warrant.WarrantError, match="hemochromatosys"):
        kb.explain(profile, today=TODAY, strict=True)


def test_a_bad_date_or_profile_type_is_refused(kb):
    with pytest.raises(warrant.WarrantError, match="YYYY-MM-DD"):
        kb.explain({}, today="29/11/2026")
    with pytest.raises(TypeError, match="profile"):
        kb.explain(42, today=TODAY)


def test_rules_that_do_not_check_raise_with_every_diagnostic(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.warrant").write_text('warn x "X" when nosuch < 3 mg/L cite nobody supports\n')
    with pytest.raises(warrant.WarrantError) as raised:
        warrant.KnowledgeBase.from_dirs(rules=str(rules))
    codes = [d["code"] for d in raised.value.diagnostics]
    assert codes and all(code.startswith("E") for code in codes)
    assert "bad.warrant:1" in str(raised.value)


def test_a_missing_directory_is_an_error_not_the_bundled_base(tmp_path):
    with pytest.raises(warrant.WarrantError):
        warrant.KnowledgeBase.from_dirs(rules=str(tmp_path / "nowhere"))
