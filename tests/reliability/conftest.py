"""Figures collected by the reliability tests, printed as tables at the end of the run.

Tests call ``record(section, row)``; at the end pytest prints every section as a table,
and, when ``ALIREAD_RELIABILITY_JSON`` names a file, writes the rows there as JSON
(``report.py`` renders them into ``docs/reliability.md``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures_table import SECTIONS, render_text  # noqa: E402

_ROWS: dict[str, list[dict[str, Any]]] = {}
_OUTCOMES: dict[str, str] = {}


def record(section: str, row: dict[str, Any]) -> None:
    """Add one row to a section of the figures table."""
    if section not in SECTIONS:
        raise KeyError(f"unknown section {section!r}: one of {list(SECTIONS)}")
    _ROWS.setdefault(section, []).append(row)


@pytest.fixture
def figures() -> Any:
    """``figures(section, row)``: record one row of the reliability table."""
    return record


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "reliability" not in report.nodeid:
        return
    if report.when == "call" or report.outcome != "passed":
        _OUTCOMES[report.nodeid] = report.outcome


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _ROWS:
        return
    terminalreporter.section("reliability figures")
    terminalreporter.write(render_text(_ROWS))
    target = os.environ.get("ALIREAD_RELIABILITY_JSON")
    if target:
        outcomes = list(_OUTCOMES.values())
        data = {
            "rows": _ROWS,
            "tests": {k: outcomes.count(k) for k in ("passed", "failed", "skipped")},
        }
        Path(target).write_text(json.dumps(data, indent=1), encoding="utf-8")
