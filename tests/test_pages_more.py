"""AppTest for the screening, channels and data-quality pages, on the small store of
tests/test_queries.py (its docstring has the hand-computed table).

Every allowed role opens each page and sees its charts and the numbers worked out by
hand; head and analyst are refused the data-quality page; the upload form imports a
file and shows the five numbers, and a refused file shows what to fix and changes
nothing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import roles, store, users
from tests.test_queries import build_small_store
from tests.upload_steps import check, check_and_save

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "rahasia-123"
ROLE_USERS = {"head": "kepala", "staff": "petugas", "analyst": "analis", "admin": "boss"}


def _template(tmp_path_factory: pytest.TempPathFactory, with_data: bool) -> Path:
    """A DASHBOARD_HOME with one user per role (and the small store), built once per
    module: bcrypt and two imports per test would dominate the run time."""
    home = tmp_path_factory.mktemp("template") / "home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DASHBOARD_HOME", str(home))
        cli = roles.Actor.cli()
        for role, username in ROLE_USERS.items():
            users.add(username, name=username.title(), role=role, password=PASSWORD, actor=cli)
        if with_data:
            build_small_store(home)
    return home


@pytest.fixture(scope="module")
def accounts_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _template(tmp_path_factory, with_data=False)


@pytest.fixture(scope="module")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _template(tmp_path_factory, with_data=True)


def _fill(home: Path, template: Path) -> Path:
    shutil.copytree(template, home, dirs_exist_ok=True)
    return home


@pytest.fixture
def accounts(home: Path, accounts_template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own copy: an empty store and the four users."""
    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    return _fill(home, accounts_template)


