"""Warrant for Python.

Load a checked knowledge base once, then explain or plan profiles (the same
JSON documents ``warrant explain --format json`` and ``warrant plan --format
json`` print) or evaluate whole Arrow record batches column by column::

    import warrant

    kb = warrant.KnowledgeBase.bundled()
    report = kb.explain({"labs": {"ferritin": {"value": 32, "unit": "ng/mL"}}})
    results = kb.evaluate_arrow(batch)      # pyarrow.RecordBatch in and out

Bad input raises :class:`WarrantError`; its message says where, what and how
to fix it, and ``error.diagnostics`` holds the same diagnostics as dicts.
Warrant's reports are not medical advice.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Union

from warrant import _warrant

WarrantError = _warrant.WarrantError

Profile = Union[str, Mapping[str, Any]]

__all__ = ["KnowledgeBase", "WarrantError"]


def _diagnostics(error: BaseException) -> list:
    return [json.loads(text) for text in getattr(error, "diagnostics_json", [])]


# Every WarrantError carries its diagnostics as dicts.
WarrantError.diagnostics = property(_diagnostics)


def _profile_text(profile: Profile) -> str:
    if isinstance(profile, str):
        return profile
    if isinstance(profile, Mapping):
        return json.dumps(profile)
    raise TypeError(
        f"a profile is a dict (as the JSON profile format) or YAML/JSON text, not {type(profile).__name__}"
    )


class KnowledgeBase:
    """A checked, compiled knowledge base: rules and their evidence."""

    def __init__(self, compiled: "_warrant.KnowledgeBase") -> None:
        self._compiled = compiled

    @classmethod
    def bundled(cls) -> "KnowledgeBase":
        """The knowledge base bundled with Warrant (restless legs and nutrients)."""
        return cls(_warrant.KnowledgeBase.bundled())

    @classmethod
    def from_dirs(cls, rules: Optional[str] = None, evidence: Optional[str] = None) -> "KnowledgeBase":
        """Rule files under ``rules`` and evidence records under ``evidence``;
        the bundled ones for a directory not given. Raises WarrantError when
        they do not check."""
        return cls(_warrant.KnowledgeBase.from_dirs(rules, evidence))

    @property
    def outcomes(self) -> list:
        """The ids of the outcomes a report can show."""
        return self._compiled.outcomes

    def explain(self, profile: Profile, today: Optional[str] = None, strict: bool = False) -> dict:
        """The report for one profile, as ``warrant explain --format json`` gives it.

        ``today`` (YYYY-MM-DD) is the report date, the machine's date when not
        given; ``strict`` refuses list entries no rule reads."""
        return json.loads(self._compiled.explain_json(_profile_text(profile), today, strict))

    def plan(self, profile: Profile, today: Optional[str] = None, strict: bool = False) -> dict:
        """The daily plan for one profile, as ``warrant plan --format json`` gives it."""
        return json.loads(self._compiled.plan_json(_profile_text(profile), today, strict))

    def evaluate_arrow(self, batch, id_column: Optional[str] = None):
        """Evaluates a ``pyarrow.RecordBatch`` (or Table), one profile per row.

        Columns are named after inputs: labs (float or integer, in the lab's
        own unit unless the field's metadata has ``unit``), ``age``, ``sex``
        (``female``, ``male``, ``other``), ``pregnant``, ``lactating`` and
        flags (boolean), and ``conditions``, ``medications``,
        ``supplements``, ``diet`` (lists of strings). Null is unknown. The
        result has ``id_column`` (when named) and, per row, the ``fired`` and
        ``undecided`` outcome ids and the list entries ``not_considered``."""
        import pyarrow as pa

        if isinstance(batch, pa.Table):
            batches = [
                self._compiled.evaluate_arrow(part, id_column) for part in batch.to_batches()
            ]
            if not batches:
                empty = pa.RecordBatch.from_pylist([], schema=batch.schema)
                batches = [self._compiled.evaluate_arrow(empty, id_column)]
            return pa.Table.from_batches(batches)
        return self._compiled.evaluate_arrow(batch, id_column)
