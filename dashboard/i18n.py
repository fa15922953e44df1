"""Indonesian and English strings and number/date formatting for every page.

Indonesian is the office's working language and the default; English is one click
away (the page framework keeps the choice in the URL as `?lang=en`).

Strings are registered as `key: (indonesian, english)` pairs, so a key can never
exist in one language only. Other modules' strings are appended at the end of this
file in marked blocks, each a `register({...})` call.

The current language is per script run (one thread per run in Streamlit): the page
framework calls `set_language()` at the top of every page, before anything is drawn.
This module itself never calls Streamlit, so the core and the tests can use it.
"""

from __future__ import annotations

import copy
import math
import threading
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import get_day_names, get_month_names
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import NumberPattern, get_decimal_symbol, get_group_symbol

LANGS: tuple[str, ...] = ("id", "en")
DEFAULT_LANG = "id"

#: key -> {"id": text, "en": text}
STRINGS: dict[str, dict[str, str]] = {}

_state = threading.local()


def register(pairs: dict[str, tuple[str, str]]) -> None:
    """Add strings: `{key: (indonesian, english)}`. A key registered twice is a bug."""
    for key, (text_id, text_en) in pairs.items():
        if key in STRINGS:
            raise ValueError(f"i18n key registered twice: {key}")
        STRINGS[key] = {"id": text_id, "en": text_en}


class TranslatedError(ValueError):
    """An error whose one line exists in both languages: `str()` is the English line (the
    command line, logs), `message(lang)` the line in the page's language."""

    def __init__(self, text_key: str, **values: object) -> None:
        self.text_key = text_key
        self.values = values
        super().__init__(t(text_key, "en", **values))

    def message(self, lang: str | None = None) -> str:
        return t(self.text_key, lang, **self.values)


def normalize_lang(lang: str | None) -> str:
    """A supported language code; anything unknown falls back to Indonesian."""
    lang = (lang or "").strip().lower()
    return lang if lang in LANGS else DEFAULT_LANG


def set_language(lang: str | None) -> str:
    """Set the language for this script run (thread); returns the code in force."""
    _state.lang = normalize_lang(lang)
    return _state.lang


def current_language() -> str:
    return getattr(_state, "lang", DEFAULT_LANG)


def t(key: str, lang: str | None = None, **fmt: object) -> str:
    """The text for `key` in `lang` (default: the current language), `str.format`ted.

    An unknown key shows as the key itself rather than breaking a page; the i18n
    tests make sure every key the code uses exists.
    """
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry[normalize_lang(lang or current_language())]
    return text.format(**fmt) if fmt else text


# ---------------------------------------------------------------- formatting
#
# Month and day names, the thousands and decimal separators, the percent pattern and the
# time separator come from Babel's CLDR data for `id` and `en`, always passed explicitly:
# the server's OS locale or LANG never changes what a page shows. Two house choices sit on
# top of CLDR, both so that the pages and the heads' report read the same in either
# language:
# - dates are day-month-year in both (`8 Jun 2020`): CLDR's Indonesian medium date, where
#   CLDR's (US) English one, `Jun 8, 2020`, would swap day and month when a user switches;
# - date and time are joined by a space in both (CLDR's English puts a comma between).
# Rounding is Babel's: half-even on the value as written in decimal (`12,5` -> `12`), the
# rule Python's round() and ICU use; a value that rounds to zero shows no minus sign.
#
# Formatting runs for every tick label and table cell, so the locales, patterns and name
# tables are built once here, and integers and dates (which repeat down a column) are
# cached; see bench/bench_i18n.py.

MISSING = "–"  # what a missing value (None, NaN, NaT) shows as: an en dash

_BABEL: dict[str, Locale] = {lang: Locale.parse(lang) for lang in LANGS}

DATE_PATTERN = "d MMM y"
DATE_LONG_PATTERN = "d MMMM y"


def _month_names(width: str, lang: str) -> tuple[str, ...]:
    names = get_month_names(width, "format", _BABEL[lang])
    return tuple(names[month] for month in range(1, 13))


def _day_names(width: str, lang: str) -> tuple[str, ...]:
    names = get_day_names(width, "format", _BABEL[lang])  # Babel: 0 = Monday, as ISO - 1
    return tuple(names[day] for day in range(7))


#: CLDR's names, kept under the names callers (charts.py's Vega locale) already use.
MONTHS_SHORT: dict[str, tuple[str, ...]] = {
    lang: _month_names("abbreviated", lang) for lang in LANGS
}
MONTHS_LONG: dict[str, tuple[str, ...]] = {lang: _month_names("wide", lang) for lang in LANGS}
#: Monday first (ISO weekday 1..7 -> index 0..6).
DAYS: dict[str, tuple[str, ...]] = {lang: _day_names("wide", lang) for lang in LANGS}
DAYS_SHORT: dict[str, tuple[str, ...]] = {lang: _day_names("abbreviated", lang) for lang in LANGS}

# `HH.mm` in Indonesian, `HH:mm` in English: CLDR's 24-hour clock pattern for each.
_TIME = {lang: _BABEL[lang].datetime_skeletons["Hm"].pattern for lang in LANGS}
_DATE = parse_date_pattern(DATE_PATTERN)
_DATE_LONG = parse_date_pattern(DATE_LONG_PATTERN)
_DATETIME = {lang: parse_date_pattern(f"{DATE_PATTERN} {_TIME[lang]}") for lang in LANGS}
_DATETIME_LONG = {lang: parse_date_pattern(f"{DATE_LONG_PATTERN} {_TIME[lang]}") for lang in LANGS}
# `MMMM y` in both; the week is CLDR's week-of-year phrase (`'minggu' 'ke'-w Y`).
_MONTH_YEAR = {lang: parse_date_pattern(_BABEL[lang].datetime_skeletons["yMMMM"]) for lang in LANGS}
_WEEK = {lang: parse_date_pattern(_BABEL[lang].datetime_skeletons["yw"]) for lang in LANGS}


def babel_locale(lang: str | None = None) -> Locale:
    """The Babel locale behind a language, for callers that format something else."""
    return _BABEL[_lang(lang)]


def number_symbols(lang: str | None = None) -> tuple[str, str]:
    """`(thousands, decimal)` separators from CLDR: `(".", ",")` in id, `(",", ".")` in en."""
    locale = _BABEL[_lang(lang)]
    return get_group_symbol(locale), get_decimal_symbol(locale)


def _lang(lang: str | None) -> str:
    if lang in _BABEL:  # the usual call passes a valid code: skip normalising it
        return lang  # type: ignore[return-value]
    return normalize_lang(lang or current_language())


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(value))  # type: ignore[arg-type]
    except TypeError:
        # pandas' NA (nullable columns) is no float; anything else is for the caller.
        return type(value).__name__ == "NAType"


def _no_moment(value: object) -> bool:
    """None, pandas' NaT (never equal to itself) or NA (whose comparisons have no truth)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:
        return True


@lru_cache(maxsize=64)
def _number_pattern(lang: str, digits: int, percent: bool) -> NumberPattern:
    """CLDR's decimal or percent pattern for `lang` with exactly `digits` decimals."""
    formats = _BABEL[lang].percent_formats if percent else _BABEL[lang].decimal_formats
    pattern = copy.copy(formats[None])
    pattern.frac_prec = (digits, digits)
    return pattern


def _number(value: float | int) -> float | int | Decimal:
    # Babel reads a value through Decimal(str(value)): ints and Decimals stay exact, and
    # anything else (numpy scalars, bools) becomes a float first so str() is a number.
    return value if type(value) is int or isinstance(value, Decimal) else float(value)


def _unsigned_zero(text: str) -> str:
    """`-0,0` -> `0,0`: a small negative value that rounds to zero has no sign to show."""
    if text[:1] == "-" and not any(ch in "123456789" for ch in text):
        return text[1:]
    return text


def fmt_decimal(value: float | int | None, digits: int = 1, lang: str | None = None) -> str:
    """`1234.5` -> `1.234,5` (id) or `1,234.5` (en); missing -> an en dash."""
    if _is_missing(value):
        return MISSING
    lang = _lang(lang)
    pattern = _number_pattern(lang, digits, False)
    return _unsigned_zero(pattern.apply(_number(value), _BABEL[lang]))  # type: ignore[arg-type]


@lru_cache(maxsize=4096)
def _fmt_int(n: int, lang: str) -> str:
    return _number_pattern(lang, 0, False).apply(n, _BABEL[lang])


def fmt_int(value: float | int | None, lang: str | None = None) -> str:
    """`1234` -> `1.234` (id) or `1,234` (en); missing -> an en dash."""
    if _is_missing(value):
        return MISSING
    n = value if type(value) is int else round(float(value))  # type: ignore[arg-type]
    return _fmt_int(n, _lang(lang))


def fmt_signed_int(value: float | int | None, lang: str | None = None) -> str:
    """A change: `+12`, `-3`, `0` (ASCII signs: st.metric reads the arrow from them)."""
    if _is_missing(value):
        return MISSING
    n = round(float(value))  # type: ignore[arg-type]
    text = fmt_int(abs(n), lang)
    return f"+{text}" if n > 0 else (f"-{text}" if n < 0 else text)


def fmt_pct(value: float | None, digits: int = 1, lang: str | None = None) -> str:
    """A fraction as a percentage: `0.125` -> `12,5%` (id) or `12.5%` (en), CLDR's pattern."""
    if _is_missing(value):
        return MISSING
    lang = _lang(lang)
    pattern = _number_pattern(lang, digits, True)
    return _unsigned_zero(pattern.apply(_number(value), _BABEL[lang]))  # type: ignore[arg-type]


def fmt_pct_points(value: float | None, digits: int = 1, lang: str | None = None) -> str:
    """A change between two fractions, in percentage points: `+1,5 poin` / `+1.5 pts`."""
    if _is_missing(value):
        return MISSING
    # Scaled in decimal, as fmt_pct's pattern does, so `+0,02 poin` agrees with `0,02%`.
    points = Decimal(str(_number(value))).scaleb(2)  # type: ignore[arg-type]
    text = fmt_decimal(abs(points), digits, lang)  # type: ignore[arg-type]
    # The sign follows the change even when it rounds to `0,0`: st.metric draws its arrow
    # from the sign, and a tiny fall must not show as a rise (ui.delta_args greys out 0).
    sign = "+" if points > 0 else ("-" if points < 0 else "")
    return f"{sign}{text} {t('unit.points', lang)}"


@lru_cache(maxsize=4096)
def _fmt_date(day: date, lang: str) -> str:
    return _DATE.apply(day, _BABEL[lang])


def fmt_date(value: date | datetime | None, lang: str | None = None) -> str:
    """`8 Jun 2020` in both languages; CLDR's Indonesian months `Mei`, `Agu`, `Okt`, `Des`."""
    if _no_moment(value):
        return MISSING
    # A datetime (or pandas Timestamp) shows its date; the cache is keyed by the date.
    day = value if type(value) is date else date(value.year, value.month, value.day)
    return _fmt_date(day, _lang(lang))


@lru_cache(maxsize=1024)
def _fmt_date_long(day: date, lang: str) -> str:
    return _DATE_LONG.apply(day, _BABEL[lang])


def fmt_date_long(value: date | datetime | None, lang: str | None = None) -> str:
    """Month in full, for dates in running text: `14 Maret 2021` / `14 March 2021`."""
    if _no_moment(value):
        return MISSING
    day = value if type(value) is date else date(value.year, value.month, value.day)
    return _fmt_date_long(day, _lang(lang))


def fmt_datetime(value: datetime | None, lang: str | None = None) -> str:
    """`8 Jun 2020 08.15` (id: CLDR's dot between hours and minutes) or `8 Jun 2020 08:15`."""
    if _no_moment(value):
        return MISSING
    lang = _lang(lang)
    return _DATETIME[lang].apply(value, _BABEL[lang])


