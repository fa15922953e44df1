"""The overview, throughput and backlog pages under AppTest, on the hand-checked fixture store.

Every page runs for every role and draws its charts; the tiles, the chart data and the
URL follow the filters; the numbers equal the hand computation in tests/fixtures.py:

Fixture days 06-01 .. 06-10 (no filter):
    recorded  0 0 1 1 1 0 0 2 0 1   (sum 6)
    cap       0 10 10 10 10 5 0 10 10 12   (sum 77; open days 8)
    backlog   0 2 4 3 2 3 3 3 3 2   (and 0 at the end of 05-31)
    requests 9, of which WhatsApp 4; checked in 7, rejected 1; no-shows 2

Period 06-06 .. 06-10 against the previous five days 06-01 .. 06-05:
    recorded 3 / cap 37        vs 3             -> change 0
    backlog end 06-10: 2       vs end 06-05: 2  -> change 0
    rejection 0/3 = 0 %        vs 1/4 = 25 %    -> -25 points, good (green)
    WhatsApp 1/2 = 50 %        vs 3/7 = 42.9 %  -> +7.1 points, neutral (grey: a share)
    no-show 1/(1+3) = 25 %     vs 1/(1+4) = 20% -> +5 points, bad (red)
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from dashboard import capacity, metrics, roles, store, ui, users
from tests.fixtures import FIXTURE_ACTOR, build_fixture_store

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "uji-halaman-2020"
USERS = {role: f"uji_{role}" for role in roles.ROLES}
MY_PAGES = {
    "overview": "app.py",
    "throughput": "pages/throughput.py",
    "backlog": "pages/backlog.py",
}
CHARTS = {"overview": 1, "throughput": 6, "backlog": 4}
WHOLE = {"period": "custom", "start": "2020-06-01", "end": "2020-06-10"}
LATE = {"period": "custom", "start": "2020-06-06", "end": "2020-06-10"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture store and one user per role, built once (bcrypt is slow) and copied."""
    path = tmp_path_factory.mktemp("pages-template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DASHBOARD_HOME", str(path))
        mp.setenv("DASHBOARD_TZ", "Asia/Makassar")
        build_fixture_store(path)
        for role, name in USERS.items():
            users.add(name, name=name, role=role, password=PASSWORD, actor=roles.Actor.cli())
    return path


