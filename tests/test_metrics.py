"""The contract's metrics (CONTRACT 3) against the hand-computed fixture (tests/fixtures.py).

The hand computation of every expected number is written next to it in tests/fixtures.py.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard import capacity, ingest, metrics, store
from dashboard.metrics import Filters
from dashboard.roles import Actor
from tests import fixtures as fx


@pytest.fixture
def fixture_store(home: Path) -> Path:
    fx.build_fixture_store(home)
    return home


def csv(filters: Filters = metrics.NO_FILTERS, read_only: bool = True) -> str:
    with store.connect(read_only=read_only) as con:
        return metrics.daily_csv(con, fx.FIXTURE_START, fx.FIXTURE_END, filters)


def test_daily_csv_unfiltered_matches_hand_computation(fixture_store: Path) -> None:
    assert csv() == fx.EXPECTED_DAILY_CSV


def test_daily_csv_same_on_a_write_connection(fixture_store: Path) -> None:
    assert csv(read_only=False) == fx.EXPECTED_DAILY_CSV


def test_fresh_build_through_ingest_gives_the_same_answer(home: Path) -> None:
    fx.build_fixture_store(home, fresh=True)
    assert csv() == fx.EXPECTED_DAILY_CSV
    with store.connect(read_only=True) as con:
        imports = con.execute(
            "SELECT kind, rows_read, quarantined FROM imports ORDER BY 1"
        ).fetchall()
    assert imports == [("appointments", 11, 0), ("requests", 9, 0)]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(channels=("whatsapp",)), fx.EXPECTED_DAILY_CSV_WHATSAPP),
        (Filters.single(kecamatan=fx.FILTER_KECAMATAN), fx.EXPECTED_DAILY_CSV_PARINGIN),
        (Filters.single(service="kk"), fx.EXPECTED_DAILY_CSV_KK),
        (Filters(services=("ktp_el",)), fx.EXPECTED_DAILY_CSV_KTP_EL),
    ],
    ids=["channel", "kecamatan", "service-kk", "service-ktp_el"],
)
def test_daily_csv_filtered(fixture_store: Path, filters: Filters, expected: str) -> None:
    assert csv(filters) == expected


def test_filter_combination_and_several_values(fixture_store: Path) -> None:
    # whatsapp AND paringin: R01 R02 R08 (R07 is Juai) -> requests 06-02, 06-03, 06-06.
    combo = Filters(channels=("whatsapp",), kecamatan=("paringin",))
    with store.connect(read_only=True) as con:
        frame = metrics.daily(con, fx.FIXTURE_START, fx.FIXTURE_END, combo)
        both = metrics.daily(
            con, fx.FIXTURE_START, fx.FIXTURE_END, Filters(channels=("online", "app"))
        )
    assert frame["requests"].tolist() == [0, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert frame["backlog_end"].tolist() == [0, 1, 1, 0, 0, 1, 1, 1, 1, 1]
    # online R05 (06-03, cancelled 06-05) + app R06 (06-04, kk: not in the backlog).
    assert both["requests"].tolist() == [0, 0, 1, 1, 0, 0, 0, 0, 0, 0]
    assert both["backlog_end"].tolist() == [0, 0, 1, 1, 0, 0, 0, 0, 0, 0]


def test_daily_frame_shape_and_types(fixture_store: Path) -> None:
    with store.connect(read_only=True) as con:
        frame = metrics.daily(con, fx.FIXTURE_START, fx.FIXTURE_END)
    assert tuple(frame.columns) == metrics.DAILY_COLUMNS
    assert len(frame) == 10
    assert str(frame["date"].dtype).startswith("datetime64")
    assert frame["date"].iloc[0] == pd.Timestamp("2020-06-01")
    assert frame["recorded"].dtype == "int64"
    assert frame["utilization"].isna().tolist() == [
        True,
        False,
        False,
        False,
        False,
        False,
        True,
        False,
        False,
        False,
    ]
    assert frame.loc[9, "utilization"] == 0.0833


def test_backlog_counts_history_before_the_range(fixture_store: Path) -> None:
    # Starting mid-way must give the same backlog as the full range (R03, R04, R05 ... were
    # received before 06-05).
    with store.connect(read_only=True) as con:
        part = metrics.daily(con, date(2020, 6, 5), date(2020, 6, 7))
        later = metrics.daily(con, date(2020, 6, 20), date(2020, 6, 21))
    assert part["backlog_end"].tolist() == [2, 3, 3]
    assert later["backlog_end"].tolist() == [2, 2]  # R07 and R08 are still open


def test_cap_column_is_the_capacity_calendar(fixture_store: Path) -> None:
    with store.connect(read_only=True) as con:
        cal = capacity.calendar(con, fx.FIXTURE_START, fx.FIXTURE_END)
        frame = metrics.daily(con, fx.FIXTURE_START, fx.FIXTURE_END)
    assert frame["cap"].tolist() == cal["cap"].tolist()
    got = [
        (d.date().isoformat(), int(c), s)
        for d, c, s in zip(cal["date"], cal["cap"], cal["source"], strict=True)
    ]
    assert got == fx.EXPECTED_CALENDAR


def test_orphan_counts_only_unfiltered_and_stops_being_one(fixture_store: Path) -> None:
    # A09 (request R99 unknown) is one of the two recordings of 06-08 without a filter.
    def recorded_0608(filters: Filters) -> int:
        with store.connect(read_only=True) as con:
            frame = metrics.daily(con, date(2020, 6, 8), date(2020, 6, 8), filters)
        return int(frame["recorded"].iloc[0])

    assert recorded_0608(metrics.NO_FILTERS) == 2
    assert recorded_0608(Filters(channels=("walk_in",))) == 1  # A04b only
    # R99 arrives later, through walk-in: A09 now counts in the walk-in view too.
    late = pd.DataFrame(
        {
            "request_id": ["R99"],
            "received_at": ["2020-06-07 10:00"],
            "channel": ["walk_in"],
            "service": ["ktp_el"],
        }
    )
    ingest.ingest_table(late, "requests", source_name="late.csv", actor=Actor.cli())
    assert recorded_0608(Filters(channels=("walk_in",))) == 2


def test_empty_store_and_empty_range(home: Path) -> None:
    with store.connect(read_only=True) as con:
        text = metrics.daily_csv(con, date(2020, 6, 6), date(2020, 6, 8))
        with pytest.raises(ValueError, match="before the start"):
            metrics.daily(con, date(2020, 6, 8), date(2020, 6, 6))
    assert text.splitlines()[1:] == [
        "2020-06-06,0,0,0,0,0,0,0,0,0,0,0,,0",
        "2020-06-07,0,0,0,0,0,0,0,0,0,0,0,,0",
        "2020-06-08,0,0,0,0,0,0,0,0,0,0,10,0.0000,0",
    ]
    assert text.endswith("\n") and "\r" not in text


def test_lead_times(fixture_store: Path) -> None:
    with store.connect(read_only=True) as con:
        dist = metrics.lead_times(con, fx.FIXTURE_START, fx.FIXTURE_END)
        summary = metrics.lead_time_summary(con, fx.FIXTURE_START, fx.FIXTURE_END)
        wa = metrics.lead_time_summary(
            con, fx.FIXTURE_START, fx.FIXTURE_END, Filters(channels=("whatsapp",))
        )
        none = metrics.lead_time_summary(con, date(2021, 1, 1), date(2021, 1, 31))
    assert list(dist.itertuples(index=False, name=None)) == fx.EXPECTED_LEAD_TIMES
    assert summary["n"] == fx.EXPECTED_LEAD_SUMMARY["n"]
    for key in ("median", "p90", "share_within_14"):
        assert summary[key] == pytest.approx(fx.EXPECTED_LEAD_SUMMARY[key])
    # whatsapp: R01 1, R02 1, R07 1 (R08 has no appointment) -> all 1 day.
    assert wa == {"median": 1.0, "p90": 1.0, "share_within_14": 1.0, "n": 3}
    assert none == {"median": None, "p90": None, "share_within_14": None, "n": 0}


def test_rates(fixture_store: Path) -> None:
    with store.connect(read_only=True) as con:
        got = metrics.rates(con, fx.FIXTURE_START, fx.FIXTURE_END)
        kk = metrics.rates(con, fx.FIXTURE_START, fx.FIXTURE_END, Filters.single(service="kk"))
        quiet = metrics.rates(con, date(2021, 1, 1), date(2021, 1, 2))
    assert got == pytest.approx(fx.EXPECTED_RATES)
    # kk: one no-show, nobody checked in: rejection rate undefined, no-show rate 1/1.
    assert kk["rejection_rate"] is None and kk["no_show_rate"] == 1.0
    assert quiet["rejection_rate"] is None and quiet["no_show_rate"] is None


def test_rejections_by_reason(fixture_store: Path) -> None:
    with store.connect(read_only=True) as con:
        day = metrics.rejections_by_reason(con, fx.FIXTURE_START, fx.FIXTURE_END)
        week = metrics.rejections_by_reason(con, fx.FIXTURE_START, fx.FIXTURE_END, grain="week")
        with pytest.raises(ValueError, match="grain"):
            metrics.rejections_by_reason(con, fx.FIXTURE_START, fx.FIXTURE_END, grain="year")
    as_tuples = [
        (pd.Timestamp(p).date().isoformat(), r, int(n))
        for p, r, n in day.itertuples(index=False, name=None)
    ]
    assert as_tuples == fx.EXPECTED_REJECTIONS
    week_tuples = [
        (pd.Timestamp(p).date().isoformat(), r, int(n))
        for p, r, n in week.itertuples(index=False, name=None)
    ]
    assert week_tuples == fx.EXPECTED_REJECTIONS_WEEK


def test_open_request_ages(fixture_store: Path) -> None:
    with store.connect(read_only=True) as con:
        at_0610 = metrics.open_request_ages(con, date(2020, 6, 10))
        at_0625 = metrics.open_request_ages(con, date(2020, 6, 25))
        at_0603 = metrics.open_request_ages(con, date(2020, 6, 3))
        kk = metrics.open_request_ages(con, date(2020, 6, 10), Filters.single(service="kk"))
    assert list(at_0610.itertuples(index=False, name=None)) == fx.EXPECTED_AGES_0610
    assert list(at_0625.itertuples(index=False, name=None)) == fx.EXPECTED_AGES_0625
    # End of 06-03: R02 R03 R04 R05 open (backlog 4), all 0-1 days old.
    assert at_0603["requests"].tolist() == [4, 0, 0, 0, 0]
    assert kk.empty


def test_filters_normalise_inputs() -> None:
    assert Filters(channels="whatsapp") == Filters(channels=("whatsapp",))
    assert Filters(kecamatan=["a", "b"]).kecamatan == ("a", "b")
    assert Filters.single(None, "", None) == Filters()
    assert not Filters().active and Filters(services=("kk",)).active
    assert Filters(services=("kk", "ktp_el")).backlog_applies
    assert not Filters(services=("kk",)).backlog_applies


def test_importing_metrics_does_not_import_pandas() -> None:
    # The CLI's `export daily` is benchmarked against a bare DuckDB query: pandas alone
    # would cost ~0.5 s of start-up, so metrics and capacity import it only when a
    # function returns a DataFrame.
    import subprocess
    import sys

    from dashboard import config

    code = "import sys, dashboard.metrics, dashboard.capacity; print('pandas' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=config.PROJECT_ROOT,
    )
    assert out.stdout.strip() == "False"


def _naive_daily(requests: list[dict], appointments: list[dict], days: list[date], f: Filters):
    """CONTRACT 3 read literally, one day at a time, in plain Python (the test's oracle)."""
    keys = {k.strip().lower() for k in f.kecamatan}

    def passes(r: dict) -> bool:
        return (
            (not f.channels or r["channel"] in f.channels)
            and (not keys or r["kecamatan"].strip().lower() in keys)
            and (not f.services or r["service"] in f.services)
        )

    reqs = {r["request_id"]: r for r in requests if passes(r)}
    appts = [a for a in appointments if not f.active or a["request_id"] in reqs]
    for a in appts:
        a["visit"] = a["checked_in"] or a["recorded"] or a["scheduled"]
        a["recorded_date"] = a["recorded"] or a["visit"]
    rows = []
    for d in days:
        day_reqs = [r for r in reqs.values() if r["received"] == d]
        row = {
            "requests": len(day_reqs),
            **{f"requests_{c}": sum(r["channel"] == c for r in day_reqs) for c in metrics.CHANNELS},
            "scheduled": sum(
                a["scheduled"] == d and a["status"] not in ("cancelled", "rescheduled")
                for a in appts
            ),
            "checked_in": sum(
                a["status"] in ("recorded", "rejected") and a["visit"] == d for a in appts
            ),
            "screening_rejected": sum(a["status"] == "rejected" and a["visit"] == d for a in appts),
            "recorded": sum(a["status"] == "recorded" and a["recorded_date"] == d for a in appts),
            "no_show": sum(a["status"] == "no_show" and a["scheduled"] == d for a in appts),
        }
        backlog = 0
        for r in reqs.values():
            if r["service"] != "ktp_el" or r["received"] > d:
                continue
            closes = [
                a["recorded_date"]
                for a in appts
                if a["request_id"] == r["request_id"] and a["status"] == "recorded"
            ]
            if r["cancelled"]:
                closes.append(r["cancelled"])
            if not any(c <= d for c in closes):
                backlog += 1
        row["backlog_end"] = backlog if f.backlog_applies else None
        rows.append(row)
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_daily_equals_the_contract_read_literally(home: Path, seed: int) -> None:
    # Random small logs (seeded), loaded through the real ingest; every count and the
    # backlog compared with a one-day-at-a-time reading of CONTRACT 3, for several filters.
    import random
    from datetime import timedelta

    rng = random.Random(seed)
    base = date(2020, 6, 1)
    requests, appointments = [], []
    for i in range(60):
        received = base + timedelta(days=rng.randrange(20))
        cancelled = received + timedelta(days=rng.randrange(8)) if rng.random() < 0.15 else None
        requests.append(
            {
                "request_id": f"Q{i}",
                "received": received,
                "channel": rng.choice(metrics.CHANNELS),
                "service": rng.choice(["ktp_el", "ktp_el", "kk"]),
                "kecamatan": rng.choice(["Paringin", " paringin", "HALONG", "Juai"]),
                "cancelled": cancelled,
            }
        )
    statuses = ["scheduled", "recorded", "recorded", "rejected", "no_show", "cancelled"]
    statuses.append("rescheduled")
    for j in range(90):
        rid = f"Q{rng.randrange(66)}"  # Q60..Q65 do not exist: orphans
        scheduled = base + timedelta(days=rng.randrange(25))
        status = rng.choice(statuses)
        checked = recorded = None
        if status in ("recorded", "rejected") and rng.random() < 0.8:
            checked = scheduled + timedelta(days=rng.randrange(2))
        if status == "recorded" and rng.random() < 0.7:
            recorded = (checked or scheduled) + timedelta(days=rng.randrange(2))
        appointments.append(
            {
                "appointment_id": f"P{j}",
                "request_id": rid,
                "scheduled": scheduled,
                "status": status,
                "checked_in": checked,
                "recorded": recorded,
            }
        )

    def ts(d: date | None, hour: str) -> str:
        return f"{d.isoformat()} {hour}" if d else ""

    ingest.ingest_table(
        pd.DataFrame(
            {
                "request_id": [r["request_id"] for r in requests],
                "received_at": [ts(r["received"], "09:00") for r in requests],
                "channel": [r["channel"] for r in requests],
                "service": [r["service"] for r in requests],
                "kecamatan": [r["kecamatan"] for r in requests],
                "cancelled_at": [ts(r["cancelled"], "15:00") for r in requests],
            }
        ),
        "requests",
        source_name="random_requests.csv",
        actor=Actor.cli(),
    )
    result = ingest.ingest_table(
        pd.DataFrame(
            {
                "appointment_id": [a["appointment_id"] for a in appointments],
                "request_id": [a["request_id"] for a in appointments],
                "scheduled_date": [a["scheduled"].isoformat() for a in appointments],
                "status": [a["status"] for a in appointments],
                "checked_in_at": [ts(a["checked_in"], "08:00") for a in appointments],
                "recorded_at": [ts(a["recorded"], "11:00") for a in appointments],
            }
        ),
        "appointments",
        source_name="random_appointments.csv",
        actor=Actor.cli(),
    )
    assert result.quarantined == 0
    start, end = date(2020, 6, 1), date(2020, 6, 30)
    days = [start + timedelta(days=k) for k in range(30)]
    for f in (
        metrics.NO_FILTERS,
        Filters(channels=("whatsapp", "app")),
        Filters(kecamatan=("PARINGIN ",)),
        Filters(services=("ktp_el",)),
        Filters(services=("kk",)),
        Filters(channels=("walk_in",), kecamatan=("halong",), services=("ktp_el",)),
    ):
        with store.connect(read_only=True) as con:
            frame = metrics.daily(con, start, end, f)
        got = frame.drop(columns=["date", "cap", "utilization"]).astype(object)
        got = got.where(got.notna(), None).to_dict("records")
        expected = _naive_daily(requests, [dict(a) for a in appointments], days, f)
        assert got == expected, f