def fmt_datetime_long(value: datetime | None, lang: str | None = None) -> str:
    """Month in full, for "made on" lines: `30 November 2026 09.15` / `30 November 2026 09:15`."""
    if _no_moment(value):
        return MISSING
    lang = _lang(lang)
    return _DATETIME_LONG[lang].apply(value, _BABEL[lang])


def fmt_range(start: date, end: date, lang: str | None = None) -> str:
    """`1 Jun 2020 – 30 Jun 2020`."""
    return f"{fmt_date(start, lang)} – {fmt_date(end, lang)}"


def fmt_month(year: int, month: int, lang: str | None = None) -> str:
    """A calendar month: `Juli 2020` (id) or `July 2020` (en), CLDR's month-year pattern."""
    lang = _lang(lang)
    return _MONTH_YEAR[lang].apply(date(year, month, 1), _BABEL[lang])


def fmt_week(iso_year: int, iso_week: int, lang: str | None = None) -> str:
    """An ISO week: `Minggu ke-28 2020` (id) or `Week 28 of 2020` (en), CLDR's phrase.

    The numbers are filled into CLDR's pattern as given: Babel's own week numbers follow
    each locale's week rules, which are not ISO's (weeks of 4+ days from Monday).
    """
    date.fromisocalendar(iso_year, iso_week, 1)  # ValueError for a week the year lacks
    lang = _lang(lang)
    text = _WEEK[lang].format % {"w": str(iso_week), "Y": str(iso_year)}
    return text[:1].upper() + text[1:]  # CLDR's phrase is lower-case mid-sentence text


def day_name(iso_weekday: int, lang: str | None = None, short: bool = False) -> str:
    """ISO weekday (1 = Monday .. 7 = Sunday) -> `Senin` / `Monday` (or `Sen`/`Mon`)."""
    names = (DAYS_SHORT if short else DAYS)[_lang(lang)]
    return names[iso_weekday - 1]


def month_name(month: int, lang: str | None = None, short: bool = True) -> str:
    """Month 1..12 -> `Agu` / `Aug` (or `Agustus` / `August` with `short=False`)."""
    return (MONTHS_SHORT if short else MONTHS_LONG)[_lang(lang)][month - 1]


def channel_label(channel: str, lang: str | None = None) -> str:
    return t(f"channel.{channel}", lang) if f"channel.{channel}" in STRINGS else channel


def service_label(service: str, lang: str | None = None) -> str:
    return t(f"service.{service}", lang) if f"service.{service}" in STRINGS else service


def role_label(role: str, lang: str | None = None) -> str:
    return t(f"role.{role}", lang) if f"role.{role}" in STRINGS else role


# ---------------------------------------------------------------- strings

register(
    {
        "app.title": ("Dasbor Perekaman e-KTP", "e-KTP Recording Dashboard"),
        "app.office": ("Disdukcapil", "Civil Registration Office"),
        "unit.points": ("poin", "pts"),
        "unit.days": ("hari", "days"),
        "unit.per_day": ("per hari", "per day"),
        # pages
        "page.overview": ("Ringkasan", "Overview"),
        "page.throughput": ("Perekaman harian", "Daily throughput"),
        "page.backlog": ("Antrean", "Backlog"),
        "page.screening": ("Skrining kesehatan", "Health screening"),
        "page.channels": ("Kanal permohonan", "Request channels"),
        "page.data_quality": ("Kualitas data & impor", "Data quality & imports"),
        "page.capacity": ("Kuota harian", "Daily cap"),
        "page.exports": ("Unduhan", "Downloads"),
        "page.admin": ("Administrasi", "Administration"),
        # roles, channels, services
        "role.head": ("Kepala bidang", "Head of section"),
        "role.staff": ("Petugas", "Staff"),
        "role.analyst": ("Analis", "Analyst"),
        "role.admin": ("Admin", "Admin"),
        "channel.whatsapp": ("WhatsApp", "WhatsApp"),
        "channel.walk_in": ("Datang langsung", "Walk-in"),
        "channel.online": ("Daring", "Online"),
        "channel.app": ("Aplikasi", "App"),
        "service.ktp_el": ("Perekaman KTP-el", "e-KTP recording"),
        "service.kk": ("Kartu Keluarga", "Family card"),
        "service.akta_lahir": ("Akta kelahiran", "Birth certificate"),
        "service.akta_mati": ("Akta kematian", "Death certificate"),
        "service.pindah": ("Pindah datang", "Change of address"),
        # sidebar
        "nav.menu": ("Menu", "Menu"),
        "nav.signed_in_as": (
            "Masuk sebagai **{name}** · {role}",
            "Signed in as **{name}** · {role}",
        ),
        "lang.label": ("Bahasa", "Language"),
        "lang.id": ("Indonesia", "Indonesia"),
        "lang.en": ("English", "English"),
        "filter.heading": ("Saring data", "Filter data"),
        "filter.period": ("Periode", "Period"),
        "filter.period.last7": ("7 hari terakhir", "Last 7 days"),
        "filter.period.last30": ("30 hari terakhir", "Last 30 days"),
        "filter.period.last90": ("90 hari terakhir", "Last 90 days"),
        "filter.period.this_month": ("Bulan ini", "This month"),
        "filter.period.custom": ("Pilih tanggal", "Custom dates"),
        "filter.dates": ("Rentang tanggal", "Date range"),
        "filter.range_caption": ("{range}", "{range}"),
        "filter.range_clamped": (
            "Rentang dipersingkat menjadi {days} hari terakhir.",
            "Range shortened to the last {days} days.",
        ),
        "filter.anchor_historic": (
            "Data terakhir: {date}. Periode dihitung mundur dari tanggal itu.",
            "Latest data: {date}. Periods count back from that date.",
        ),
        "filter.kecamatan": ("Kecamatan", "District (kecamatan)"),
        "filter.kecamatan.all": ("Semua kecamatan", "All districts"),
        "filter.channel": ("Kanal", "Channel"),
        "filter.channel.all": ("Semua kanal", "All channels"),
        "filter.service": ("Layanan", "Service"),
        "filter.service.all": ("Semua layanan", "All services"),
        "filter.reset": ("Atur ulang filter", "Reset filters"),
        "status.demo": (
            "**DATA DEMO** — data simulasi untuk mencoba dasbor, bukan data kantor.",
            "**DEMO DATA** — simulated data to try the dashboard, not the office's records.",
        ),
        "status.last_import": ("Impor terakhir: {when}", "Last import: {when}"),
        "status.no_import": ("Belum ada data yang diimpor.", "No data imported yet."),
        "status.busy": (
            "Data sedang diperbarui oleh program lain (misalnya impor besar). Muat ulang "
            "halaman ini sebentar lagi.",
            "The data is being updated by another program (a large import, say). Reload "
            "this page in a moment.",
        ),
        "status.store_damaged": (
            "Berkas data {path} tidak dapat dibaca (rusak). {fix}",
            "The data file {path} cannot be read (it is damaged). {fix}",
        ),
        "status.store_newer": (
            "Berkas data {path} ditulis oleh versi dasbor yang lebih baru (skema {version}; "
            "versi ini mengenal sampai {known}). Jalankan versi itu, atau: {fix}",
            "The data file {path} was written by a newer release of the dashboard (schema "
            "{version}; this release knows up to {known}). Run that release, or: {fix}",
        ),
        "status.restore_newest": (
            "Pulihkan cadangan terbaru: `python -m dashboard restore {backup}`",
            "Restore the newest backup: `python -m dashboard restore {backup}`",
        ),
        "status.no_backup": (
            "Tidak ada cadangan di {folder}: pulihkan cadangan yang disimpan di tempat lain "
            "(`python -m dashboard restore FILE`).",
            "There is no backup in {folder}: restore one kept elsewhere "
            "(`python -m dashboard restore FILE`).",
        ),
        # empty states
        "empty.no_data.title": ("Belum ada data", "No data yet"),
        "empty.no_data.body": (
            "Dasbor terisi setelah log permohonan dan jadwal diimpor. Petugas dapat "
            "mengimpor file di halaman *Kualitas data & impor*, atau jalankan "
            "`python -m dashboard ingest FILE`.",
            "The dashboard fills once the request and appointment logs are imported. "
            "Staff can import files on the *Data quality & imports* page, or run "
            "`python -m dashboard ingest FILE`.",
        ),
        "empty.no_rows": (
            "Tidak ada data untuk filter ini ({range}). Ubah periode atau hapus filter "
            "kecamatan/kanal/layanan.",
            "No data for this filter ({range}). Change the period or clear the "
            "district/channel/service filters.",
        ),
        # overview
        "overview.period": ("Periode {range}", "Period {range}"),
        "overview.compared": (
            "Perubahan dibanding periode sebelumnya ({range}).",
            "Changes compared with the previous period ({range}).",
        ),
        "tile.recorded": ("Terekam / kuota", "Recorded / cap"),
        "tile.recorded.value": ("{recorded} / {cap}", "{recorded} / {cap}"),
        "tile.recorded.help": (
            "Perekaman selesai dalam periode, dibanding jumlah kuota harian pada hari buka. "
            "Naik = baik.",
            "Recordings finished in the period, against the sum of the daily caps. Up is good.",
        ),
        "tile.backlog": ("Antrean saat ini", "Backlog now"),
        "tile.backlog.help": (
            "Permohonan perekaman KTP-el yang belum selesai pada akhir {date}, "
            "dibanding akhir periode sebelumnya. Turun = baik.",
            "e-KTP recording requests still open at the end of {date}, against the end "
            "of the previous period. Down is good.",
        ),
        "tile.rejection": ("Ditolak saat skrining", "Turned away at screening"),
        "tile.rejection.help": (
            "Ditolak skrining ÷ yang datang (check-in). Turun = baik.",
            "Turned away at the health screen ÷ checked in. Down is good.",
        ),
        "tile.whatsapp": ("Pangsa WhatsApp", "WhatsApp share"),
        "tile.whatsapp.help": (
            "Permohonan lewat WhatsApp ÷ semua permohonan. Pangsa kanal tidak baik atau "
            "buruk: perubahannya berwarna netral.",
            "Requests by WhatsApp ÷ all requests. A channel's share is neither good nor bad: "
            "its change is shown in a neutral colour.",
        ),
        "tile.no_show": ("Tidak hadir", "No-shows"),
        "tile.no_show.help": (
            "Tidak hadir ÷ (tidak hadir + datang). Turun = baik.",
            "No-shows ÷ (no-shows + checked in). Down is good.",
        ),
        "overview.throughput": ("Perekaman harian dan kuota", "Daily recordings and the cap"),
        "overview.more": ("Rincian: ", "Details: "),
        # throughput
        "throughput.daily": ("Terekam per hari dan kuota", "Recorded per day and the cap"),
        "throughput.daily.caption": (
            "Batang: perekaman selesai. Garis bertingkat: kuota yang berlaku. Batang "
            "gelap = kuota tercapai.",
            "Bars: recordings finished. Stepped line: the cap in force. Dark bars = cap reached.",
        ),
        "throughput.utilization": ("Pemanfaatan kuota", "Cap utilisation"),
        "throughput.utilization.caption": (
            "Terekam ÷ kuota pada hari buka. 100% = kuota terpakai penuh.",
            "Recorded ÷ cap on open days. 100% = the cap fully used.",
        ),
        "throughput.rollups": ("Per minggu dan per bulan", "By week and by month"),
        "throughput.weekly": ("Per minggu", "Weekly"),
        "throughput.monthly": ("Per bulan", "Monthly"),
        "throughput.weekday": ("Pola hari kerja", "Weekday pattern"),
        "throughput.weekday.caption": (
            "Rata-rata perekaman dan kuota per hari buka, menurut hari.",
            "Average recordings and cap per open day, by weekday.",
        ),
        "throughput.at_cap": ("Hari mencapai kuota", "Days at or over the cap"),
        "throughput.at_cap.value": ("{n} / {open}", "{n} / {open}"),
        "throughput.at_cap.help": (
            "Hari buka yang perekamannya mencapai atau melebihi kuota / semua hari buka.",
            "Open days whose recordings reached or exceeded the cap / all open days.",
        ),
        "throughput.at_cap.none": (
            "Tidak ada hari yang mencapai kuota dalam periode ini.",
            "No day reached the cap in this period.",
        ),
        "throughput.open_days": ("Hari buka", "Open days"),
        "throughput.avg_recorded": (
            "Rata-rata terekam per hari buka",
            "Average recorded per open day",
        ),
        "throughput.utilization_avg": ("Pemanfaatan rata-rata", "Average utilisation"),
        "throughput.requests": ("Permohonan masuk per kanal", "Requests received by channel"),
        "throughput.requests.caption": (
            "Permintaan yang masuk, untuk dibandingkan dengan perekaman.",
            "Demand coming in, to compare with what was recorded.",
        ),
        # backlog
        "backlog.line": ("Antrean di akhir hari", "Backlog at the end of each day"),
        "backlog.line.caption": (
            "Permohonan perekaman KTP-el yang masuk dan belum selesai (belum terekam, "
            "belum batal).",
            "e-KTP recording requests received and not yet closed (not recorded, not cancelled).",
        ),
        "backlog.ages": ("Permohonan terbuka menurut umur", "Open requests by age"),
        "backlog.ages.caption": (
            "Umur = hari sejak permohonan masuk, pada akhir {date}.",
            "Age = days since the request came in, at the end of {date}.",
        ),
        "backlog.projection": ("Perkiraan antrean tuntas", "When the backlog clears"),
        "backlog.projection.caption": (
            "Dari antrean {backlog} pada {date}, permintaan baru ±{demand} per hari, "
            "tingkat hadir {show} dan lolos skrining {pass_rate} (28 hari terakhir).",
            "From a backlog of {backlog} on {date}, about {demand} new requests a day, "
            "{show} showing up and {pass_rate} passing the screen (last 28 days).",
        ),
        "backlog.clear_date": ("Tuntas pada kuota sekarang", "Clears at the current cap"),
        "backlog.clear_date.what_if": ("Tuntas dengan kuota {cap}/hari", "Clears at {cap}/day"),
        "backlog.never": ("Tidak tuntas dalam {days} hari", "Not within {days} days"),
        "backlog.already_clear": ("Tidak ada antrean", "No backlog"),
        "backlog.what_if": ("Simulasi kuota harian", "What-if daily cap"),
        "backlog.what_if.help": (
            "Geser untuk melihat kapan antrean tuntas jika kuota pada hari buka diubah. "
            "Hanya simulasi: kuota sebenarnya diubah di halaman Kuota harian.",
            "Slide to see when the backlog would clear with another cap on open days. "
            "A simulation only: the real cap is changed on the Daily cap page.",
        ),
        "backlog.not_applicable": (
            "Antrean dihitung untuk perekaman KTP-el saja. Pilih layanan *Perekaman KTP-el* "
            "atau *Semua layanan* untuk melihatnya.",
            "The backlog is defined for e-KTP recording only. Choose the service *e-KTP "
            "recording* or *All services* to see it.",
        ),
        "backlog.new_requests": ("Permohonan baru dalam periode", "New requests in the period"),
        "backlog.oldest": ("Menunggu lebih dari 60 hari", "Waiting over 60 days"),
        "backlog.lead": ("Waktu tunggu sampai jadwal", "Lead time to the appointment"),
        "backlog.lead.caption": (
            "Hari dari permohonan masuk sampai tanggal jadwal pertama. Garis: 14 hari.",
            "Days from the request to its first scheduled date. Line: 14 days.",
        ),
        "backlog.lead.within14": ("Dijadwalkan dalam 14 hari", "Scheduled within 14 days"),
        "backlog.lead.median": ("Median waktu tunggu", "Median lead time"),
        "backlog.lead.p90": ("90% dijadwalkan dalam", "90% scheduled within"),
        "backlog.lead.days": ("{n} hari", "{n} days"),
        "backlog.lead.none": (
            "Belum ada permohonan berjadwal dalam periode ini.",
            "No scheduled requests in this period.",
        ),
        "backlog.no_open": (
            "Tidak ada permohonan terbuka pada akhir {date}.",
            "No open requests at the end of {date}.",
        ),
        # chart axes and tooltips
        "chart.date": ("Tanggal", "Date"),
        "chart.recorded": ("Terekam", "Recorded"),
        "chart.cap": ("Kuota", "Cap"),
        "chart.utilization": ("Pemanfaatan", "Utilisation"),
        "chart.week": ("Minggu mulai", "Week starting"),
        "chart.month": ("Bulan", "Month"),
        "chart.weekday": ("Hari", "Weekday"),
        "chart.avg_recorded": ("Rata-rata terekam", "Average recorded"),
        "chart.avg_cap": ("Rata-rata kuota", "Average cap"),
        "chart.backlog": ("Antrean", "Backlog"),
        "chart.age": ("Umur (hari)", "Age (days)"),
        "chart.requests": ("Permohonan", "Requests"),
        "chart.channel": ("Kanal", "Channel"),
        "chart.lead_days": ("Waktu tunggu (hari)", "Lead time (days)"),
        "chart.projection.current": ("Kuota sekarang", "Current cap"),
        "chart.projection.what_if": ("Simulasi", "What-if"),
        "chart.scenario": ("Skenario", "Scenario"),
        "chart.at_cap": ("Mencapai kuota", "Cap reached"),
        "chart.yes": ("ya", "yes"),
        "chart.no": ("tidak", "no"),
        "chart.open_days": ("Hari buka", "Open days"),
        "chart.mark_14": ("14 hari", "14 days"),
    }
)


