"""The page queries of dashboard/queries.py against a tiny store with hand-computed answers.

The store is built through the real import (`ingest.ingest_file`) from the two small logs
below. 2020-06-01 is a Monday, so the range 1-14 June is two whole weeks.

Requests (R8 has an unknown channel and is quarantined):

    id  received          channel   service  kecamatan (key)
    R1  Mon 1 Jun 08:00   whatsapp  ktp_el   Paringin   (paringin)
    R2  Mon 1 Jun 09:00   whatsapp  ktp_el   " paringin "  (paringin)
    R3  Tue 2 Jun 10:00   walk_in   ktp_el   Juai       (juai)
    R4  Wed 3 Jun 10:00   online    kk       Juai
    R5  Mon 8 Jun 08:00   whatsapp  ktp_el   Juai
    R6  Tue 9 Jun 08:00   app       ktp_el   -          (none)
    R7  Tue 9 Jun 09:00   walk_in   ktp_el   Paringin

Appointments (A13: temperature 52 and A14: 31/02/2020 are quarantined):

    id   req  scheduled  status       visit   temp  mask  reason   recorded
    A1   R1   3 Jun      recorded     3 Jun   36.5  ya             3 Jun
    A2   R2   3 Jun      rejected     3 Jun   37.6  ya    fever
    A3   R2   10 Jun     recorded     10 Jun  36.8  ya             10 Jun
    A4   R3   4 Jun      no_show
    A5   R3   5 Jun      recorded     5 Jun   37,5  ya             5 Jun   <- admitted at 37.5
    A6   R5   9 Jun      rejected     9 Jun   36.4  ya    fever            <- "fever" below 37.5
    A7   R5   11 Jun     recorded     11 Jun  36.6  tidak          11 Jun  <- admitted, no mask
    A8   R6   12 Jun     scheduled
    A9   R7   10 Jun     ditolak      10 Jun  36.9  tidak no_mask
    A10  R99  10 Jun     recorded     10 Jun  37.0  ya             10 Jun  <- orphan
    A11  R4   5 Jun      cancelled
    A12  R7   9 Jun      rescheduled
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard import ingest, metrics, queries, store
from dashboard.metrics import Filters
from dashboard.roles import Actor

REQUESTS_CSV = """request_id,received_at,channel,service,kecamatan
R1,2020-06-01 08:00,whatsapp,ktp_el,Paringin
R2,2020-06-01 09:00,WA,ktp_el," paringin "
R3,2020-06-02 10:00,walk_in,ktp_el,Juai
R4,2020-06-03 10:00,online,kk,Juai
R5,2020-06-08 08:00,whatsapp,ktp_el,Juai
R6,2020-06-09 08:00,app,ktp_el,
R7,2020-06-09 09:00,loket,ktp_el,Paringin
R8,2020-06-09 09:30,pos,ktp_el,Juai
"""

APPOINTMENTS_CSV = """appointment_id,request_id,scheduled_date,status,checked_in_at,temperature_c,mask,handwash,rejection_reason,recorded_at
A1,R1,2020-06-03,recorded,2020-06-03 08:10,36.5,ya,ya,,2020-06-03 08:40
A2,R2,2020-06-03,rejected,2020-06-03 08:20,37.6,ya,ya,fever,
A3,R2,2020-06-10,recorded,2020-06-10 08:00,36.8,ya,ya,,2020-06-10 08:30
A4,R3,2020-06-04,no_show,,,,,,
A5,R3,2020-06-05,recorded,2020-06-05 09:00,"37,5",ya,ya,,2020-06-05 09:30
A6,R5,2020-06-09,rejected,2020-06-09 08:00,36.4,ya,ya,fever,
A7,R5,2020-06-11,recorded,2020-06-11 08:00,36.6,tidak,ya,,2020-06-11 08:30
A8,R6,2020-06-12,scheduled,,,,,,
A9,R7,2020-06-10,ditolak,2020-06-10 09:00,36.9,tidak,ya,no_mask,
A10,R99,2020-06-10,recorded,2020-06-10 10:00,37.0,ya,ya,,2020-06-10 10:30
A11,R4,2020-06-05,cancelled,,,,,,
A12,R7,2020-06-09,rescheduled,,,,,,
A13,R6,2020-06-12,rejected,2020-06-12 08:00,52.0,ya,ya,fever,
A14,R6,31/02/2020,scheduled,,,,,,
"""

START, END = date(2020, 6, 1), date(2020, 6, 14)
WEEK1, WEEK2 = pd.Timestamp("2020-06-01"), pd.Timestamp("2020-06-08")


def build_small_store(home: Path) -> None:
    """Import the two logs above into the store under `home` (the DASHBOARD_HOME)."""
    logs = home / "logs_in"
    logs.mkdir(exist_ok=True)
    (logs / "requests.csv").write_text(REQUESTS_CSV, encoding="utf-8")
    (logs / "appointments.csv").write_text(APPOINTMENTS_CSV, encoding="utf-8")
    actor = Actor.cli("tester")
    ingest.ingest_file(logs / "requests.csv", actor=actor)
    ingest.ingest_file(logs / "appointments.csv", actor=actor)


@pytest.fixture
def con(home: Path):
    build_small_store(home)
    with store.connect() as connection:
        yield connection


def _rows(frame: pd.DataFrame, *columns: str) -> list[tuple]:
    return [tuple(row) for row in frame[list(columns)].itertuples(index=False)]


# ------------------------------------------------------------------------ channels


def test_channel_share_by_week(con) -> None:
    frame = queries.channel_share(con, START, END, grain="week")
    # Week 1: R1, R2 whatsapp, R3 walk-in, R4 online. Week 2: R5, R6, R7 one each.
    assert _rows(frame, "period", "channel", "requests") == [
        (WEEK1, "online", 1),
        (WEEK1, "walk_in", 1),
        (WEEK1, "whatsapp", 2),
        (WEEK2, "app", 1),
        (WEEK2, "walk_in", 1),
        (WEEK2, "whatsapp", 1),
    ]
    assert frame["share"].tolist() == pytest.approx([0.25, 0.25, 0.5, 1 / 3, 1 / 3, 1 / 3])


def test_channel_share_labels_a_partial_week_with_the_range_start(con) -> None:
    frame = queries.channel_share(con, date(2020, 6, 3), END, grain="week")
    # Only R4 (Wed 3 Jun) is left of week 1; its week is labelled 3 Jun, not 1 Jun.
    assert _rows(frame, "period", "channel", "requests")[0] == (
        pd.Timestamp("2020-06-03"),
        "online",
        1,
    )
    assert frame.groupby("period")["share"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_channel_share_by_day_and_filter(con) -> None:
    frame = queries.channel_share(con, START, END, Filters(channels=("whatsapp",)), grain="day")
    assert _rows(frame, "period", "requests", "share") == [
        (pd.Timestamp("2020-06-01"), 2, 1.0),
        (pd.Timestamp("2020-06-08"), 1, 1.0),
    ]


def test_grain_is_an_allow_list(con) -> None:
    with pytest.raises(ValueError, match="grain"):
        queries.channel_share(con, START, END, grain="week'); DROP TABLE requests; --")
    with pytest.raises(ValueError, match="grain"):
        queries.rejection_rate_series(con, START, END, grain="year")


def test_channel_outcomes_shares_of_requests_and_recordings(con) -> None:
    frame = queries.channel_outcomes(con, START, END)
    # Requests 7: whatsapp 3, walk-in 2, online 1, app 1. Recordings with a known channel
    # 4 (the orphan A10 has none): A1, A3, A7 whatsapp; A5 walk-in.
    assert _rows(frame, "channel", "requests", "recorded") == [
        ("app", 1, 0),
        ("online", 1, 0),
        ("walk_in", 2, 1),
        ("whatsapp", 3, 3),
    ]
    assert frame["request_share"].tolist() == pytest.approx([1 / 7, 1 / 7, 2 / 7, 3 / 7])
    assert frame["recorded_share"].tolist() == pytest.approx([0, 0, 0.25, 0.75])


def test_channel_outcomes_kecamatan_filter_ignores_case_and_spaces(con) -> None:
    frame = queries.channel_outcomes(con, START, END, Filters(kecamatan=(" PARINGIN ",)))
    # Paringin: R1, R2 whatsapp (A1, A3 recorded), R7 walk-in (A9 turned away).
    assert _rows(frame, "channel", "requests", "recorded") == [
        ("walk_in", 1, 0),
        ("whatsapp", 2, 2),
    ]
    assert frame["recorded_share"].tolist() == pytest.approx([0.0, 1.0])


def test_channel_outcomes_empty_range(con) -> None:
    frame = queries.channel_outcomes(con, date(2021, 1, 1), date(2021, 1, 31))
    assert frame.empty
    assert list(frame.columns) == [
        "channel",
        "requests",
        "recorded",
        "request_share",
        "recorded_share",
    ]


def test_kecamatan_channel(con) -> None:
    frame = queries.kecamatan_channel(con, START, END)
    rows = _rows(frame, "kecamatan_key", "kecamatan", "channel", "requests")
    assert rows[:5] == [
        ("juai", "Juai", "online", 1),
        ("juai", "Juai", "walk_in", 1),
        ("juai", "Juai", "whatsapp", 1),
        # " paringin " and "Paringin" are one kecamatan, shown as the spelling used most.
        ("paringin", "Paringin", "walk_in", 1),
        ("paringin", "Paringin", "whatsapp", 2),
    ]
    # R6 gave no kecamatan: kept, with no key.
    assert pd.isna(rows[5][0]) and rows[5][2:] == ("app", 1)
    assert frame["share"].tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3, 1 / 3, 2 / 3, 1.0])


def test_lead_time_by_channel(con) -> None:
    frame = queries.lead_time_by_channel(con, START, END)
    by_channel = frame.set_index("channel")
    # whatsapp: R1 1->3 Jun = 2, R2 1->3 Jun = 2, R5 8->9 Jun = 1.
    assert by_channel.loc["whatsapp", "n"] == 3
    assert by_channel.loc["whatsapp", "median"] == 2.0
    assert by_channel.loc["whatsapp", "share_within_14"] == 1.0
    # app: R6 9->12 Jun = 3.
    assert by_channel.loc["app", "n"] == 1 and by_channel.loc["app", "median"] == 3.0
    # Each channel equals metrics' own lead-time summary for that channel alone.
    walk_in = metrics.lead_time_summary(con, START, END, Filters(channels=("walk_in",)))
    assert by_channel.loc["walk_in", "median"] == walk_in["median"]
    assert by_channel.loc["walk_in", "n"] == walk_in["n"]


def test_lead_time_by_channel_keeps_the_channel_filter(con) -> None:
    frame = queries.lead_time_by_channel(con, START, END, Filters(channels=("app",)))
    assert frame["channel"].tolist() == ["app"]


# ----------------------------------------------------------------------- screening


def test_screening_funnel_unfiltered(con) -> None:
    frame = queries.screening_funnel(con, START, END)
    # scheduled: A1-A10 (A11 cancelled, A12 rescheduled not counted) = 10
    # checked in: A1, A2, A3, A5, A6, A7, A9, A10 = 8; turned away A2, A6, A9 = 3
    # recorded: A1, A3, A5, A7, A10 = 5; no-show: A4
    assert dict(_rows(frame, "stage", "appointments")) == {
        "scheduled": 10,
        "checked_in": 8,
        "passed": 5,
        "turned_away": 3,
        "recorded": 5,
        "no_show": 1,
    }
    assert frame["stage"].tolist()[:5] == list(queries.FUNNEL_STAGES)


def test_screening_funnel_filtered_leaves_the_orphan_out(con) -> None:
    frame = queries.screening_funnel(con, START, END, Filters(channels=("whatsapp",)))
    # R1, R2, R5 -> A1, A2, A3, A6, A7.
    assert dict(_rows(frame, "stage", "appointments")) == {
        "scheduled": 5,
        "checked_in": 5,
        "passed": 3,
        "turned_away": 2,
        "recorded": 3,
        "no_show": 0,
    }


def test_rejection_rate_by_week(con) -> None:
    frame = queries.rejection_rate_series(con, START, END, grain="week")
    # Week 1: A1, A2, A5 checked in, A2 turned away. Week 2: A3, A6, A7, A9, A10; A6, A9.
    assert _rows(frame, "period", "checked_in", "screening_rejected") == [
        (WEEK1, 3, 1),
        (WEEK2, 5, 2),
    ]
    assert frame["rejection_rate"].tolist() == pytest.approx([1 / 3, 0.4])


def test_rejection_rate_is_empty_not_zero_when_nobody_came(con) -> None:
    frame = queries.rejection_rate_series(con, date(2020, 6, 3), date(2020, 6, 4), grain="day")
    assert frame["checked_in"].tolist() == [2, 0]
    assert frame["rejection_rate"].iloc[0] == pytest.approx(0.5)
    assert pd.isna(frame["rejection_rate"].iloc[1])


def test_temperature_bins_put_the_threshold_on_an_edge(con) -> None:
    frame = queries.temperature_bins(con, START, END)
    # 36.4 -> [36.3, 36.5); 36.5, 36.6 -> [36.5, 36.7); 36.8 -> [36.7, 36.9);
    # 36.9, 37.0 -> [36.9, 37.1); 37.5, 37.6 -> [37.5, 37.7).
    assert _rows(frame, "bin_start", "bin_end", "at_or_above", "passed", "turned_away") == [
        (36.3, 36.5, False, 0, 1),
        (36.5, 36.7, False, 2, 0),
        (36.7, 36.9, False, 1, 0),
        (36.9, 37.1, False, 1, 1),
        (37.5, 37.7, True, 1, 1),
    ]
    assert frame["checked_in"].sum() == 8


def test_temperature_bins_follow_filters(con) -> None:
    frame = queries.temperature_bins(con, START, END, Filters(kecamatan=("juai",)))
    # Juai: R3 (A5 37.5 recorded), R5 (A6 36.4 turned away, A7 36.6 recorded).
    assert _rows(frame, "bin_start", "passed", "turned_away") == [
        (36.3, 0, 1),
        (36.5, 1, 0),
        (37.5, 1, 0),
    ]


def test_screening_checks(con) -> None:
    assert queries.screening_checks(con, START, END) == {
        "checked_in": 8,
        "measured": 8,
        "at_or_above": 2,  # A2 37.6, A5 37.5
        "admitted_with_fever": 1,  # A5
        "fever_below_threshold": 1,  # A6 at 36.4
        "admitted_without_mask": 1,  # A7 (A9 without a mask was turned away)
        "admitted_without_handwash": 0,
    }


def test_screening_checks_on_an_empty_range(con) -> None:
    checks = queries.screening_checks(con, date(2021, 1, 1), date(2021, 1, 2))
    assert set(checks.values()) == {0}


# -------------------------------------------------------------------- data quality


def test_import_history_newest_first_with_the_five_numbers(con) -> None:
    frame = queries.import_history(con)
    assert _rows(
        frame, "file_name", "rows_read", "inserted", "updated", "unchanged", "quarantined"
    ) == [
        ("appointments.csv", 14, 12, 0, 0, 2),
        ("requests.csv", 8, 7, 0, 0, 1),
    ]
    assert frame["orphans"].tolist() == [1, 0]
    assert frame["imported_by"].tolist() == ["tester", "tester"]
    assert (
        frame["rows_read"] == frame[["inserted", "updated", "unchanged", "quarantined"]].sum(axis=1)
    ).all()
    assert queries.import_history(con, limit=1)["file_name"].tolist() == ["appointments.csv"]


def test_quarantine_rows_and_filters(con) -> None:
    everything = queries.quarantine_rows(con)
    # Newest import first, then by row number (the header is row 1).
    assert _rows(everything, "file_name", "row_number", "column_name") == [
        ("appointments.csv", 14, "temperature_c"),
        ("appointments.csv", 15, "scheduled_date"),
        ("requests.csv", 9, "channel"),
    ]
    assert queries.quarantine_count(con) == 3
    appointments_id = int(everything["import_id"].iloc[0])
    assert queries.quarantine_count(con, import_id=appointments_id) == 2
    by_column = queries.quarantine_rows(con, column="channel")
    assert by_column["raw"].str.contains('"R8"').tolist() == [True]
    by_reason = queries.quarantine_rows(con, reason="NOT A DATE")
    assert by_reason["column_name"].tolist() == ["scheduled_date"]
    assert queries.quarantine_count(con, column=queries.WHOLE_ROW) == 0
    assert queries.quarantine_count(con, column="channel", reason="not a date") == 0


def test_quarantine_pages(con) -> None:
    first = queries.quarantine_rows(con, limit=2, offset=0)
    second = queries.quarantine_rows(con, limit=2, offset=2)
    assert len(first) == 2 and len(second) == 1
    assert second["row_number"].tolist() == [9]
    with pytest.raises(ValueError):
        queries.quarantine_rows(con, limit=queries.MAX_PAGE_SIZE + 1)


def test_quarantine_filter_values_are_bound_not_pasted(con) -> None:
    hostile = "x' OR 1=1 --"
    assert queries.quarantine_count(con, column=hostile) == 0
    assert queries.quarantine_count(con, reason=hostile) == 0


def test_quarantine_summary_and_imports(con) -> None:
    summary = queries.quarantine_summary(con)
    assert sorted(_rows(summary, "column_name", "rows")) == [
        ("channel", 1),
        ("scheduled_date", 1),
        ("temperature_c", 1),
    ]
    imports = queries.quarantine_imports(con)
    assert _rows(imports, "file_name", "quarantined") == [
        ("appointments.csv", 2),
        ("requests.csv", 1),
    ]


def test_empty_store(home: Path) -> None:
    with store.connect() as connection:
        assert queries.channel_share(connection, START, END).empty
        assert queries.temperature_bins(connection, START, END).empty
        assert queries.import_history(connection).empty
        assert queries.quarantine_count(connection) == 0
        funnel = queries.screening_funnel(connection, START, END)
        assert funnel["appointments"].sum() == 0


# ------------------------------------------- consistency with the contract's metrics


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(channels=("whatsapp",)),
        Filters(kecamatan=(" PARINGIN ",)),
        Filters(services=("kk",)),
        Filters(channels=("walk_in",), kecamatan=("halong",)),
    ],
    ids=["all", "whatsapp", "paringin", "kk", "walk_in-halong"],
)
def test_page_figures_agree_with_the_metrics_on_the_shared_fixture(
    home: Path, filters: Filters
) -> None:
    """On the metrics helper's fixture store (tests/fixtures.py), the page figures add up
    to the contract's daily metrics under every filter: one definition of each number."""
    from tests.fixtures import FIXTURE_END, FIXTURE_START, build_fixture_store

    build_fixture_store(home)
    with store.connect() as con:
        daily = metrics.daily(con, FIXTURE_START, FIXTURE_END, filters)
        rates = metrics.rates(con, FIXTURE_START, FIXTURE_END, filters)
        funnel = dict(
            _rows(
                queries.screening_funnel(con, FIXTURE_START, FIXTURE_END, filters),
                "stage",
                "appointments",
            )
        )
        for stage, column in (
            ("scheduled", "scheduled"),
            ("checked_in", "checked_in"),
            ("turned_away", "screening_rejected"),
            ("recorded", "recorded"),
            ("no_show", "no_show"),
        ):
            assert funnel[stage] == daily[column].sum() == rates[column], stage
        share = queries.channel_share(con, FIXTURE_START, FIXTURE_END, filters, grain="day")
        per_channel = share.groupby("channel")["requests"].sum().to_dict()
        for channel in metrics.CHANNELS:
            assert per_channel.get(channel, 0) == daily[f"requests_{channel}"].sum(), channel
        outcomes = queries.channel_outcomes(con, FIXTURE_START, FIXTURE_END, filters)
        assert outcomes["requests"].sum() == daily["requests"].sum()
        # Recordings by channel miss only the orphan (which has no channel), unfiltered.
        orphans_recorded = 0 if filters.active else 1  # A09, recorded 06-08
        assert outcomes["recorded"].sum() + orphans_recorded == daily["recorded"].sum()
        grid = queries.kecamatan_channel(con, FIXTURE_START, FIXTURE_END, filters)
        assert grid["requests"].sum() == daily["requests"].sum()
        series = queries.rejection_rate_series(con, FIXTURE_START, FIXTURE_END, filters, "week")
        assert series["checked_in"].sum() == rates["checked_in"]
        assert series["screening_rejected"].sum() == rates["screening_rejected"]
        checks = queries.screening_checks(con, FIXTURE_START, FIXTURE_END, filters)
        assert checks["checked_in"] == rates["checked_in"]
        bins = queries.temperature_bins(con, FIXTURE_START, FIXTURE_END, filters)
        assert bins["checked_in"].sum() == checks["measured"]
        assert bins["turned_away"].sum() <= rates["screening_rejected"]
