"""The admin page's Kantor and Target tabs, and the missed-target banners, under AppTest.

Banners on the fixture store (tests/fixtures.py), 2020-06-01 .. 06-10, no filter:
    checked in 7 (A01 A02 A04 A03b A04b A09 A10), turned away 1 (A04):
        rejection rate 1/7 = 14.3 %  -> above the default band 2-5 %: missed (screening)
    no-shows 2 (A06 A07): no-show rate 2 / (2 + 7) = 22.2 %  -> above 15 %: missed (screening)
    recorded never reaches the cap (at most 2 a day against 10): met
    imported while the test session built the fixture (today): fresh, met
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import roles, settings, store, targets, users
from tests.fixtures import build_fixture_store

ROOT = Path(__file__).resolve().parents[1]
WHOLE = {"period": "custom", "start": "2020-06-01", "end": "2020-06-10"}
REJECTION = "Tingkat penolakan skrining 14,3%, di atas rentang target 2%–5%."
NO_SHOW = "Tingkat tidak hadir 22,2%; target ≤ 15%."
USERS = {"admin": "adi", "staff": "sari", "head": "hana"}


@pytest.fixture
def site(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    build_fixture_store(home)
    for role, name in USERS.items():
        users.add(name, name=name, role=role, password="rahasia-123", actor=roles.Actor.cli())
    yield home
    from dashboard import config

    config.set_office_tz_setting(None)  # the page hands the office zone to the process


def open_page(path: str, role: str = "admin", **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = USERS[role]
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def submit(at: AppTest, form: str) -> AppTest:
    """Press the form's submit button (keyed `<form>_submit` on the admin page)."""
    return at.button(key=f"{form}_submit").click().run()


# ------------------------------------------------------------------ banners


def test_banners_show_on_the_overview_and_the_page_concerned(site: Path) -> None:
    overview = open_page("app.py", "head", **WHOLE)
    assert not overview.exception
    warnings = texts(overview, "warning")
    assert REJECTION in warnings and NO_SHOW in warnings
    screening = open_page("pages/screening.py", "head", **WHOLE)
    assert REJECTION in texts(screening, "warning") and NO_SHOW in texts(screening, "warning")
    for page in ("pages/backlog.py", "pages/throughput.py"):
        at = open_page(page, "head", **WHOLE)
        assert not at.exception
        assert REJECTION not in texts(at, "warning") and NO_SHOW not in texts(at, "warning")


def test_the_screening_band_and_banner_follow_the_target(site: Path) -> None:
    with store.connect() as con:
        targets.set_target(
            con, roles.Actor("adi", "admin"), "rejection_band", "0.1-0.2", reason="r"
        )
    at = open_page("pages/screening.py", "head", **WHOLE)
    assert not at.exception
    assert REJECTION not in texts(at, "warning")  # 14.3 % is inside 10-20 %
    assert "Tingkat penolakan 14,3%: dalam sasaran 10%–20%." in texts(at, "success")
    assert any(c.startswith("Pita hijau: sasaran 10%–20% ") for c in texts(at, "caption"))

    band = None
    for chart in at.get("vega_lite_chart"):
        for data in chart.proto.datasets:
            frame = pa.ipc.open_stream(data.data.data).read_pandas()
            if "low" in frame.columns and "high" in frame.columns:
                band = frame
    assert band is not None
    assert band[["low", "high"]].iloc[0].tolist() == [0.1, 0.2]


# ------------------------------------------------------------------ Kantor tab