# --- exports ---
# Download buttons and the exports page (dashboard/ui_exports.py, pages/exports.py).
register(
    {
        "exports.download": ("Unduh", "Download"),
        "exports.download_help": (
            "Unduh data yang ditampilkan grafik ini",
            "Download the data this chart shows",
        ),
        "exports.csv": ("CSV", "CSV"),
        "exports.excel_csv": ("CSV untuk Excel", "CSV for Excel"),
        "exports.xlsx": ("Excel (XLSX)", "Excel (XLSX)"),
        "exports.rows_csv": ("Unduh CSV", "Download CSV"),
        "exports.rows_excel_csv": ("Unduh CSV untuk Excel", "Download CSV for Excel"),
        "exports.rows_csv_gz": ("Unduh CSV terkompresi (.gz)", "Download compressed CSV (.gz)"),
        "exports.daily": ("Unduh metrik harian (CSV)", "Download daily metrics (CSV)"),
        "exports.title": ("Ekspor data", "Data exports"),
        "exports.intro": (
            "Setiap unduhan dicatat: siapa, kapan, data apa, filter dan jumlah baris.",
            "Every download is logged: who, when, what, filters and row count.",
        ),
        "exports.daily.header": ("Metrik harian", "Daily metrics"),
        "exports.daily.caption": (
            "Satu baris per tanggal, {range}; isinya sama persis dengan "
            "`python -m dashboard export daily` untuk rentang dan filter ini.",
            "One row per date, {range}; byte for byte what "
            "`python -m dashboard export daily` gives for this range and filters.",
        ),
        "exports.rows.header": ("Data per baris", "Row-level data"),
        "exports.rows.caption": (
            "NIK hanya sebagai hash berkunci, nomor HP hanya tersamar (0812****789). "
            "Suhu dan hasil skrining hanya ada di ekspor jadwal.",
            "NIK only as a keyed hash, phone numbers only masked (0812****789). "
            "Temperatures and screening results only in the appointment export.",
        ),
        "exports.rows.requests": (
            "Permohonan (menurut tanggal masuk)",
            "Requests (by date received)",
        ),
        "exports.rows.appointments": (
            "Jadwal perekaman (menurut tanggal jadwal)",
            "Appointments (by scheduled date)",
        ),
        "exports.rows.count": ("{n} baris", "{n} rows"),
        "exports.rows.none": (
            "Tidak ada baris untuk rentang dan filter ini.",
            "No rows for this range and filters.",
        ),
        "exports.rows.too_big_for_excel": (
            "Lebih dari 1.048.576 baris: Excel tidak dapat membuka semuanya.",
            "More than 1,048,576 rows: Excel cannot open them all.",
        ),
        "exports.rows.denied": (
            "Ekspor per baris hanya untuk analis dan admin.",
            "Row-level exports are for analysts and admins only.",
        ),
    }
)


# --- screening, channels, data quality ---
# Strings of the screening, channels and data-quality pages and their charts.

