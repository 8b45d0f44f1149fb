"""Every file of tests/samples/exports/ read as it was meant, through the API: the mapping a
person would choose, the exact values stored, the rows refused with their codes, and the
notices that say what was decided (bench/corpus.py prints the same as figures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.corpus import corpus, run_file
from tests.helpers import settle


def _settle(client, token: str, import_id: str) -> None:
    settle(client, token, import_id)


@pytest.mark.parametrize("path", corpus(), ids=lambda path: path.name)
def test_an_export_is_read_as_it_was_meant(client, token, path: Path):
    outcome = run_file(client, token, path, _settle)
    assert outcome.problems == []
    assert outcome.values_checked > 0 or outcome.expected_rows == 0
