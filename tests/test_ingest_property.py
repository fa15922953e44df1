"""Accounting holds for every import (CONTRACT 1.4), over random mixes of good and bad rows.

rows read = inserted + updated + unchanged + quarantined, the ledger says the same, the
store holds the last valid row of each ID, and importing the same file again changes
nothing. The expected numbers come from a plain-Python model of the rules.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import ingest, roles, store

ADMIN = roles.Actor.cli("prop")
HEADER = "request_id,received_at,channel,service,kecamatan,phone,nik,cancelled_at"

# (cells after the ID, valid?) - each bad one breaks a different rule
GOOD = [
    ("2020-06-08 08:15,wa,,Paringin,,,", True),
    ("08/06/2020 09.00,loket,kk,,0812 3456 789,,", True),
    ("2020-06-08T17:30:00Z,web,,,,3201012345670123,", True),
    ("9/6/2020,aplikasi,,Juai,,,10/06/2020", True),
]
BAD = [
    ("31/02/2020,wa,,,,,", False),  # not a date
    (",wa,,,,,", False),  # required value missing
    ("2020-06-08,fax,,,,,", False),  # unknown channel
    ("2020-06-08,wa,,,,123,", False),  # malformed NIK
    ("2020-06-08,wa,,,,,,extra", False),  # ragged line
]

row_strategy = st.tuples(
    st.sampled_from(["R1", "R2", "R3", "R4", "R5"]), st.sampled_from(GOOD + BAD)
)


def model(lines: list[tuple[str, tuple[str, bool]]]) -> tuple[int, dict[str, str]]:
    """(quarantined, id -> cells of the row that must be stored)."""
    quarantined = 0
    kept: dict[str, str] = {}
    for rid, (cells, valid) in lines:
        if not valid:
            quarantined += 1
            continue
        if rid in kept:
            quarantined += 1  # the earlier copy goes to quarantine as a duplicate
        kept[rid] = cells
    return quarantined, kept


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    before=st.lists(row_strategy, max_size=6),
    lines=st.lists(row_strategy, max_size=12),
)
def test_accounting_holds(home: Path, before: list, lines: list) -> None:
    # a fresh store per example (the fixture's DASHBOARD_HOME is restored afterwards)
    example_home = home / uuid.uuid4().hex
    os.environ["DASHBOARD_HOME"] = str(example_home)
    folder = example_home / "files"
    folder.mkdir(parents=True)

    def csv_of(name: str, content: list) -> Path:
        path = folder / name
        path.write_text(HEADER + "\n" + "".join(f"{rid},{cells}\n" for rid, (cells, _v) in content))
        return path

    _q0, stored_before = model(before)
    ingest.ingest_file(csv_of("before.csv", before), actor=ADMIN)
    path = csv_of("today.csv", lines)
    result = ingest.ingest_file(path, actor=ADMIN)

    quarantined, kept = model(lines)
    assert result.rows_read == len(lines)
    assert result.rows_read == (
        result.inserted + result.updated + result.unchanged + result.quarantined
    )
    assert result.quarantined == quarantined
    assert result.inserted == len(set(kept) - set(stored_before))
    assert result.unchanged == sum(1 for r in kept if stored_before.get(r) == kept[r])
    assert result.updated == sum(
        1 for r in kept if r in stored_before and stored_before[r] != kept[r]
    )

    with store.connect() as con:
        ledger = con.execute(
            "SELECT rows_read, inserted, updated, unchanged, quarantined FROM imports "
            "WHERE import_id = ?",
            [result.import_id],
        ).fetchall()
        assert ledger == [
            (
                result.rows_read,
                result.inserted,
                result.updated,
                result.unchanged,
                result.quarantined,
            )
        ]
        assert (
            con.execute(
                "SELECT count(*) FROM quarantine WHERE import_id = ?", [result.import_id]
            ).fetchall()[0][0]
            == quarantined
        )
        stored = dict(
            con.execute("SELECT request_id, count(*) FROM requests GROUP BY 1").fetchall()
        )
        before_rows = con.execute("SELECT * FROM requests ORDER BY request_id").fetchall()
    assert set(stored) == set(stored_before) | set(kept)
    assert set(stored.values()) <= {1}  # one row per ID, always

    again = ingest.ingest_file(path, actor=ADMIN)
    assert (again.inserted, again.updated) == (0, 0)
    assert (again.unchanged, again.quarantined) == (len(kept), quarantined)
    with store.connect() as con:
        assert con.execute("SELECT * FROM requests ORDER BY request_id").fetchall() == before_rows


def test_model_sanity() -> None:
    # the model itself, on a hand-worked case: R1 twice (valid), R2 bad
    lines = [("R1", GOOD[0]), ("R2", BAD[0]), ("R1", GOOD[1])]
    assert model(lines) == (2, {"R1": GOOD[1][0]})


pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