register(
    {
        # screening page
        "screening.tile.checked_in": ("Datang (check-in)", "Checked in"),
        "screening.tile.checked_in.help": (
            "Orang yang datang dan menjalani skrining kesehatan (terekam atau ditolak).",
            "People who came and went through the health screen (recorded or turned away).",
        ),
        "screening.tile.turned_away": ("Ditolak saat skrining", "Turned away"),
        "screening.tile.rate": ("Tingkat penolakan", "Rejection rate"),
        "screening.tile.rate.help": (
            "Ditolak ÷ datang. Sasaran: {band}. Di bawahnya skrining mungkin tidak "
            "dijalankan; di atasnya banyak yang datang sakit atau tanpa masker.",
            "Turned away ÷ checked in. Target: {band}. Below it the screen may not be "
            "applied; above it many come ill or without a mask.",
        ),
        "screening.tile.fever": ("Suhu ≥ {threshold} °C", "Temperature ≥ {threshold} °C"),
        "screening.tile.fever.help": (
            "Orang yang diukur bersuhu {threshold} °C atau lebih: menurut aturan, "
            "semuanya ditolak.",
            "People measured at {threshold} °C or more: by the rule, all are turned away.",
        ),
        "screening.funnel": ("Alur skrining", "Screening funnel"),
        "screening.funnel.caption": (
            "Terjadwal → datang → lolos / ditolak → terekam. Setiap tahap dihitung "
            "menurut tanggalnya sendiri (jadwal, kedatangan, perekaman), seperti "
            "metrik harian.",
            "Scheduled → checked in → passed / turned away → recorded. Each stage counts "
            "by its own date (slot, visit, recording), as the daily metrics do.",
        ),
        "screening.stage.scheduled": ("Terjadwal", "Scheduled"),
        "screening.stage.checked_in": ("Datang (check-in)", "Checked in"),
        "screening.stage.passed": ("Lolos skrining", "Passed the screen"),
        "screening.stage.turned_away": ("Ditolak skrining", "Turned away"),
        "screening.stage.recorded": ("Terekam", "Recorded"),
        "screening.stage.no_show": ("Tidak hadir", "No-show"),
        "screening.rate": ("Tingkat penolakan dan sasarannya", "Rejection rate and its target"),
        "screening.rate.caption": (
            "Pita hijau: sasaran {band} dari yang datang. Titik kosong = tidak ada yang "
            "datang hari/minggu itu.",
            "Green band: the target, {band} of those checked in. A gap = nobody checked "
            "in that day/week.",
        ),
        "screening.rate.none": (
            "Tidak ada yang datang dalam periode ini.",
            "Nobody checked in during this period.",
        ),
        "screening.rate.verdict.in": (
            "Tingkat penolakan {rate}: dalam sasaran {band}.",
            "Rejection rate {rate}: within the target of {band}.",
        ),
        "screening.rate.verdict.above": (
            "Tingkat penolakan {rate}: di atas sasaran {band}. Ingatkan aturan skrining "
            "(masker, cuci tangan, tidak demam) saat memberi jadwal.",
            "Rejection rate {rate}: above the target of {band}. Remind people of the "
            "screening rules (mask, hand washing, no fever) when giving the slot.",
        ),
        "screening.rate.verdict.below": (
            "Tingkat penolakan {rate}: di bawah sasaran {band}. Periksa apakah skrining "
            "dijalankan dan dicatat.",
            "Rejection rate {rate}: below the target of {band}. Check that the screen is "
            "applied and recorded.",
        ),
        "screening.reasons": ("Alasan penolakan", "Why people were turned away"),
        "screening.reasons.caption": (
            "Penolakan menurut alasan, per tanggal kedatangan.",
            "Rejections by reason, by visit date.",
        ),
        "screening.reasons.none": (
            "Tidak ada yang ditolak dalam periode ini.",
            "Nobody was turned away in this period.",
        ),
        "screening.reason.fever": ("Demam", "Fever"),
        "screening.reason.symptoms": ("Bergejala", "Symptoms"),
        "screening.reason.no_mask": ("Tanpa masker", "No mask"),
        "screening.reason.no_handwash": ("Tidak cuci tangan", "No hand washing"),
        "screening.reason.other": ("Lainnya", "Other"),
        "screening.reason.unknown": ("Tidak dicatat", "Not recorded"),
        "screening.temperature": ("Suhu tubuh saat datang", "Temperature at the door"),
        "screening.temperature.caption": (
            "Jumlah orang per rentang 0,2 °C (bukan pengukuran perorangan). Garis: "
            "{threshold} °C; dari suhu itu ke atas orang ditolak.",
            "People per 0.2 °C band (no individual readings). Line: {threshold} °C; from "
            "there up people are turned away.",
        ),
        "screening.temperature.none": (
            "Tidak ada suhu yang tercatat dalam periode ini.",
            "No temperatures recorded in this period.",
        ),
        "screening.check.admitted_with_fever": (
            "{n} orang bersuhu {threshold} °C atau lebih tetap direkam. Menurut aturan "
            "mereka seharusnya ditolak, atau suhunya salah catat.",
            "{n} people at {threshold} °C or more were recorded anyway. By the rule they "
            "should have been turned away, or the temperature was mistyped.",
        ),
        "screening.check.fever_below_threshold": (
            "{n} orang ditolak karena demam dengan suhu di bawah {threshold} °C: periksa "
            "pencatatan suhu atau alasan.",
            "{n} people were turned away for fever with a temperature below "
            "{threshold} °C: check the recorded temperature or reason.",
        ),
        "screening.check.admitted_without_mask": (
            "{n} orang tanpa masker tetap direkam.",
            "{n} people without a mask were recorded anyway.",
        ),
        "screening.check.admitted_without_handwash": (
            "{n} orang yang tidak cuci tangan tetap direkam.",
            "{n} people who did not wash their hands were recorded anyway.",
        ),
        "screening.check.all_ok": (
            "Aturan skrining dijalankan: tidak ada yang direkam dengan suhu ≥ {threshold} °C, "
            "tanpa masker atau tanpa cuci tangan.",
            "The screening rules held: nobody was recorded at ≥ {threshold} °C, without a "
            "mask or without washing hands.",
        ),
        "screening.check.unmeasured": (
            "{n} orang yang datang tidak tercatat suhunya.",
            "{n} people checked in without a recorded temperature.",
        ),
        "screening.chart.appointments": ("Jadwal", "Appointments"),
        "screening.chart.stage": ("Tahap", "Stage"),
        "screening.chart.of_scheduled": ("Dari yang terjadwal", "Of scheduled"),
        "screening.chart.band_low": ("Sasaran minimum", "Target low"),
        "screening.chart.band_high": ("Sasaran maksimum", "Target high"),
        "screening.chart.rejection_rate": ("Tingkat penolakan", "Rejection rate"),
        "screening.chart.turned_away": ("Ditolak", "Turned away"),
        "screening.chart.checked_in": ("Datang", "Checked in"),
        "screening.chart.passed": ("Lolos", "Passed"),
        "screening.chart.reason": ("Alasan", "Reason"),
        "screening.chart.temperature": ("Suhu (°C)", "Temperature (°C)"),
        "screening.chart.people": ("Orang", "People"),
        "screening.chart.outcome": ("Hasil skrining", "Screening result"),
        "screening.chart.from": ("Dari (°C)", "From (°C)"),
        "screening.chart.below": ("Sampai di bawah (°C)", "Up to below (°C)"),
        "screening.chart.threshold": ("{value} °C", "{value} °C"),
        # channels page
        "channels.tile.help": (
            "{n} dari {total} permohonan dalam periode ini.",
            "{n} of {total} requests in this period.",
        ),
        "channels.share": ("Pangsa kanal dari waktu ke waktu", "Channel share over time"),
        "channels.share.caption.day": (
            "Bagian setiap kanal dari permohonan yang masuk, per hari.",
            "Each channel's part of the requests received, per day.",
        ),
        "channels.share.caption.week": (
            "Bagian setiap kanal dari permohonan yang masuk, per minggu (mulai Senin).",
            "Each channel's part of the requests received, per week (from Monday).",
        ),
        "channels.wait": (
            "Apakah satu kanal menunggu lebih lama?",
            "Does one channel wait longer?",
        ),
        "channels.wait.caption": (
            "Kiri: bagian kanal dari permohonan (pucat) dan dari perekaman (penuh); "
            "batang penuh yang lebih pendek = kanal itu tertinggal. Kanan: median waktu "
            "tunggu sampai jadwal pertama, garis hitam = 90% dijadwalkan dalam sekian hari.",
            "Left: each channel's part of the requests (light) and of the recordings "
            "(full); a shorter full bar = that channel falls behind. Right: median days "
            "to the first slot, black tick = 90% were scheduled within that many days.",
        ),
        "channels.outcomes": ("Permohonan vs perekaman", "Requests vs recordings"),
        "channels.outcomes.none": (
            "Belum ada perekaman dalam periode ini.",
            "No recordings in this period.",
        ),
        "channels.lead": ("Waktu tunggu per kanal", "Lead time by channel"),
        "channels.lead.none": (
            "Belum ada permohonan berjadwal dalam periode ini.",
            "No scheduled requests in this period.",
        ),
        "channels.finding.gap": (
            "{channel}: {requests} dari permohonan, tetapi hanya {recorded} dari "
            "perekaman — kanal ini paling tertinggal.",
            "{channel}: {requests} of the requests but only {recorded} of the "
            "recordings — this channel falls furthest behind.",
        ),
        "channels.finding.balanced": (
            "Bagian perekaman setiap kanal sejalan dengan bagian permohonannya.",
            "Each channel's share of the recordings is in line with its share of the requests.",
        ),
        "channels.finding.slowest": (
            "Tunggu terlama: {slow} (median {slow_days} hari); tercepat: {fast} "
            "({fast_days} hari).",
            "Longest wait: {slow} (median {slow_days} days); shortest: {fast} ({fast_days} days).",
        ),
        "channels.heatmap": ("Kecamatan × kanal", "District × channel"),
        "channels.heatmap.caption": (
            "Permohonan per kecamatan dan kanal; makin gelap makin banyak. Kecamatan "
            "tanpa WhatsApp mungkin perlu sosialisasi.",
            "Requests per district and channel; darker = more. A district without "
            "WhatsApp requests may need outreach.",
        ),
        "channels.kecamatan.unknown": ("(tidak diisi)", "(not given)"),
        "channels.chart.share": ("Bagian", "Share"),
        "channels.chart.of_requests": ("Bagian permohonan", "Share of requests"),
        "channels.chart.of_recordings": ("Bagian perekaman", "Share of recordings"),
        "channels.chart.measure": ("Ukuran", "Measure"),
        "channels.chart.count": ("Jumlah", "Count"),
        "channels.chart.median_days": ("Median (hari)", "Median (days)"),
        "channels.chart.p90_days": ("90% dalam (hari)", "90% within (days)"),
        "channels.chart.share_in_kecamatan": ("Bagian di kecamatan", "Share in district"),
        # data-quality page
        "dq.caption": (
            "Impor log, hasil setiap impor, dan baris yang perlu diperbaiki. Bagian ini "
            "tidak mengikuti periode dan filter.",
            "Import logs, what each import did, and the rows to fix. This page does not "
            "follow the period and filters.",
        ),
        "dq.upload": ("Impor file log", "Import a log file"),
        "dq.upload.caption": (
            "CSV, XLSX (setiap lembar diimpor sendiri-sendiri) atau Parquet, berisi log "
            "permohonan, log jadwal atau buku register. Jenisnya dikenali dari judul kolom. "
            "Periksa dulu: pilih lembar, petakan kolom yang tidak dikenali, lihat "
            "pratinjaunya, lalu simpan. Mengimpor file yang sama lagi tidak mengubah apa pun.",
            "CSV, XLSX (every sheet is imported on its own) or Parquet holding the "
            "requests log, the appointments log or a register. Its kind is recognised from "
            "the column headers. Check it first: pick the sheets, map the columns not "
            "recognised, see the preview, then save. Importing the same file again changes "
            "nothing.",
        ),
        "dq.upload.file": ("File log", "Log file"),
        "dq.upload.kind": ("Jenis log", "Kind of log"),
        "dq.kind.auto": ("Kenali dari judul kolom", "Recognise from the headers"),
        "dq.kind.requests": ("Permohonan", "Requests"),
        "dq.kind.appointments": ("Jadwal", "Appointments"),
        "dq.kind.register": ("Buku register", "Register"),
        "dq.kind.recorded_before_received": (
            "Direkam sebelum permohonan masuk",
            "Recorded before the request came in",
        ),
        "dq.kind.checked_in_before_received": (
            "Datang sebelum permohonan masuk",
            "Checked in before the request came in",
        ),
        "dq.upload.check": ("Periksa", "Check"),
        "dq.upload.none": ("Pilih file dulu.", "Choose a file first."),
        "dq.upload.progress": ("Mengimpor {name} …", "Importing {name} …"),
        "dq.upload.done": (
            "{name} diimpor sebagai log {kind}.",
            "{name} imported as the {kind} log.",
        ),
        "dq.upload.refused_title": ("{name} ditolak", "{name} was refused"),
        "dq.upload.skipped": (
            "{name} dilewati: {reason}",
            "{name} skipped: {reason}",
        ),
        "dq.upload.refused": (
            "{reason}. Tidak ada data yang berubah; perbaiki file lalu impor lagi.",
            "{reason}. No data was changed; fix the file and import it again.",
        ),
        "dq.upload.busy": (
            "Data sedang dipakai proses lain (misalnya impor malam). Tidak ada yang "
            "berubah; coba lagi sebentar lagi.",
            "The data is in use by another process (a nightly import, say). Nothing "
            "was changed; try again in a minute.",
        ),
        "dq.upload.disk_full": (
            "Disk server penuh, jadi tidak ada yang berubah. Kosongkan ruang disk, lalu "
            "impor lagi.",
            "The server's disk is full, so nothing was changed. Free some space on it, "
            "then import again.",
        ),
        "dq.upload.denied": (
            "Impor file hanya untuk petugas dan admin.",
            "Importing files is for staff and admins only.",
        ),
        "dq.result.rows_read": ("Baris dibaca", "Rows read"),
        "dq.result.inserted": ("Baru", "Inserted"),
        "dq.result.updated": ("Diperbarui", "Updated"),
        "dq.result.unchanged": ("Tidak berubah", "Unchanged"),
        "dq.result.quarantined": ("Dikarantina", "Quarantined"),
        "dq.result.more": (
            "Jadwal tanpa permohonan: {orphans}. Peringatan konsistensi: {warnings}.",
            "Appointments without a known request: {orphans}. Consistency warnings: {warnings}.",
        ),
        "dq.result.quarantine_hint": (
            "Baris yang dikarantina tidak dimuat dan tidak hilang: lihat alasannya di "
            "bawah, perbaiki di file, lalu impor lagi.",
            "Quarantined rows were not loaded and are not lost: see the reasons below, "
            "fix them in the file and import it again.",
        ),
        "dq.result.ignored": (
            "Kolom yang tidak dipakai (isinya tidak disimpan): {names}",
            "Columns not used (their cells are not stored): {names}",
        ),
        "dq.tile.imports": ("Impor", "Imports"),
        "dq.tile.quarantined": ("Baris dikarantina", "Rows in quarantine"),
        "dq.tile.quarantined.help": (
            "Semua baris yang ditolak dari semua impor.",
            "Every row refused, over all imports.",
        ),
        "dq.tile.orphans": ("Jadwal tanpa permohonan", "Orphan appointments"),
        "dq.tile.warnings": ("Peringatan", "Warnings"),
        "dq.history": ("Riwayat impor", "Import history"),
        "dq.history.caption": (
            "Terbaru di atas. Dibaca = baru + diperbarui + tidak berubah + dikarantina.",
            "Newest first. Read = inserted + updated + unchanged + quarantined.",
        ),
        "dq.history.none": (
            "Belum ada impor. Impor log permohonan dan log jadwal di atas.",
            "No imports yet. Import the requests and appointments logs above.",
        ),
        "dq.quarantine": ("Baris dikarantina", "Quarantined rows"),
        "dq.quarantine.caption": (
            "Baris yang melanggar aturan, apa adanya, dengan nomor baris di file (judul = "
            "baris 1), kolom dan alasannya. NIK dan nomor HP tersamar.",
            "Rows that broke a rule, as read, with their row in the file (header = row "
            "1), the column and the reason. NIK and phone numbers are masked.",
        ),
        "dq.quarantine.none": (
            "Tidak ada baris yang dikarantina.",
            "No rows in quarantine.",
        ),
        "dq.quarantine.filter_import": ("Impor", "Import"),
        "dq.quarantine.all_imports": ("Semua impor", "All imports"),
        "dq.quarantine.import_option": ("#{id} · {name} ({n})", "#{id} · {name} ({n})"),
        "dq.quarantine.filter_column": ("Kolom", "Column"),
        "dq.quarantine.all_columns": ("Semua kolom", "All columns"),
        "dq.quarantine.whole_row": ("(seluruh baris)", "(whole row)"),
        "dq.quarantine.filter_reason": ("Alasan memuat", "Reason contains"),
        "dq.quarantine.reason_placeholder": ("mis. bukan tanggal", "e.g. not a date"),
        "dq.quarantine.page": ("Halaman (dari {pages})", "Page (of {pages})"),
        "dq.quarantine.count": (
            "{n} baris cocok; ditampilkan {first}–{last}.",
            "Rows matching: {n}; showing {first}–{last}.",
        ),
        "dq.orphans": ("Jadwal tanpa permohonan", "Appointments without a request"),
        "dq.orphans.caption": (
            "Jadwal yang permohonannya belum ada di data. Biasanya hilang sendiri saat "
            "log permohonan berikutnya diimpor.",
            "Appointments whose request is not in the data yet. Usually resolved when "
            "the next requests log is imported.",
        ),
        "dq.orphans.none": ("Tidak ada.", "None."),
        "dq.warnings": ("Peringatan konsistensi", "Consistency warnings"),
        "dq.warnings.caption": (
            "Baris yang dimuat tetapi saling bertentangan, misalnya direkam sebelum "
            "permohonannya masuk.",
            "Rows loaded but contradicting each other, e.g. recorded before the request came in.",
        ),
        "dq.warnings.none": ("Tidak ada.", "None."),
        "dq.first_n": ("Ditampilkan {n} yang pertama.", "Showing the first {n}."),
        "dq.col.import_id": ("Impor #", "Import #"),
        "dq.col.file_name": ("File", "File"),
        "dq.col.kind": ("Jenis", "Kind"),
        "dq.col.rows_read": ("Dibaca", "Read"),
        "dq.col.inserted": ("Baru", "Inserted"),
        "dq.col.updated": ("Diperbarui", "Updated"),
        "dq.col.unchanged": ("Tetap", "Unchanged"),
        "dq.col.quarantined": ("Karantina", "Quarantined"),
        "dq.col.orphans": ("Tanpa permohonan", "Orphans"),
        "dq.col.warnings": ("Peringatan", "Warnings"),
        "dq.col.imported_by": ("Oleh", "By"),
        "dq.col.started_at": ("Waktu (WITA)", "Time (office)"),
        "dq.col.row_number": ("Baris", "Row"),
        "dq.col.column_name": ("Kolom", "Column"),
        "dq.col.reason": ("Alasan", "Reason"),
        "dq.col.raw": ("Isi baris", "Row as read"),
        "dq.col.appointment_id": ("ID jadwal", "Appointment ID"),
        "dq.col.request_id": ("ID permohonan", "Request ID"),
        "dq.col.scheduled_date": ("Tanggal jadwal", "Scheduled date"),
        "dq.col.status": ("Status", "Status"),
        "dq.col.received_at": ("Permohonan masuk", "Request received"),
        "dq.col.happened_at": ("Terjadi pada", "Happened at"),
    }
)

