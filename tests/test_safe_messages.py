"""Text that came from a file is shown as text, and an uncaught error shows only an ID.

An uploaded file's name and its header cells reach the data-quality page's messages;
they must not draw a link, an image or formatting (`ui.escape_md`). A page that fails
shows one line with an error ID; the traceback, with its server paths, goes to the
server log under the same ID (`ui.install_error_handler`).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import ingest, ui
from tests.test_pages_more import (  # noqa: F401 - fixtures used by name
    ROLE_USERS,
    _submit,
    accounts,
    accounts_template,
    open_page,
    small_store,
    store_template,
    texts,
)

HOSTILE = "[x](javascript:alert(1)) ![i](https:) <b> *a* _u_ `c` $m$ :red[r] &lt;"


def test_escape_md_escapes_every_markdown_construct() -> None:
    # GFM autolinks survive backslashes (seen in Chromium): a WORD JOINER breaks them.
    wj = "\u2060"
    assert ui.escape_md("[x](http://evil)") == rf"\[x\]\(http\:{wj}//evil\)"
    assert ui.escape_md("![i](http://evil/i.png)") == rf"\!\[i\]\(http\:{wj}//evil/i.png\)"
    assert ui.escape_md("<b>bold</b>") == r"\<b\>bold\</b\>"
    assert ui.escape_md("*a* _b_ `c` $d$ :red[e]") == r"\*a\* \_b\_ \`c\` \$d\$ \:red\[e\]"
    assert ui.escape_md("www.evil.id a@b.id") == rf"www{wj}.evil.id a{wj}\@b.id"
    assert ui.escape_md("- a.csv") == r"\- a.csv"
    assert ui.escape_md("12. a.csv") == r"12\. a.csv"
    assert ui.escape_md("two\nlines") == "two lines"
    # What offices name files stays as typed.
    assert ui.escape_md("permohonan_juni 2020-06.csv") == "permohonan_juni 2020-06.csv"


def _markdown_has_no_live_markup(body: str) -> None:
    # Every bracket, bang, angle bracket, star, backtick, dollar and colon is escaped, and
    # so is every underscore that could start or end emphasis.
    text = body.replace("**", "")
    assert not re.search(r"(?<!\\)[\[\]()<>*`$!:]", text)
    for at in (m.start() for m in re.finditer(r"(?<!\\)_", text)):
        assert text[at - 1].isalnum() and text[at + 1].isalnum(), text[at - 10 : at + 10]


@pytest.mark.usefixtures("small_store")
def test_a_crafted_file_name_shows_as_literal_text() -> None:
    name = HOSTILE + ".csv"
    # refused when checked (a column named twice): the error quotes the name
    at = _submit(open_page("data_quality", "staff"), name, b"nama,Nama\nAni,Ani\n")
    assert not at.exception
    body = at.error[0].proto.body
    assert ui.escape_md(name) in body
    assert "[x](javascript" not in body and "![i]" not in body and "<b>" not in body
    _markdown_has_no_live_markup(body)


@pytest.mark.usefixtures("small_store")
def test_a_crafted_name_on_a_good_import_shows_as_literal_text() -> None:
    name = "*juni* [x](javascript:1).csv"
    at = _submit(open_page("data_quality", "staff"), name, b"request_id,received_at,channel\n")
    assert not at.exception
    body = at.success[0].proto.body
    assert ui.escape_md(name) in body
    assert "[x](" not in body and "*juni*" not in body


@pytest.mark.usefixtures("small_store")
def test_a_crafted_header_cell_shows_as_literal_text() -> None:
    header = "![i](https:evil.png)"
    csv = f"request_id,received_at,channel,{header},{header}\nR1,2020-06-08,wa,1,2\n"
    at = _submit(open_page("data_quality", "staff"), "dua.csv", csv.encode())
    body = at.error[0].proto.body
    assert "appears twice" in body
    assert ui.escape_md(header) in body
    assert header not in body


@pytest.mark.usefixtures("small_store")
def test_upload_staging_folders_left_by_a_crash_are_swept(home: Path) -> None:
    tmp = home / "tmp"
    tmp.mkdir(exist_ok=True)
    stale = tmp / "upload-crashed"
    stale.mkdir()
    (stale / "permohonan.csv").write_text("request_id,nik\nR1,3201012345670123\n")
    fresh = tmp / "upload-running"
    fresh.mkdir()
    os.utime(stale, (0, 0))
    at = _submit(open_page("data_quality", "staff"), "kosong.csv", b"")
    assert not at.exception
    assert not stale.exists()  # the crashed upload's raw file is gone
    assert fresh.exists()  # an upload still running elsewhere is left alone


def test_sweep_stale_removes_old_import_and_upload_folders(tmp_path: Path) -> None:
    for name in ("ingest-a", "upload-b", "upload-new", "keep-c"):
        (tmp_path / name).mkdir()
    for name in ("ingest-a", "upload-b", "keep-c"):
        os.utime(tmp_path / name, (0, 0))
    ingest.sweep_stale(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep-c", "upload-new"]


# ---------------------------------------------------------------- uncaught errors

FAILING_PAGE = """
from dashboard import ui

ctx = ui.page_setup("overview")
raise RuntimeError("failed reading /srv/dashboard/secret/path.duckdb")
"""
#: an error whose message quotes a cell of an uploaded file
QUOTING_PAGE = """
from dashboard import ui

ctx = ui.page_setup("overview")
raise ValueError("bad row: NIK 6308011234560001, HP +62 812-3456-7890, tanggal 08-06-2020")
"""


def _run_as_staff(page: str, caplog: pytest.LogCaptureFixture) -> AppTest:
    """Run `page` signed in as staff, with the error log captured."""
    at = AppTest.from_string(page, default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = ROLE_USERS["staff"]
    with caplog.at_level(logging.ERROR, logger="dashboard.errors"):
        at.run()
    return at


@pytest.mark.usefixtures("accounts")
def test_an_uncaught_error_shows_an_id_and_logs_the_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    at = _run_as_staff(FAILING_PAGE, caplog)
    assert not at.exception  # Streamlit's own traceback element is not drawn
    shown = texts(at, "error")
    match = re.fullmatch(r"Terjadi kesalahan\. .*\(ID: ([0-9a-f]{6})\)", shown)
    assert match, shown
    assert "secret" not in shown and "Traceback" not in shown and "RuntimeError" not in shown
    records = [r for r in caplog.records if r.name == "dashboard.errors"]
    assert len(records) == 1
    assert match.group(1) in records[0].getMessage()
    assert records[0].exc_info and "secret/path.duckdb" in str(records[0].exc_info[1])
    assert "Traceback" in caplog.text  # the formatted record holds the traceback


@pytest.mark.usefixtures("accounts")
def test_the_logged_traceback_masks_numbers_an_error_quotes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _run_as_staff(QUOTING_PAGE, caplog)
    # both records: ours (with the error ID) and the one Streamlit writes itself
    names = {r.name for r in caplog.records if r.exc_info}
    assert names == {"dashboard.errors", "streamlit.error_util"}, names
    assert "ValueError" in caplog.text and "Traceback" in caplog.text
    assert "6308011234560001" not in caplog.text and "3456-7890" not in caplog.text
    assert "NIK ****************, HP +** ***-****-****" in caplog.text
    assert "tanggal 08-06-2020" in caplog.text  # a date is no number to hide
