"""`request_closures` (the backlog's close dates) stays right whatever order logs arrive in.

Each import refreshes it for the requests it touches (store.refresh_closed_dates); these
cases would leave a stale date if it did not: appointment before request, a recorded
appointment changed back, an appointment moved to another request, a cancellation.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dashboard import store
from dashboard.ingest import ingest_file
from dashboard.roles import Actor

ACTOR = Actor.cli("test")
REQ_HEADER = "request_id,received_at,channel,cancelled_at\n"
APT_HEADER = "appointment_id,request_id,scheduled_date,status,checked_in_at,recorded_at\n"


def _load(tmp: Path, name: str, text: str) -> None:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    ingest_file(path, actor=ACTOR)


def _closed(home: Path) -> dict[str, date | None]:
    with store.connect() as con:
        return dict(
            con.execute(
                "SELECT r.request_id, c.closed_date FROM requests r "
                "LEFT JOIN request_closures c USING (request_id)"
            ).fetchall()
        )


@pytest.fixture
def tmp(home: Path) -> Path:
    path = home.parent / "logs"
    path.mkdir()
    return path


def test_appointment_before_request_closes_when_request_arrives(home: Path, tmp: Path) -> None:
    _load(tmp, "a.csv", APT_HEADER + "A1,R1,2020-06-10,recorded,,2020-06-10 09:00\n")
    _load(tmp, "r.csv", REQ_HEADER + "R1,2020-06-08 08:00,wa,\n")
    assert _closed(home) == {"R1": date(2020, 6, 10)}


def test_recording_closes_and_a_correction_reopens(home: Path, tmp: Path) -> None:
    _load(tmp, "r.csv", REQ_HEADER + "R1,2020-06-08 08:00,wa,\nR2,2020-06-08 09:00,loket,\n")
    assert _closed(home) == {"R1": None, "R2": None}
    _load(tmp, "a1.csv", APT_HEADER + "A1,R1,2020-06-10,recorded,,2020-06-10 09:00\n")
    assert _closed(home) == {"R1": date(2020, 6, 10), "R2": None}
    # The same appointment corrected: it was for R2, and recorded a day later.
    _load(tmp, "a2.csv", APT_HEADER + "A1,R2,2020-06-11,recorded,,2020-06-11 09:00\n")
    assert _closed(home) == {"R1": None, "R2": date(2020, 6, 11)}
    # Corrected again: a no-show closes nothing.
    _load(tmp, "a3.csv", APT_HEADER + "A1,R2,2020-06-11,no_show,,\n")
    assert _closed(home) == {"R1": None, "R2": None}


def test_cancellation_and_recording_take_the_earlier_never_before_received(
    home: Path, tmp: Path
) -> None:
    _load(
        tmp,
        "r.csv",
        REQ_HEADER + "R1,2020-06-08 08:00,wa,2020-06-09 10:00\nR2,2020-06-12 08:00,wa,\n",
    )
    _load(
        tmp,
        "a.csv",
        APT_HEADER
        + "A1,R1,2020-06-15,recorded,,2020-06-15 09:00\n"
        # Recorded "before" the request was received: closes on the received date.
        + "A2,R2,2020-06-10,recorded,,2020-06-10 09:00\n",
    )
    assert _closed(home) == {"R1": date(2020, 6, 9), "R2": date(2020, 6, 12)}


def test_incremental_dates_equal_a_full_recompute(home: Path, tmp: Path) -> None:
    _load(
        tmp,
        "r.csv",
        REQ_HEADER + "".join(f"R{i},2020-06-0{1 + i % 5} 08:00,wa,\n" for i in range(20)),
    )
    _load(
        tmp,
        "a.csv",
        APT_HEADER
        + "".join(
            f"A{i},R{i % 20},2020-06-1{i % 7},{'recorded' if i % 3 else 'rejected'},"
            f"2020-06-1{i % 7} 08:00,{'2020-06-1' + str(i % 7) + ' 09:00' if i % 3 else ''}\n"
            for i in range(30)
        ),
    )
    before = _closed(home)
    with store.connect() as con, store.transaction(con):
        con.execute("DELETE FROM request_closures")
        store.refresh_closed_dates(con, "all")
    assert _closed(home) == before
    assert sum(v is not None for v in before.values()) > 0