# --- admin page ---
register(
    {
        "admin.tab.users": ("Pengguna", "Users"),
        "admin.tab.capacity": ("Log audit kuota", "Capacity audit log"),
        "admin.tab.exports": ("Log ekspor", "Export log"),
        "admin.tab.failures": ("Gagal masuk", "Failed sign-ins"),
        "admin.users.none": ("Belum ada pengguna.", "No users yet."),
        "admin.add.title": ("Tambah pengguna", "Add a user"),
        "admin.add.username": ("Nama pengguna", "Username"),
        "admin.add.name": ("Nama lengkap", "Full name"),
        "admin.add.email": ("E-mail (opsional)", "E-mail (optional)"),
        "admin.add.role": ("Peran", "Role"),
        "admin.add.submit": ("Tambah", "Add"),
        "admin.add.done": (
            "Pengguna **{user}** dibuat. Kata sandi awal (hanya ditampilkan sekali, sampaikan "
            "secara langsung):",
            "User **{user}** created. First password (shown only once; hand it over in person):",
        ),
        "admin.change.title": ("Ubah pengguna", "Change a user"),
        "admin.change.user": ("Pengguna", "User"),
        "admin.change.action": ("Tindakan", "Action"),
        "admin.action.disable": ("Nonaktifkan", "Disable"),
        "admin.action.enable": ("Aktifkan", "Enable"),
        "admin.action.reset": ("Atur ulang kata sandi", "Reset password"),
        "admin.change.submit": ("Terapkan", "Apply"),
        "admin.change.disabled": (
            "**{user}** dinonaktifkan; sesinya berakhir.",
            "**{user}** disabled; their sessions end.",
        ),
        "admin.change.enabled": ("**{user}** diaktifkan.", "**{user}** enabled."),
        "admin.change.reset": (
            "Kata sandi baru untuk **{user}** (hanya ditampilkan sekali):",
            "New password for **{user}** (shown only once):",
        ),
        "admin.refused": ("Ditolak: {why}", "Refused: {why}"),
        "admin.col.username": ("Nama pengguna", "Username"),
        "admin.col.name": ("Nama", "Name"),
        "admin.col.role": ("Peran", "Role"),
        "admin.col.email": ("E-mail", "E-mail"),
        "admin.col.status": ("Status", "Status"),
        "admin.col.created_at": ("Dibuat (UTC)", "Created (UTC)"),
        "admin.status.active": ("aktif", "active"),
        "admin.status.disabled": ("nonaktif", "disabled"),
        "admin.log.empty": ("Log kosong.", "The log is empty."),
        "admin.col.audit_id": ("No.", "No."),
        "admin.col.changed_at_utc": ("Waktu (UTC)", "Time (UTC)"),
        "admin.col.changed_by": ("Oleh", "By"),
        "admin.col.scope": ("Berlaku untuk", "Applies to"),
        "admin.col.setting": ("Pengaturan", "Setting"),
        "admin.col.old_value": ("Nilai lama", "Old value"),
        "admin.col.new_value": ("Nilai baru", "New value"),
        "admin.col.reason": ("Alasan", "Reason"),
        "admin.col.export_id": ("No.", "No."),
        "admin.col.exported_at_utc": ("Waktu (UTC)", "Time (UTC)"),
        "admin.col.what": ("Apa", "What"),
        "admin.col.filters": ("Saringan", "Filters"),
        "admin.col.file_format": ("Format", "Format"),
        "admin.col.row_count": ("Baris", "Rows"),
        "admin.exports.missing": ("Log ekspor belum tersedia.", "The export log is not available."),
        "admin.failures.caption": (
            "Setelah {n} kali gagal dalam {m} menit, nama pengguna itu dikunci {m} menit "
            "(percobaan saat terkunci dicatat sebagai 'locked').",
            "After {n} failures within {m} minutes a user name is locked for {m} minutes "
            "(attempts while locked are logged as 'locked').",
        ),
        "admin.col.at": ("Waktu (UTC)", "When (UTC)"),
        "admin.col.client": ("Klien", "Client"),
        "admin.col.event": ("Kejadian", "Event"),
        "admin.locked.title": ("Akun terkunci", "Locked accounts"),
        "admin.locked.none": ("Tidak ada akun yang terkunci.", "No account is locked."),
        "admin.locked.user": ("Akun", "Account"),
        "admin.locked.until": (
            "{user}: terkunci sampai {until} (UTC)",
            "{user}: locked until {until} (UTC)",
        ),
        "admin.locked.submit": ("Buka kunci", "Unlock"),
        "admin.locked.done": ("**{user}** dapat masuk lagi.", "**{user}** can sign in again."),
    }
)

