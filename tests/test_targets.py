"""Targets and alerts (dashboard/targets.py): each alert fires exactly past its threshold
(at, just below and just above it, on small hand-built stores), the ranges refuse bad
values with a message naming the range, and every change is audited.

Calendar used (Indonesia, 2020): Mon 06-01 is Pancasila Day (a holiday, cap 0); Thu 06-04,
Fri 06-05, Sat/Sun 06-06/07 closed, Mon 06-08 .. Fri 06-12 open; default cap 10.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import capacity, i18n, metrics, roles, settings, store, targets
from dashboard.roles import Actor

CLI = Actor.cli("test")
ADMIN = Actor("boss", "admin")


# ------------------------------------------------------------------ store builders


def add_requests(
    n: int, received: str, prefix: str, service: str = "ktp_el", cancelled: str | None = None
) -> list[str]:
    from dashboard import ingest

    ids = [f"{prefix}{i:03d}" for i in range(n)]
    frame = pd.DataFrame(
        {
            "request_id": ids,
            "received_at": [received] * n,
            "channel": ["walk_in"] * n,
            "service": [service] * n,
            "cancelled_at": [cancelled] * n,
        }
    )
    ingest.ingest_table(frame, "requests", source_name=f"{prefix}.csv", actor=CLI)
    return ids


def add_appointments(rows: list[dict[str, str]], name: str = "appts.csv") -> None:
    from dashboard import ingest

    ingest.ingest_table(pd.DataFrame(rows), "appointments", source_name=name, actor=CLI)


def visits(request_ids: list[str], day: str, status: str, prefix: str) -> list[dict[str, str]]:
    """One appointment per request on `day` with `status` (recorded at 10:00 if recorded)."""
    rows = []
    for i, rid in enumerate(request_ids):
        row = {
            "appointment_id": f"{prefix}{i:03d}",
            "request_id": rid,
            "scheduled_date": day,
            "status": status,
        }
        if status == "recorded":
            row["recorded_at"] = f"{day} 10:00"
        if status == "rejected":
            row["checked_in_at"] = f"{day} 08:00"
            row["rejection_reason"] = "fever"
        rows.append(row)
    return rows


def evaluate(start: date, end: date, **kwargs) -> list[targets.Alert]:
    with store.connect(read_only=True) as con:
        return targets.evaluate(con, start, end, **kwargs)


def by_key(alerts: list[targets.Alert]) -> dict[str, targets.Alert]:
    return {a.key: a for a in alerts}


def set_target(key: str, value: object, reason: str = "test") -> None:
    with store.connect() as con:
        targets.set_target(con, ADMIN, key, value, reason=reason)


# ------------------------------------------------------------------ defaults


def test_defaults_and_ranges_cover_every_target(home: Path) -> None:
    assert set(targets.DEFAULTS) == set(targets.RANGES) == set(targets.PAGE_OF)
    assert set(targets.KEYS) == set(targets.DEFAULTS)
    for key, value in targets.DEFAULTS.items():
        assert targets.check_value(key, value) == value  # every default is in its range
    with store.connect(read_only=True) as con:
        values = targets.current(con)
    assert values["backlog_clear_days"] == 30
    assert values["rejection_band"] == (0.02, 0.05)
    assert values["no_show_max"] == 0.15
    assert values["max_days_at_cap"] == 10
    assert values["import_stale_days"] == 7
    assert values["is_default"] == {key: True for key in targets.KEYS}


def test_a_store_without_the_tables_reads_as_defaults() -> None:
    # A read-only store opened before migration 5 ran has neither table.
    con = duckdb.connect()
    try:
        assert targets.current(con)["rejection_band"] == (0.02, 0.05)
        assert settings.office(con) == settings.defaults()
    finally:
        con.close()


# ------------------------------------------------------------------ backlog


def test_backlog_alert_fires_only_past_the_target(home: Path) -> None:
    # 30 open requests received long before the 28-day window: no demand, no visits (rates
    # taken as 1). As of Thu 06-04 at cap 10: Fri 06-05 20 left, Sat/Sun closed, Mon 06-08
    # 10 left, Tue 06-09 0 -> clears 5 days after 06-04.
    add_requests(30, "2020-04-15 09:00", "B")
    start, end = date(2020, 5, 8), date(2020, 6, 4)
    set_target("backlog_clear_days", 5)
    assert "backlog_clear_days" not in by_key(evaluate(start, end))  # exactly 5: met
    set_target("backlog_clear_days", 6)
    assert "backlog_clear_days" not in by_key(evaluate(start, end))  # above: met
    set_target("backlog_clear_days", 4)
    alert = by_key(evaluate(start, end))["backlog_clear_days"]  # below: missed
    assert (alert.value, alert.threshold, alert.page) == (5, "<= 4", "backlog")
    assert dict(alert.facts) == {"backlog": 30, "cap": 10, "clear_date": date(2020, 6, 9)}
    assert alert.message("id") == (
        "Antrean 30 permohonan tuntas dalam 5 hari pada kuota 10/hari; target ≤ 4 hari."
    )
    assert alert.message("en") == (
        "The backlog of 30 requests clears in 5 days at a cap of 10/day; target ≤ 4 days."
    )


def test_backlog_that_never_clears_is_missed_and_a_kk_filter_has_none(home: Path) -> None:
    add_requests(3, "2020-04-15 09:00", "B")
    with store.connect() as con:
        capacity.set_default(con, 0, reason="closed", actor=CLI, effective_from=date(2020, 1, 1))
    start, end = date(2020, 5, 8), date(2020, 6, 4)
    alert = by_key(evaluate(start, end))["backlog_clear_days"]
    assert alert.value is None
    # Weekdays cap 0 by the new default, weekends 0 by the weekday rule: no open day.
    assert dict(alert.facts)["cap"] == 0
    assert "730" in alert.message("en") and "does not clear" in alert.message("en")
    kk = metrics.Filters(services=("kk",))
    assert "backlog_clear_days" not in by_key(evaluate(start, end, filters=kk))


# ------------------------------------------------------------------ rates


@pytest.fixture
def rates_store(home: Path) -> tuple[date, date]:
    """Mon 06-08: 19 recorded + 1 rejected = 20 checked in, 1 turned away (rejection 1/20 =
    0.05); 5 no-shows (no-show rate 5 / (5 + 20) = 0.2). All on one day of the period."""
    ids = add_requests(25, "2020-06-02 09:00", "R")
    add_appointments(
        visits(ids[:19], "2020-06-08", "recorded", "A")
        + visits(ids[19:20], "2020-06-08", "rejected", "J")
        + visits(ids[20:], "2020-06-08", "no_show", "N")
    )
    start, end = date(2020, 6, 8), date(2020, 6, 12)
    with store.connect(read_only=True) as con:
        rates = metrics.rates(con, start, end)
    assert (rates["checked_in"], rates["screening_rejected"], rates["no_show"]) == (20, 1, 5)
    return start, end


def test_rejection_band_edges_are_met(rates_store: tuple[date, date]) -> None:
    start, end = rates_store
    # 0.05 is the default band's high end: exactly at it, met.
    assert "rejection_band" not in by_key(evaluate(*rates_store))
    set_target("rejection_band", "0.05-0.1")  # exactly the low end: met
    assert "rejection_band" not in by_key(evaluate(start, end))


def test_rejection_band_missed_above_and_below(rates_store: tuple[date, date]) -> None:
    start, end = rates_store
    set_target("rejection_band", "0.02-0.049")  # 0.05 > 0.049: above
    alert = by_key(evaluate(start, end))["rejection_band"]
    assert (alert.value, alert.threshold, alert.page) == (0.05, "0.02-0.049", "screening")
    # The measured rate with one decimal; the target as set (no decimals when whole).
    assert alert.message("id") == (
        "Tingkat penolakan skrining 5,0%, di atas rentang target 2%–4,9%."
    )
    set_target("rejection_band", (0.051, 0.1))  # 0.05 < 0.051: below
    alert = by_key(evaluate(start, end))["rejection_band"]
    assert (alert.value, alert.threshold) == (0.05, "0.051-0.1")
    assert alert.message("en") == (
        "Screening rejection rate 5.0%, below the target band 5.1%–10%: check that the "
        "screening rules are applied."
    )


def test_no_show_edges(rates_store: tuple[date, date]) -> None:
    start, end = rates_store
    set_target("no_show_max", 0.2)  # exactly 5/25: met
    assert "no_show_max" not in by_key(evaluate(start, end))
    set_target("no_show_max", 0.21)  # above the rate: met
    assert "no_show_max" not in by_key(evaluate(start, end))
    set_target("no_show_max", 0.19)  # below the rate: missed
    alert = by_key(evaluate(start, end))["no_show_max"]
    assert (alert.value, alert.threshold) == (0.2, "<= 0.19")
    assert alert.message("id") == "Tingkat tidak hadir 20,0%; target ≤ 19%."
    # The default 0.15 is missed by 0.2 as well.
    with store.connect() as con:
        con.execute("DELETE FROM targets")  # back to the defaults (test set-up only)
    assert by_key(evaluate(start, end))["no_show_max"].threshold == "<= 0.15"


def test_a_period_without_visits_has_no_rate_alerts_but_staleness_applies(home: Path) -> None:
    # Nothing imported at all: no rates, no backlog; only "never imported".
    alerts = evaluate(date(2020, 6, 1), date(2020, 6, 28), today=date(2020, 6, 28))
    assert [a.key for a in alerts] == ["import_stale_days"]
    assert alerts[0].value is None
    assert alerts[0].message("en") == (
        "No log has been imported yet; target at least every 7 days."
    )


# ------------------------------------------------------------------ days at the cap


def test_longest_run_at_cap_by_hand() -> None:
    d = date
    # 5 open days, cap 10, recorded 10, 10, 9, 10, 10: two runs of 2; the later one wins.
    rows = [(d(2020, 6, 8 + i), 10, r) for i, r in enumerate((10, 10, 9, 10, 10))]
    assert targets.longest_run_at_cap(rows) == (2, d(2020, 6, 11), d(2020, 6, 12))
    # A closed day (cap 0) between is skipped, not a break: Thu, Fri, (Sat 0, Sun 0), Mon.
    rows = [
        (d(2020, 6, 4), 10, 10),
        (d(2020, 6, 5), 10, 12),  # over the cap counts (recorded >= cap)
        (d(2020, 6, 6), 0, 3),  # recorded on a closed day: still not an open day
        (d(2020, 6, 7), 0, 0),
        (d(2020, 6, 8), 10, 10),
        (d(2020, 6, 9), 10, 0),
    ]
    assert targets.longest_run_at_cap(rows) == (3, d(2020, 6, 4), d(2020, 6, 8))
    assert targets.longest_run_at_cap([(d(2020, 6, 8), 10, 9)]) == (0, None, None)
    assert targets.longest_run_at_cap([]) == (0, None, None)


@pytest.fixture
def at_cap_store(home: Path) -> tuple[date, date]:
    """Mon 06-08 .. Fri 06-12 at cap 10, recorded 10, 10, 9, 10, 10: longest run 2."""
    rows: list[dict[str, str]] = []
    for i, count in enumerate((10, 10, 9, 10, 10)):
        day = f"2020-06-{8 + i:02d}"
        ids = add_requests(count, "2020-06-01 09:00", f"C{i}")
        rows += visits(ids, day, "recorded", f"V{i}")
    add_appointments(rows)
    start, end = date(2020, 6, 8), date(2020, 6, 12)
    with store.connect(read_only=True) as con:
        assert targets.days_at_cap(con, start, end) == [
            (date(2020, 6, 8 + i), 10, r) for i, r in enumerate((10, 10, 9, 10, 10))
        ]
    return start, end


def test_days_at_cap_edges(at_cap_store: tuple[date, date]) -> None:
    start, end = at_cap_store
    set_target("max_days_at_cap", 2)  # run of 2, target 2: met
    assert "max_days_at_cap" not in by_key(evaluate(start, end))
    set_target("max_days_at_cap", 3)  # above: met
    assert "max_days_at_cap" not in by_key(evaluate(start, end))
    set_target("max_days_at_cap", 1)  # below: missed
    alert = by_key(evaluate(start, end))["max_days_at_cap"]
    assert (alert.value, alert.since, alert.page) == (2, date(2020, 6, 11), "throughput")
    assert alert.message("id") == (
        "Kuota penuh 2 hari buka berturut-turut (11 Jun 2020–12 Jun 2020); "
        "target paling banyak 1 hari."
    )
    # The cap is the whole office's: a channel filter does not change the run.
    online = metrics.Filters(channels=("online",))
    assert by_key(evaluate(start, end, filters=online))["max_days_at_cap"].value == 2


# ------------------------------------------------------------------ staleness


def test_staleness_with_an_injected_clock(home: Path) -> None:
    add_requests(1, "2020-06-02 09:00", "S", service="kk")
    with store.connect() as con:
        # 23:30 UTC on 06-10 is 07:30 on 06-11 in the office (WITA, UTC+8).
        con.execute("UPDATE imports SET finished_at = TIMESTAMPTZ '2020-06-10 23:30:00+00'")
        assert targets.last_import_date(con) == date(2020, 6, 11)
    start, end = date(2020, 6, 1), date(2020, 6, 10)
    # Target 7 days: 06-18 is 7 days after 06-11 (met), 06-19 is 8 (missed).
    assert "import_stale_days" not in by_key(evaluate(start, end, today=date(2020, 6, 17)))
    assert "import_stale_days" not in by_key(evaluate(start, end, today=date(2020, 6, 18)))
    alert = by_key(evaluate(start, end, today=date(2020, 6, 19)))["import_stale_days"]
    assert (alert.value, alert.since, alert.page) == (8, date(2020, 6, 11), "data_quality")
    assert alert.message("en") == (
        "The last log import was 8 days ago (11 Jun 2020); target at least every 7 days."
    )
    set_target("import_stale_days", 8)
    assert "import_stale_days" not in by_key(evaluate(start, end, today=date(2020, 6, 19)))


# ------------------------------------------------------------------ values and ranges


@pytest.mark.parametrize(
    ("key", "good", "bad"),
    [
        ("backlog_clear_days", [1, 365, "30", 30.0], [0, 366, 2.5, "x", True, None]),
        (
            "rejection_band",
            ["0-1", "0.02-0.05", (0.0, 0.5), "2%-5%"],
            ["0.05-0.05", "0.05-0.02", "0-1.01", "-0.1-0.2", "0.02", "a-b"],
        ),
        ("no_show_max", [0, 1, "0.15", "15%", "0,15"], [-0.01, 1.01, "abc", float("nan")]),
        ("max_days_at_cap", [1, 60], [0, 61]),
        ("import_stale_days", [1, 90], [0, 91]),
    ],
)
def test_ranges(key: str, good: list, bad: list) -> None:
    low, high = targets.RANGES[key]
    for value in good:
        targets.check_value(key, value)
    for value in bad:
        with pytest.raises(targets.TargetError) as caught:
            targets.check_value(key, value)
        text = str(caught.value)
        assert "\n" not in text
        assert f"{low:g}" in text and f"{high:g}" in text, text  # names the range
    assert targets.check_value("no_show_max", "15%") == 0.15
    assert targets.check_value("rejection_band", "2%-5%") == (0.02, 0.05)


def test_range_message_in_both_languages() -> None:
    with pytest.raises(targets.TargetError) as caught:
        targets.check_value("backlog_clear_days", 400)
    assert str(caught.value) == (
        "backlog_clear_days must be a whole number of days from 1 to 365, not 400."
    )
    assert caught.value.message("id") == (
        "backlog_clear_days harus bilangan bulat dari 1 sampai 365 hari, bukan 400."
    )
    with pytest.raises(targets.TargetError, match="use one of: backlog_clear_days"):
        targets.check_value("speed", 1)


# ------------------------------------------------------------------ audit and roles


def _audit_rows() -> list[tuple]:
    with store.connect(read_only=True) as con:
        return con.execute(
            "SELECT changed_by, setting, old_value, new_value, reason FROM settings_audit "
            "ORDER BY audit_id"
        ).fetchall()


def test_target_changes_are_audited(home: Path) -> None:
    with store.connect() as con:
        version = store.data_version(con)
        targets.set_target(con, ADMIN, "no_show_max", 0.2, reason="more no-shows in Ramadan")
        targets.set_target(con, ADMIN, "no_show_max", "0.1", reason="  back   to normal ")
        targets.set_target(con, ADMIN, "no_show_max", 0.1, reason="same again")  # no change
        targets.set_target(con, Actor.cli("ops"), "rejection_band", "0.01-0.04", reason="r")
        assert store.data_version(con) == version + 3  # the caches follow each change
        values = targets.current(con)
        audit = settings.audit(con, prefix="target.")
    assert _audit_rows() == [
        ("boss", "target.no_show_max", "0.15 (default)", "0.2", "more no-shows in Ramadan"),
        ("boss", "target.no_show_max", "0.2", "0.1", "back to normal"),
        ("ops", "target.rejection_band", "0.02-0.05 (default)", "0.01-0.04", "r"),
    ]
    assert values["no_show_max"] == 0.1 and values["rejection_band"] == (0.01, 0.04)
    assert values["is_default"]["no_show_max"] is False
    assert values["is_default"]["backlog_clear_days"] is True
    assert audit["setting"].tolist()[0] == "target.rejection_band"  # newest first
    assert audit["changed_at_utc"].notna().all()


def test_a_reason_is_required(home: Path) -> None:
    with store.connect() as con, pytest.raises(settings.SettingsError, match="reason"):
        targets.set_target(con, ADMIN, "no_show_max", 0.2, reason="   ")
    assert _audit_rows() == []


@pytest.mark.parametrize("role", ["head", "staff", "analyst"])
def test_only_an_admin_may_set_targets(home: Path, role: str) -> None:
    with store.connect() as con:
        with pytest.raises(roles.PermissionDenied):
            targets.set_target(con, Actor("x", role), "no_show_max", 0.2, reason="r")
        with pytest.raises(roles.PermissionDenied):
            settings.set_office(con, Actor("x", role), reason="r", name="Kantor")
        assert targets.current(con)["is_default"]["no_show_max"] is True
    assert _audit_rows() == []


def test_audit_is_append_only_in_the_code() -> None:
    root = Path(__file__).resolve().parents[1] / "dashboard"
    for path in root.glob("*.py"):
        text = path.read_text(encoding="utf-8").lower()
        for verb in ("update settings_audit", "delete from settings_audit"):
            assert verb not in text, f"{path.name} changes the settings audit log"


def test_every_alert_message_exists_in_both_languages() -> None:
    for key in i18n.STRINGS:
        if key.startswith(("targets.", "settings.", "check.", "admin.office.", "admin.targets.")):
            assert i18n.t(key, "id") and i18n.t(key, "en")


# ------------------------------------------------------------------ given figures


def evaluate_given(
    start: date, end: date, filters: metrics.Filters = metrics.NO_FILTERS, **kwargs
) -> list[targets.Alert]:
    """`evaluate` with the figures a caller (the monthly report) already has."""
    with store.connect(read_only=True) as con:
        projection = metrics.project_clearance(con, end, filters, horizon_days=targets.HORIZON_DAYS)
        daily = metrics.daily(con, start, end, filters)
        return targets.evaluate(
            con,
            start,
            end,
            filters=filters,
            daily=None if filters.active else daily,
            rates=metrics.rates_of_days(daily),
            projection=projection,
            **kwargs,
        )


def test_given_figures_give_the_alerts_evaluate_reads_itself(
    at_cap_store: tuple[date, date],
) -> None:
    # The at-cap store (run of 2 at the cap) plus 300 requests of 06-10 still open: at
    # cap 10 they take weeks, so with targets of 1 day both rules fire.
    start, end = at_cap_store
    add_requests(300, "2020-06-10 09:00", "Z")  # a backlog that takes weeks at cap 10
    set_target("backlog_clear_days", 1)
    set_target("max_days_at_cap", 1)
    today = date(2020, 7, 1)  # the last import (now) is in the future: not stale
    alerts = evaluate(start, end, today=today)
    assert {a.key for a in alerts} >= {"backlog_clear_days", "max_days_at_cap"}
    assert evaluate_given(start, end, today=today) == alerts
    online = metrics.Filters(channels=("online",))
    assert evaluate_given(start, end, online, today=today) == evaluate(
        start, end, filters=online, today=today
    )


def test_given_rates_give_the_rate_alerts(rates_store: tuple[date, date]) -> None:
    start, end = rates_store
    set_target("rejection_band", "0.02-0.049")
    alerts = evaluate(start, end)
    assert {a.key for a in alerts} >= {"rejection_band", "no_show_max"}
    assert evaluate_given(start, end) == alerts


def test_figures_that_cannot_be_evaluates_own_are_refused(
    at_cap_store: tuple[date, date],
) -> None:
    start, end = at_cap_store
    with store.connect(read_only=True) as con:
        short = metrics.daily(con, start, date(2020, 6, 11))  # one day short
        with pytest.raises(ValueError, match="one row per day 2020-06-08..2020-06-12"):
            targets.evaluate(con, start, end, daily=short)
        what_if = metrics.project_clearance(con, end, what_if_cap=20)
        with pytest.raises(ValueError, match="what-if"):
            targets.evaluate(con, start, end, projection=what_if)


def test_the_banners_one_read_equals_each_figure_read_apart(
    at_cap_store: tuple[date, date],
) -> None:
    # The pages' banners pass no figures: `evaluate` then reads one `daily` of the period
    # and derives the rates and the projection's inputs from it. The same alerts as each
    # figure read by its own query (metrics.rates, project_clearance's history scan,
    # the unfiltered daily of the days-at-cap rule), with and without filters.
    start, end = at_cap_store
    add_requests(300, "2020-06-10 09:00", "Z")
    set_target("backlog_clear_days", 1)
    set_target("max_days_at_cap", 1)
    set_target("rejection_band", "0.5-0.6")
    today = date(2020, 7, 1)
    for filters in (metrics.NO_FILTERS, metrics.Filters(channels=("online",))):
        with store.connect(read_only=True) as con:
            apart = targets.evaluate(
                con,
                start,
                end,
                filters=filters,
                today=today,
                daily=metrics.daily(con, start, end, metrics.NO_FILTERS),
                rates=metrics.rates(con, start, end, filters),
                projection=metrics.project_clearance(
                    con, end, filters, horizon_days=targets.HORIZON_DAYS
                ),
            )
        alone = evaluate(start, end, filters=filters, today=today)
        assert alone == apart
    assert {a.key for a in evaluate(start, end, today=today)} >= {
        "backlog_clear_days",
        "max_days_at_cap",
    }
