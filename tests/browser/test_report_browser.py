"""The heads' report from the overview in a real browser (issue 11): sign in as a head,
open June 2020, click the report button, and get a PDF of that month with the office's
name in it.

A fresh server of its own (`make_server`): the office name is set for it, and making
the report writes an export-audit row.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page
from pypdf import PdfReader

from tests.browser.conftest import PROJECT_ROOT, SCREENSHOTS, Server, _env, login

OFFICE = "Disdukcapil Kabupaten Uji Peramban"


def _set_office(home: Path) -> None:
    """The office name through the command line, as an admin would set it."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard",
            "settings",
            "set",
            "--name",
            OFFICE,
            "--regency",
            "Kabupaten Uji",
            "--reason",
            "browser test",
            "--user",
            "browser-tests",
        ],
        cwd=PROJECT_ROOT,
        env=_env(home),
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_a_head_downloads_the_monthly_report_from_the_overview(make_server, page: Page) -> None:
    server: Server = make_server("fixture")
    _set_office(server.home)
    user, password = server.user("head")
    login(page, user, password, server.url + "/?period=custom&start=2020-06-01&end=2020-06-30")

    button = page.get_by_role("button", name="Unduh laporan PDF: Juni 2020")
    button.wait_for(timeout=30_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "overview_report_button.png"), full_page=True)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "laporan-bulanan-2020-06.pdf"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert OFFICE in text and "Kabupaten Uji" in text
    assert "Laporan Bulanan Perekaman KTP-el: Juni 2020" in text
    assert "1 Jun 2020 – 30 Jun 2020" in text
    assert "Terekam / kuota 6 / 245" in text  # tests/test_report.py computes it by hand
    assert page.locator("[data-testid='stException']").count() == 0