# --- capacity page ---
register(
    {
        "capacity.intro": (
            "Kuota = jumlah perekaman e-KTP per hari. Urutan: pengecualian tanggal > hari libur "
            "nasional > aturan hari > kuota bawaan. Setiap perubahan dicatat dengan alasannya.",
            "Cap = e-KTP recordings a day. Precedence: date override > national holiday > "
            "weekday rule > default. Every change is logged with its reason.",
        ),
        "capacity.tab.default": ("Kuota bawaan", "Default cap"),
        "capacity.tab.weekday": ("Aturan hari", "Weekday rule"),
        "capacity.tab.override": ("Tanggal tertentu", "Date override"),
        "capacity.cap": ("Kuota per hari", "Cap per day"),
        "capacity.reason": ("Alasan (wajib)", "Reason (required)"),
        "capacity.reason.help": (
            "Dicatat di log audit, mis. 'petugas tambahan dari kecamatan'.",
            "Goes into the audit log, e.g. 'extra staff from the district'.",
        ),
        "capacity.effective": ("Berlaku mulai", "Effective from"),
        "capacity.weekday": ("Hari", "Day of the week"),
        "capacity.from": ("Dari tanggal", "From date"),
        "capacity.to": (
            "Sampai tanggal (kosongkan untuk satu hari)",
            "To date (empty for one day)",
        ),
        "capacity.preview": ("Pratinjau", "Preview"),
        "capacity.save": ("Simpan", "Save"),
        "capacity.saved": ("Tersimpan: {what}.", "Saved: {what}."),
        "capacity.saved.default": (
            "kuota bawaan {cap} mulai {since}",
            "default cap {cap} from {since}",
        ),
        "capacity.saved.weekday": ("{day}: {cap} mulai {since}", "{day}: {cap} from {since}"),
        "capacity.saved.override": ("{range}: {cap}", "{range}: {cap}"),
        "capacity.refused": ("Ditolak: {why}", "Refused: {why}"),
        "capacity.busy": (
            "Penyimpanan sedang dipakai proses lain; coba lagi sebentar lagi.",
            "The store is busy with another program; try again in a moment.",
        ),
        "capacity.preview.title": (
            "Perkiraan tanggal tunggakan e-KTP habis (dihitung dari {as_of})",
            "Projected date the e-KTP backlog clears (from {as_of})",
        ),
        "capacity.preview.current": ("Dengan kalender sekarang", "With the current calendar"),
        "capacity.preview.new": (
            "Dengan kuota {cap} per hari buka",
            "With a cap of {cap} on open days",
        ),
        "capacity.preview.never": ("tidak dalam {days} hari", "not within {days} days"),
        "capacity.preview.cleared": ("sudah tidak ada tunggakan", "no backlog now"),
        "capacity.preview.na": (
            "Tidak ada perkiraan untuk data ini.",
            "No projection for this data.",
        ),
        "capacity.preview.bad": (
            "Kuota harus bilangan bulat 0 sampai {max}.",
            "The cap must be a whole number from 0 to {max}.",
        ),
        "capacity.preview.basis": (
            "Tunggakan sekarang {backlog}; permintaan baru ~{demand} per hari; hadir {show}, "
            "lolos skrining {passed}. Kuota baru dipakai untuk semua hari buka.",
            "Backlog now {backlog}; new requests ~{demand} a day; show rate {show}, "
            "screening pass rate {passed}. The new cap is applied to every open day.",
        ),
        "capacity.preview.saved": (
            "Perkiraan tanggal tunggakan habis: {before} → {after}.",
            "Projected clearance date: {before} → {after}.",
        ),
        "capacity.weeks.title": ("Delapan minggu ke depan", "The next eight weeks"),
        "capacity.weeks.start": ("Mulai dari", "Starting"),
        "capacity.weeks.over": (
            "{n} hari dengan janji temu melebihi kuota.",
            "{n} days with more appointments than the cap.",
        ),
        "capacity.weeks.ok": (
            "Tidak ada hari yang melebihi kuota.",
            "No day is booked over its cap.",
        ),
        "capacity.col.date": ("Tanggal", "Date"),
        "capacity.col.day": ("Hari", "Day"),
        "capacity.col.cap": ("Kuota", "Cap"),
        "capacity.col.source": ("Sumber", "Source"),
        "capacity.col.holiday": ("Hari libur", "Holiday"),
        "capacity.col.booked": ("Terjadwal", "Booked"),
        "capacity.col.flag": ("Catatan", "Note"),
        "capacity.flag.over": ("⚠ melebihi kuota", "⚠ over the cap"),
        "capacity.source.override": ("pengecualian", "override"),
        "capacity.source.holiday": ("libur nasional", "holiday"),
        "capacity.source.weekday": ("aturan hari", "weekday"),
        "capacity.source.default": ("bawaan", "default"),
        "capacity.audit.title": ("Log audit kuota", "Capacity audit log"),
        "capacity.audit.empty": ("Belum ada perubahan kuota.", "No capacity changes yet."),
        "capacity.audit.changed_at_utc": ("Waktu (UTC)", "When (UTC)"),
        "capacity.audit.changed_by": ("Oleh", "By"),
        "capacity.audit.scope": ("Cakupan", "Scope"),
        "capacity.audit.old_value": ("Lama", "Old"),
        "capacity.audit.new_value": ("Baru", "New"),
        "capacity.audit.reason": ("Alasan", "Reason"),
    }
)

# ---------------------------------------------------------------- uncaught errors (ui.py)
register(
    {
        "error.unexpected": (
            "Terjadi kesalahan. Muat ulang halaman; bila masih terjadi, sampaikan kode ini "
            "ke admin (ID: {id})",
            "Something went wrong. Reload the page; if it happens again, give this code to "
            "the admin (ID: {id})",
        ),
    }
)

# ---------------------------------------------------------------- upload flow (data_quality.py)
register(
    {
        "dq.flow.title": ("Memeriksa {name}", "Checking {name}"),
        "dq.flow.sheet": (
            "{name}: {rows} baris, {kind}",
            "{name}: {rows} rows, {kind}",
        ),
        "dq.flow.kind_unknown": ("judul kolom belum dikenali", "header not recognised yet"),
        "dq.flow.not_recognised": (
            "Judul kolom tidak dikenali (kolom wajib yang belum ditemukan: {missing}).",
            "Header not recognised (required columns not found: {missing}).",
        ),
        "dq.flow.tick_to_map": (
            "Centang lembar ini untuk memetakan kolomnya.",
            "Tick this sheet to map its columns.",
        ),
        "dq.flow.no_table": (
            "Tidak ada tabel yang dikenali (lembar kosong atau tanpa judul kolom).",
            "No recognisable table (an empty sheet, or no header row).",
        ),
        "dq.flow.saved_mapping": (
            "Memakai pemetaan kolom yang disimpan sebelumnya.",
            "Uses the column mapping saved earlier.",
        ),
        "dq.flow.none_ticked": (
            "Centang setidaknya satu lembar.",
            "Tick at least one sheet.",
        ),
        "dq.flow.map_first": (
            "Petakan kolom dulu, lalu simpan pemetaannya: {names}",
            "Map the columns first and save the mapping: {names}",
        ),
        "dq.flow.preview": ("Pratinjau", "Preview"),
        "dq.flow.cancel": ("Batal", "Cancel"),
        "dq.flow.save": ("Simpan", "Save"),
        "dq.flow.stale": (
            "Pilihan lembar atau pemetaan berubah: tekan Pratinjau lagi.",
            "The sheets or mappings changed: press Preview again.",
        ),
        "dq.preview.caption": (
            "Pratinjau: belum ada yang disimpan. Setiap lembar dihitung sendiri-sendiri; "
            "tekan Simpan untuk mengimpor persis ini.",
            "Preview: nothing is saved yet. Each sheet is counted on its own; press Save to "
            "import exactly this.",
        ),
        "dq.preview.progress": ("Memeriksa {name} …", "Checking {name} …"),
        "dq.preview.title": (
            "{name} akan diimpor sebagai log {kind}.",
            "{name} would be imported as the {kind} log.",
        ),
        "dq.preview.dates": (
            "Tanggal data (masuk atau jadwal): {first} sampai {last}.",
            "Dates in the data (received or scheduled): {first} to {last}.",
        ),
        "dq.preview.no_dates": (
            "Tidak ada baris yang akan dimuat.",
            "No row would be loaded.",
        ),
        "dq.preview.quarantine": (
            "{n} baris pertama yang akan dikarantina, dengan alasannya:",
            "The first {n} rows that would be quarantined, with the reasons:",
        ),
        "dq.map.title": ("Pemetaan kolom: {name}", "Column mapping: {name}"),
        "dq.map.caption": (
            "Pilih arti setiap kolom (usulan sudah terisi). Contoh isinya disamarkan. "
            "Pemetaan disimpan untuk judul kolom ini, jadi file berikutnya dengan judul "
            "yang sama, di sini atau lewat baris perintah, dipetakan sama.",
            "Choose what each column means (proposals filled in). Sample values are masked. "
            "The mapping is saved for this header, so the next file with the same header, "
            "here or from the command line, is mapped the same way.",
        ),
        "dq.map.kind": ("Jenis log lembar ini", "Kind of log in this sheet"),
        "dq.map.no_name": ("(kolom tanpa judul)", "(column without a name)"),
        "dq.map.ignore": ("abaikan", "ignore"),
        "dq.map.samples": ("Contoh: {samples} · {why}", "Samples: {samples} · {why}"),
        "dq.map.why.alias": ("nama kolom dikenal", "a known column name"),
        "dq.map.why.name": ("dari nama kolom", "from the column name"),
        "dq.map.why.values": ("dari isinya", "from its values"),
        "dq.map.why.none": ("tidak ada usulan", "no proposal"),
        "dq.map.save": ("Simpan pemetaan", "Save mapping"),
        "dq.map.saved": (
            "Pemetaan untuk {name} disimpan.",
            "The mapping for {name} was saved.",
        ),
        "dq.map.missing": (
            "Pemetaan belum disimpan: kolom wajib belum dipetakan: {columns}.",
            "Mapping not saved: required columns not mapped: {columns}.",
        ),
        "dq.map.twice": (
            "Pemetaan belum disimpan: {first} dan {second} sama-sama dipetakan ke {column}.",
            "Mapping not saved: {first} and {second} are both mapped to {column}.",
        ),
        "dq.templates.caption": (
            "Templat kosong yang langsung dapat diimpor tanpa pemetaan:",
            "Blank templates that import as they are, with no mapping:",
        ),
        "dq.templates.requests": ("Templat permohonan", "Requests template"),
        "dq.templates.appointments": ("Templat jadwal", "Appointments template"),
        "dq.templates.register": ("Templat buku register", "Register template"),
        "dq.mappings": ("Pemetaan kolom tersimpan ({n})", "Saved column mappings ({n})"),
        "dq.mappings.none": ("Belum ada pemetaan tersimpan.", "No saved mappings yet."),
        "dq.mappings.item": (
            "**{kind}**: {header}  \n{by}, {when}",
            "**{kind}**: {header}  \n{by}, {when}",
        ),
        "dq.mappings.remove": ("Hapus", "Remove"),
        "dq.mappings.removed": (
            "Pemetaan dihapus: file dengan judul kolom itu akan dipetakan ulang.",
            "Mapping removed: files with that header will be mapped again.",
        ),
    }
)


