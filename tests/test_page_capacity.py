"""The capacity page under AppTest: each form, each refusal, the audit row, the preview,
and the eight-week table against the fixture store's hand-checked bookings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import config, i18n, metrics, roles, store, users
from tests.fixtures import build_fixture_store

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "capacity.py")
JUNE_1 = date(2020, 6, 1)


@pytest.fixture
def staff_page(home: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    build_fixture_store(home)
    users.add("ani", name="Ani", role="staff", password="rahasia-123", actor=roles.Actor.cli())
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "ani"
    at.run()
    assert not at.exception
    at.date_input(key="cap_weeks_start").set_value(JUNE_1).run()
    return at


def _weeks(at: AppTest):
    return at.dataframe[0].value  # AppTest does not expose a dataframe's key; drawn first


def _audit(at: AppTest):
    return at.dataframe[1].value


def _errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def _audit_rows() -> list[tuple]:
    with store.connect() as con:
        return con.execute(
            "SELECT changed_by, scope, old_value, new_value, reason FROM capacity_audit "
            "ORDER BY audit_id"
        ).fetchall()


def test_eight_week_table_shows_caps_sources_and_bookings(staff_page: AppTest) -> None:
    weeks = _weeks(staff_page)
    assert len(weeks) == 56
    first10 = weeks.head(10)
    assert first10["Tanggal"].tolist()[:3] == ["1 Jun 2020", "2 Jun 2020", "3 Jun 2020"]
    # Hand count (tests/fixtures.py): not cancelled/rescheduled, by scheduled_date.
    assert first10["Terjadwal"].tolist() == [0, 0, 1, 2, 2, 1, 0, 2, 0, 1]
    assert first10["Kuota"].tolist() == [0, 10, 10, 10, 10, 5, 0, 10, 10, 12]
    assert first10["Sumber"].tolist() == [
        "libur nasional",
        "bawaan",
        "bawaan",
        "bawaan",
        "bawaan",
        "pengecualian",
        "aturan hari",
        "bawaan",
        "bawaan",
        "bawaan",
    ]
    assert first10["Catatan"].tolist() == [""] * 10
    assert "Tidak ada hari yang melebihi kuota." in [c.value for c in staff_page.caption]


def test_override_range_flags_overbooked_days_and_is_audited(staff_page: AppTest) -> None:
    at = staff_page
    at.date_input(key="cap_override_from").set_value(date(2020, 6, 4))
    at.date_input(key="cap_override_to").set_value(date(2020, 6, 5))
    at.number_input(key="cap_override_value").set_value(1)
    at.text_input(key="cap_override_reason").input("printer broken")
    at.button(key="cap_override_save").click().run()
    assert not at.exception and not at.error
    assert "Tersimpan" in at.success[0].value
    weeks = _weeks(at)
    assert weeks["Kuota"].tolist()[3:5] == [1, 1]
    assert weeks["Catatan"].tolist()[3:5] == ["⚠ melebihi kuota"] * 2  # 2 booked > 1
    assert "2 hari" in at.warning[0].value
    # The audit table drawn in the same run already has the change.
    top = _audit(at).iloc[0]
    assert (top["Oleh"], top["Cakupan"], top["Lama"], top["Baru"], top["Alasan"]) == (
        "ani",
        "range:2020-06-04..2020-06-05",
        "10",
        "1",
        "printer broken",
    )


def test_default_and_weekday_rules(staff_page: AppTest) -> None:
    at = staff_page
    at.number_input(key="cap_default_value").set_value(15)
    at.date_input(key="cap_default_since").set_value(date(2020, 6, 15))
    at.text_input(key="cap_default_reason").input("new desk")
    at.button(key="cap_default_save").click().run()
    assert not at.error, _errors(at)
    weeks = _weeks(at)
    by_date = dict(zip(weeks["Tanggal"], weeks["Kuota"], strict=True))
    assert by_date["12 Jun 2020"] == 12 and by_date["15 Jun 2020"] == 15

    at.selectbox(key="cap_weekday_day").set_value(6)  # Saturday
    at.number_input(key="cap_weekday_value").set_value(4)
    at.date_input(key="cap_weekday_since").set_value(date(2020, 6, 8))
    at.text_input(key="cap_weekday_reason").input("Saturday service")
    at.button(key="cap_weekday_save").click().run()
    assert not at.error, _errors(at)
    weeks = _weeks(at)
    rows = weeks.set_index("Tanggal")
    assert (rows.loc["13 Jun 2020", "Kuota"], rows.loc["13 Jun 2020", "Sumber"]) == (
        4,
        "aturan hari",
    )
    assert rows.loc["6 Jun 2020", "Kuota"] == 5  # the override still wins on its date
    assert rows.loc["14 Jun 2020", "Kuota"] == 0  # Sunday untouched
    assert _audit_rows()[-2:] == [
        ("ani", "default from 2020-06-15", "12", "15", "new desk"),
        ("ani", "weekday:saturday from 2020-06-08", "0", "4", "Saturday service"),
    ]


@pytest.mark.parametrize(
    ("form", "values", "message"),
    [
        ("default", {"value": -1, "reason": "x"}, "between 0 and"),
        ("default", {"value": config.MAX_DAILY_CAP + 1, "reason": "x"}, "between 0 and"),
        ("default", {"value": 12, "reason": "   "}, "give a reason"),
        ("weekday", {"value": -3, "reason": "x"}, "between 0 and"),
        ("weekday", {"value": 3, "reason": ""}, "give a reason"),
        (
            "override",
            {"from": date(2020, 6, 9), "to": date(2020, 6, 2), "value": 3, "reason": "x"},
            "before it starts",
        ),
        ("override", {"value": config.MAX_DAILY_CAP + 1, "reason": "x"}, "between 0 and"),
        ("override", {"value": 3, "reason": ""}, "give a reason"),
    ],
)
def test_bad_input_is_refused_with_the_core_message(
    staff_page: AppTest, form: str, values: dict, message: str
) -> None:
    at = staff_page
    before = _audit_rows()
    at.number_input(key=f"cap_{form}_value").set_value(values["value"])
    at.text_input(key=f"cap_{form}_reason").input(values["reason"])
    if "from" in values:
        at.date_input(key="cap_override_from").set_value(values["from"])
        at.date_input(key="cap_override_to").set_value(values["to"])
    at.button(key=f"cap_{form}_save").click().run()
    assert not at.exception
    assert message in _errors(at)
    assert "Ditolak" in _errors(at)
    assert not at.success
    assert _audit_rows() == before


@pytest.mark.parametrize("cap", [0, 1, 12])
def test_preview_shows_the_cores_projection(staff_page: AppTest, cap: int) -> None:
    at = staff_page
    before = _audit_rows()
    at.number_input(key="cap_default_value").set_value(cap)
    at.button(key="cap_default_preview").click().run()
    assert not at.exception
    as_of = date(2020, 6, 10)  # the fixture's last data day: the backlog "now"
    with store.connect() as con:
        current = metrics.project_clearance(con, as_of, metrics.NO_FILTERS)
        projected = metrics.project_clearance(con, as_of, metrics.NO_FILTERS, what_if_cap=cap)

    def shown(p: metrics.Projection) -> str:
        return i18n.fmt_date(p.clear_date, "id") if p.clear_date else "tidak dalam 730 hari"

    values = {m.label: m.value for m in at.metric}
    assert values["Dengan kalender sekarang"] == shown(current)
    assert values[f"Dengan kuota {cap} per hari buka"] == shown(projected)
    if cap == 0:
        assert projected.clear_date is None and shown(projected) == "tidak dalam 730 hari"
    assert _audit_rows() == before  # a preview writes nothing


def test_a_role_without_capacity_gets_no_forms(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    build_fixture_store(home)
    users.add("kepala", name="K", role="head", password="rahasia-123", actor=roles.Actor.cli())
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "kepala"
    at.run()
    assert "bukan untuk peran Anda" in _errors(at)
    assert not at.dataframe and not at.number_input and not at.button