@pytest.fixture
def site(home: Path, template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's DASHBOARD_HOME holding a private copy of the fixture store and users."""
    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    shutil.copytree(template, home, dirs_exist_ok=True)
    return home


def _app(role: str = "head", page: str = "overview", params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = USERS[role]
    for key, value in (params or {}).items():
        at.query_params[key] = value
    if page != "overview":
        at.switch_page(MY_PAGES[page])
    return at.run()


def _tiles(at: AppTest) -> dict[str, tuple[str, str, str, str]]:
    """label -> (value, delta, direction, colour) of every st.metric on the page."""
    out = {}
    for m in at.metric:
        p = m.proto
        out[p.label] = (
            p.body,
            p.delta,
            MetricProto.MetricDirection.Name(p.direction),
            MetricProto.MetricColor.Name(p.color),
        )
    return out


def _charts(at: AppTest) -> list:
    return list(at.get("vega_lite_chart"))


def _chart_data(chart) -> pd.DataFrame:
    dataset = chart.proto.datasets[0]
    return pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()


def _texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("info", "warning", "error", "caption", "markdown")
        for e in at.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


# ---------------------------------------------------------------- every page, every role


@pytest.mark.parametrize("role", roles.ROLES)
@pytest.mark.parametrize("page", MY_PAGES)
def test_every_page_runs_for_every_role_and_draws_its_charts(
    site: Path, page: str, role: str
) -> None:
    at = _app(role, page, WHOLE)
    assert not at.exception, at.exception
    assert len(_charts(at)) == CHARTS[page]
    assert "DATA DEMO" not in _texts(at)  # the fixture store is not demo data


@pytest.mark.parametrize("role", roles.ROLES)
def test_the_menu_lists_only_the_pages_the_role_may_open(site: Path, role: str) -> None:
    at = _app(role, "overview", LATE)
    links = {link.proto.label: link.proto.query_string for link in at.get("page_link")}
    actor = roles.Actor(USERS[role], role)
    expected = {
        ui.i18n.t(f"page.{p.key}", "id")
        for p in ui.PAGES
        if actor.can(p.permission) and (ROOT / p.path).exists()
    }
    assert set(links) == expected
    assert ("Kuota harian" in links) == (role in ("staff", "admin"))
    assert ("Administrasi" in links) == (role == "admin")
    # The links carry the view, so the next page opens on the same period.
    assert set(links.values()) == {"period=custom&start=2020-06-06&end=2020-06-10"}


# ---------------------------------------------------------------- overview numbers


def test_overview_tiles_equal_the_hand_computation(site: Path) -> None:
    at = _app("head", "overview", LATE)
    assert not at.exception
    tiles = _tiles(at)
    assert tiles["Terekam / kuota"][:2] == ("3 / 37", "0")
    assert tiles["Terekam / kuota"][3] == "GRAY"
    assert tiles["Antrean saat ini"][:2] == ("2", "0")
    assert tiles["Ditolak saat skrining"] == ("0,0%", "-25,0 poin", "DOWN", "GREEN")
    # A channel's share is neither good nor bad (product owner, issue 11): grey.
    assert tiles["Pangsa WhatsApp"] == ("50,0%", "+7,1 poin", "UP", "GRAY")
    assert tiles["Tidak hadir"] == ("25,0%", "+5,0 poin", "UP", "RED")
    data = _chart_data(_charts(at)[0])
    assert list(data["recorded"]) == [0, 0, 2, 0, 1]
    assert list(data["cap"]) == [5, 0, 10, 10, 12]
    assert list(data["date"]) == [f"2020-06-{d:02d}" for d in range(6, 11)]


def test_overview_whole_fixture_period_and_a_backlog_that_grew(site: Path) -> None:
    at = _app("staff", "overview", WHOLE)
    tiles = _tiles(at)
    # Previous period 05-22..05-31 is empty: recorded +6 (good), backlog 0 -> 2 (bad).
    assert tiles["Terekam / kuota"] == ("6 / 77", "+6", "UP", "GREEN")
    assert tiles["Antrean saat ini"] == ("2", "+2", "UP", "RED")
    # No check-ins before: a rate has no previous value, so no change is claimed.
    assert tiles["Ditolak saat skrining"][:2] == ("14,3%", "")
    assert tiles["Pangsa WhatsApp"][:2] == ("44,4%", "")
    assert tiles["Tidak hadir"][:2] == ("22,2%", "")


def test_english_switch_changes_words_and_number_format(site: Path) -> None:
    at = _app("head", "overview", {**WHOLE, "lang": "en"})
    tiles = _tiles(at)
    assert tiles["Recorded / cap"][0] == "6 / 77"
    assert tiles["Turned away at screening"][0] == "14.3%"
    assert at.segmented_control(key="ui_lang").value == "en"
    # One click back to Indonesian rewrites the URL and the page.
    at.segmented_control(key="ui_lang").set_value("id").run()
    assert "lang" not in at.query_params
    assert "Ditolak saat skrining" in _tiles(at)


def test_a_filter_in_the_url_narrows_the_numbers(site: Path) -> None:
    at = _app("head", "overview", {**WHOLE, "channel": "whatsapp"})
    tiles = _tiles(at)
    # WhatsApp only: recorded A01 (06-03) and A02 (06-04); backlog R07, R08 open at 06-10.
    assert tiles["Terekam / kuota"][0] == "2 / 77"
    assert tiles["Antrean saat ini"][0] == "2"
    assert tiles["Pangsa WhatsApp"][0] == "100,0%"
    assert at.selectbox(key="ui_channel").value == "whatsapp"


def test_changing_a_filter_writes_the_url_and_changes_the_numbers(site: Path) -> None:
    at = _app("head", "overview", WHOLE)
    assert _tiles(at)["Terekam / kuota"][0] == "6 / 77"
    at.selectbox(key="ui_kecamatan").set_value("paringin").run()
    # Paringin (any case/spacing): recorded A01 06-03 and A02 06-04.
    assert (
        at.query_params["kecamatan"] == ["paringin"] or at.query_params["kecamatan"] == "paringin"
    )
    assert _tiles(at)["Terekam / kuota"][0] == "2 / 77"
    assert _tiles(at)["Antrean saat ini"][0] == "1"  # R08 (Sat 06-06) still open
    # The filter survives a page change through the menu.
    at.switch_page("pages/throughput.py").run()
    assert at.selectbox(key="ui_kecamatan").value == "paringin"
    assert _tiles(at)["Terekam"][0] == "2"


def test_period_presets_count_back_from_the_latest_data(site: Path) -> None:
    # The fixture's latest activity is 06-10 (A10 recorded): "last 7 days" = 06-04..06-10.
    at = _app("head", "overview", {"period": "last7"})
    assert "Periode 4 Jun 2020 – 10 Jun 2020" in _texts(at)
    assert _tiles(at)["Terekam / kuota"][0] == "5 / 57"  # 1+1+0+0+2+0+1 / 10+10+5+0+10+10+12
    at.selectbox(key="ui_period").set_value("this_month").run()
    assert at.query_params["period"] in ("this_month", ["this_month"])
    assert "Periode 1 Jun 2020 – 10 Jun 2020" in _texts(at)


def test_a_malformed_url_falls_back_to_defaults(site: Path) -> None:
    at = _app(
        "head",
        "overview",
        {"period": "custom", "start": "2020-02-31", "channel": "fax", "kecamatan": "atlantis"},
    )
    assert not at.exception
    assert at.selectbox(key="ui_period").value == "last30"
    assert at.selectbox(key="ui_channel").value == ""
    assert at.selectbox(key="ui_kecamatan").value == ""


# ---------------------------------------------------------------- throughput numbers


def test_throughput_tiles_and_chart_data(site: Path) -> None:
    at = _app("analyst", "throughput", WHOLE)
    assert not at.exception
    tiles = _tiles(at)
    assert tiles["Terekam"][0] == "6"
    assert tiles["Hari buka"][0] == "8"
    assert tiles["Pemanfaatan rata-rata"][0] == "7,8%"  # 6 / 77
    assert tiles["Hari mencapai kuota"][0] == "0 / 8"
    charts = _charts(at)
    daily = _chart_data(charts[0])
    assert list(daily["recorded"]) == [0, 0, 1, 1, 1, 0, 0, 2, 0, 1]
    assert list(daily["cap"]) == [0, 10, 10, 10, 10, 5, 0, 10, 10, 12]
    utilization = _chart_data(charts[1])
    # Closed days (06-01 holiday, 06-07 Sunday) are left out of utilisation.
    assert list(utilization["date"]) == [f"2020-06-{d:02d}" for d in (2, 3, 4, 5, 6, 8, 9, 10)]
    assert list(utilization["utilization"].round(4)) == [0, 0.1, 0.1, 0.1, 0, 0.2, 0, 0.0833]
    by_channel = _chart_data(charts[2])
    totals = by_channel.groupby("channel")["requests"].sum().to_dict()
    assert totals == {"app": 1, "online": 1, "walk_in": 3, "whatsapp": 4}
    weekly = _chart_data(charts[3])  # weeks starting Mon 06-01 and Mon 06-08
    assert list(weekly["recorded"]) == [3, 3]
    assert list(weekly["cap"]) == [45, 32]
    monthly = _chart_data(charts[4])
    assert list(monthly["recorded"]) == [6] and list(monthly["cap"]) == [77]
    weekday = _chart_data(charts[5]).set_index("weekday")
    # Mondays open: 06-08 only (06-01 is a holiday) -> 2 recorded, cap 10.
    assert weekday.loc[1, "avg_recorded"] == 2 and weekday.loc[1, "open_days"] == 1
    # Wednesdays 06-03 (1, cap 10) and 06-10 (1, cap 12).
    assert weekday.loc[3, "avg_recorded"] == 1 and weekday.loc[3, "avg_cap"] == 11
    assert 7 not in weekday.index  # Sunday is closed


def test_days_at_cap_are_listed(site: Path) -> None:
    with store.connect() as con:
        capacity.set_override(con, date(2020, 6, 8), None, 2, reason="uji", actor=FIXTURE_ACTOR)
    at = _app("staff", "throughput", WHOLE)
    assert _tiles(at)["Hari mencapai kuota"][0] == "1 / 8"
    table = at.dataframe[0].value
    assert table.iloc[0].tolist() == ["8 Jun 2020", "Senin", 2, 2]


def test_a_capacity_change_shows_at_once_on_the_next_run(site: Path) -> None:
    at = _app("staff", "throughput", WHOLE)
    assert _tiles(at)["Pemanfaatan rata-rata"][0] == "7,8%"
    with store.connect() as con:
        capacity.set_override(con, date(2020, 6, 9), None, 33, reason="uji", actor=FIXTURE_ACTOR)
    at.run()  # same session: the data version moved, so the cache is not reused
    assert _tiles(at)["Pemanfaatan rata-rata"][0] == "6,0%"  # 6 / (77 - 10 + 33)
    assert list(_chart_data(_charts(at)[0])["cap"])[8] == 33


# ---------------------------------------------------------------- backlog numbers


def test_backlog_tiles_ages_and_lead_times(site: Path) -> None:
    at = _app("head", "backlog", WHOLE)
    assert not at.exception
    tiles = _tiles(at)
    assert tiles["Antrean saat ini"] == ("2", "+2", "UP", "RED")
    assert tiles["Permohonan baru dalam periode"][0] == "9"
    assert tiles["Menunggu lebih dari 60 hari"][0] == "0"
    assert tiles["Dijadwalkan dalam 14 hari"][0] == "87,5%"
    assert tiles["Median waktu tunggu"][0] == "1,0 hari"
    assert tiles["90% dijadwalkan dalam"][0] == "7,1 hari"
    charts = _charts(at)
    line = _chart_data(charts[0])
    assert list(line["backlog"]) == [0, 2, 4, 3, 2, 3, 3, 3, 3, 2]
    ages = _chart_data(charts[1])
    assert list(zip(ages["bucket"], ages["requests"], strict=True)) == [
        ("0-7", 2),
        ("8-14", 0),
        ("15-30", 0),
        ("31-60", 0),
        (">60", 0),
    ]
    leads = _chart_data(charts[3])
    assert list(zip(leads["days"], leads["requests"], strict=True)) == [(1, 6), (2, 1), (19, 1)]


def test_the_what_if_slider_moves_the_clearance_date(site: Path) -> None:
    at = _app("head", "backlog", WHOLE)
    with store.connect() as con:
        current = metrics.project_clearance(con, date(2020, 6, 10))
        slow = metrics.project_clearance(con, date(2020, 6, 10), what_if_cap=1)
    assert current.clear_date is not None and slow.clear_date is not None
    assert slow.clear_date > current.clear_date
    shown = _tiles(at)["Tuntas pada kuota sekarang"][0]
    assert shown == ui.i18n.fmt_date(current.clear_date, "id")
    slider = at.slider(key="backlog_what_if_cap")
    assert slider.value == 12  # the cap of the next open day (default 12 from 06-10)
    slider.set_value(1).run()
    tiles = _tiles(at)
    what_if = tiles["Tuntas dengan kuota 1/hari"]
    assert what_if[0] == ui.i18n.fmt_date(slow.clear_date, "id")
    days = (slow.clear_date - current.clear_date).days
    assert what_if[1:] == (f"+{days} hari", "UP", "RED")
    assert len(_charts(at)) == 4
    projection = _chart_data(_charts(at)[2])
    assert set(projection["scenario"]) == {"Kuota sekarang", "Simulasi (1)"}


# ---------------------------------------------------------------- empty states


@pytest.mark.parametrize("page", MY_PAGES)
def test_an_empty_store_shows_the_no_data_state(
    home: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    users.add("kosong", name="Kosong", role="head", password=PASSWORD, actor=roles.Actor.cli())
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "kosong"
    if page != "overview":
        at.switch_page(MY_PAGES[page])
    at.run()
    assert not at.exception
    assert "Belum ada data" in _texts(at)
    assert _charts(at) == []


@pytest.mark.parametrize("page", MY_PAGES)
def test_a_filter_with_no_rows_says_so(site: Path, page: str) -> None:
    # Online: only R05 (received 06-03, cancelled 06-05); nothing online from 06-06 on.
    at = _app("head", page, {**LATE, "channel": "online"})
    assert not at.exception
    assert "Tidak ada data untuk filter ini (6 Jun 2020 – 10 Jun 2020)" in _texts(at)
    assert _charts(at) == []


def test_the_service_filter_without_ktp_el_has_no_backlog(site: Path) -> None:
    at = _app("head", "backlog", {**WHOLE, "service": "kk"})
    assert "Antrean dihitung untuk perekaman KTP-el saja" in _texts(at)
    assert _charts(at) == []
    overview = _app("head", "overview", {**WHOLE, "service": "kk"})
    assert _tiles(overview)["Antrean saat ini"][0] == "–"


# ---------------------------------------------------------------- the view in the URL


def test_view_state_round_trips_through_query_params() -> None:
    view = ui.ViewState.from_params(
        {
            "lang": "en",
            "period": "custom",
            "start": "2020-06-10",
            "end": "2020-06-01",
            "channel": "WhatsApp",
        }
    )
    assert (view.start, view.end) == (date(2020, 6, 1), date(2020, 6, 10))  # swapped
    assert view.channel == "whatsapp"
    assert ui.ViewState.from_params(view.to_params()) == view
    assert ui.ViewState().to_params() == {}
    # Dates only belong to a custom period; a custom period needs both.
    assert ui.ViewState.from_params({"period": "last7", "start": "2020-06-01"}).start is None
    assert ui.ViewState.from_params({"period": "custom", "start": "2020-06-01"}).period == "last30"


def test_ranges_anchor_and_previous_period() -> None:
    today = date(2026, 11, 28)
    assert ui.anchor_date(today, date(2020, 12, 4)) == date(2020, 12, 4)
    assert ui.anchor_date(today, None) == today
    assert ui.anchor_date(today, date(2027, 1, 1)) == today  # future-dated rows don't move it
    anchor = date(2020, 6, 10)
    assert ui.resolve_range("last7", anchor) == (date(2020, 6, 4), anchor)
    assert ui.resolve_range("last30", anchor) == (date(2020, 5, 12), anchor)
    assert ui.resolve_range("last90", anchor) == (date(2020, 3, 13), anchor)
    assert ui.resolve_range("this_month", anchor) == (date(2020, 6, 1), anchor)
    long = ui.resolve_range("custom", anchor, date(2000, 1, 1), anchor)
    assert (long[1] - long[0]).days + 1 == ui.MAX_RANGE_DAYS
    assert ui.previous_range(date(2020, 6, 6), date(2020, 6, 10)) == (
        date(2020, 6, 1),
        date(2020, 6, 5),
    )


def test_custom_dates_from_the_picker_go_to_the_url(site: Path) -> None:
    at = _app("head", "overview", {"period": "last7"})
    at.selectbox(key="ui_period").set_value("custom").run()
    # Switching to custom starts from the range shown before (06-04..06-10).
    assert at.date_input(key="ui_dates").value == (date(2020, 6, 4), date(2020, 6, 10))
    at.date_input(key="ui_dates").set_value((date(2020, 6, 6), date(2020, 6, 10))).run()
    params = {k: at.query_params[k] for k in ("period", "start", "end")}
    assert {k: v if isinstance(v, str) else v[0] for k, v in params.items()} == LATE
    assert _tiles(at)["Terekam / kuota"][0] == "3 / 37"


# ---------------------------------------------------------------- chart builders


def test_charts_speak_the_pages_language_and_refuse_raw_rows() -> None:
    from dashboard import charts

    frame = pd.DataFrame(
        {"date": pd.date_range("2020-06-01", periods=3), "recorded": [1, 2, 3], "cap": [10, 10, 0]}
    )
    spec_id = charts.throughput(frame, "id").to_dict()
    spec_en = charts.throughput(frame, "en").to_dict()
    assert spec_id["config"]["locale"]["number"]["decimal"] == ","
    assert spec_id["config"]["locale"]["number"]["thousands"] == "."
    assert "Agu" in spec_id["config"]["locale"]["time"]["shortMonths"]
    assert spec_en["config"]["locale"]["number"]["thousands"] == ","
    # The cap is drawn as a stepped line over the bars.
    marks = [layer["mark"]["type"] for layer in spec_id["layer"]]
    assert marks == ["bar", "line"]
    assert spec_id["layer"][1]["mark"]["interpolate"] == "step"
    too_many = pd.DataFrame(
        {
            "date": pd.date_range("2000-01-01", periods=charts.MAX_ROWS + 1),
            "recorded": 0,
            "cap": 0,
        }
    )
    with pytest.raises(ValueError, match="at most 5000"):
        charts.throughput(too_many)


def test_channel_colours_are_fixed_in_every_channel_chart() -> None:
    from dashboard import charts

    frame = pd.DataFrame(
        {"date": [date(2020, 6, 1)] * 2, "channel": ["walk_in", "whatsapp"], "requests": [3, 4]}
    )
    color = charts.requests_by_channel(frame, "en").to_dict()["encoding"]["color"]
    assert color["scale"]["domain"] == ["whatsapp", "walk_in", "online", "app"]
    assert color["scale"]["range"] == list(charts.CHANNEL_COLORS.values())
    assert "Walk-in" in color["legend"]["labelExpr"]


def test_reset_clears_the_filters_from_the_url(site: Path) -> None:
    at = _app("head", "overview", {**WHOLE, "channel": "whatsapp", "kecamatan": "juai"})
    assert _tiles(at)["Terekam / kuota"][0] == "0 / 77"  # no WhatsApp request from Juai recorded
    at.button(key="ui_reset_filters").click().run()
    assert "channel" not in at.query_params and "kecamatan" not in at.query_params
    assert "period" not in at.query_params  # back to the default: last 30 days
    assert "Periode 12 Mei 2020 – 10 Jun 2020" in _texts(at)
    # Cap 05-12..05-31: 14 weekdays less Ascension (05-21) and Idul Fitri (Mon 05-25)
    # = 12 open days x 10 = 120, plus 77 in 06-01..06-10.
    assert _tiles(at)["Terekam / kuota"][0] == "6 / 197"


def test_demo_data_carries_a_banner_on_every_page(site: Path) -> None:
    with store.connect() as con:
        store.set_meta(con, "demo", "true")
        store.bump_data_version(con)
    for page in MY_PAGES:
        at = _app("head", page, WHOLE)
        assert "DATA DEMO" in "\n".join(w.value for w in at.warning), page


def test_a_busy_store_says_so_instead_of_failing(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import cache

    def busy() -> int:
        raise store.StoreBusy("busy")

    monkeypatch.setattr(cache, "refresh_version", busy)
    at = _app("head", "overview", WHOLE)
    assert not at.exception
    assert "Data sedang diperbarui" in _texts(at)
    assert _charts(at) == [] and not at.metric
