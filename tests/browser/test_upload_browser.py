"""The two-step upload in a real browser (issue 10): a two-sheet workbook, one sheet with a
header the import does not know; tick it, map it, see the preview, save.

A fresh server of its own (`make_server`): the import changes its store.
"""

from __future__ import annotations

import io
import json

from openpyxl import Workbook
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, Server, login, wait_for_app


def _workbook() -> bytes:
    book = Workbook()
    juni = book.active
    juni.title = "Juni"
    juni.append(["request_id", "received_at", "channel"])
    juni.append(["BR-1", "2020-06-08 08:00", "wa"])
    loket = book.create_sheet("Loket")
    loket.append(["No Berkas", "Tgl Masuk", "Lewat", "Nama Pemohon"])
    loket.append(["BR-2", "08/06/2020 09:00", "loket", "Ani Lestari"])
    loket.append(["BR-3", "09/06/2020 10:00", "WA", "Budi Santoso"])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def test_upload_map_preview_and_save(make_server, page: Page) -> None:
    server: Server = make_server("fixture")
    user, password = server.user("staff")
    login(page, user, password, server.url + "/data_quality")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        files=[
            {
                "name": "buku.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": _workbook(),
            }
        ]
    )
    page.get_by_text("buku.xlsx", exact=True).wait_for(timeout=30_000)  # uploaded
    page.get_by_role("button", name="Periksa").click()
    wait_for_app(page)

    juni = page.get_by_role("checkbox", name="Juni: 1 baris, Permohonan")
    loket = page.get_by_role("checkbox", name="Loket: 2 baris, judul kolom belum dikenali")
    expect(juni).to_be_checked()
    expect(loket).not_to_be_checked()
    page.get_by_text("Loket: 2 baris").click()  # tick the sheet to map
    wait_for_app(page)

    expect(page.get_by_text("Pemetaan kolom: Loket")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "upload_mapping.png"), full_page=True)
    page.get_by_role("button", name="Simpan pemetaan").click()
    wait_for_app(page)
    expect(page.get_by_text("Pemetaan untuk Loket disimpan.")).to_be_visible()
    expect(
        page.get_by_text("buku.xlsx [Juni] akan diimpor sebagai log Permohonan.")
    ).to_be_visible()
    expect(
        page.get_by_text("buku.xlsx [Loket] akan diimpor sebagai log Permohonan.")
    ).to_be_visible()
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "upload_preview.png"), full_page=True)

    page.get_by_role("button", name="Simpan", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text("buku.xlsx [Loket] diimpor sebagai log Permohonan.")).to_be_visible()
    expect(page.get_by_text("buku.xlsx [Juni] diimpor sebagai log Permohonan.")).to_be_visible()
    assert not list((server.home / "tmp").glob("upload-*"))
    [saved] = list((server.home / "mappings").glob("*.json"))
    record = json.loads(saved.read_text(encoding="utf-8"))
    assert record["kind"] == "requests" and record["saved_by"] == user
    assert record["columns"]["lewat"] == "channel"
