"""The heads' monthly report (dashboard/report.py) on the hand-checked fixture store.

The PDF's text is extracted with pypdf and compared with numbers computed by hand from
tests/fixtures.py (its docstring lists every request and appointment) and with what
`export daily` gives for the same month. Text drawn by the charts is told apart from
the report's own text by its font: vl-convert draws with Liberation Sans, the layout
with the core font Helvetica.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from dashboard import exports, i18n, metrics, report, roles, settings, store
from tests.fixtures import build_fixture_store, run_process

JUNE = (2020, 6)
NOW = datetime(2026, 11, 30, 10, 5, tzinfo=ZoneInfo("Asia/Makassar"))
TODAY = date(2026, 11, 30)
HEAD = roles.Actor("kepala", "head")
STAFF = roles.Actor("petugas", "staff")
OFFICE = {
    "name": "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Balangan",
    "regency": "Kabupaten Balangan",
    "address": "Jl. Jend. A. Yani Km. 1, Paringin",
}


@pytest.fixture
def site(home: Path) -> Path:
    """The fixture store with the office's settings filled in."""
    build_fixture_store(home)
    with store.connect() as con:
        settings.set_office(con, roles.Actor("admin", "admin"), reason="set-up", **OFFICE)
    return home


def _make(period: report.Period, lang: str = "id", actor: roles.Actor = HEAD, **kw) -> bytes:
    with store.connect() as con:
        return report.build(con, period, actor=actor, lang=lang, now=NOW, **kw)


def _june(lang: str = "id") -> bytes:
    return _make(report.month_period(*JUNE, today=TODAY), lang)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _flat(pdf: bytes) -> str:
    """The text with line breaks as spaces: sentences wrap across lines."""
    return " ".join(_text(pdf).split())


def _chart_text(pdf: bytes) -> tuple[str, set[str]]:
    """Text drawn in the charts' font (Liberation Sans), and the distinct embedded chart
    fonts: each chart's PDF brings its own font subset (`ABCDEF+LiberationSans`)."""
    parts: list[str] = []
    fonts: set[str] = set()

    def visit(text: str, cm: object, tm: object, font: dict | None, size: float) -> None:
        name = str((font or {}).get("/BaseFont", ""))
        if "Liberation" in name:
            fonts.add(name)
            parts.append(text)

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    # vl-convert writes one glyph at a time (spaces included): join them as they come.
    return "".join(parts), fonts


def _export_daily(home: Path, start: str, end: str) -> list[dict[str, str]]:
    done = run_process(home, "export", "daily", "--start", start, "--end", end)
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


# ---------------------------------------------------------------- what the PDF holds


def test_the_header_names_the_office_the_period_and_when_it_was_made(site: Path) -> None:
    pdf = _june()
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    for value in OFFICE.values():
        assert value in text
    assert "Laporan Bulanan Perekaman KTP-el: Juni 2020" in text
    # The en dash survives the core font's Windows-1252 encoding (a font regression would
    # show "?" or drop it).
    assert "Periode: 1 Jun 2020 – 30 Jun 2020 (30 hari)" in text
    assert "Dibandingkan dengan: Mei 2020 (1 Mei 2020 – 31 Mei 2020)" in text
    assert "Dibuat: 30 November 2026 10.05 WITA" in text
    assert "?" not in text
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert f"Halaman 1 dari {pages}" in text and f"Halaman {pages} dari {pages}" in text
    # A4 portrait: 595 x 842 points.
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_the_tiles_equal_export_daily_for_the_month(site: Path) -> None:
    text = _text(_june())
    june = _export_daily(site, "2020-06-01", "2020-06-30")
    may = _export_daily(site, "2020-05-01", "2020-05-31")

    def total(rows: list[dict[str, str]], column: str) -> int:
        return sum(int(r[column]) for r in rows)

    recorded, cap = total(june, "recorded"), total(june, "cap")
    rejection = total(june, "screening_rejected") / total(june, "checked_in")
    share = total(june, "requests_whatsapp") / total(june, "requests")
    no_show = total(june, "no_show") / (total(june, "no_show") + total(june, "checked_in"))
    backlog, backlog_may = int(june[-1]["backlog_end"]), int(may[-1]["backlog_end"])
    # The same numbers by hand (tests/fixtures.py): 6 recorded; caps 10 x 6 (06-02..05,
    # 06-08, 06-09) + 5 (Sat 06-06 override) + 12 x 15 (weekdays 06-10..06-30) = 245;
    # backlog R07 + R08 = 2 at the end of 06-30, 0 at the end of May (no data);
    # 1 of 7 turned away; 4 of 9 requests by WhatsApp; 2 no-shows against 7 check-ins.
    assert (recorded, cap, backlog, backlog_may) == (6, 245, 2, 0)
    assert (rejection, share, no_show) == (1 / 7, 4 / 9, 2 / 9)
    may_cap = total(may, "cap")
    assert f"Terekam / kuota {recorded} / {cap} 0 / {may_cap} +6" in text
    assert f"Antrean akhir periode {backlog} {backlog_may} +2" in text
    # May has no visits or requests: its rates and their changes are "–".
    assert f"Ditolak saat skrining {i18n.fmt_pct(rejection, lang='id')} – –" in text
    assert f"Pangsa WhatsApp {i18n.fmt_pct(share, lang='id')} – –" in text
    assert f"Tidak hadir {i18n.fmt_pct(no_show, lang='id')} – –" in text
    assert "14,3%" in text and "44,4%" in text and "22,2%" in text


