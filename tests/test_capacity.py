"""Capacity rules (CONTRACT 2): each rule, precedence, effective dates, refusals, audit,
holidays on read-only connections, and two writers at once.

Dates used (checked against a calendar and the `holidays` package, country ID):
2020-05-21 Thu Ascension Day (holiday), 2020-05-24 Sun Eid al-Fitr, 2020-05-25 Mon
Eid al-Fitr day 2, 2020-06-01 Mon Pancasila Day, 2020-06-06 Sat, 2020-06-07 Sun,
2020-06-08 Mon, 2020-08-17 Mon Independence Day.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dashboard import capacity, config, store
from dashboard.capacity import CapacityError
from dashboard.roles import Actor, PermissionDenied

STAFF = Actor("siti", "staff")


def caps(con, start: date, end: date) -> list[tuple[str, int, str]]:
    frame = capacity.calendar(con, start, end)
    return [
        (d.date().isoformat(), int(c), s)
        for d, c, s in zip(frame["date"], frame["cap"], frame["source"], strict=True)
    ]


def test_initial_rules_default_weekend_holiday(home: Path) -> None:
    with store.connect() as con:
        got = caps(con, date(2020, 5, 30), date(2020, 6, 9))
    assert got == [
        ("2020-05-30", 0, "weekday"),  # Saturday
        ("2020-05-31", 0, "weekday"),  # Sunday
        ("2020-06-01", 0, "holiday"),  # Pancasila Day, a Monday
        ("2020-06-02", 10, "default"),
        ("2020-06-03", 10, "default"),
        ("2020-06-04", 10, "default"),
        ("2020-06-05", 10, "default"),
        ("2020-06-06", 0, "weekday"),
        ("2020-06-07", 0, "weekday"),
        ("2020-06-08", 10, "default"),
        ("2020-06-09", 10, "default"),
    ]


def test_default_change_is_effective_dated(home: Path) -> None:
    with store.connect() as con:
        capacity.set_default(
            con, 12, reason="second operator", actor=STAFF, effective_from=date(2020, 6, 3)
        )
        got = caps(con, date(2020, 6, 1), date(2020, 6, 8))
    assert got == [
        ("2020-06-01", 0, "holiday"),  # holiday beats the default
        ("2020-06-02", 10, "default"),  # before the change: the cap in force then
        ("2020-06-03", 12, "default"),
        ("2020-06-04", 12, "default"),
        ("2020-06-05", 12, "default"),
        ("2020-06-06", 0, "weekday"),  # weekend beats the default
        ("2020-06-07", 0, "weekday"),
        ("2020-06-08", 12, "default"),
    ]


def test_effective_from_defaults_to_office_today(home: Path) -> None:
    today = capacity.office_today()
    with store.connect() as con:
        capacity.set_default(con, 20, reason="new building", actor=STAFF)
        row = con.execute("SELECT effective_from FROM capacity_rules").fetchall()
    assert row == [(today,)]


def test_latest_effective_date_wins_among_rules(home: Path) -> None:
    # A change planned for July, then a change from mid-June entered later: the June rule
    # holds until July, then the July rule (latest effective_from on or before the day).
    with store.connect() as con:
        capacity.set_default(con, 15, reason="plan", actor=STAFF, effective_from=date(2020, 7, 1))
        capacity.set_default(con, 11, reason="now", actor=STAFF, effective_from=date(2020, 6, 15))
        assert capacity.cap_on(con, date(2020, 6, 12)) == (10, "default")
        assert capacity.cap_on(con, date(2020, 6, 15)) == (11, "default")
        assert capacity.cap_on(con, date(2020, 7, 1)) == (15, "default")
        # Same effective date twice: the one created last wins.
        capacity.set_default(con, 9, reason="fix", actor=STAFF, effective_from=date(2020, 7, 1))
        assert capacity.cap_on(con, date(2020, 7, 2)) == (9, "default")


def test_weekday_rule_opens_saturdays_from_its_date(home: Path) -> None:
    with store.connect() as con:
        capacity.set_weekday(
            con, "sabtu", 5, reason="Saturday service", actor=STAFF, effective_from=date(2020, 6, 7)
        )
        capacity.set_weekday(
            con, "monday", 7, reason="short Mondays", actor=STAFF, effective_from=date(2020, 6, 1)
        )
        capacity.set_default(con, 12, reason="more", actor=STAFF, effective_from=date(2020, 6, 1))
        assert capacity.cap_on(con, date(2020, 6, 6)) == (0, "weekday")  # before the rule
        assert capacity.cap_on(con, date(2020, 6, 13)) == (5, "weekday")
        assert capacity.cap_on(con, date(2020, 6, 14)) == (0, "weekday")  # Sunday untouched
        # Weekday rule beats the default; a holiday beats the weekday rule.
        assert capacity.cap_on(con, date(2020, 6, 8)) == (7, "weekday")
        assert capacity.cap_on(con, date(2020, 6, 9)) == (12, "default")
        assert capacity.cap_on(con, date(2020, 8, 17)) == (0, "holiday")
        assert capacity.cap_on(con, date(2020, 6, 1)) == (0, "holiday")


def test_override_beats_holiday_and_weekend_latest_created_wins(home: Path) -> None:
    with store.connect() as con:
        capacity.set_override(
            con, date(2020, 5, 29), date(2020, 6, 2), 4, reason="catch-up", actor=STAFF
        )
        capacity.set_override(con, date(2020, 6, 1), None, 6, reason="Pancasila", actor=STAFF)
        got = caps(con, date(2020, 5, 28), date(2020, 6, 3))
        # An older override entered later for a wider range still wins where it overlaps.
        capacity.set_override(
            con, date(2020, 5, 31), date(2020, 6, 1), 2, reason="power cut", actor=STAFF
        )
        after = caps(con, date(2020, 5, 31), date(2020, 6, 2))
    assert got == [
        ("2020-05-28", 10, "default"),
        ("2020-05-29", 4, "override"),
        ("2020-05-30", 4, "override"),  # Saturday
        ("2020-05-31", 4, "override"),  # Sunday
        ("2020-06-01", 6, "override"),  # holiday; the later, narrower override wins
        ("2020-06-02", 4, "override"),
        ("2020-06-03", 10, "default"),
    ]
    assert after == [
        ("2020-05-31", 2, "override"),
        ("2020-06-01", 2, "override"),
        ("2020-06-02", 4, "override"),
    ]


def test_audit_row_per_change_in_utc(home: Path) -> None:
    before = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
    with store.connect() as con:
        v0 = store.data_version(con)
        capacity.set_default(
            con, 12, reason="second operator", actor=STAFF, effective_from=date(2020, 6, 3)
        )
        capacity.set_weekday(
            con, 6, 5, reason="Saturday service", actor=STAFF, effective_from=date(2020, 6, 6)
        )
        capacity.set_override(
            con, date(2020, 6, 1), date(2020, 6, 2), 3, reason="  generator  ", actor=STAFF
        )
        capacity.set_override(con, date(2020, 6, 2), None, 8, reason="extra", actor=STAFF)
        log = capacity.audit(con)
        v1 = store.data_version(con)
    after = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=1)
    assert v1 == v0 + 4
    rows = log[["changed_by", "scope", "old_value", "new_value", "reason"]].values.tolist()
    assert rows == [
        ["siti", "date:2020-06-02", "3", "8", "extra"],
        ["siti", "range:2020-06-01..2020-06-02", "0-10 (varies)", "3", "generator"],
        ["siti", "weekday:saturday from 2020-06-06", "0", "5", "Saturday service"],
        ["siti", "default from 2020-06-03", "10", "12", "second operator"],
    ]
    stamps = log["changed_at_utc"].tolist()
    assert all(before <= t.to_pydatetime() <= after for t in stamps)
    with store.connect() as con:
        assert len(capacity.audit(con, limit=2)) == 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda con: capacity.set_default(con, -1, reason="x", actor=STAFF), "between 0 and"),
        (
            lambda con: capacity.set_default(
                con, config.MAX_DAILY_CAP + 1, reason="x", actor=STAFF
            ),
            "between 0 and",
        ),
        (lambda con: capacity.set_default(con, 2.5, reason="x", actor=STAFF), "whole number"),
        (lambda con: capacity.set_default(con, True, reason="x", actor=STAFF), "whole number"),
        (lambda con: capacity.set_default(con, 10, reason="   ", actor=STAFF), "reason"),
        (lambda con: capacity.set_weekday(con, "funday", 3, reason="x", actor=STAFF), "monday"),
        (
            lambda con: capacity.set_override(
                con, date(2020, 6, 5), date(2020, 6, 1), 3, reason="x", actor=STAFF
            ),
            "before it starts",
        ),
        (
            lambda con: capacity.set_override(con, "2020-31-01", None, 3, reason="x", actor=STAFF),
            "YYYY-MM-DD",
        ),
    ],
)
def test_refusals_write_nothing(home: Path, call, message: str) -> None:
    with store.connect() as con:
        with pytest.raises(CapacityError, match=message):
            call(con)
        assert con.execute("SELECT count(*) FROM capacity_audit").fetchall() == [(0,)]
        assert store.data_version(con) == 0


@pytest.mark.parametrize("role", ["head", "analyst"])
def test_roles_without_capacity_are_refused(home: Path, role: str) -> None:
    with store.connect() as con:
        with pytest.raises(PermissionDenied):
            capacity.set_override(
                con, date(2020, 6, 1), None, 3, reason="x", actor=Actor("u", role)
            )
        with pytest.raises(PermissionDenied):
            capacity.set_default(con, 3, reason="x", actor=None)  # type: ignore[arg-type]
        assert con.execute("SELECT count(*) FROM capacity_overrides").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM capacity_audit").fetchall() == [(0,)]


def test_first_write_fills_holidays_2015_to_2035(home: Path) -> None:
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM holidays").fetchall() == [(0,)]
        capacity.set_override(con, date(2020, 6, 1), None, 3, reason="x", actor=STAFF)
        span = con.execute("SELECT min(year(day)), max(year(day)) FROM holidays").fetchall()
        assert span == [(2015, 2035)]
        assert con.execute(
            "SELECT name FROM holidays WHERE day = DATE '2020-08-17'"
        ).fetchall() == [("Independence Day",)]
        assert capacity.ensure_holidays(con) == 0  # idempotent
        assert capacity.ensure_holidays(con, [2040]) > 0  # grows the span
        assert store.get_meta(con, "holiday_years") == "2015..2040"


def test_read_only_calendar_needs_no_holidays_package(home: Path) -> None:
    with store.connect() as con:
        capacity.ensure_holidays(con)
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from dashboard import capacity, store\n"
        "with store.connect(read_only=True) as con:\n"
        "    print(capacity.cap_on(con, date(2020, 8, 17)))\n"
        "print('holidays' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=config.PROJECT_ROOT,
    ).stdout.split("\n")
    assert out[:2] == ["(0, 'holiday')", "False"]


def test_years_outside_the_table_still_get_holidays(home: Path) -> None:
    # A store nobody has written capacity to yet: the calendar falls back to the package.
    with store.connect() as con:
        assert capacity.cap_on(con, date(2020, 8, 17)) == (0, "holiday")
        capacity.ensure_holidays(con)
        assert capacity.cap_on(con, date(2045, 8, 17)) == (0, "holiday")  # 2045: a Thursday


def test_two_writers_at_once_both_kept(home: Path) -> None:
    with store.connect() as con:
        capacity.ensure_holidays(con)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer(offset: int) -> None:
        try:
            with store.connect() as con:
                start.wait()
                for i in range(10):
                    day = date(2021, 1, 4) + timedelta(days=offset + 2 * i)
                    capacity.set_override(con, day, None, offset + 1, reason="w", actor=STAFF)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM capacity_overrides").fetchall() == [(20,)]
        assert con.execute("SELECT count(*) FROM capacity_audit").fetchall() == [(20,)]
        assert store.data_version(con) == 20
        ids = con.execute("SELECT audit_id FROM capacity_audit").fetchall()
        assert len(set(ids)) == 20
        got = capacity.calendar(con, date(2021, 1, 4), date(2021, 1, 23))
    assert got["source"].tolist() == ["override"] * 20
    assert got["cap"].tolist() == [1, 2] * 10