@pytest.fixture
def small_store(home: Path, store_template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own copy of the small store of tests/test_queries.py, and the users."""
    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    return _fill(home, store_template)


def open_page(name: str, role: str, **query: str) -> AppTest:
    """Run pages/<name>.py signed in as the user holding `role`."""
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = ROLE_USERS[role]
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def metrics_shown(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest, kind: str) -> str:
    return "\n".join(str(e.value) for e in getattr(at, kind))


def chart_frames(chart) -> list[pd.DataFrame]:
    """The data a drawn Altair chart carries (Streamlit sends it as Arrow datasets)."""
    return [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]


def charts_of(at: AppTest) -> list:
    return list(at.get("vega_lite_chart"))


def download_keys(at: AppTest) -> list[str]:
    return [b.key for b in at.get("download_button")]


# ------------------------------------------------------------------- screening


@pytest.mark.parametrize("role", ["head", "staff", "analyst", "admin"])
def test_screening_page_for_every_role(small_store: Path, role: str) -> None:
    at = open_page("screening", role)
    assert not at.exception
    assert not at.error
    # The default view is the last 30 days up to the latest data (11 Jun 2020): all of it.
    assert metrics_shown(at) == {
        "Datang (check-in)": "8",
        "Ditolak saat skrining": "3",
        "Tingkat penolakan": "37,5%",
        "Suhu ≥ 37,5 °C": "2",
    }
    assert len(charts_of(at)) == 4  # funnel, rate vs band, reasons, temperature
    keys = download_keys(at)
    for name in ("screening-funnel", "screening-rejection", "screening-reasons", "screening-temp"):
        assert any(name in key for key in keys), (name, keys)


def test_screening_page_numbers_in_its_charts(small_store: Path) -> None:
    # 1-14 June, as in test_queries (the default view ends on 11 June, before A8's slot).
    at = open_page("screening", "head", period="custom", start="2020-06-01", end="2020-06-14")
    funnel, rate, reasons, temperature = charts_of(at)
    funnel_data = chart_frames(funnel)[0]
    assert dict(zip(funnel_data["stage"], funnel_data["appointments"], strict=True)) == {
        "scheduled": 10,
        "checked_in": 8,
        "passed": 5,
        "turned_away": 3,
        "recorded": 5,
        "no_show": 1,
    }
    # The target band is drawn as its own layer.
    band = [f for f in chart_frames(rate) if "low" in f.columns][0]
    # (no target set in this store: the default band, 2-5%)
    assert band[["low", "high"]].iloc[0].tolist() == [0.02, 0.05]
    reason_data = chart_frames(reasons)[0]
    assert reason_data.groupby("reason")["rejections"].sum().to_dict() == {
        "fever": 2,
        "no_mask": 1,
    }
    # The temperature chart carries bins, never a reading: 36.4 (A6) is inside the
    # 36.3-36.5 bin and appears nowhere; the threshold rule sits at 37.5.
    bins, rule = chart_frames(temperature)
    assert 36.4 not in set(bins["bin_start"]) | set(bins["bin_end"])
    assert bins.groupby("outcome")["people"].sum().to_dict() == {"Lolos": 5, "Ditolak": 3}
    assert rule["x"].tolist() == [37.5]


def test_screening_page_warns_about_rule_exceptions(small_store: Path) -> None:
    warnings = texts(open_page("screening", "staff"), "warning")
    assert "di atas sasaran 2%–5%" in warnings  # 37,5% turned away
    assert "1 orang bersuhu 37,5 °C atau lebih tetap direkam" in warnings  # A5
    assert "1 orang ditolak karena demam dengan suhu di bawah 37,5 °C" in warnings  # A6
    assert "1 orang tanpa masker tetap direkam" in warnings  # A7


def test_screening_page_in_english_with_a_filter(small_store: Path) -> None:
    at = open_page("screening", "head", lang="en", channel="whatsapp")
    assert not at.exception
    # WhatsApp: A1, A2, A3, A6, A7 checked in; A2 and A6 turned away.
    assert metrics_shown(at) == {
        "Checked in": "5",
        "Turned away": "2",
        "Rejection rate": "40.0%",
        "Temperature ≥ 37.5 °C": "1",
    }


def test_screening_page_filter_with_no_rows(small_store: Path) -> None:
    # Online: only R4, whose one appointment was cancelled.
    at = open_page("screening", "head", channel="online")
    assert not at.exception
    assert "Tidak ada data untuk filter ini" in texts(at, "info")
    assert not charts_of(at)


def test_screening_and_channels_on_an_empty_store(accounts: Path) -> None:
    for page in ("screening", "channels"):
        at = open_page(page, "head")
        assert not at.exception
        assert "Belum ada data" in texts(at, "info")
        assert not charts_of(at)


# -------------------------------------------------------------------- channels


@pytest.mark.parametrize("role", ["head", "staff", "analyst", "admin"])
def test_channels_page_for_every_role(small_store: Path, role: str) -> None:
    at = open_page("channels", role)
    assert not at.exception
    assert not at.error
    # Requests 7: whatsapp 3, walk-in 2, online 1, app 1.
    assert metrics_shown(at) == {
        "WhatsApp": "42,9%",
        "Datang langsung": "28,6%",
        "Daring": "14,3%",
        "Aplikasi": "14,3%",
    }
    assert len(charts_of(at)) == 4  # share, outcomes, lead times, heatmap
    keys = download_keys(at)
    for name in ("channels-share", "channels-outcomes", "channels-lead", "channels-kecamatan"):
        assert any(name in key for key in keys), (name, keys)


def test_channels_page_answers_who_waits_longer(small_store: Path) -> None:
    at = open_page("channels", "head")
    info = texts(at, "info")
    # App: 1 of 7 requests (14,3%) and none of the 4 recordings with a channel.
    assert "Aplikasi: 14,3% dari permohonan, tetapi hanya 0,0% dari perekaman" in info
    # Median lead time: app 3 days (R6), walk-in 1 day (R3: 2, R7: 0).
    assert "Tunggu terlama: Aplikasi (median 3,0 hari)" in info
    assert "tercepat: Datang langsung (1,0 hari)" in info
    share, outcomes, leads, heatmap = charts_of(at)
    outcome_data = chart_frames(outcomes)[0]
    recorded = outcome_data[outcome_data["measure"] == "Bagian perekaman"]
    assert dict(zip(recorded["channel"], recorded["count"], strict=True)) == {
        "app": 0,
        "online": 0,
        "walk_in": 1,
        "whatsapp": 3,
    }
    grid = chart_frames(heatmap)[0]
    cells = {
        (k, c): n for k, c, n in grid[["kecamatan", "channel", "requests"]].itertuples(index=False)
    }
    assert cells == {
        ("Juai", "online"): 1,
        ("Juai", "walk_in"): 1,
        ("Juai", "whatsapp"): 1,
        ("Paringin", "walk_in"): 1,
        ("Paringin", "whatsapp"): 2,
        ("(tidak diisi)", "app"): 1,
    }


# ---------------------------------------------------------------- data quality


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_data_quality_page_for_staff_and_admin(small_store: Path, role: str) -> None:
    at = open_page("data_quality", role)
    assert not at.exception
    assert not at.error
    assert metrics_shown(at) == {
        "Impor": "2",
        "Baris dikarantina": "3",
        "Jadwal tanpa permohonan": "1",
        "Peringatan": "0",
    }
    tables = at.dataframe
    history = tables[0].value
    assert history["File"].tolist() == ["appointments.csv", "requests.csv"]
    assert history[["Dibaca", "Baru", "Diperbarui", "Tetap", "Karantina"]].values.tolist() == [
        [14, 12, 0, 0, 2],
        [8, 7, 0, 0, 1],
    ]
    quarantine = tables[1].value
    assert quarantine["Kolom"].tolist() == ["temperature_c", "scheduled_date", "channel"]
    orphans = tables[2].value
    assert orphans["ID jadwal"].tolist() == ["A10"]
    assert len(at.file_uploader) == 1


@pytest.mark.parametrize("role", ["head", "analyst"])
def test_data_quality_page_is_refused_to_head_and_analyst(small_store: Path, role: str) -> None:
    at = open_page("data_quality", role)
    assert not at.exception
    assert "bukan untuk peran Anda" in texts(at, "error")
    assert not at.metric and not at.dataframe and not at.file_uploader


def test_quarantine_filters(small_store: Path) -> None:
    at = open_page("data_quality", "staff")
    assert "3 baris cocok" in texts(at, "caption")
    at.selectbox(key="dq_q_column").set_value("channel").run()
    assert "1 baris cocok" in texts(at, "caption")
    assert at.dataframe[1].value["Kolom"].tolist() == ["channel"]
    at.selectbox(key="dq_q_column").set_value(None).run()
    at.text_input(key="dq_q_reason").input("NOT A DATE").run()
    assert at.dataframe[1].value["Kolom"].tolist() == ["scheduled_date"]


UPLOAD_CSV = b"""request_id,received_at,channel,service,kecamatan
R1,2020-06-01 08:00,whatsapp,ktp_el,Halong
R2,2020-06-01 09:00,whatsapp,ktp_el," paringin "
R20,2020-06-10 08:00,wa,ktp_el,Awayan
R21,2020-06-10 09:00,web,kk,Awayan
R22,31/06/2020 09:00,wa,ktp_el,Awayan
R23,2020-06-10 10:00,fax,ktp_el,Awayan
R24,,wa,ktp_el,Awayan
"""


def _submit(at: AppTest, name: str, content: bytes) -> AppTest:
    """Check the file, then save what the preview shows (the two-step upload)."""
    return check_and_save(at, name, content)


def test_upload_imports_and_shows_the_five_numbers(small_store: Path) -> None:
    at = _submit(open_page("data_quality", "staff"), "permohonan_juni.csv", UPLOAD_CSV)
    assert not at.exception
    assert "permohonan_juni.csv diimpor sebagai log Permohonan" in texts(at, "success")
    # 7 rows: R20, R21 new; R1 changed (kecamatan); R2 as before; R22 (31 June), R23
    # (unknown channel) and R24 (no date) quarantined.
    shown = metrics_shown(at)
    assert {
        k: shown[k] for k in ("Baris dibaca", "Baru", "Diperbarui", "Tidak berubah", "Dikarantina")
    } == {
        "Baris dibaca": "7",
        "Baru": "2",
        "Diperbarui": "1",
        "Tidak berubah": "1",
        "Dikarantina": "3",
    }
    # The caches were cleared: the ledger and tiles below already include the import.
    assert shown["Impor"] == "3"
    assert shown["Baris dikarantina"] == "6"
    assert at.dataframe[0].value["File"].tolist()[0] == "permohonan_juni.csv"
    assert at.dataframe[0].value["Oleh"].tolist()[0] == "petugas"
    with store.connect() as con:
        assert con.execute("SELECT kecamatan FROM requests WHERE request_id = 'R1'").fetchone() == (
            "Halong",
        )
    # No copy of the upload is left behind.
    assert not any((small_store / "tmp").glob("upload-*"))


@pytest.mark.parametrize(
    ("name", "content", "fix"),
    [
        ("kosong.csv", b"", "kosong.csv is empty"),
        ("dua.csv", b"request_id,received_at,Kanal,kanal\nR1,2020-06-08,wa,wa\n", "twice"),
    ],
)
def test_refused_upload_shows_what_to_fix_and_changes_nothing(
    small_store: Path, name: str, content: bytes, fix: str
) -> None:
    with store.connect() as con:
        before = store.data_version(con), con.execute("SELECT count(*) FROM imports").fetchone()
    at = _submit(open_page("data_quality", "staff"), name, content)
    assert not at.exception
    error = texts(at, "error")
    assert f"{name} ditolak" in error
    assert fix in error
    assert "Tidak ada data yang berubah" in error
    assert not at.success
    with store.connect() as con:
        after = store.data_version(con), con.execute("SELECT count(*) FROM imports").fetchone()
    assert after == before
    assert metrics_shown(at)["Impor"] == "2"
    assert not any((small_store / "tmp").glob("upload-*"))


def test_submit_without_a_file_asks_for_one(small_store: Path) -> None:
    at = open_page("data_quality", "admin")
    at.button(key="dq_check").click().run()
    assert "Pilih file dulu." in texts(at, "warning")


def test_upload_kind_can_be_stated(small_store: Path) -> None:
    at = open_page("data_quality", "admin")
    at.selectbox(key="dq_upload_kind").set_value("appointments")
    at = _submit(at, "permohonan_juni.csv", UPLOAD_CSV)
    # A requests file stated to be appointments is refused whole, not half-loaded.
    assert "permohonan_juni.csv ditolak" in texts(at, "error")
    assert metrics_shown(at)["Impor"] == "2"


def test_data_quality_on_an_empty_store(accounts: Path) -> None:
    at = open_page("data_quality", "staff")
    assert not at.exception
    assert "Belum ada impor" in texts(at, "info")
    assert "Tidak ada baris yang dikarantina." in texts(at, "caption")
    assert len(at.file_uploader) == 1


def test_chart_data_is_aggregated_json_safe(small_store: Path) -> None:
    """Every chart spec on the two chart pages parses and carries no raw row ids."""
    for page in ("screening", "channels"):
        for chart in charts_of(open_page(page, "analyst")):
            spec = json.loads(chart.proto.spec)
            assert "layer" in spec or "mark" in spec
            for frame in chart_frames(chart):
                assert not frame.astype(str).apply(lambda c: c.str.match(r"^[AR]\d+$")).any().any()


def test_first_upload_into_an_empty_store_refreshes_the_sidebar(accounts: Path) -> None:
    at = open_page("data_quality", "staff")
    assert "Belum ada data yang diimpor." in texts(at.sidebar, "caption")
    at = _submit(at, "permohonan_juni.csv", UPLOAD_CSV)
    # All seven rows are new here except the three bad ones.
    shown = metrics_shown(at)
    assert (shown["Baris dibaca"], shown["Baru"], shown["Dikarantina"]) == ("7", "4", "3")
    # The page was drawn again after the import: the sidebar knows about it too.
    assert "Impor terakhir" in texts(at.sidebar, "caption")
    assert "permohonan_juni.csv diimpor" in texts(at, "success")


def test_upload_of_a_workbook_imports_every_recognised_sheet_and_names_the_others(
    small_store: Path,
) -> None:
    import io

    from openpyxl import Workbook

    book = Workbook()
    juni = book.active
    juni.title = "Juni"
    juni.append(["request_id", "received_at", "channel"])
    juni.append(["W1", "2020-06-08 08:00", "wa"])
    book.create_sheet("Catatan").append(["dibuat oleh loket"])
    juli = book.create_sheet("Juli")
    juli.append(["request_id", "received_at", "channel"])
    juli.append(["W2", "2020-07-01 08:00", "wa"])
    juli.append(["W3", "2020-07-01 09:00", "walk-in"])
    data = io.BytesIO()
    book.save(data)
    at = check(open_page("data_quality", "staff"), "jadwal.xlsx", data.getvalue(), "x/y")
    assert not at.exception
    # Every sheet with its rows; the one with no log is left unticked, with the reason.
    boxes = {c.label: c.value for c in at.checkbox}
    assert boxes == {
        "Juni: 1 baris, Permohonan": True,
        "Catatan: 0 baris, judul kolom belum dikenali": False,
        "Juli: 2 baris, Permohonan": True,
    }
    assert "Judul kolom tidak dikenali" in texts(at, "caption")
    at = at.button(key="dq_save").click().run()
    success = texts(at, "success")
    assert "jadwal.xlsx \\[Juni\\] diimpor sebagai log Permohonan" in success
    assert "jadwal.xlsx \\[Juli\\] diimpor sebagai log Permohonan" in success
    assert "Catatan" not in success + texts(at, "info")
    read = [m.value for m in at.metric if m.label == "Baris dibaca"]
    assert read == ["1", "2"]
    with store.connect() as con:
        assert con.execute(
            "SELECT count(*) FROM requests WHERE request_id IN ('W1', 'W2', 'W3')"
        ).fetchone() == (3,)