def test_each_chart_is_present_and_drawn_as_vectors(site: Path) -> None:
    pdf = _june()
    text = _text(pdf)
    for key in report.CHART_KEYS:
        assert i18n.t(f"report.chart.{key}", "id") in text
    drawn, fonts = _chart_text(pdf)
    # Five charts, each its own embedded PDF page with its own font subset.
    assert len({name.split("+")[0] for name in fonts}) >= 5
    assert "Mencapai kuota" in drawn  # throughput's legend
    assert "Skenario" in drawn and "Kuota sekarang" in drawn  # projection's legend
    assert "Alasan" in drawn and "Demam" in drawn  # rejections by reason
    assert "Kanal" in drawn and "WhatsApp" in drawn and "Datang langsung" in drawn
    assert "1 Jun" in drawn and "29 Jun" in drawn  # the daily axes span the month
    # Each chart is one vector form (its own content stream), none a picture.
    forms = [
        xobject.get_object()
        for page in PdfReader(io.BytesIO(pdf)).pages
        for name, xobject in page["/Resources"].get("/XObject", {}).items()
        if name.startswith("/Chart")
    ]
    assert len(forms) == 5 and all(form["/Subtype"] == "/Form" for form in forms)
    assert all(not page.images for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_sentences_carry_the_hand_computed_numbers(site: Path) -> None:
    text = _flat(_june())
    # 6 recorded of a cap of 245 (see the tiles test): 6 / 245 = 2,4 %; May recorded 0.
    assert (
        "Perekaman selesai: 6 dari kuota 245 (2,4% terpakai), naik 6 dibanding Mei 2020 (0)."
        in text
    )
    # Backlog 0 at the end of May -> 2 at the end of June. Projection as of 06-30:
    # demand = ktp_el requests of 06-03..06-30 (R02 R04 R05 Wed, R07 Fri, R08 Sat, R10 Mon)
    # / 4 weeks; show rate 1 - 2/9 = 7/9, pass rate 1 - 1/7 = 6/7; Wed 1 Jul (cap 12):
    # waiting 2 + 3/4 = 2.75 <= 12 x 7/9 x 6/7 = 8, so it clears that day.
    assert (
        "Antrean naik dari 0 menjadi 2 permohonan; dengan kuota 12 per hari, antrean "
        "diperkirakan tuntas 1 Juli 2020." in text
    )
    # A04 turned away (fever) of 7 check-ins: 1/7 = 14,3 %.
    assert (
        "1 dari 7 orang yang datang ditolak saat skrining kesehatan (14,3%); alasan "
        "terbanyak: demam (1)." in text
    )
    # R01 R02 R07 R08 by WhatsApp of 9 requests in June = 44,4 %; May had none.
    assert "Lewat WhatsApp: 44,4% dari permohonan (4 dari 9)" in text
    # A06 and A07 did not come; 2 / (2 + 7) = 22,2 %.
    assert "2 dari 9 orang yang dijadwalkan tidak hadir (22,2%)." in text
    # Alerts with the default targets: rejection 14,3 % above 2-5 %, no-show 22,2 % above
    # 15 %; the backlog clears in 1 day (<= 30), never 10 days at the cap. "≤" is written
    # "<=" (the core font has no such glyph).
    assert "Tingkat penolakan skrining 14,3%, di atas rentang target 2%–5%." in text
    assert "Tingkat tidak hadir 22,2%; target <= 15%." in text
    # Quality: nothing imported in June 2020 (the fixture was loaded today), so no rows
    # quarantined then; open days = 21 weekdays without Pancasila Day (06-01) + Saturday
    # 06-06 (override 5) = 22. The logs speak of 7 of them: requests received 06-02,
    # 03, 04, 05, 06, 08; people came 06-03 (A01), 04 (A02, A04), 05 (A03b), 08 (A04b,
    # A09), 10 (A10); no-shows 05 (A06), 06 (A07). A05 (cancelled, 06-22) is no record
    # of that day. So 22 - 7 = 15 open days with nothing in the logs.
    assert "0 baris dikarantina oleh impor dalam periode ini; 15 dari 22 hari buka" in text
    assert "Perlu keputusan" not in text  # the backlog clears within 30 days


def test_a_weekly_report_and_a_falling_backlog(site: Path) -> None:
    period = report.parse_week("2020-W24", today=TODAY)  # Mon 06-08 .. Sun 06-14
    assert (period.start, period.end) == (date(2020, 6, 8), date(2020, 6, 14))
    text = _flat(_make(period, "en"))
    assert "Weekly Report on e-KTP Recording: Week 24 of 2020" in text
    assert "Compared with: Week 23 of 2020 (1 Jun 2020 – 7 Jun 2020)" in text
    # Backlog 3 at the end of Sun 06-07, 2 at the end of 06-14: down 1/3 = 33 %.
    # Projection as of 06-14: 28-day window 05-18..06-14 holds every ktp_el request
    # (Mon 06-08: R10 -> 1/4 a Monday); Mon 06-15, cap 12: 2 + 0.25 <= 8, cleared.
    assert (
        "The backlog fell 33% to 2 requests; at a cap of 12 a day it is expected to clear "
        "on 15 June 2020." in text
    )
    # Week 24: recorded A04b, A09 (06-08), A10 (06-10) = 3; caps 10 + 10 + 12 x 3 = 56;
    # week 23: A01, A02, A03b = 3 of 0 + 10 x 4 + 5 + 0 = 45.
    assert "Recorded / cap 3 / 56 3 / 45 0" in text
    assert "Recordings finished: 3 against a cap of 56 (5.4% used), unchanged" in text


def test_the_english_report(site: Path) -> None:
    pdf = _june("en")
    text = _flat(pdf)
    assert "Monthly Report on e-KTP Recording: June 2020" in text
    assert "Period: 1 Jun 2020 – 30 Jun 2020 (30 days)" in text
    assert "Recorded / cap 6 / 245" in text
    assert "Turned away at screening 14.3%" in text
    assert "WhatsApp share 44.4%" in text
    assert (
        "The backlog rose from 0 to 2 requests; at a cap of 12 a day it is expected to "
        "clear on 1 July 2020." in text
    )
    assert "No-show rate 22.2%; target <= 15%." in text
    assert "Page 1 of" in text
    drawn, _fonts = _chart_text(pdf)
    assert "Cap reached" in drawn  # throughput's legend
    assert "Fever" in drawn and "Walk-in" in drawn


def test_a_month_without_data_says_so(site: Path) -> None:
    pdf = _make(report.month_period(2019, 1, today=TODAY))
    text = _flat(pdf)
    assert "Tidak ada data" in text
    assert (
        "Tidak ada permohonan, jadwal, kedatangan atau perekaman yang tercatat untuk "
        "Januari 2019." in text
    )
    assert "Catatan kualitas data" in text
    # Targets as of 31 Jan 2019: no backlog, no visits, and the fixture's imports (made
    # today) are not "stale" before they happened.
    assert "Peringatan dalam periode ini • Tidak ada target yang terlewati." in text
    drawn, fonts = _chart_text(pdf)
    assert not fonts and not drawn  # no empty charts
    assert "Angka utama" not in text


def test_a_backlog_that_does_not_clear_needs_a_decision(site: Path) -> None:
    from dashboard import capacity

    with store.connect() as con:
        # The office closed from July 2020 for over two years: every day of the 730-day
        # projection from 06-30 has a cap of 0, so the 2 open requests never clear.
        capacity.set_override(
            con, date(2020, 7, 1), date(2022, 12, 31), 0, reason="renovasi", actor=STAFF
        )
    text = _flat(_june())
    assert (
        "Antrean naik dari 0 menjadi 2 permohonan; dengan kuota 0 per hari, antrean tidak "
        "tuntas dalam dua tahun." in text
    )
    assert (
        "Perlu keputusan • Antrean tidak tuntas pada kuota sekarang: perlu tambahan kuota "
        "harian atau hari layanan." in text
    )
    # The backlog target's alert says the same in its own words.
    assert "Antrean 2 permohonan tidak tuntas dalam 730 hari" in text


def test_an_empty_store_gives_a_report_that_says_so(home: Path) -> None:
    text = _flat(_make(report.month_period(*JUNE, today=TODAY), "en"))
    assert "Dinas Kependudukan dan Pencatatan Sipil" in text  # the settings' default name
    assert "No data" in text and "recorded for June 2020" in text
    assert "No log has been imported yet" in text  # the staleness target's alert
    assert "0 rows quarantined by imports made in the period" in text


def test_quarantined_rows_of_this_months_imports_are_counted(site: Path, tmp_path: Path) -> None:
    from dashboard import ingest

    bad = tmp_path / "permohonan.csv"
    bad.write_text(
        "request_id,received_at,channel\nX1,2020-06-02 08:00,merpati\nX2,31/02/2020,wa\n",
        encoding="utf-8",
    )
    ingest.ingest_file(bad, actor=roles.Actor.cli("test"))  # both rows quarantined, today
    today = store_today()
    text = _flat(_make(report.month_period(today.year, today.month)))
    assert "2 baris dikarantina oleh impor dalam periode ini" in text


def test_a_hung_chart_helper_is_ended_and_the_report_still_comes(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A helper that reads a chart and never answers (hung, not dead): after the timeout
    # it is killed, the chart's place says so, and the report is made; the next report
    # starts a new helper that draws all five charts.
    monkeypatch.setattr(report, "_WORKER_FAILED", False)
    report._stop_worker()
    hung = "import sys, time\nsys.stdin.buffer.read(4)\ntime.sleep(3600)\n"
    source = report._WORKER_SOURCE
    monkeypatch.setattr(report, "_WORKER_SOURCE", hung)
    monkeypatch.setattr(report, "CHART_TIMEOUT_S", 0.5)
    pdf = _june()
    text = _flat(pdf)
    assert text.count("Grafik ini tidak dapat dibuat tepat waktu dan dilewati") == 5
    assert "Perekaman per hari dan kuota" in text  # the rest of the report is there
    assert report._WORKER is None and not report._WORKER_FAILED
    assert not _chart_text(pdf)[1]  # no chart was placed

    monkeypatch.setattr(report, "_WORKER_SOURCE", source)
    monkeypatch.setattr(report, "CHART_TIMEOUT_S", 30.0)
    pdf = _june()
    assert report._WORKER is not None and report._WORKER.poll() is None
    assert len({name.split("+")[0] for name in _chart_text(pdf)[1]}) >= 5
    assert "tepat waktu" not in _flat(pdf)


def test_a_quiet_days_import_and_a_bulk_load_both_log_their_days(site: Path) -> None:
    # `_quality` on the fixture's June: the rows cover 7 open days (see the June test)
    # though they were imported today; a header-only file imported on Tue 06-09 (a quiet
    # day: nothing received, nobody due) says that day too. Of 06-01..06-12's open days
    # (02-05, 06 Saturday, 08-12 = 10), silent before: 09, 11, 12; after: 11, 12.
    period = report.month_period(*JUNE, today=TODAY)
    open_days = [date(2020, 6, d) for d in (2, 3, 4, 5, 6, 8, 9, 10, 11, 12)]
    with store.connect() as con:
        assert report._quality(con, period, open_days) == (0, 3)
        con.execute(
            "INSERT INTO imports (import_id, file_name, kind, rows_read, inserted, updated, "
            "unchanged, quarantined, imported_by, started_at, finished_at) VALUES "
            "(9001, 'permohonan-09.csv', 'requests', 0, 0, 0, 0, 0, 'petugas', "
            "TIMESTAMPTZ '2020-06-09 16:30:00+08', TIMESTAMPTZ '2020-06-09 16:30:01+08')"
        )
        assert report._quality(con, period, open_days) == (0, 2)


def store_today() -> date:
    from dashboard import capacity

    return capacity.office_today()


def test_the_overview_tiles_are_the_hand_computed_ones(home: Path) -> None:
    """`overview.tiles` (the page's and the report's computation) on 06-06..06-10
    against 06-01..06-05, the numbers tests/test_pages.py reads off the page."""
    from dashboard import overview

    build_fixture_store(home)
    with store.connect(read_only=True) as con:
        tiles = {t.key: t for t in overview.tiles(con, date(2020, 6, 6), date(2020, 6, 10))}
    # Recorded 06-08 A04b A09, 06-10 A10 = 3 of caps 5 + 0 + 10 + 10 + 12 = 37; before
    # A01 A02 A03b = 3: no change.
    assert (tiles["recorded"].value, tiles["recorded"].cap, tiles["recorded"].change) == (3, 37, 0)
    assert tiles["recorded"].verdict == "neutral"
    # Backlog 2 at the end of 06-10 and of 06-05.
    assert (tiles["backlog"].value, tiles["backlog"].previous) == (2, 2)
    # Rejection 0 of 3 against 1 of 4: down 25 points, good news.
    assert (tiles["rejection"].value, tiles["rejection"].previous) == (0.0, 0.25)
    assert tiles["rejection"].verdict == "good"
    # WhatsApp 1 of 2 (R08; R10 walk-in) against 3 of 7: +7,1 points, neutral by decision.
    assert tiles["whatsapp"].value == 0.5 and tiles["whatsapp"].previous == 3 / 7
    assert tiles["whatsapp"].change_text("id") == "+7,1 poin"
    assert tiles["whatsapp"].verdict == "neutral"
    # No-show 1 of (1 + 3) against 1 of (1 + 4): up 5 points, bad news.
    assert (tiles["no_show"].value, tiles["no_show"].previous) == (0.25, 0.2)
    assert tiles["no_show"].verdict == "bad"


def test_rates_from_the_daily_frame_equal_metrics_rates(home: Path) -> None:
    """The tiles' rates come from the daily rows (`overview.period_rates`); they must be
    `metrics.rates` exactly, filtered or not, and the hand-computed fixture answers."""
    from dashboard import overview
    from tests.fixtures import EXPECTED_RATES

    build_fixture_store(home)
    cases = [
        (date(2020, 6, 1), date(2020, 6, 10), metrics.NO_FILTERS),
        (date(2020, 6, 4), date(2020, 6, 8), metrics.NO_FILTERS),
        (date(2020, 6, 1), date(2020, 6, 30), metrics.Filters.single("whatsapp", None, None)),
        (date(2020, 6, 1), date(2020, 6, 30), metrics.Filters.single(None, None, "kk")),
    ]
    with store.connect(read_only=True) as con:
        for start, end, filters in cases:
            daily = metrics.daily(con, start, end, filters)
            assert overview.period_rates(daily) == metrics.rates(con, start, end, filters)
        daily = metrics.daily(con, date(2020, 6, 1), date(2020, 6, 10))
    assert overview.period_rates(daily) == EXPECTED_RATES


# ---------------------------------------------------------------- periods and refusals


def test_malformed_and_future_periods_are_refused_in_one_line() -> None:
    cases = [
        (lambda: report.parse_month("2020-13", today=TODAY), "is not a month"),
        (lambda: report.parse_month("2020-7", today=TODAY), "is not a month"),
        (lambda: report.parse_month("2026-12", today=TODAY), "is in the future"),
        (lambda: report.parse_week("2020-W54", today=TODAY), "is not a week"),
        (lambda: report.parse_week("2026-W50", today=TODAY), "is in the future"),
    ]
    for make, words in cases:
        with pytest.raises(report.ReportError) as caught:
            make()
        assert words in str(caught.value) and "\n" not in str(caught.value)
    # The running month is allowed, up to today.
    mid = date(2026, 11, 20)
    running = report.parse_month("2026-11", today=mid)
    assert (running.start, running.end, running.partial) == (date(2026, 11, 1), mid, True)
    whole = report.parse_month("2026-11", today=TODAY)  # 30 Nov: the month is complete
    assert (whole.end, whole.partial) == (TODAY, False)


def test_the_view_decides_month_or_week() -> None:
    week = report.for_view(date(2020, 6, 8), date(2020, 6, 14), today=TODAY)
    assert (week.kind, week.code) == ("week", "2020-W24")
    month = report.for_view(date(2020, 6, 1), date(2020, 6, 30), today=TODAY)
    assert (month.kind, month.code) == ("month", "2020-06")
    last30 = report.for_view(date(2020, 6, 12), date(2020, 7, 11), today=TODAY)
    assert last30.code == "2020-07"  # the month of the view's last day
    future = report.for_view(date(2026, 11, 20), date(2027, 1, 5), today=TODAY)
    assert future.code == "2026-11"  # counted up to today
    assert report.filename(month, "id") == "laporan-bulanan-2020-06.pdf"
    assert report.filename(week, "en") == "weekly-report-2020-W24.pdf"


def test_the_command_line(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "laporan.pdf"
    done = run_process(site, "report", "--month", "2020-06", "--out", str(out), "--user", "cron")
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout
    assert "Terekam / kuota 6 / 245" in _text(out.read_bytes())
    with store.connect(read_only=True) as con:
        last = exports.audit_log(con, limit=1).iloc[0]
    assert (last["username"], last["what"], last["file_format"]) == (
        "cron",
        "report:monthly",
        "pdf",
    )

    for args, code, words in [
        (["--month", "2020-13"], 2, "'2020-13' is not a month"),
        (["--month", "2099-01"], 1, "2099-01 is in the future"),
        (["--weekly"], 1, "--weekly needs --week"),
        (["--weekly", "--week", "2020-W30", "--month", "2020-06"], 1, "is not in the month"),
        (["--month", "2020-06", "--out", str(tmp_path / "x.txt")], 1, "name the file .pdf"),
    ]:
        done = run_process(site, "report", *args)
        assert done.returncode == code, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and words in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_the_overview_offers_the_report_of_the_period_in_view(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from dashboard import users

    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    users.add(
        "uji_kepala",
        name="Uji",
        role="head",
        password="uji-lapor-2020",
        actor=roles.Actor.cli("test"),
    )
    views = [
        ({"period": "custom", "start": "2020-06-01", "end": "2020-06-30"}, "Juni 2020", "month"),
        (
            {"period": "custom", "start": "2020-06-08", "end": "2020-06-14"},
            "Minggu ke-24 2020",
            "week",
        ),
        ({"period": "custom", "start": "2020-06-06", "end": "2020-06-10"}, "Juni 2020", "month"),
    ]
    for params, label, kind in views:
        at = AppTest.from_file(str(Path(__file__).parents[1] / "app.py"), default_timeout=60)
        at.session_state["authentication_status"] = True
        at.session_state["username"] = "uji_kepala"
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, at.exception
        buttons = [b for b in at.download_button if b.proto.id.endswith("dl-report")]
        assert [b.proto.label for b in buttons] == [f"Unduh laporan PDF: {label}"]
        captions = " ".join(c.value for c in at.caption)
        assert i18n.t(f"report.for.{kind}", "id", period=label) in captions


# ---------------------------------------------------------------- access and the audit


def test_every_report_is_audited(site: Path) -> None:
    _june()
    with store.connect(read_only=True) as con:
        log = exports.audit_log(con, limit=5)
    row = log.iloc[0]
    assert (row["username"], row["role"], row["what"]) == ("kepala", "head", "report:monthly")
    assert (row["file_format"], int(row["row_count"])) == ("pdf", 30)  # 30 days
    filters = json.loads(row["filters"])
    assert (filters["start"], filters["end"]) == ("2020-06-01", "2020-06-30")


def test_every_role_that_sees_the_overview_may_make_it_and_no_one_else(site: Path) -> None:
    period = report.month_period(*JUNE, today=TODAY)
    for role in roles.ROLES:
        assert _make(period, actor=roles.Actor(f"u_{role}", role)).startswith(b"%PDF-")
    with store.connect(read_only=True) as con:
        before = len(exports.audit_log(con, limit=None))
    with pytest.raises(roles.PermissionDenied):
        _make(period, actor=roles.Actor("guest", "visitor"))
    with pytest.raises(roles.PermissionDenied):
        report.generator(period, roles.Actor("nobody", "head"), "id", metrics.NO_FILTERS)()
    with store.connect(read_only=True) as con:
        assert len(exports.audit_log(con, limit=None)) == before  # nothing was made


def test_a_filtered_report_names_its_filter(site: Path) -> None:
    filters = metrics.Filters.single("whatsapp", None, None)
    text = _flat(_make(report.month_period(*JUNE, today=TODAY), filters=filters))
    assert "Filter: WhatsApp" in text
    # WhatsApp only (fixtures.EXPECTED_DAILY_CSV_WHATSAPP): A01, A02 recorded.
    assert "Terekam / kuota 2 / 245" in text


# ---------------------------------------------------------------- the chart process


def test_charts_render_in_a_helper_process_and_here_when_it_dies(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The helper process draws the same chart as vl-convert here (one vector page of the
    # same size); killed, the next report renders its charts in this process, all five.
    spec = {
        "mark": "bar",
        "width": report.CHART_WIDTH_PX,
        "data": {"values": [{"x": "a", "y": 3}, {"x": "b", "y": 5}]},
        "encoding": {
            "x": {"field": "x", "type": "nominal"},
            "y": {"field": "y", "type": "quantitative"},
        },
    }
    remote = report._renderer().submit(report._render, spec).result()
    worker = report._WORKER
    assert worker is not None and worker.poll() is None  # it is the helper that drew it
    assert report._chart_size(remote) == report._chart_size(report.render_chart(spec))
    assert len(PdfReader(io.BytesIO(remote)).pages) == 1
    with pytest.raises(report.ChartRenderError):
        report._renderer().submit(report._render, {"mark": 5}).result()
    assert worker.poll() is None  # a bad spec does not end it

    # Found dead before a report: a new helper starts, and draws all five charts.
    worker.kill()
    worker.wait()
    pdf = _june()
    assert report._WORKER is not None and report._WORKER.pid != worker.pid
    drawn, fonts = _chart_text(pdf)
    assert len({name.split("+")[0] for name in fonts}) >= 5

    # Dying in the middle of a chart (a stand-in that reads the request and exits): that
    # chart and the rest are drawn here, and this process stops using a helper.
    monkeypatch.setattr(report, "_WORKER_FAILED", False)  # restored after the test
    report._stop_worker()
    stand_in = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.buffer.read(8)"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    monkeypatch.setattr(report, "_WORKER", stand_in)
    pdf = _june()
    assert report._WORKER_FAILED and report._WORKER is None
    assert stand_in.poll() is not None  # ended and reaped
    drawn, fonts = _chart_text(pdf)
    assert len({name.split("+")[0] for name in fonts}) >= 5
    assert "Mencapai kuota" in drawn and "Kanal" in drawn