# ---------------------------------------------------------------- office settings and targets
# (issue 11: dashboard/settings.py, dashboard/targets.py, the admin page's Kantor and Target
# tabs, the banners and `python -m dashboard check`)
register(
    {
        "settings.field.name": ("Nama kantor", "Office name"),
        "settings.field.regency": ("Kabupaten/kota", "Regency"),
        "settings.field.address": ("Alamat", "Address"),
        "settings.field.timezone": ("Zona waktu", "Time zone"),
        "settings.field.kecamatan": ("Daftar kecamatan", "Kecamatan list"),
        "settings.field.whatsapp": (
            "Nomor atau nama WhatsApp kantor",
            "The office's WhatsApp number or name",
        ),
        "settings.field.whatsapp.help": (
            "Pesan dari nomor/nama ini dalam chat yang diekspor adalah balasan kantor, bukan "
            "permohonan. Beberapa dipisah koma.",
            "Messages from this number or name in an exported chat are the office's replies, "
            "not requests. Separate several with commas.",
        ),
        "settings.err.whatsapp": (
            "Nomor atau nama WhatsApp kantor tidak dapat disimpan: {problem}",
            "The office's WhatsApp number or name cannot be kept: {problem}",
        ),
        "settings.err.text": ("{field} harus berupa teks.", "{field} must be text."),
        "settings.err.empty": ("{field} tidak boleh kosong.", "{field} must not be empty."),
        "settings.err.long": (
            "{field} paling banyak {limit} karakter (sekarang {n}); persingkat.",
            "{field} may have at most {limit} characters (it has {n}); shorten it.",
        ),
        "settings.err.timezone": (
            "Zona waktu “{value}” tidak dikenal; tulis nama IANA seperti Asia/Makassar, "
            "Asia/Jakarta atau Asia/Jayapura.",
            "Unknown time zone “{value}”; write an IANA name such as Asia/Makassar, "
            "Asia/Jakarta or Asia/Jayapura.",
        ),
        "settings.err.kecamatan_type": (
            "Daftar kecamatan: tulis satu nama per baris atau pisahkan dengan koma.",
            "Kecamatan list: write one name per line or separate them with commas.",
        ),
        "settings.err.kecamatan_long": (
            "Nama kecamatan “{name}…” lebih dari {limit} karakter; periksa daftarnya.",
            "The kecamatan name “{name}…” is longer than {limit} characters; check the list.",
        ),
        "settings.err.kecamatan_many": (
            "Daftar kecamatan berisi {n} nama; paling banyak {limit}.",
            "The kecamatan list has {n} names; at most {limit} are accepted.",
        ),
        "settings.err.unknown": (
            "Pengaturan {field} tidak dikenal; gunakan salah satu: {fields}.",
            "Unknown setting {field}; use one of: {fields}.",
        ),
        "settings.err.reason": (
            "Isi alasan perubahan (dicatat di log audit).",
            "Give a reason for the change (it goes into the audit log).",
        ),
        "settings.err.nothing": (
            "Tidak ada pengaturan yang diberikan; sebutkan paling sedikit satu.",
            "No setting given; name at least one to change.",
        ),
        "targets.name.backlog_clear_days": (
            "Antrean tuntas dalam (hari)",
            "Backlog clears within (days)",
        ),
        "targets.name.rejection_band": ("Rentang tingkat penolakan", "Rejection rate band"),
        "targets.name.no_show_max": ("Batas tingkat tidak hadir", "Highest no-show rate"),
        "targets.name.max_days_at_cap": (
            "Hari buka berturut-turut pada kuota (paling banyak)",
            "Open days in a row at the cap (at most)",
        ),
        "targets.name.import_stale_days": (
            "Log diimpor paling lama setiap (hari)",
            "Logs imported at least every (days)",
        ),
        "targets.rule.backlog_clear_days": (
            "terlewati bila antrean e-KTP, menurut proyeksi pada kuota yang berlaku, tuntas "
            "lebih dari N hari setelah akhir periode (tepat N hari: terpenuhi)",
            "missed when the e-KTP backlog, projected at the cap in force, clears more than N "
            "days after the end of the period (exactly N days: met)",
        ),
        "targets.rule.rejection_band": (
            "terlewati bila tingkat penolakan periode di bawah batas bawah atau di atas batas "
            "atas (tepat di batas: terpenuhi)",
            "missed when the period's rejection rate is below the low end or above the high "
            "end (exactly at an end: met)",
        ),
        "targets.rule.no_show_max": (
            "terlewati bila tingkat tidak hadir periode lebih dari batas (tepat di batas: "
            "terpenuhi)",
            "missed when the period's no-show rate is above the limit (exactly at it: met)",
        ),
        "targets.rule.max_days_at_cap": (
            "terlewati bila lebih dari N hari buka berturut-turut mencapai kuota (hari tutup "
            "dilewati)",
            "missed when more than N open days in a row reach the cap (closed days are skipped)",
        ),
        "targets.rule.import_stale_days": (
            "terlewati bila impor terakhir lebih dari N hari yang lalu, atau belum pernah ada",
            "missed when the last import was more than N days ago, or there was none",
        ),
        "targets.err.days": (
            "{target_key} harus bilangan bulat dari {low} sampai {high} hari, bukan {value}.",
            "{target_key} must be a whole number of days from {low} to {high}, not {value}.",
        ),
        "targets.err.fraction": (
            "{target_key} harus antara {low} dan {high} (pecahan: 0.15 = 15%), bukan {value}.",
            "{target_key} must be between {low} and {high} (a fraction: 0.15 = 15%), not {value}.",
        ),
        "targets.err.band": (
            "{target_key} harus dua pecahan bawah-atas antara {low} dan {high} dengan bawah < atas "
            "(mis. 0.02-0.05), bukan {value}.",
            "{target_key} must be two fractions low-high between {low} and {high} with low < high "
            "(e.g. 0.02-0.05), not {value}.",
        ),
        "targets.err.fraction_pct": (
            "{name}: isi persentase antara 0% dan 100%.",
            "{name}: enter a percentage from 0% to 100%.",
        ),
        "targets.err.band_pct": (
            "{name}: isi batas bawah dan atas antara 0% dan 100%, bawah lebih kecil dari atas.",
            "{name}: enter a low and a high end from 0% to 100%, the low end below the high.",
        ),
        "targets.range.days": ("{low}–{high} hari", "{low}–{high} days"),
        "targets.range.pct": ("{low}–{high}", "{low}–{high}"),
        "targets.range.band": ("{low}–{high}, bawah < atas", "{low}–{high}, low < high"),
        "targets.err.unknown": (
            "Target {target_key} tidak dikenal; gunakan salah satu: {keys}.",
            "Unknown target {target_key}; use one of: {keys}.",
        ),
        "targets.alert.backlog": (
            "Antrean {backlog} permohonan tuntas dalam {days} hari pada kuota {cap}/hari; "
            "target ≤ {target} hari.",
            "The backlog of {backlog} requests clears in {days} days at a cap of {cap}/day; "
            "target ≤ {target} days.",
        ),
        "targets.alert.backlog_never": (
            "Antrean {backlog} permohonan tidak tuntas dalam {horizon} hari pada kuota "
            "{cap}/hari; target ≤ {target} hari.",
            "The backlog of {backlog} requests does not clear within {horizon} days at a cap "
            "of {cap}/day; target ≤ {target} days.",
        ),
        "targets.alert.rejection_above": (
            "Tingkat penolakan skrining {rate}, di atas rentang target {band}.",
            "Screening rejection rate {rate}, above the target band {band}.",
        ),
        "targets.alert.rejection_below": (
            "Tingkat penolakan skrining {rate}, di bawah rentang target {band}: periksa "
            "apakah aturan skrining dijalankan.",
            "Screening rejection rate {rate}, below the target band {band}: check that the "
            "screening rules are applied.",
        ),
        "targets.alert.no_show": (
            "Tingkat tidak hadir {rate}; target ≤ {target}.",
            "No-show rate {rate}; target ≤ {target}.",
        ),
        "targets.alert.at_cap": (
            "Kuota penuh {days} hari buka berturut-turut ({since}–{until}); target paling "
            "banyak {target} hari.",
            "The cap was reached on {days} open days in a row ({since}–{until}); target at "
            "most {target} days.",
        ),
        "targets.alert.stale": (
            "Impor log terakhir {days} hari yang lalu ({date}); target paling lama setiap "
            "{target} hari.",
            "The last log import was {days} days ago ({date}); target at least every "
            "{target} days.",
        ),
        "targets.alert.never_imported": (
            "Belum pernah ada log yang diimpor; target paling lama setiap {target} hari.",
            "No log has been imported yet; target at least every {target} days.",
        ),
        "check.ok": (
            "Semua target terpenuhi ({start} s.d. {end}).",
            "All targets met ({start} to {end}).",
        ),
        "admin.office.tab": ("Kantor", "Office"),
        "admin.office.intro": (
            "Nama, kabupaten dan alamat tampil di kop laporan; daftar kecamatan dipakai filter, "
            "templat impor dan laporan; zona waktu menentukan tanggal “hari ini” kantor.",
            "The name, regency and address head the report; the kecamatan list feeds the "
            "filter, the import templates and the report; the time zone sets the office's "
            "“today”.",
        ),
        "admin.office.kecamatan.help": (
            "Satu nama per baris (atau dipisah koma). Kapitalisasi tidak membedakan nama.",
            "One name per line (or comma-separated). Case does not make a name different.",
        ),
        "admin.office.reason": ("Alasan perubahan", "Reason for the change"),
        "admin.office.submit": ("Simpan pengaturan kantor", "Save office settings"),
        "admin.office.saved": ("Pengaturan kantor disimpan.", "Office settings saved."),
        "admin.office.unchanged": (
            "Tidak ada yang berubah: nilainya sama dengan yang tersimpan.",
            "Nothing changed: the values are those already saved.",
        ),
        "admin.office.defaults": ("Masih bawaan: {fields}.", "Still the defaults: {fields}."),
        "admin.office.tz_env": (
            "DASHBOARD_TZ={env} diatur di lingkungan server dan berlaku di atas zona waktu ini.",
            "DASHBOARD_TZ={env} is set in the server's environment and wins over this time zone.",
        ),
        "admin.office.audit": ("Log audit pengaturan kantor", "Office settings audit log"),
        "admin.targets.tab": ("Target", "Targets"),
        "admin.targets.intro": (
            "Target yang terlewati tampil sebagai peringatan di ringkasan dan di halaman "
            "terkait, masuk ke laporan bulanan, dan dicetak oleh `python -m dashboard check`.",
            "A missed target shows as a warning on the overview and on the page it concerns, "
            "goes into the monthly report, and is printed by `python -m dashboard check`.",
        ),
        "admin.targets.col.target": ("Target", "Target"),
        "admin.targets.col.value": ("Nilai", "Value"),
        "admin.targets.col.source": ("Asal", "Source"),
        "admin.targets.col.range": ("Rentang yang diterima", "Accepted range"),
        "admin.targets.col.rule": ("Kapan terlewati", "When it is missed"),
        "admin.targets.default": ("bawaan", "default"),
        "admin.targets.set": ("diatur admin", "set by an admin"),
        "admin.targets.band_low": ("Batas bawah penolakan (%)", "Rejection band, low end (%)"),
        "admin.targets.band_high": ("Batas atas penolakan (%)", "Rejection band, high end (%)"),
        "admin.targets.no_show_pct": ("Batas tingkat tidak hadir (%)", "Highest no-show rate (%)"),
        "admin.targets.reason": ("Alasan perubahan", "Reason for the change"),
        "admin.targets.submit": ("Simpan target", "Save targets"),
        "admin.targets.saved": ("Target disimpan: {keys}.", "Targets saved: {keys}."),
        "admin.targets.unchanged": (
            "Tidak ada yang berubah: nilainya sama dengan yang berlaku.",
            "Nothing changed: the values are those in force.",
        ),
        "admin.targets.audit": ("Log audit target", "Targets audit log"),
    }
)

