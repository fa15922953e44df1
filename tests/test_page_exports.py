"""The exports page and the chart download buttons under AppTest, for every role.

Download buttons hand Streamlit a callable (deferred generation). The tests catch each
callable as the page registers it, call it as Streamlit would on a click, and check the
bytes, the audit row and what a role may not get.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from dashboard import config, exports, roles, store, ui_exports, users
from dashboard.roles import Actor, PermissionDenied
from tests.fixtures import run_cli
from tests.test_exports import END, NIK_RE, NIKS, START, _ingest_fake_people

PAGE = str(config.PROJECT_ROOT / "pages" / "exports.py")
PASSWORD = "rahasia-123"
ROLE_USERS = {"head": "kepala", "staff": "petugas", "analyst": "ana", "admin": "adm"}
RANGE = {"period": "custom", "start": START.isoformat(), "end": END.isoformat()}


@pytest.fixture
def site(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One account per role and 40 fake requests/appointments (8–15 Jun 2020)."""
    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    for role, name in ROLE_USERS.items():
        users.add(name, name=name.title(), role=role, password=PASSWORD, actor=Actor.cli())
    _ingest_fake_people()
    return home


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], bytes]]:
    """file name -> the callable a download button registered (what a click runs)."""
    caught: dict[str, Callable[[], bytes]] = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, element_id=""):  # noqa: ANN001
        caught[file_name] = data_callable
        return original(
            self, data_callable, mimetype, coordinates, file_name=file_name, element_id=element_id
        )

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return caught


def _run(role: str, **params: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params.update({**RANGE, **params})
    at.session_state["authentication_status"] = True
    at.session_state["username"] = ROLE_USERS[role]
    at.run()
    assert not at.exception, at.exception
    return at


def _log() -> list[tuple]:
    with store.connect() as con:
        frame = exports.audit_log(con)
    return [tuple(r) for r in frame[["username", "what", "file_format", "row_count"]].to_numpy()]


@pytest.mark.parametrize("role", ["head", "staff"])
def test_head_and_staff_get_daily_file_but_no_row_exports(
    site: Path, downloads: dict, role: str
) -> None:
    at = _run(role)
    assert [b.label for b in at.download_button] == ["Unduh metrik harian (CSV)"]
    assert "hanya untuk analis dan admin" in at.info[0].value
    assert not at.metric
    assert set(downloads) == {"daily-metrics_2020-06-08_2020-06-15.csv"}


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_analyst_and_admin_see_row_counts_first(site: Path, downloads: dict, role: str) -> None:
    at = _run(role)
    # 40 requests received 8–14 Jun and 40 appointments scheduled 9–14 Jun.
    assert [m.value for m in at.metric] == ["40 baris", "40 baris"]
    assert len(at.download_button) == 7
    assert {
        f"{kind}-rows_2020-06-08_2020-06-15{ext}"
        for kind in ("requests", "appointments")
        for ext in (".csv", ".excel.csv", ".csv.gz")
    } <= set(downloads)
    assert _log() == []  # nothing is exported (or audited) before a click


def test_row_count_follows_the_filters(site: Path, downloads: dict) -> None:
    at = _run("analyst", channel="whatsapp", lang="en")
    assert [m.value for m in at.metric] == ["20 rows", "20 rows"]


def test_page_daily_bytes_equal_the_cli(site: Path, downloads: dict) -> None:
    _run("head", channel="whatsapp")
    page_bytes = downloads["daily-metrics_2020-06-08_2020-06-15.csv"]()
    cli_stdout = run_cli(
        "export", "daily", "--start", "2020-06-08", "--end", "2020-06-15", "--channel", "whatsapp"
    )
    assert page_bytes == cli_stdout
    assert len(page_bytes.splitlines()) == 9  # header + 8 days
    # The CLI audits its own export too (as user "cli"); the page's click is kepala's.
    assert [r for r in _log() if r[0] == "kepala"] == [("kepala", "daily_metrics", "csv", 8)]


def test_row_download_from_the_page(site: Path, downloads: dict) -> None:
    _run("analyst")
    data = downloads["appointments-rows_2020-06-08_2020-06-15.excel.csv"]()
    assert data.startswith(exports.BOM)
    lines = data[3:].decode().splitlines()
    assert lines[0].split(";")[:3] == ['"appointment_id"', '"request_id"', "queue_number"]
    assert len(lines) == 41
    assert any(";36,8;" in line for line in lines)
    assert NIK_RE.search(data) is None and not any(n.encode() in data for n in NIKS)
    assert _log() == [("ana", "rows:appointments", "excel_csv", 40)]
    assert list(exports.tmp_dir().iterdir()) == []  # the temp file went with the download


@pytest.mark.parametrize("role", ["head", "staff"])
def test_row_generator_refuses_other_roles_on_the_server(site: Path, role: str) -> None:
    actor = Actor(ROLE_USERS[role], role)
    generate = ui_exports.rows_generator(actor, "requests", START, END, None, "csv")
    with pytest.raises(PermissionDenied):
        generate()
    assert _log() == []
    assert list(exports.tmp_dir().iterdir()) == []


def test_row_download_rechecks_the_account_at_the_click(site: Path, downloads: dict) -> None:
    _run("analyst")
    generate = downloads["requests-rows_2020-06-08_2020-06-15.csv"]
    users.set_disabled("ana", True, actor=Actor.cli())  # disabled after the page was drawn
    with pytest.raises(PermissionDenied):
        generate()
    assert _log() == []


CHART_PAGE = """
import pandas as pd
from datetime import date
from types import SimpleNamespace
from dashboard import ui_exports
from dashboard.metrics import Filters
from dashboard.roles import Actor

ctx = SimpleNamespace(actor=Actor("kepala", "head"), lang="en", start=date(2020, 6, 8),
                      end=date(2020, 6, 15), filters=Filters.single("whatsapp"))
frame = pd.DataFrame({"date": pd.to_datetime(["2020-06-08", "2020-06-09"]),
                      "kecamatan": ["=cmd|' /C calc'!A0", "Juai"], "recorded": [7, 9]})
ui_exports.chart_download(frame, "throughput-recorded", ctx)
"""


def test_chart_download_offers_three_formats_and_audits_each_click(
    home: Path, downloads: dict, tmp_path: Path
) -> None:
    script = tmp_path / "chart_page.py"
    script.write_text(CHART_PAGE)
    at = AppTest.from_file(str(script), default_timeout=30).run()
    assert not at.exception, at.exception
    assert [b.label for b in at.download_button] == ["CSV", "CSV for Excel", "Excel (XLSX)"]
    base = "throughput-recorded_2020-06-08_2020-06-15"
    assert set(downloads) == {f"{base}.csv", f"{base}.excel.csv", f"{base}.xlsx"}
    csv_bytes = downloads[f"{base}.csv"]()
    assert csv_bytes.splitlines()[1] == b"2020-06-08,\"'=cmd|' /C calc'!A0\",7"
    assert downloads[f"{base}.xlsx"]().startswith(b"PK")
    with store.connect() as con:
        log = exports.audit_log(con)
    assert log["what"].tolist() == ["chart:throughput-recorded"] * 2
    assert log["file_format"].tolist() == ["xlsx", "csv"]
    assert log["row_count"].tolist() == [2, 2]
    assert '"channels": ["whatsapp"]' in log.iloc[0]["filters"]
    assert roles.PERMISSIONS["export_aggregate"] == frozenset(roles.ROLES)
