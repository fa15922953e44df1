"""Both languages have every string, and numbers and dates read the way each expects."""

from __future__ import annotations

import ast
import os
import string
import subprocess
import sys
import threading
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import charts, i18n, roles, ui
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
    # The tiles' keys moved to dashboard/overview.py, built from tile names there
    # (`t(f"tile.{key}")`); app.py's own literal keys are the page's captions.
    assert {"overview.period", "overview.compared", "overview.throughput"} <= keys


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
        (-0.4, "0", "0"),
        (2.5, "2", "2"),  # half-even, as Python's round() and Babel (ICU) round
        (3.5, "4", "4"),
        (10**20, "100.000.000.000.000.000.000", "100,000,000,000,000,000,000"),
        (np.int64(-98765), "-98.765", "-98,765"),
        (np.float64(1234.4), "1.234", "1,234"),
        (None, "–", "–"),
        (float("nan"), "–", "–"),
        (np.nan, "–", "–"),
        (pd.NA, "–", "–"),  # a nullable (Int64) column's missing value
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
        (0, 1, "0,0%", "0.0%"),
        (-0.5, 0, "-50%", "-50%"),
        (-0.0004, 1, "0,0%", "0.0%"),  # rounds to zero: no sign (the old code showed -0,0%)
        (0.125, 0, "12%", "12%"),  # 12.5 -> 12: half-even on the decimal value
        # 0.015 -> 0.02 (half-even on the decimal value; the old code rounded the binary
        # 0.01499... down to 0,01%).
        (0.00015, 2, "0,02%", "0.02%"),
        # CLDR's percent pattern in id and en is `#,##0%`: no space before the sign.
        (0.5, 0, "50%", "50%"),
        (None, 1, "–", "–"),
        (float("nan"), 1, "–", "–"),
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


def test_fmt_decimal_signs_zero_and_rounding() -> None:
    assert i18n.fmt_decimal(-1234.5, 1, "id") == "-1.234,5"
    assert i18n.fmt_decimal(-1234.5, 1, "en") == "-1,234.5"
    assert i18n.fmt_decimal(0, 1, "id") == "0,0"
    assert i18n.fmt_decimal(1234567.891, 2, "en") == "1,234,567.89"
    assert i18n.fmt_decimal(7, 0, "id") == "7"
    # A small negative that rounds to zero shows no sign (the old code showed "-0,0").
    assert i18n.fmt_decimal(-0.04, 1, "id") == "0,0"
    assert i18n.fmt_decimal(-0.06, 1, "en") == "-0.1"
    # Babel rounds the decimal value half-even: 0.15 -> 0,2 (the old f-string rounded the
    # binary 0.1499... down to 0,1), 0.25 -> 0,2, 0.35 -> 0,4.
    assert [i18n.fmt_decimal(v, 1, "id") for v in (0.15, 0.25, 0.35)] == ["0,2", "0,2", "0,4"]
    assert i18n.fmt_decimal(np.float64(36.75), 1, "id") == "36,8"
    assert i18n.fmt_decimal(None, 1, "en") == "–"
    assert i18n.fmt_decimal(float("nan"), 2, "id") == "–"
    assert i18n.fmt_signed_int(-1234567, "en") == "-1,234,567"
    assert i18n.fmt_signed_int(None, "id") == "–"
    assert i18n.fmt_signed_int(0.4, "en") == "0"
    # A change that rounds to 0,0 points keeps its sign: st.metric draws the arrow from it.
    assert i18n.fmt_pct_points(0.0001, lang="id") == "+0,0 poin"
    assert i18n.fmt_pct_points(-0.0001, lang="en") == "-0.0 pts"
    assert i18n.fmt_pct_points(0, lang="en") == "0.0 pts"
    assert i18n.fmt_pct_points(0.12346, 2, "id") == "+12,35 poin"
    # Points are scaled in decimal like fmt_pct: both round 0.015 to 0,02.
    assert i18n.fmt_pct_points(0.00015, 2, "id") == "+0,02 poin"
    assert i18n.fmt_pct(0.00015, 2, "id") == "0,02%"
    assert i18n.fmt_pct_points(None, lang="id") == "–"


def test_number_symbols_from_cldr() -> None:
    assert i18n.number_symbols("id") == (".", ",")
    assert i18n.number_symbols("en") == (",", ".")


