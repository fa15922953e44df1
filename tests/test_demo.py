"""Demo data: reproducible, realistic in the ways the pages show, loaded like any import."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from dashboard import capacity, demo, metrics, store
from dashboard.ingest import INPUT_COLUMNS

START = demo.DEMO_START
KECAMATAN = {k.lower() for k in demo.KECAMATAN}


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    return demo.generate()


@pytest.fixture(scope="module")
def caps() -> dict[date, int]:
    return demo.plan_caps(START, START + timedelta(days=demo.DEMO_DAYS + 20))


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    r1, a1 = demo.generate(days=40, seed=7)
    r2, a2 = demo.generate(days=40, seed=7)
    r3, _ = demo.generate(days=40, seed=8)
    pd.testing.assert_frame_equal(r1, r2)
    pd.testing.assert_frame_equal(a1, a2)
    assert not r1["received_at"].equals(r3["received_at"]) or len(r1) != len(r3)


def test_columns_are_the_contracts(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    req, app = frames
    assert tuple(req.columns) == INPUT_COLUMNS["requests"]
    assert tuple(app.columns) == INPUT_COLUMNS["appointments"]
    assert req["request_id"].is_unique and app["appointment_id"].is_unique
    assert set(app["request_id"]) <= set(req["request_id"])


def test_span_and_channels(frames: tuple[pd.DataFrame, pd.DataFrame], caps: dict) -> None:
    req, _ = frames
    days = req["received_at"].dt.date
    assert days.min() == START
    assert days.max() == START + timedelta(days=demo.DEMO_DAYS - 1)
    share = req["channel"].value_counts(normalize=True)
    assert 0.65 <= share["whatsapp"] <= 0.78
    assert set(share.index) <= {"whatsapp", "walk_in", "online"}
    # Walk-ins only when the office is open; online only once the form opened.
    walk_days = set(days[req["channel"] == "walk_in"])
    assert all(caps[d] > 0 for d in walk_days)
    assert days[req["channel"] == "online"].min() >= demo.ONLINE_FROM
    # WhatsApp arrives on weekends too.
    assert any(d.isoweekday() >= 6 for d in days[req["channel"] == "whatsapp"])


def test_kecamatan_services_and_fake_identities(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    req, _ = frames
    keys = req["kecamatan"].str.strip().str.lower()
    counts = keys.value_counts()
    assert set(counts.index) == KECAMATAN
    assert counts.idxmax() == "paringin" and counts.idxmin() == "tebing tinggi"
    assert (req["kecamatan"] != req["kecamatan"].str.strip()).any()  # as staff type it
    services = req["service"].value_counts(normalize=True)
    assert 0.8 < services["ktp_el"] < 0.95 and len(services) >= 4
    nik = req["nik"].dropna()
    assert nik.str.fullmatch(r"9999\d{12}").all()  # no province has code 99
    assert req["phone"].dropna().str.fullmatch(r"08000\d{7}").all()


def test_screening_and_visits_are_realistic(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, app = frames
    status = app["status"].value_counts()
    checked_in = status["recorded"] + status["rejected"]
    assert 0.05 <= status["rejected"] / checked_in <= 0.08
    assert 0.07 <= status["no_show"] / (status["no_show"] + checked_in) <= 0.13
    assert status["rescheduled"] > 0 and status["cancelled"] > 0 and status["scheduled"] > 0
    visited = app[app["status"].isin(["recorded", "rejected"])]
    assert visited["checked_in_at"].notna().all()
    assert visited["temperature_c"].between(35.8, 38.5).all()
    rejected = app[app["status"] == "rejected"]
    reasons = rejected["rejection_reason"].value_counts()
    assert reasons.idxmax() == "fever"
    assert (rejected.loc[rejected["rejection_reason"] == "fever", "temperature_c"] >= 37.5).all()
    assert rejected["recorded_at"].isna().all()
    recorded = app[app["status"] == "recorded"]
    assert recorded["rejection_reason"].isna().all()
    assert (recorded["recorded_at"] > recorded["checked_in_at"]).all()
    assert (recorded["recorded_at"].dt.date == recorded["scheduled_date"]).all()
    not_visited = app[~app["status"].isin(["recorded", "rejected"])]
    assert not_visited[["checked_in_at", "recorded_at", "temperature_c"]].isna().all().all()


def test_some_turned_away_come_back_and_get_recorded(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    _, app = frames
    rejected = set(app.loc[app["status"] == "rejected", "request_id"])
    recorded = set(app.loc[app["status"] == "recorded", "request_id"])
    assert len(rejected & recorded) >= 10
    assert len(rejected - recorded) >= 5  # and some never come back
    assert app.loc[app["status"] == "recorded", "request_id"].is_unique


def test_slots_follow_the_cap_and_the_queue(
    frames: tuple[pd.DataFrame, pd.DataFrame], caps: dict
) -> None:
    req, app = frames
    per_day = app.groupby("scheduled_date").size()
    for day, booked in per_day.items():
        assert booked <= caps[day], day  # closed days (cap 0) get no appointments at all
    # Slots go in queue order: of two first appointments, the earlier request is never
    # scheduled after the later one.
    first = app.sort_values("appointment_id").drop_duplicates("request_id")
    order = first.sort_values("queue_number")["scheduled_date"].tolist()
    assert order == sorted(order)
    # The queue number is the order of arrival.
    numbered = req.assign(q=req["request_id"].str[1:].astype(int))
    assert numbered.sort_values("received_at", kind="stable")["q"].is_monotonic_increasing
    # Lead time: scheduled after the request, never the same day.
    received = req.set_index("request_id")["received_at"].dt.date
    assert (first["scheduled_date"] > first["request_id"].map(received)).all()


def test_demand_exceeds_the_cap_so_a_backlog_builds(
    frames: tuple[pd.DataFrame, pd.DataFrame], caps: dict
) -> None:
    req, app = frames
    end = START + timedelta(days=demo.DEMO_DAYS - 1)
    ktp = req[req["service"] == "ktp_el"]
    slots = sum(c for d, c in caps.items() if d <= end)
    assert len(ktp) > slots  # and not every slot ends in a recording (no-shows, screening)
    recorded_ids = set(app.loc[app["status"] == "recorded", "request_id"])
    still_open = ktp[~ktp["request_id"].isin(recorded_ids) & ktp["cancelled_at"].isna()]
    assert len(still_open) > 150


def test_plan_caps_match_the_plan(caps: dict) -> None:
    assert caps[date(2020, 6, 8)] == 10  # Monday
    assert caps[date(2020, 6, 13)] == 0  # Saturday
    assert caps[date(2020, 7, 31)] == 0  # Idul Adha
    assert caps[date(2020, 7, 30)] == 10
    assert caps[date(2020, 8, 3)] == 15  # tambahan petugas
    assert caps[date(2020, 9, 4)] == 8  # Fridays from 4 Sep
    assert caps[date(2020, 10, 10)] == 20  # Saturday service day (override)
    assert caps[date(2020, 10, 29)] == 0  # Maulid (holiday and cuti bersama override)


# --- loading into a store -------------------------------------------------------------


def test_load_demo_into_a_store(home: Path) -> None:
    summary = demo.load_demo(None, days=demo.DEMO_DAYS, seed=demo.DEMO_SEED)
    req, app = demo.generate()
    assert (summary.requests, summary.appointments) == (len(req), len(app))
    assert summary.cap_changes == len(demo.CAP_PLAN)
    with store.connect(read_only=True) as con:
        assert store.is_demo(con)
        assert con.execute("SELECT count(*) FROM requests").fetchone()[0] == len(req)
        assert con.execute("SELECT count(*) FROM appointments").fetchone()[0] == len(app)
        assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0
        # No raw NIK or phone in the store: keyed hashes and masked phones only.
        raw_nik = set(req["nik"].dropna())
        raw_phone = set(req["phone"].dropna())
        rows = con.execute("SELECT nik_hash, phone_hash, phone_masked FROM requests").fetchall()
        assert not {r[0] for r in rows} & raw_nik and not {r[1] for r in rows} & raw_phone
        hashes = [h for r in rows for h in r[:2] if h is not None]
        assert len(hashes) > 1000 and all(re.fullmatch(r"[0-9a-f]{32}", h) for h in hashes)
        masked = [r[2] for r in rows if r[2] is not None]
        assert masked and all(re.fullmatch(r"0800\*{4}\d{3}", m) for m in masked)
        audit = con.execute("SELECT reason FROM capacity_audit ORDER BY audit_id").fetchall()
        assert [r[0] for r in audit] == [f"{c.reason} [demo]" for c in demo.CAP_PLAN]
        # The store's own calendar is the one the simulation used.
        horizon = START + timedelta(days=demo.DEMO_DAYS + 20)
        cal = capacity.calendar(con, START, horizon)
        store_caps = {
            pd.Timestamp(d).date(): int(c) for d, c in zip(cal["date"], cal["cap"], strict=True)
        }
        assert store_caps == demo.plan_caps(START, horizon)
        daily = metrics.daily(
            con, START, START + timedelta(days=demo.DEMO_DAYS - 1), metrics.Filters()
        )
    # The contract's metrics over the demo: a backlog builds and the cap binds.
    assert daily["backlog_end"].iloc[-1] > daily["backlog_end"].iloc[30] > 0
    assert int(daily["recorded"].sum()) == int((app["status"] == "recorded").sum())
    open_days = daily[daily["cap"] > 0]
    assert (open_days["recorded"] <= open_days["cap"]).all()
    assert (daily.loc[daily["cap"] == 0, "recorded"] == 0).all()


def test_load_demo_refuses_a_store_with_data(home: Path) -> None:
    demo.load_demo(None, days=20, seed=1)
    with store.connect(read_only=True) as con:
        before = con.execute("SELECT count(*) FROM requests").fetchone()[0]
    with pytest.raises(demo.DemoError, match="empty store"):
        demo.load_demo(None, days=20, seed=2)
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM requests").fetchone()[0] == before


def test_demo_summary_line_says_it_is_demo() -> None:
    line = demo.describe(demo.DemoSummary(START, START + timedelta(days=9), 10, 3, 100, 80, 1))
    assert "DEMO" in line and re.search(r"\b100 requests\b", line)


def test_remove_demo_takes_the_demo_data_and_users_away(home: Path) -> None:
    from dashboard import roles, users

    admin = roles.Actor.cli("tester")
    users.add("admin", name="Admin", role="admin", password="rahasia-123", actor=admin)
    demo.load_demo(None, days=80, seed=1)  # through two capacity changes of the plan
    users.create_demo_users()
    users.add("demo_admin", name="Old demo", role="admin", password="rahasia-123", actor=admin)
    with store.connect() as con:
        # A change made by a person stays; so does every audit row written so far.
        capacity.set_override(con, date(2021, 1, 4), None, 3, reason="rapat", actor=admin)
        audit_before = con.execute("SELECT * FROM capacity_audit ORDER BY 1").fetchall()
        version = store.data_version(con)

    summary = demo.remove_demo(roles.Actor.cli("tester"))
    assert summary.requests > 100 and summary.appointments > 100 and summary.imports == 2
    assert summary.cap_changes == 2 == sum(c.first < START + timedelta(80) for c in demo.CAP_PLAN)
    assert sorted(summary.users) == ["demo_admin", "demo_analyst", "demo_head", "demo_staff"]
    assert [u.username for u in users.list_users()] == ["admin"]
    with store.connect(read_only=True) as con:
        assert not store.is_demo(con)
        assert store.data_version(con) > version
        for table in ("requests", "appointments", "imports", "quarantine", "request_closures"):
            count = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            assert count == 0, table
        assert con.execute("SELECT count(*) FROM capacity_rules").fetchone()[0] == 0
        assert con.execute("SELECT reason FROM capacity_overrides").fetchall() == [("rapat",)]
        audit_after = con.execute("SELECT * FROM capacity_audit ORDER BY 1").fetchall()
        assert audit_after[: len(audit_before)] == audit_before  # append-only
        added = audit_after[len(audit_before) :]
        assert len(added) == summary.cap_changes
        assert {(r[2], r[5]) for r in added} == {("tester", "removed")}
        assert all("demo remove" in r[6] for r in added)
        cal = capacity.calendar(con, START, START + timedelta(days=60))
        assert set(cal["source"]) <= {"default", "weekday", "holiday"}  # no demo override left
    assert "demo data removed" in demo.describe_removal(summary)


def test_cli_demo_remove(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dashboard import cli

    demo.load_demo(None, days=10, seed=3)
    assert cli.main(["demo", "remove", "--user", "tester"]) == 0
    assert "demo data removed" in capsys.readouterr().out
    assert demo.store_is_empty()
    assert cli.main(["demo", "--days", "10", "--seed", "3"]) == 0  # loads again
    with store.connect(read_only=True) as con:
        assert store.is_demo(con)
