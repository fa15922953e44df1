"""Both languages have every string, and numbers and dates read the way each expects."""

from __future__ import annotations

import ast
import string
import threading
from datetime import date, datetime
from pathlib import Path

import pytest

from dashboard import i18n, roles, ui
from dashboard.charts import CHANNELS
from dashboard.i18n import t

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "dashboard").glob("*.py")]
)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_both_languages_and_the_same_placeholders() -> None:
    assert len(i18n.STRINGS) > 100
    for key, texts in i18n.STRINGS.items():
        assert set(texts) == set(i18n.LANGS), key
        for lang in i18n.LANGS:
            assert texts[lang].strip(), f"{key} is empty in {lang}"
        assert _fields(texts["id"]) == _fields(texts["en"]), key


def test_registering_a_key_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        i18n.register({"page.overview": ("x", "y")})


def _literal_keys(path: Path) -> list[tuple[str, int]]:
    """Keys of `t("...")` / `i18n.t("...")` calls with a literal first argument."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        owner = getattr(getattr(func, "value", None), "id", None)
        if name != "t" or (isinstance(func, ast.Attribute) and owner != "i18n"):
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.append((first.value, node.lineno))
    return found


def test_every_literal_key_used_in_the_code_exists() -> None:
    missing = [
        f"{path.relative_to(ROOT)}:{line}: {key}"
        for path in SOURCES
        for key, line in _literal_keys(path)
        if key not in i18n.STRINGS
    ]
    assert missing == []


def test_the_scan_sees_the_pages_keys() -> None:
    keys = {k for k, _ in _literal_keys(ROOT / "app.py")}
    assert {"tile.recorded", "tile.backlog", "tile.no_show"} <= keys


def test_keys_built_from_names_exist() -> None:
    for page in ui.PAGES:
        assert f"page.{page.key}" in i18n.STRINGS
    for period in ui.PERIODS:
        assert f"filter.period.{period}" in i18n.STRINGS
    for channel in CHANNELS:
        assert f"channel.{channel}" in i18n.STRINGS
    for role in roles.ROLES:
        assert f"role.{role}" in i18n.STRINGS
    for lang in i18n.LANGS:
        assert f"lang.{lang}" in i18n.STRINGS


def test_lookup_language_and_format() -> None:
    assert t("page.backlog", "id") == "Antrean"
    assert t("page.backlog", "en") == "Backlog"
    assert t("overview.period", "en", range="x") == "Period x"
    assert t("no.such.key") == "no.such.key"
    assert t("page.backlog", "fr") == "Antrean"  # unknown language -> Indonesian


def test_language_is_per_thread_and_defaults_to_indonesian() -> None:
    seen: dict[str, str] = {}
    i18n.set_language("en")
    try:

        def other() -> None:
            seen["other"] = i18n.current_language()

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert i18n.current_language() == "en"
        assert t("page.backlog") == "Backlog"
        assert seen["other"] == "id"
        assert i18n.set_language("xx") == "id"
    finally:
        i18n.set_language("id")


@pytest.mark.parametrize(
    ("value", "indonesian", "english"),
    [
        (0, "0", "0"),
        (7, "7", "7"),
        (1234, "1.234", "1,234"),
        (1234567, "1.234.567", "1,234,567"),
        (-4321, "-4.321", "-4,321"),
        (999.6, "1.000", "1,000"),
        (None, "–", "–"),
        (float("nan"), "–", "–"),
    ],
)
def test_fmt_int(value: float | None, indonesian: str, english: str) -> None:
    assert i18n.fmt_int(value, "id") == indonesian
    assert i18n.fmt_int(value, "en") == english


@pytest.mark.parametrize(
    ("value", "digits", "indonesian", "english"),
    [
        (0.125, 1, "12,5%", "12.5%"),
        (1 / 7, 1, "14,3%", "14.3%"),
        (0.875, 0, "88%", "88%"),
        (1, 1, "100,0%", "100.0%"),
        (12.345, 1, "1.234,5%", "1,234.5%"),
        (None, 1, "–", "–"),
    ],
)
def test_fmt_pct(value: float | None, digits: int, indonesian: str, english: str) -> None:
    assert i18n.fmt_pct(value, digits, "id") == indonesian
    assert i18n.fmt_pct(value, digits, "en") == english


def test_signed_changes_use_ascii_signs_for_st_metric() -> None:
    assert i18n.fmt_signed_int(1234, "id") == "+1.234"
    assert i18n.fmt_signed_int(-3, "en") == "-3"
    assert i18n.fmt_signed_int(0, "id") == "0"
    assert i18n.fmt_pct_points(0.017, lang="id") == "+1,7 poin"
    assert i18n.fmt_pct_points(-0.052, lang="en") == "-5.2 pts"
    assert i18n.fmt_decimal(1234.56, 2, "id") == "1.234,56"


@pytest.mark.parametrize(
    ("day", "indonesian", "english"),
    [
        (date(2020, 6, 8), "8 Jun 2020", "8 Jun 2020"),
        (date(2020, 5, 1), "1 Mei 2020", "1 May 2020"),
        (date(2020, 8, 17), "17 Agu 2020", "17 Aug 2020"),
        (date(2020, 10, 28), "28 Okt 2020", "28 Oct 2020"),
        (date(2020, 12, 25), "25 Des 2020", "25 Dec 2020"),
    ],
)
def test_fmt_date(day: date, indonesian: str, english: str) -> None:
    assert i18n.fmt_date(day, "id") == indonesian
    assert i18n.fmt_date(day, "en") == english


def test_dates_times_ranges_and_names() -> None:
    moment = datetime(2020, 6, 8, 8, 5)
    assert i18n.fmt_datetime(moment, "id") == "8 Jun 2020 08.05"
    assert i18n.fmt_datetime(moment, "en") == "8 Jun 2020 08:05"
    assert i18n.fmt_range(date(2020, 6, 1), date(2020, 6, 10), "id") == "1 Jun 2020 – 10 Jun 2020"
    assert i18n.fmt_date(None) == "–"
    assert [i18n.day_name(d, "id") for d in (1, 5, 6, 7)] == ["Senin", "Jumat", "Sabtu", "Minggu"]
    assert i18n.day_name(3, "en", short=True) == "Wed"
    assert i18n.month_name(8, "id") == "Agu"
    assert i18n.month_name(8, "id", short=False) == "Agustus"
    assert i18n.channel_label("walk_in", "id") == "Datang langsung"
    assert i18n.channel_label("walk_in", "en") == "Walk-in"
    assert i18n.channel_label("fax", "en") == "fax"
    assert i18n.service_label("ktp_el", "en") == "e-KTP recording"
    assert i18n.role_label("head", "id") == "Kepala bidang"