def test_chart_locale_takes_the_same_names_and_separators() -> None:
    number, time = charts._LOCALES["id"]["number"], charts._LOCALES["id"]["time"]
    assert (number["thousands"], number["decimal"]) == (".", ",")
    # d3 starts the week on Sunday.
    assert time["days"] == ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"]
    assert time["shortDays"] == ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"]
    assert time["shortMonths"][4:8] == ["Mei", "Jun", "Jul", "Agu"]
    english = charts._LOCALES["en"]
    assert (english["number"]["thousands"], english["number"]["decimal"]) == (",", ".")
    assert english["time"]["shortDays"] == ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]


# Expected names typed from CLDR (as Babel 2.19 ships it), not computed by Babel here.
MONTHS = {
    "id": (
        "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des",
        "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember",
    ),
    "en": (
        "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
        "January February March April May June July August September October November December",
    ),
}
DAY_NAMES = {
    "id": ("Sen Sel Rab Kam Jum Sab Min", "Senin Selasa Rabu Kamis Jumat Sabtu Minggu"),
    "en": (
        "Mon Tue Wed Thu Fri Sat Sun",
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    ),
}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_month_and_day_name(lang: str) -> None:
    short, long = MONTHS[lang]
    assert [i18n.month_name(m, lang) for m in range(1, 13)] == short.split()
    assert [i18n.month_name(m, lang, short=False) for m in range(1, 13)] == long.split()
    assert list(i18n.MONTHS_SHORT[lang]) == short.split()
    assert list(i18n.MONTHS_LONG[lang]) == long.split()
    short_days, long_days = DAY_NAMES[lang]
    assert [i18n.day_name(d, lang, short=True) for d in range(1, 8)] == short_days.split()
    assert [i18n.day_name(d, lang) for d in range(1, 8)] == long_days.split()
    assert list(i18n.DAYS[lang]) == long_days.split()
    assert list(i18n.DAYS_SHORT[lang]) == short_days.split()


@pytest.mark.parametrize(
    ("day", "indonesian", "english"),
    [
        (date(2020, 1, 31), "31 Jan 2020", "31 Jan 2020"),
        (date(2020, 2, 1), "1 Feb 2020", "1 Feb 2020"),
        (date(2020, 2, 29), "29 Feb 2020", "29 Feb 2020"),
        (date(2020, 3, 1), "1 Mar 2020", "1 Mar 2020"),
        (date(2020, 4, 30), "30 Apr 2020", "30 Apr 2020"),
        (date(2020, 7, 31), "31 Jul 2020", "31 Jul 2020"),
        (date(2020, 8, 31), "31 Agu 2020", "31 Aug 2020"),
        (date(2020, 9, 1), "1 Sep 2020", "1 Sep 2020"),
        (date(2020, 11, 30), "30 Nov 2020", "30 Nov 2020"),
        (date(2020, 12, 31), "31 Des 2020", "31 Dec 2020"),
        (date(2021, 1, 1), "1 Jan 2021", "1 Jan 2021"),
        (date(999, 3, 5), "5 Mar 999", "5 Mar 999"),
    ],
)
def test_fmt_date_at_month_boundaries(day: date, indonesian: str, english: str) -> None:
    # English keeps the day first too (CLDR's US "Dec 31, 2020" would swap the order
    # when a user switches language); the month names are CLDR's English ones.
    assert i18n.fmt_date(day, "id") == indonesian
    assert i18n.fmt_date(day, "en") == english


def test_datetimes_timestamps_and_missing_dates() -> None:
    late = datetime(2020, 8, 31, 23, 59)
    assert i18n.fmt_date(late, "id") == "31 Agu 2020"  # the date of a datetime, cached by day
    assert i18n.fmt_date(date(2020, 8, 31), "en") == "31 Aug 2020"
    assert i18n.fmt_datetime(late, "id") == "31 Agu 2020 23.59"  # CLDR id: HH.mm
    assert i18n.fmt_datetime(late, "en") == "31 Aug 2020 23:59"
    assert i18n.fmt_datetime(datetime(2020, 9, 1, 0, 0), "id") == "1 Sep 2020 00.00"
    stamp = pd.Timestamp("2020-05-01 07:30", tz="Asia/Makassar")  # wall-clock time shown
    assert i18n.fmt_date(stamp, "id") == "1 Mei 2020"
    assert i18n.fmt_datetime(stamp, "en") == "1 May 2020 07:30"
    assert i18n.fmt_date(pd.NaT, "id") == "–"
    assert i18n.fmt_date(pd.NA, "en") == "–"
    assert i18n.fmt_pct(pd.NA, 1, "id") == "–"
    assert i18n.fmt_datetime(pd.NaT, "en") == "–"
    assert i18n.fmt_datetime(None, "id") == "–"
    assert i18n.fmt_range(date(2020, 12, 31), date(2021, 1, 1), "en") == (
        "31 Dec 2020 – 1 Jan 2021"
    )


