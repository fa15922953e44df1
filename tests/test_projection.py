"""Backlog clearance projection (metrics.project_clearance) on hand-computed cases.

Calendar used: 2020-05-29 Fri; 05-30/31 weekend; 06-01 Mon Pancasila Day (holiday);
06-04 Thu; 06-05 Fri; 06-06/07 weekend; 06-08 Mon. Default cap 10.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from dashboard import capacity, ingest, metrics, store
from dashboard.metrics import Filters
from dashboard.roles import Actor
from tests import fixtures as fx

CLI = Actor.cli("test")


def add_requests(
    n: int, received: str, prefix: str, channel: str = "walk_in", service: str = "ktp_el"
) -> list[str]:
    ids = [f"{prefix}{i:03d}" for i in range(n)]
    frame = pd.DataFrame(
        {
            "request_id": ids,
            "received_at": [received] * n,
            "channel": [channel] * n,
            "service": [service] * n,
        }
    )
    ingest.ingest_table(frame, "requests", source_name=f"{prefix}.csv", actor=CLI)
    return ids


def add_appointments(rows: list[dict[str, str]]) -> None:
    frame = pd.DataFrame(rows)
    ingest.ingest_table(frame, "appointments", source_name="appts.csv", actor=CLI)


def project(as_of: date, **kwargs) -> metrics.Projection:
    with store.connect(read_only=True) as con:
        return metrics.project_clearance(con, as_of, **kwargs)


def series_rows(p: metrics.Projection) -> list[tuple[str, int, float, float]]:
    return [
        (pd.Timestamp(d).date().isoformat(), int(c), round(r, 6), round(b, 6))
        for d, c, r, b in p.series.itertuples(index=False, name=None)
    ]


def test_backlog_30_no_demand_clears_in_three_working_days(home: Path) -> None:
    # 30 open requests received long before the 28-day window: no demand, no appointments
    # (rates taken as 1). As of Thu 06-04: Fri 20 left, weekend closed, Mon 10, Tue 0.
    add_requests(30, "2020-04-15 09:00", "B")
    p = project(date(2020, 6, 4))
    assert p.backlog_now == 30
    assert p.daily_demand == 0.0
    assert (p.show_rate, p.pass_rate, p.rates_assumed) == (1.0, 1.0, True)
    assert p.clear_date == date(2020, 6, 9)
    assert series_rows(p) == [
        ("2020-06-05", 10, 10.0, 20.0),
        ("2020-06-06", 0, 0.0, 20.0),
        ("2020-06-07", 0, 0.0, 20.0),
        ("2020-06-08", 10, 10.0, 10.0),
        ("2020-06-09", 10, 10.0, 0.0),
    ]


def test_holiday_and_override_ahead_are_used(home: Path) -> None:
    # As of Fri 05-29: Sat, Sun closed, Mon 06-01 holiday, Tue 20, Wed 10, Thu 0.
    add_requests(30, "2020-04-15 09:00", "B")
    assert project(date(2020, 5, 29)).clear_date == date(2020, 6, 4)
    # An override opening the holiday with 15: Mon 15, Tue 5, Wed 0.
    with store.connect() as con:
        capacity.set_override(
            con, date(2020, 6, 1), None, 15, reason="open on the holiday", actor=CLI
        )
    assert project(date(2020, 5, 29)).clear_date == date(2020, 6, 3)


def test_what_if_cap_applies_to_open_days_only(home: Path) -> None:
    add_requests(30, "2020-04-15 09:00", "B")
    assert project(date(2020, 6, 4), what_if_cap=30).clear_date == date(2020, 6, 5)
    # 15 a day: Fri 15 left; the weekend stays closed; Mon 0.
    p = project(date(2020, 6, 4), what_if_cap=15)
    assert p.clear_date == date(2020, 6, 8)
    assert p.series["cap"].tolist() == [15, 0, 0, 15]
    # A what-if cap of 0 means nothing is ever recorded.
    assert project(date(2020, 6, 4), what_if_cap=0, horizon_days=30).clear_date is None
    with pytest.raises(ValueError, match="what-if"):
        project(date(2020, 6, 4), what_if_cap=-1)


def test_never_clears_when_demand_beats_capacity(home: Path) -> None:
    # 11 new requests every day of the window 05-08..06-04 (28 days), none recorded:
    # demand 11/day on every weekday, capacity at most 10 on working days only.
    start = date(2020, 5, 8)
    for offset in range(28):
        day = start + timedelta(days=offset)
        add_requests(11, f"{day.isoformat()} 09:00", f"D{offset:02d}-")
    p = project(date(2020, 6, 4), horizon_days=60)
    assert p.backlog_now == 308
    assert p.daily_demand == pytest.approx(11.0)
    assert p.demand_by_weekday == {d: pytest.approx(11.0) for d in range(1, 8)}
    assert p.clear_date is None
    assert len(p.series) == 60
    # Each working day adds 11 - 10 = 1, each closed day 11: after Fri 06-05: 309.
    assert series_rows(p)[0] == ("2020-06-05", 10, 10.0, 309.0)


def test_demand_by_weekday_and_recent_rates(home: Path) -> None:
    # 36 requests received long ago; in the window, 10 appointments for 10 of them:
    # 6 recorded, 2 rejected (checked in), 2 no-shows -> backlog 36 - 6 = 30.
    # show rate = 8 / (8 + 2) = 0.8; pass rate = 1 - 2/8 = 0.75; throughput = 10 x 0.6 = 6.
    # Plus one request on each Monday of the window (05-11, 05-18, 05-25, 06-01):
    # Monday demand 4/4 = 1, daily demand 4/28; backlog 34.
    ids = add_requests(36, "2020-04-15 09:00", "B")
    statuses = ["recorded"] * 6 + ["rejected"] * 2 + ["no_show"] * 2
    add_appointments(
        [
            {
                "appointment_id": f"A{i}",
                "request_id": ids[i],
                "scheduled_date": "2020-05-20",
                "status": status,
                "checked_in_at": "2020-05-20 09:00" if status != "no_show" else "",
                "rejection_reason": "fever" if status == "rejected" else "",
                "recorded_at": "2020-05-20 09:30" if status == "recorded" else "",
            }
            for i, status in enumerate(statuses)
        ]
    )
    for monday in ("2020-05-11", "2020-05-18", "2020-05-25", "2020-06-01"):
        add_requests(1, f"{monday} 10:00", f"M{monday}-")
    p = project(date(2020, 6, 4))
    assert p.backlog_now == 34
    assert p.show_rate == pytest.approx(0.8)
    assert p.pass_rate == pytest.approx(0.75)
    assert not p.rates_assumed
    assert p.daily_demand == pytest.approx(4 / 28)
    assert p.demand_by_weekday[1] == pytest.approx(1.0)
    assert p.demand_by_weekday[2] == 0.0
    # Fri 06-05: 34 - 6 = 28 | weekend 28 | Mon 06-08: 28 + 1 - 6 = 23 | Tue 17 | Wed 11 |
    # Thu 5 | Fri 06-12: 0.
    assert [round(b, 6) for b in p.series["backlog"]] == [28, 28, 28, 23, 17, 11, 5, 0]
    assert p.clear_date == date(2020, 6, 12)


def test_nothing_open_is_clear_already(home: Path) -> None:
    p = project(date(2020, 6, 4))
    assert p.clear_date == date(2020, 6, 4)
    assert p.backlog_now == 0 and p.series.empty


def test_service_filter_without_ktp_el_is_not_applicable(home: Path) -> None:
    add_requests(3, "2020-06-01 09:00", "K", service="kk")
    p = project(date(2020, 6, 4), filters=Filters.single(service="kk"))
    assert not p.applicable and p.clear_date is None


def test_fixture_store_projection(home: Path) -> None:
    # tests/fixtures.py, as of 06-10: R07 and R08 open (backlog 2). Window 05-14..06-10:
    # checked in 7, rejected 1, no-shows 2 -> show 7/9, pass 6/7, per slot 2/3.
    # Thu 06-11 (cap 12 -> 8 possible; nothing new on Thursdays): 0.
    fx.build_fixture_store(home)
    p = project(date(2020, 6, 10))
    assert p.backlog_now == 2
    assert p.show_rate == pytest.approx(7 / 9)
    assert p.pass_rate == pytest.approx(6 / 7)
    assert p.demand_by_weekday == pytest.approx(
        {1: 0.25, 2: 0.5, 3: 0.75, 4: 0.0, 5: 0.25, 6: 0.25, 7: 0.0}
    )
    assert p.clear_date == date(2020, 6, 11)
    assert series_rows(p) == [("2020-06-11", 12, 2.0, 0.0)]


def test_a_callers_daily_frame_gives_the_same_projection(home: Path) -> None:
    # The fixture store: the projection from a `daily` frame that covers as_of and the
    # 28-day window (the monthly report's previous + current month) equals the one that
    # reads backlog and rates itself, filtered or not; a frame that does not cover them
    # changes nothing either (the missing figures are read).
    fx.build_fixture_store(home)
    whatsapp = Filters.single("whatsapp", None, None)
    with store.connect(read_only=True) as con:
        for as_of in (date(2020, 6, 5), date(2020, 6, 10)):
            for filters in (metrics.NO_FILTERS, whatsapp):
                own = metrics.project_clearance(con, as_of, filters)
                for first in (as_of - timedelta(days=60), as_of - timedelta(days=3)):
                    frame = metrics.daily(con, first, as_of, filters)
                    given = metrics.project_clearance(con, as_of, filters, daily=frame)
                    assert given.series.equals(own.series)
                    assert (given.clear_date, given.backlog_now, given.show_rate) == (
                        own.clear_date,
                        own.backlog_now,
                        own.show_rate,
                    )
                    assert (given.pass_rate, given.rates_assumed) == (
                        own.pass_rate,
                        own.rates_assumed,
                    )


def test_the_callers_backlog_is_used_not_read_again(home: Path) -> None:
    # Hand-computed case of test_demand_by_weekday...: no appointments, 30 open requests
    # long ago. A frame saying the backlog of 06-04 is 10 is taken at its word: at cap 10
    # that clears on Fri 06-05 (not Tue 06-09, as the 30 in the store would).
    add_requests(30, "2020-04-15 09:00", "B")
    with store.connect(read_only=True) as con:
        frame = metrics.daily(con, date(2020, 5, 1), date(2020, 6, 4))
        assert int(frame["backlog_end"].iloc[-1]) == 30
        frame.loc[frame.index[-1], "backlog_end"] = 10
        p = metrics.project_clearance(con, date(2020, 6, 4), daily=frame)
    assert p.backlog_now == 10
    assert p.clear_date == date(2020, 6, 5)