# ---------------------------------------------------------------- the heads' report (report.py)
register(
    {
        "report.title.month": (
            "Laporan Bulanan Perekaman KTP-el",
            "Monthly Report on e-KTP Recording",
        ),
        "report.title.week": (
            "Laporan Mingguan Perekaman KTP-el",
            "Weekly Report on e-KTP Recording",
        ),
        "report.file.month": ("laporan-bulanan", "monthly-report"),
        "report.file.week": ("laporan-mingguan", "weekly-report"),
        "report.period": ("Periode: {range} ({days} hari)", "Period: {range} ({days} days)"),
        "report.partial": (" — berjalan, sampai hari ini", " — still running, up to today"),
        "report.compared": (
            "Dibandingkan dengan: {period} ({range})",
            "Compared with: {period} ({range})",
        ),
        "report.filters": ("Filter: {filters}", "Filters: {filters}"),
        "report.generated": ("Dibuat: {when} {tz}", "Made: {when} {tz}"),
        "report.page": ("Halaman {n} dari {total}", "Page {n} of {total}"),
        "report.no_data.title": ("Tidak ada data", "No data"),
        "report.no_data.body": (
            "Tidak ada permohonan, jadwal, kedatangan atau perekaman yang tercatat untuk "
            "{period}. Periksa apakah log periode ini sudah diimpor.",
            "No request, appointment, visit or recording is recorded for {period}. Check "
            "that the logs of this period have been imported.",
        ),
        "report.tiles": ("Angka utama", "Key figures"),
        "report.tiles.figure": ("Indikator", "Figure"),
        "report.tile.backlog": ("Antrean akhir periode", "Backlog at the end"),
        "report.tiles.now": ("{period}", "{period}"),
        "report.tiles.before": ("{period}", "{period}"),
        "report.tiles.change": ("Perubahan", "Change"),
        "report.tiles.legend": (
            "Perubahan hijau = membaik, merah = memburuk, abu-abu = tidak berubah atau "
            "netral (pangsa kanal tidak baik atau buruk). Antrean: permohonan KTP-el yang "
            "belum selesai pada hari terakhir periode.",
            "Changes in green = better, red = worse, grey = unchanged or neutral (a "
            "channel's share is neither good nor bad). Backlog: e-KTP requests still open "
            "at the end of the period's last day.",
        ),
        "report.summary": ("Ringkasan", "Summary"),
        "report.decisions": ("Perlu keputusan", "Needs a decision"),
        "report.alerts": ("Peringatan dalam periode ini", "Alerts in the period"),
        "report.alerts.none": ("Tidak ada target yang terlewati.", "No target was missed."),
        "report.up_by": ("naik {n}", "up {n}"),
        "report.down_by": ("turun {n}", "down {n}"),
        "report.unchanged": ("sama", "unchanged"),
        "report.s.recorded": (
            "Perekaman selesai: {recorded} dari kuota {cap} ({util} terpakai), {change} "
            "dibanding {prev} ({before}).",
            "Recordings finished: {recorded} against a cap of {cap} ({util} used), {change} "
            "compared with {prev} ({before}).",
        ),
        "report.s.backlog_up": (
            "Antrean naik {pct} menjadi {n} permohonan",
            "The backlog rose {pct} to {n} requests",
        ),
        "report.s.backlog_down": (
            "Antrean turun {pct} menjadi {n} permohonan",
            "The backlog fell {pct} to {n} requests",
        ),
        "report.s.backlog_same": (
            "Antrean tetap {n} permohonan",
            "The backlog stayed at {n} requests",
        ),
        "report.s.backlog_from_zero": (
            "Antrean naik dari 0 menjadi {n} permohonan",
            "The backlog rose from 0 to {n} requests",
        ),
        "report.s.clears": (
            "; dengan kuota {cap} per hari, antrean diperkirakan tuntas {date}.",
            "; at a cap of {cap} a day it is expected to clear on {date}.",
        ),
        "report.s.never": (
            "; dengan kuota {cap} per hari, antrean tidak tuntas dalam dua tahun.",
            "; at a cap of {cap} a day it does not clear within two years.",
        ),
        "report.decide.backlog": (
            "Antrean baru tuntas {days} hari setelah akhir periode (lebih dari {limit} hari): "
            "pertimbangkan menambah kuota harian atau hari layanan tambahan.",
            "The backlog clears only {days} days after the end of the period (more than "
            "{limit} days): consider a higher daily cap or extra service days.",
        ),
        "report.decide.never": (
            "Antrean tidak tuntas pada kuota sekarang: perlu tambahan kuota harian atau hari "
            "layanan.",
            "The backlog does not clear at the current cap: a higher daily cap or extra "
            "service days are needed.",
        ),
        "report.s.screening": (
            "{rejected} dari {checked_in} orang yang datang ditolak saat skrining kesehatan "
            "({rate})",
            "{rejected} of the {checked_in} people who came were turned away at the health "
            "screen ({rate})",
        ),
        "report.s.top_reason": (
            "; alasan terbanyak: {reason} ({n})",
            "; the most frequent reason: {reason} ({n})",
        ),
        "report.s.no_visits": (
            "Tidak ada yang datang ke skrining kesehatan dalam periode ini.",
            "Nobody came to the health screen in this period.",
        ),
        "report.s.channels": (
            "Lewat WhatsApp: {share} dari permohonan ({whatsapp} dari {total}); perubahan "
            "dibanding {prev}: {change}.",
            "By WhatsApp: {share} of the requests ({whatsapp} of {total}); change compared "
            "with {prev}: {change}.",
        ),
        "report.s.no_requests": (
            "Tidak ada permohonan baru dalam periode ini.",
            "No new requests in this period.",
        ),
        "report.s.no_show": (
            "{n} dari {expected} orang yang dijadwalkan tidak hadir ({rate}).",
            "{n} of {expected} people scheduled did not come ({rate}).",
        ),
        "report.quality": (
            "Catatan kualitas data: {quarantined} baris dikarantina oleh impor dalam periode "
            "ini; {silent} dari {open} hari buka tanpa catatan apa pun di log (tidak ada "
            "permohonan, kedatangan, ketidakhadiran, maupun impor).",
            "Data-quality note: {quarantined} rows quarantined by imports made in the period; "
            "{silent} of {open} open days with nothing in the logs (no request, no visit, "
            "no absence, no import).",
        ),
        "report.chart.timeout": (
            "Grafik ini tidak dapat dibuat tepat waktu dan dilewati; buat laporan sekali lagi.",
            "This chart could not be drawn in time and was left out; make the report again.",
        ),
        "report.chart.throughput": (
            "Perekaman per hari dan kuota",
            "Recordings per day and the cap",
        ),
        "report.chart.throughput.caption": (
            "Batang: perekaman selesai; garis bertingkat: kuota yang berlaku; batang gelap: "
            "kuota tercapai.",
            "Bars: recordings finished; stepped line: the cap in force; dark bars: cap reached.",
        ),
        "report.chart.backlog": (
            "Antrean pada akhir setiap hari",
            "Backlog at the end of each day",
        ),
        "report.chart.backlog.caption": (
            "Permohonan perekaman KTP-el yang belum selesai.",
            "e-KTP recording requests still open.",
        ),
        "report.chart.projection": (
            "Proyeksi penyelesaian antrean",
            "Backlog clearance projection",
        ),
        "report.chart.projection.caption": (
            "Dari akhir periode, pada kuota yang berlaku, dengan permintaan, kehadiran dan "
            "kelulusan skrining 28 hari terakhir.",
            "From the end of the period, at the caps in force, with the demand, show rate and "
            "screening pass rate of the last 28 days.",
        ),
        "report.chart.reasons": (
            "Ditolak saat skrining, menurut alasan",
            "Turned away at screening, by reason",
        ),
        "report.chart.reasons.caption": (
            "Menurut tanggal kedatangan; per minggu untuk periode lebih dari sebulan.",
            "By the day of the visit; by week for periods longer than a month.",
        ),
        "report.chart.channels": ("Bauran kanal permohonan", "Channel mix of the requests"),
        "report.chart.channels.caption": (
            "Pangsa setiap kanal dari permohonan yang masuk (tidak baik atau buruk).",
            "Each channel's share of the requests received (neither good nor bad).",
        ),
        "report.chart.not_applicable": (
            "Antrean hanya untuk layanan KTP-el: tidak berlaku untuk filter layanan ini.",
            "The backlog is about e-KTP recording only: not applicable to this service filter.",
        ),
        "report.chart.no_backlog": (
            "Tidak ada antrean pada akhir periode: tidak ada yang perlu diproyeksikan.",
            "No backlog at the end of the period: nothing to project.",
        ),
        "report.chart.no_rejections": (
            "Tidak ada yang ditolak saat skrining dalam periode ini.",
            "Nobody was turned away at the screening in this period.",
        ),
        "report.chart.no_requests": (
            "Tidak ada permohonan dalam periode ini.",
            "No requests in this period.",
        ),
        "report.button": ("Unduh laporan PDF: {period}", "Download the PDF report: {period}"),
        "report.button.help": (
            "Laporan untuk kepala dinas dan bupati: angka utama dibanding periode sebelumnya, "
            "grafik, ringkasan dan peringatan. Dibuat saat tombol diklik (beberapa detik).",
            "The report for the head of office and the regent: key figures against the "
            "previous period, charts, summary and alerts. Made when clicked (a few seconds).",
        ),
        "report.for.month": (
            "Laporan bulanan untuk {period}: bulan dari tanggal akhir tampilan ini.",
            "The monthly report for {period}: the month of this view's last day.",
        ),
        "report.for.week": (
            "Laporan mingguan untuk {period}: tampilan ini adalah satu minggu (Senin–Minggu).",
            "The weekly report for {period}: this view is one week (Monday to Sunday).",
        ),
    }
)

# WhatsApp chat exports as the request log (issue 12: pages/data_quality.py,
# dashboard/whatsapp_import.py).
register(
    {
        "wa.title": ("Impor chat WhatsApp", "Import WhatsApp chats"),
        "wa.caption": (
            "Ekspor chat dari ponsel kantor (WhatsApp: buka chat → ⋮ → Lainnya → Ekspor "
            "chat → Tanpa media), lalu unggah file .txt atau .zip-nya, beberapa sekaligus. "
            "Pesan pertama seorang pengirim yang tidak punya permohonan dalam N hari "
            "terakhir diusulkan sebagai permohonan; periksa usulannya, hapus centang yang "
            "bukan permohonan, lalu simpan. Yang disimpan hanya data permohonan (waktu, "
            "nomor yang di-hash dan disamarkan, NIK yang di-hash, kecamatan, layanan); isi "
            "pesan, nama dan nomor asli tidak pernah disimpan.",
            "Export the chats from the office phone (WhatsApp: open the chat → ⋮ → More → "
            "Export chat → Without media), then upload the .txt or .zip files, several at "
            "once. A sender's first message with no request of theirs in the last N days "
            "is proposed as a request; review the proposals, untick those that are not "
            "requests, then save. Only the request is stored (time, hashed and masked "
            "number, hashed NIK, kecamatan, service); message text, names and raw numbers "
            "never are.",
        ),
        "wa.files": ("File chat (.txt atau .zip)", "Chat files (.txt or .zip)"),
        "wa.office": (
            "Nomor atau nama WhatsApp kantor",
            "The office's WhatsApp number or name",
        ),
        "wa.office.help": (
            "Pesan dari nomor atau nama ini adalah balasan kantor, bukan permohonan. "
            "Beberapa dipisah koma. Disimpan untuk impor berikutnya.",
            "Messages from this number or name are the office's replies, not requests. "
            "Separate several with commas. Kept for the next imports.",
        ),
        "wa.window": ("Jendela (hari)", "Window (days)"),
        "wa.window.help": (
            "Pesan seorang pengirim menjadi permohonan baru bila ia tidak punya permohonan "
            "dalam sekian hari terakhir.",
            "A sender's message is a new request when they have no request in this many "
            "days before it.",
        ),
        "wa.check": ("Periksa chat", "Check chats"),
        "wa.none": (
            "Pilih dulu satu file chat atau lebih.",
            "Choose one or more chat files first.",
        ),
        "wa.nothing_read": ("Tidak ada chat yang dapat dibaca:", "No chat could be read:"),
        "wa.read": (
            "**{chats}** chat, **{messages}** pesan dibaca: **{proposals}** usulan permohonan, "
            "{likely} di antaranya kemungkinan besar permohonan.",
            "**{chats}** chats, **{messages}** messages read: **{proposals}** proposed "
            "requests, {likely} of them likely.",
        ),
        "wa.stored": (
            "{count} permohonan dari chat ini sudah tersimpan; ikut diimpor lagi dan "
            "terhitung tidak berubah.",
            "{count} requests in these chats are stored already; they are imported again "
            "and counted as unchanged.",
        ),
        "wa.dismissed": (
            "{count} usulan tidak ditampilkan: sudah dihapus centangnya pada pemeriksaan "
            "sebelumnya (bukan permohonan).",
            "{count} proposals left out: unticked in an earlier review (not requests).",
        ),
        "wa.no_proposals": (
            "Tidak ada permohonan baru: setiap pengirim sudah punya permohonan dalam jendela.",
            "No new requests: every sender has a request within the window already.",
        ),
        "wa.review": (
            "Semua usulan dicentang. Hapus centang yang bukan permohonan, lalu Simpan. "
            "Nomor dan awal pesan disamarkan.",
            "Every proposal is ticked. Untick those that are not requests, then Save. "
            "Numbers and first words are masked.",
        ),
        "wa.col.save": ("Simpan?", "Save?"),
        "wa.col.time": ("Waktu", "Time"),
        "wa.col.phone": ("Nomor", "Number"),
        "wa.col.kecamatan": ("Kecamatan", "Kecamatan"),
        "wa.col.service": ("Layanan", "Service"),
        "wa.col.why": ("Alasan diusulkan", "Why proposed"),
        "wa.col.snippet": ("Awal pesan", "First words"),
        "wa.no_phone": ("(nama kontak)", "(contact name)"),
        "wa.why.nik": ("ada NIK", "a NIK"),
        "wa.why.words": ("kata permohonan", "request words"),
        "wa.why.first_message": ("pesan pertama saja", "first message only"),
        "wa.save": ("Simpan", "Save"),
        "wa.none_ticked": (
            "Tidak ada usulan yang dicentang: tidak ada yang disimpan.",
            "No proposal is ticked: nothing was saved.",
        ),
    }
)