def test_office_form_saves_audits_and_refuses(site: Path) -> None:
    at = open_page("pages/admin.py")
    assert not at.exception
    assert at.text_input(key="admin_office_name").value == settings.DEFAULT_NAME
    assert at.selectbox(key="admin_office_timezone").value == "Asia/Makassar"
    # No reason: refused, nothing saved.
    at.text_input(key="admin_office_name").input("Disdukcapil Balangan")
    at = submit(at, "admin_office")
    # The core's message is shown literally (Markdown-escaped: it may quote what was typed).
    assert "Ditolak: Isi alasan perubahan \\(dicatat di log audit\\)." in texts(at, "error")
    # A bad time zone cannot be chosen from the list; a blank name is refused.
    at.text_input(key="admin_office_name").input("  ")
    at.text_input(key="admin_office_reason").input("nama resmi")
    at = submit(at, "admin_office")
    assert "Ditolak: name tidak boleh kosong." in texts(at, "error")
    at.text_input(key="admin_office_name").input("Disdukcapil Balangan")
    at.text_area(key="admin_office_kecamatan").input("Paringin\nawayan\nAWAYAN\n Juai ")
    at.selectbox(key="admin_office_timezone").set_value("Asia/Jakarta")
    at = submit(at, "admin_office")
    assert not at.exception and not at.error
    assert "Pengaturan kantor disimpan." in texts(at, "success")
    with store.connect(read_only=True) as con:
        office = settings.office(con)
        audit = settings.audit(con, prefix="office.")
    assert office.name == "Disdukcapil Balangan"
    assert office.kecamatan == ("awayan", "Juai", "Paringin")
    assert office.timezone == "Asia/Jakarta"
    # Newest first; one transaction writes them in the form's order (name .. kecamatan).
    assert audit["setting"].tolist() == ["office.kecamatan", "office.timezone", "office.name"]
    assert set(audit["changed_by"]) == {"adi"} and set(audit["reason"]) == {"nama resmi"}
    # The audit log below the form shows the three rows at once.
    shown = [d.value for d in at.dataframe if "setting" in d.value.columns]
    assert shown and len(shown[0]) == 3
    # Saving the same values again writes nothing.
    at = submit(at, "admin_office")
    assert "Tidak ada yang berubah: nilainya sama dengan yang tersimpan." in texts(at, "info")


# ------------------------------------------------------------------ Target tab


def test_targets_form_saves_audits_and_refuses(site: Path) -> None:
    at = open_page("pages/admin.py")
    # Every tab is drawn on each run; ours is the table with a "Source" column.
    table = [d.value for d in at.dataframe if "Asal" in d.value.columns][0]
    assert table["Nilai"].tolist() == ["30", "2%–5%", "15%", "10", "7"]
    assert table["Asal"].tolist() == ["bawaan"] * 5
    assert table["Rentang yang diterima"].tolist()[0] == "1–365 hari"
    # 150 % no-show: refused with the range in percent; nothing saved.
    at.number_input(key="admin_target_no_show_pct").set_value(150.0)
    at.text_input(key="admin_targets_reason").input("uji")
    at = submit(at, "admin_targets")
    assert "Ditolak: Batas tingkat tidak hadir: isi persentase antara 0% dan 100%." in texts(
        at, "error"
    )
    # A day target out of range names its range.
    at.number_input(key="admin_target_no_show_pct").set_value(20.0)
    at.number_input(key="admin_target_backlog_clear_days").set_value(400)
    at = submit(at, "admin_targets")
    assert (
        "Ditolak: backlog_clear_days harus bilangan bulat dari 1 sampai 365 hari, bukan 400."
        in texts(at, "error")
    )
    with store.connect(read_only=True) as con:
        assert targets.current(con)["is_default"] == {k: True for k in targets.KEYS}
    # Valid: only the changed targets are saved, each audited.
    at.number_input(key="admin_target_backlog_clear_days").set_value(45)
    at = submit(at, "admin_targets")
    assert not at.error
    assert "Target disimpan: Antrean tuntas dalam (hari), Batas tingkat tidak hadir." in texts(
        at, "success"
    )
    with store.connect(read_only=True) as con:
        values = targets.current(con)
        audit = settings.audit(con, prefix="target.")
    assert values["backlog_clear_days"] == 45 and values["no_show_max"] == 0.2
    assert values["rejection_band"] == (0.02, 0.05)  # untouched, still the default
    assert values["is_default"]["rejection_band"] is True
    assert audit[["setting", "old_value", "new_value", "changed_by", "reason"]].values.tolist() == [
        ["target.no_show_max", "0.15 (default)", "0.2", "adi", "uji"],
        ["target.backlog_clear_days", "30 (default)", "45", "adi", "uji"],
    ]
    table = [d.value for d in at.dataframe if "Asal" in d.value.columns][0]
    assert table["Nilai"].tolist() == ["45", "2%–5%", "20%", "10", "7"]
    assert table["Asal"].tolist() == ["diatur admin", "bawaan", "diatur admin", "bawaan", "bawaan"]


def test_the_admin_page_stays_closed_to_other_roles(site: Path) -> None:
    at = open_page("pages/admin.py", "staff")
    assert not at.exception
    assert "bukan untuk peran Anda" in "\n".join(texts(at, "error"))
    assert not [w for w in at.text_input if w.key == "admin_office_name"]