def test_fmt_date_long_for_running_text() -> None:
    assert i18n.fmt_date_long(date(2021, 3, 14), "id") == "14 Maret 2021"
    assert i18n.fmt_date_long(date(2021, 3, 14), "en") == "14 March 2021"
    assert i18n.fmt_date_long(datetime(2020, 8, 31, 23, 59), "id") == "31 Agustus 2020"
    assert i18n.fmt_date_long(date(2020, 5, 1), "en") == "1 May 2020"
    assert i18n.fmt_date_long(pd.NaT, "id") == "–"


def test_fmt_datetime_long_for_made_on_lines() -> None:
    made = datetime(2026, 11, 30, 9, 15)
    assert i18n.fmt_datetime_long(made, "id") == "30 November 2026 09.15"
    assert i18n.fmt_datetime_long(made, "en") == "30 November 2026 09:15"
    assert i18n.fmt_datetime_long(datetime(2020, 8, 1, 0, 5), "id") == "1 Agustus 2020 00.05"
    assert i18n.fmt_datetime_long(datetime(2020, 5, 17, 16, 0), "en") == "17 May 2020 16:00"
    assert i18n.fmt_datetime_long(None, "en") == "–"


@pytest.mark.parametrize(
    ("year", "month", "indonesian", "english"),
    [
        (2020, 1, "Januari 2020", "January 2020"),
        (2020, 5, "Mei 2020", "May 2020"),
        (2020, 7, "Juli 2020", "July 2020"),
        (2020, 8, "Agustus 2020", "August 2020"),
        (2021, 12, "Desember 2021", "December 2021"),
    ],
)
def test_fmt_month(year: int, month: int, indonesian: str, english: str) -> None:
    assert i18n.fmt_month(year, month, "id") == indonesian
    assert i18n.fmt_month(year, month, "en") == english


def test_fmt_month_refuses_a_month_that_does_not_exist() -> None:
    with pytest.raises(ValueError, match="month"):
        i18n.fmt_month(2020, 13, "id")


def test_fmt_week_uses_cldr_phrase_with_iso_numbers() -> None:
    # CLDR's week-of-year phrase ("minggu ke-28 2020", "week 28 of 2020"), capitalised
    # for a label; the numbers are the ISO ones given, whatever the locale's week rules.
    assert i18n.fmt_week(2020, 28, "id") == "Minggu ke-28 2020"
    assert i18n.fmt_week(2020, 28, "en") == "Week 28 of 2020"
    assert i18n.fmt_week(2021, 1, "id") == "Minggu ke-1 2021"
    assert i18n.fmt_week(2020, 53, "en") == "Week 53 of 2020"  # 2020 has 53 ISO weeks
    # 31 Dec 2024 is in ISO week 1 of 2025: the ISO year is printed, not the calendar one.
    iso_year, iso_week, _ = date(2024, 12, 31).isocalendar()
    assert i18n.fmt_week(iso_year, iso_week, "id") == "Minggu ke-1 2025"
    with pytest.raises(ValueError):
        i18n.fmt_week(2021, 53, "id")  # 2021 has 52


def test_formats_follow_the_current_language_and_caches_do_not_mix_languages() -> None:
    assert i18n.fmt_int(1234, "id") == "1.234"
    assert i18n.fmt_int(1234, "en") == "1,234"
    assert i18n.fmt_date(date(2020, 5, 1), "en") == "1 May 2020"
    assert i18n.fmt_date(date(2020, 5, 1), "id") == "1 Mei 2020"
    i18n.set_language("en")
    try:
        assert i18n.fmt_int(1234) == "1,234"
        assert i18n.fmt_pct(0.125) == "12.5%"
        assert i18n.fmt_month(2020, 8) == "August 2020"
        assert i18n.day_name(5) == "Friday"
    finally:
        i18n.set_language("id")
    assert i18n.fmt_int(1234) == "1.234"
    assert i18n.fmt_week(2020, 2, "fr") == "Minggu ke-2 2020"  # unknown language -> id


def test_the_os_locale_never_changes_the_output() -> None:
    # Babel falls back to LANG/LC_ALL only when no locale is passed; i18n always passes one.
    code = (
        "from datetime import datetime; from dashboard import i18n;"
        "print(i18n.fmt_int(1234), i18n.fmt_pct(0.125), i18n.fmt_datetime(datetime(2020, 8, 3, 8, 5)),"
        " i18n.fmt_int(1234, 'en'), sep='|')"
    )
    env = {**os.environ, "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8", "LANGUAGE": "de"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "1.234|12,5%|3 Agu 2020 08.05|1,234"
