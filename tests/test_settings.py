"""Office settings (dashboard/settings.py): defaults, validation with one-line messages,
the kecamatan list's cleaning, the audit, and where the settings take effect (the time
zone of "today", the kecamatan filter, the import templates)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from dashboard import capacity, config, ingest, roles, settings, store, ui
from dashboard.roles import Actor

ADMIN = Actor("boss", "admin")


@pytest.fixture(autouse=True)
def _forget_timezone() -> Iterator[None]:
    """The office time zone is remembered per process: leave none behind."""
    yield
    config.set_office_tz_setting(None)


def _set(**changes: object) -> None:
    with store.connect() as con:
        settings.set_office(con, ADMIN, reason=str(changes.pop("reason", "set-up")), **changes)


def _office() -> settings.Office:
    with store.connect(read_only=True) as con:
        return settings.office(con)


def _audit_rows() -> list[tuple]:
    with store.connect(read_only=True) as con:
        return con.execute(
            "SELECT changed_by, setting, old_value, new_value, reason FROM settings_audit "
            "ORDER BY audit_id"
        ).fetchall()


def test_defaults(home: Path) -> None:
    assert _office() == settings.Office(
        name="Dinas Kependudukan dan Pencatatan Sipil",
        regency="",
        address="",
        timezone="Asia/Makassar",  # conftest sets DASHBOARD_TZ=Asia/Makassar
        kecamatan=(),
    )
    with store.connect(read_only=True) as con:
        assert settings.is_set(con) == {field: False for field in settings.FIELDS}


def test_default_timezone_without_the_environment(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DASHBOARD_TZ")
    assert _office().timezone == "Asia/Makassar"
    monkeypatch.setenv("DASHBOARD_TZ", "Asia/Jakarta")
    assert _office().timezone == "Asia/Jakarta"


def test_set_read_and_audit(home: Path) -> None:
    _set(
        name="  Dinas Kependudukan dan Pencatatan Sipil   Kabupaten Balangan ",
        regency="Kabupaten Balangan",
        address="Jl. A. Yani, Paringin",
        timezone="Asia/Makassar",  # the default already: no audit row
        kecamatan="Paringin, juai ,JUAI,\nAwayan,, Batumandi",
        reason="first set-up",
    )
    office = _office()
    assert office.name == "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Balangan"
    # Trimmed, one spelling per name (the first), sorted case-insensitively.
    assert office.kecamatan == ("Awayan", "Batumandi", "juai", "Paringin")
    assert _audit_rows() == [
        (
            "boss",
            "office.name",
            "Dinas Kependudukan dan Pencatatan Sipil (default)",
            "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Balangan",
            "first set-up",
        ),
        ("boss", "office.regency", " (default)", "Kabupaten Balangan", "first set-up"),
        ("boss", "office.address", " (default)", "Jl. A. Yani, Paringin", "first set-up"),
        (
            "boss",
            "office.kecamatan",
            " (default)",
            "Awayan, Batumandi, juai, Paringin",
            "first set-up",
        ),
    ]
    with store.connect() as con:
        version = store.data_version(con)
        # The same values again: nothing written, the caches keep their version.
        settings.set_office(con, ADMIN, reason="again", regency="Kabupaten Balangan")
        assert store.data_version(con) == version
        settings.set_office(con, ADMIN, reason="moved", timezone="Asia/Jakarta")
        assert store.data_version(con) == version + 1
        assert settings.is_set(con)["timezone"] is True
    assert _audit_rows()[-1] == (
        "boss",
        "office.timezone",
        "Asia/Makassar (default)",
        "Asia/Jakarta",
        "moved",
    )
    assert len(_audit_rows()) == 5


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "   "}, "name must not be empty."),
        ({"name": "x" * 121}, "name may have at most 120 characters (it has 121); shorten it."),
        (
            {"address": "y" * 301},
            "address may have at most 300 characters (it has 301); shorten it.",
        ),
        ({"timezone": "WITA"}, "Unknown time zone “WITA”; write an IANA name"),
        ({"timezone": "../../etc/passwd"}, "Unknown time zone"),
        ({"kecamatan": ["k" * 81]}, "The kecamatan name “kkkk"),
        ({"kecamatan": 5}, "Kecamatan list: write one name per line"),
        ({"colour": "red"}, "Unknown setting colour; use one of: name, regency"),
        ({}, "No setting given"),
    ],
)
def test_bad_input_is_refused_in_one_line(home: Path, changes: dict, message: str) -> None:
    with store.connect() as con, pytest.raises(settings.SettingsError) as caught:
        settings.set_office(con, ADMIN, reason="r", **changes)
    text = str(caught.value)
    assert text.startswith(message) and "\n" not in text, text
    assert caught.value.message("id") != text  # and in Indonesian for the page
    assert _audit_rows() == []


def test_a_reason_is_required(home: Path) -> None:
    with store.connect() as con, pytest.raises(settings.SettingsError, match="reason"):
        settings.set_office(con, ADMIN, reason="", name="Kantor")
    assert _office().name == settings.DEFAULT_NAME


@pytest.mark.parametrize("role", ["head", "staff", "analyst"])
def test_only_an_admin_may_change_settings(home: Path, role: str) -> None:
    with store.connect() as con, pytest.raises(roles.PermissionDenied):
        settings.set_office(con, Actor("x", role), reason="r", name="Kantor")
    assert _audit_rows() == []


def test_the_office_whatsapp_identity_is_a_setting_staff_may_set_too(home: Path) -> None:
    from dashboard import whatsapp_import

    staff, head = Actor("petugas", "staff"), Actor("kepala", "head")
    # Staff set it from the WhatsApp import (permission "import"), audited as a setting.
    with store.connect() as con:
        kept = whatsapp_import.set_office_identity(
            con, "Disdukcapil Balangan, +62 811-5000-111", actor=staff
        )
        # Setting the same again writes nothing (no second audit row).
        whatsapp_import.set_office_identity(con, kept, actor=staff)
    assert kept == ("Disdukcapil Balangan", "+62 811-5000-111")
    assert _office().whatsapp == kept
    assert _audit_rows() == [
        (
            "petugas",
            "office.whatsapp",
            " (default)",
            "Disdukcapil Balangan, +62 811-5000-111",
            whatsapp_import.OFFICE_REASON,
        )
    ]
    # Staff may set only that field; a head not even that.
    with store.connect() as con:
        with pytest.raises(roles.PermissionDenied):
            settings.set_office(con, staff, reason="r", name="Kantor", whatsapp="Kantor")
        with pytest.raises(roles.PermissionDenied):
            whatsapp_import.set_office_identity(con, "Kantor", actor=head)
        # The admin sets it with the other settings; a bad value says what is wrong.
        settings.set_office(con, ADMIN, reason="nomor baru", whatsapp="0811 5000 222")
        with pytest.raises(settings.SettingsError, match="WhatsApp"):
            settings.set_office(con, ADMIN, reason="r", whatsapp="x" * 81)
    assert _office().whatsapp == ("0811 5000 222",)
    assert len(_audit_rows()) == 2


def test_timezone_sets_today_unless_dashboard_tz_is_set(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set(timezone="Asia/Jayapura")
    monkeypatch.delenv("DASHBOARD_TZ")
    assert config.office_tz() == "Asia/Makassar"  # not read before it is applied
    assert settings.apply_timezone_from_store() == "Asia/Jayapura"
    assert config.office_tz() == "Asia/Jayapura"
    assert capacity.office_today() == datetime.now(ZoneInfo("Asia/Jayapura")).date()
    assert ui.office_today() == datetime.now(ZoneInfo("Asia/Jayapura")).date()
    monkeypatch.setenv("DASHBOARD_TZ", "Asia/Jakarta")  # the environment wins
    assert config.office_tz() == "Asia/Jakarta"
    with store.connect(read_only=True) as con:
        assert settings.timezone_overridden(con) is True
    # The default zone is remembered as "none set".
    assert settings.apply_timezone("Asia/Jakarta") == "Asia/Jakarta"
    monkeypatch.delenv("DASHBOARD_TZ")
    assert config.office_tz() == "Asia/Makassar"


def test_kecamatan_filter_lists_the_settings_first() -> None:
    in_data = [("halong", "Halong"), ("juai", "JUAI"), ("paringin", "Paringin")]
    assert ui.kecamatan_options(("Paringin", "Awayan", "Juai"), in_data) == [
        ("paringin", "Paringin"),
        ("awayan", "Awayan"),
        ("juai", "Juai"),
        ("halong", "Halong"),  # in the data only: after the office's list
    ]
    assert ui.kecamatan_options((), in_data) == in_data


def test_templates_use_the_settings_list_when_set(home: Path) -> None:
    frame = pd.DataFrame(
        {
            "request_id": ["R1", "R2"],
            "received_at": ["2020-06-02 08:00", "2020-06-02 09:00"],
            "channel": ["walk_in", "walk_in"],
            "kecamatan": ["Halong", "Paringin"],
        }
    )
    ingest.ingest_table(frame, "requests", source_name="r.csv", actor=Actor.cli("t"))
    with store.connect(read_only=True) as con:
        assert settings.template_kecamatan(con) == ["Halong", "Paringin"]  # the store's
    _set(kecamatan=["Awayan", "Juai"])
    with store.connect(read_only=True) as con:
        assert settings.template_kecamatan(con) == ["Awayan", "Juai"]  # the office's


def test_migration_5_is_the_settings_tables(home: Path) -> None:
    versions = [v for v, _ in store.MIGRATIONS]
    assert versions == sorted(versions) and 5 in versions
    with store.connect(read_only=True) as con:
        tables = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchall()
        }
    assert {"office_settings", "targets", "settings_audit"} <= tables
