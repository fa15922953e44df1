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

import math
import threading
from datetime import date, datetime

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

MONTHS_SHORT: dict[str, tuple[str, ...]] = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
MONTHS_LONG: dict[str, tuple[str, ...]] = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
#: Monday first (ISO weekday 1..7 -> index 0..6).
DAYS: dict[str, tuple[str, ...]] = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
DAYS_SHORT: dict[str, tuple[str, ...]] = {
    "id": ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_SEPARATORS = {"id": (".", ","), "en": (",", ".")}  # (thousands, decimal)


def _lang(lang: str | None) -> str:
    return normalize_lang(lang or current_language())


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(value))  # type: ignore[arg-type]
    except TypeError:
        return False


def fmt_decimal(value: float | int | None, digits: int = 1, lang: str | None = None) -> str:
    """`1234.5` -> `1.234,5` (id) or `1,234.5` (en); missing -> an en dash."""
    if _is_missing(value):
        return "–"
    thousands, decimal = _SEPARATORS[_lang(lang)]
    text = f"{float(value):,.{digits}f}"  # type: ignore[arg-type]
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def fmt_int(value: float | int | None, lang: str | None = None) -> str:
    """`1234` -> `1.234` (id) or `1,234` (en); missing -> an en dash."""
    if _is_missing(value):
        return "–"
    return fmt_decimal(round(float(value)), 0, lang)  # type: ignore[arg-type]


def fmt_signed_int(value: float | int | None, lang: str | None = None) -> str:
    """A change: `+12`, `-3`, `0` (ASCII signs: st.metric reads the arrow from them)."""
    if _is_missing(value):
        return "–"
    n = round(float(value))  # type: ignore[arg-type]
    text = fmt_int(abs(n), lang)
    return f"+{text}" if n > 0 else (f"-{text}" if n < 0 else text)


def fmt_pct(value: float | None, digits: int = 1, lang: str | None = None) -> str:
    """A fraction as a percentage: `0.125` -> `12,5%` (id) or `12.5%` (en)."""
    if _is_missing(value):
        return "–"
    return f"{fmt_decimal(float(value) * 100, digits, lang)}%"  # type: ignore[arg-type]


def fmt_pct_points(value: float | None, digits: int = 1, lang: str | None = None) -> str:
    """A change between two fractions, in percentage points: `+1,5 poin` / `+1.5 pts`."""
    if _is_missing(value):
        return "–"
    points = float(value) * 100  # type: ignore[arg-type]
    text = fmt_decimal(abs(points), digits, lang)
    sign = "+" if points > 0 else ("-" if points < 0 else "")
    return f"{sign}{text} {t('unit.points', lang)}"


def fmt_date(value: date | datetime | None, lang: str | None = None) -> str:
    """`8 Jun 2020`; Indonesian month names `Mei`, `Agu`, `Okt`, `Des`."""
    if value is None:
        return "–"
    months = MONTHS_SHORT[_lang(lang)]
    return f"{value.day} {months[value.month - 1]} {value.year}"


def fmt_datetime(value: datetime | None, lang: str | None = None) -> str:
    """`8 Jun 2020 08.15` (id, dot as time separator) or `8 Jun 2020 08:15` (en)."""
    if value is None:
        return "–"
    sep = "." if _lang(lang) == "id" else ":"
    return f"{fmt_date(value, lang)} {value.hour:02d}{sep}{value.minute:02d}"


def fmt_range(start: date, end: date, lang: str | None = None) -> str:
    """`1 Jun 2020 – 30 Jun 2020`."""
    return f"{fmt_date(start, lang)} – {fmt_date(end, lang)}"


def day_name(iso_weekday: int, lang: str | None = None, short: bool = False) -> str:
    """ISO weekday (1 = Monday .. 7 = Sunday) -> `Senin` / `Monday` (or `Sen`/`Mon`)."""
    names = (DAYS_SHORT if short else DAYS)[_lang(lang)]
    return names[iso_weekday - 1]


def month_name(month: int, lang: str | None = None, short: bool = True) -> str:
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
        "unit.vs_previous": ("vs periode sebelumnya", "vs previous period"),
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
            "Permohonan lewat WhatsApp ÷ semua permohonan. Naik = baik (lebih sedikit "
            "kerumunan di loket).",
            "Requests by WhatsApp ÷ all requests. Up is good (fewer people crowding the counter).",
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
        "throughput.at_cap.value": (
            "{n} dari {open} hari buka",
            "{n} of {open} open days",
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
