"""The data-quality page's two-step upload (issue 10), in AppTest.

Check a file, see every sheet with a tick box, map a header the import does not know
(saved for the command line too), preview what the import would do without writing
anything, then save exactly that. Saved mappings are listed and can be removed.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

from dashboard import mapping, roles, store
from tests.fixtures import run_process
from tests.test_pages_more import (  # noqa: F401 - fixtures used by name
    UPLOAD_CSV,
    accounts,
    accounts_template,
    metrics_shown,
    open_page,
    small_store,
    store_template,
    texts,
)
from tests.upload_steps import CANCEL, PREVIEW, SAVE, button_keys, check

ROOT = Path(__file__).resolve().parent.parent
NUMBERS = ("Baris dibaca", "Baru", "Diperbarui", "Tidak berubah", "Dikarantina")
STAFF = roles.Actor("petugas", "staff")

# A header the import does not know: `No Berkas` (the request ID), `Tgl Masuk` (received),
# `Lewat` (channel), a name column and a phone column.
ODD_HEADER = "No Berkas,Tgl Masuk,Lewat,Nama Pemohon,HP"
ODD_CSV = (
    f"{ODD_HEADER}\n"
    "B-1,08/06/2020 08:00,WA,Ani Lestari,081234567890\n"
    "B-2,08/06/2020 09:00,loket,Budi Santoso,082134567891\n"
    "B-3,09/06/2020 10:00,merpati,Citra,083134567892\n"
).encode()


def _store_state() -> tuple:
    with store.connect() as con:
        return (
            store.data_version(con),
            con.execute("SELECT count(*) FROM imports").fetchone()[0],
            con.execute("SELECT count(*) FROM requests").fetchone()[0],
            con.execute("SELECT count(*) FROM quarantine").fetchone()[0],
        )


def _numbers(at: AppTest) -> list[tuple[str, ...]]:
    """The five numbers of each preview or outcome on the page, in order."""
    values = {label: [m.value for m in at.metric if m.label == label] for label in NUMBERS}
    return list(zip(*values.values(), strict=True))


def _uploads(home: Path) -> list[Path]:
    return list((home / "tmp").glob("upload-*"))


def _book(**sheets: list[list[str]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


# ------------------------------------------------------------------ preview, then save


@pytest.mark.usefixtures("small_store")
def test_the_preview_shows_the_numbers_the_import_then_gives_and_writes_nothing(
    home: Path,
) -> None:
    before = _store_state()
    at = check(open_page("data_quality", "staff"), "permohonan_juni.csv", UPLOAD_CSV)
    assert not at.exception
    assert "permohonan_juni.csv akan diimpor sebagai log Permohonan" in texts(at, "info")
    preview = _numbers(at)
    # R20, R21 new; R1 changed; R2 as before; R22, R23, R24 quarantined.
    assert preview == [("7", "2", "1", "1", "3")]
    captions = texts(at, "caption")
    assert "Tanggal data (masuk atau jadwal): 1 Jun 2020 sampai 10 Jun 2020." in captions
    first = at.dataframe[0].value
    assert first["Baris"].tolist() == [6, 7, 8]
    assert first["Kolom"].tolist() == ["received_at", "channel", "received_at"]
    assert 'received_at: "31/06/2020 09:00" is not a date' in first["Alasan"].iloc[0]
    # Nothing written: no data version, ledger row, request or quarantined row more.
    assert _store_state() == before
    assert metrics_shown(at)["Impor"] == "2"
    # The file waits in its private folder while staff look at the preview.
    assert len(_uploads(home)) == 1

    at = at.button(key=SAVE).click().run()
    assert not at.exception
    assert "permohonan_juni.csv diimpor sebagai log Permohonan" in texts(at, "success")
    assert _numbers(at) == preview
    after = _store_state()
    assert after[0] > before[0]
    assert after[1:] == (before[1] + 1, before[2] + 2, before[3] + 3)
    assert not _uploads(home)  # the copy is gone with the flow
    assert SAVE not in button_keys(at)


@pytest.mark.usefixtures("small_store")
def test_unticking_a_sheet_leaves_it_out() -> None:
    header = ["request_id", "received_at", "channel"]
    data = _book(
        Juni=[header, ["W1", "2020-06-08 08:00", "wa"]],
        Juli=[header, ["W2", "2020-07-01 08:00", "wa"], ["W3", "2020-07-01 09:00", "web"]],
    )
    at = check(open_page("data_quality", "staff"), "buku.xlsx", data, "x/y")
    assert _numbers(at) == [("1", "1", "0", "0", "0"), ("2", "2", "0", "0", "0")]
    at.checkbox(key="dq_sheet_1").uncheck().run()
    # The preview was for both sheets: it is not offered for saving any more.
    assert SAVE not in button_keys(at)
    assert "tekan Pratinjau lagi" in texts(at, "caption")
    at = at.button(key=PREVIEW).click().run()
    assert _numbers(at) == [("1", "1", "0", "0", "0")]
    assert "buku.xlsx \\[Juni\\] akan diimpor" in texts(at, "info")
    assert "Juli\\]" not in texts(at, "info")
    at = at.button(key=SAVE).click().run()
    assert not at.exception
    assert "buku.xlsx \\[Juni\\] diimpor" in texts(at, "success")
    with store.connect() as con:
        ids = {
            r[0]
            for r in con.execute(
                "SELECT request_id FROM requests WHERE request_id LIKE 'W%'"
            ).fetchall()
        }
        files = [
            r[0] for r in con.execute("SELECT file_name FROM imports ORDER BY import_id").fetchall()
        ]
    assert ids == {"W1"}
    assert files[-1] == "buku.xlsx [Juni]" and "buku.xlsx [Juli]" not in files


@pytest.mark.usefixtures("small_store")
def test_nothing_ticked_asks_for_a_sheet() -> None:
    header = ["request_id", "received_at", "channel"]
    data = _book(Juni=[header, ["W1", "2020-06-08 08:00", "wa"]], Catatan=[["catatan"]])
    at = check(open_page("data_quality", "staff"), "buku.xlsx", data, "x/y")
    at.checkbox(key="dq_sheet_0").uncheck().run()
    at = at.button(key=PREVIEW).click().run()
    assert "Centang setidaknya satu lembar." in texts(at, "warning")
    assert SAVE not in button_keys(at)


@pytest.mark.usefixtures("small_store")
def test_a_new_file_or_cancel_removes_the_copy(home: Path) -> None:
    at = check(open_page("data_quality", "staff"), "satu.csv", UPLOAD_CSV)
    first = _uploads(home)
    assert len(first) == 1
    at = check(at, "dua.csv", UPLOAD_CSV)
    second = _uploads(home)
    assert len(second) == 1 and second != first  # the first file's copy is gone
    assert "Memeriksa dua.csv" in texts(at, "markdown")
    before = _store_state()
    at = at.button(key=CANCEL).click().run()
    assert not _uploads(home)
    assert PREVIEW not in button_keys(at)
    assert _store_state() == before


# ------------------------------------------------------------------ the mapping step


def _map(at: AppTest, choices: dict[int, str | None], kind: str = "requests") -> AppTest:
    for position, meaning in choices.items():
        at.selectbox(key=f"dq_map_0_{kind}_{position}").set_value(meaning or "")
    return at.button(key="dq_map_save_0").click().run()


@pytest.mark.usefixtures("accounts")
def test_an_unknown_header_is_mapped_saved_and_used_by_the_command_line(
    home: Path, tmp_path: Path
) -> None:
    at = check(open_page("data_quality", "staff"), "loket.csv", ODD_CSV)
    assert not at.exception
    assert "Judul kolom tidak dikenali" in texts(at, "caption")
    # The proposals are filled in; nothing is previewed before the mapping is saved.
    shown = {s.label: s.value for s in at.selectbox if s.key.startswith("dq_map_0_requests_")}
    assert shown == {
        "No Berkas": "request_id",
        "Tgl Masuk": "received_at",
        "Lewat": "channel",
        "Nama Pemohon": "",
        "HP": "phone",
    }
    assert SAVE not in button_keys(at) and _numbers(at) == []
    at = _map(at, {4: None})  # staff choose not to keep the phone number
    assert not at.exception
    assert "Pemetaan untuk loket.csv disimpan." in texts(at, "success")
    [saved] = mapping.list_saved()
    assert (saved.kind, saved.saved_by) == ("requests", "petugas")
    assert saved.columns["lewat"] == "channel" and saved.columns["hp"] is None
    # The preview followed at once, with the mapping: 3 read, 2 in, 1 unknown channel.
    assert _numbers(at) == [("3", "2", "0", "0", "1")]
    assert "HP" in texts(at, "caption")  # named among the ignored columns
    at = at.button(key=SAVE).click().run()
    assert "loket.csv diimpor sebagai log Permohonan" in texts(at, "success")
    with store.connect() as con:
        assert con.execute("SELECT count(*), count(phone_hash) FROM requests").fetchone() == (2, 0)

    # Next month's file with the same header, from the command line, without --mapping.
    later = tmp_path / "loket_juli.csv"
    later.write_text(f"{ODD_HEADER}\nB-9,01/07/2020 08:00,web,Dewi,081299998888\n")
    done = run_process(home, "ingest", str(later), "--user", "malam")
    assert done.returncode == 0, done.stderr
    assert "ignored: Nama Pemohon, HP" in done.stdout  # the saved mapping, applied
    with store.connect() as con:
        row = con.execute(
            "SELECT channel, received_date FROM requests WHERE request_id = 'B-9'"
        ).fetchone()
    assert row == ("online", date(2020, 7, 1))


@pytest.mark.usefixtures("accounts")
def test_a_mapping_missing_a_required_column_is_not_saved() -> None:
    at = check(open_page("data_quality", "staff"), "loket.csv", ODD_CSV)
    at = _map(at, {2: None})
    assert "kolom wajib belum dipetakan: channel" in texts(at, "error")
    assert mapping.list_saved() == []
    assert _numbers(at) == [] and SAVE not in button_keys(at)


@pytest.mark.usefixtures("accounts")
def test_one_column_chosen_for_two_is_not_saved() -> None:
    at = check(open_page("data_quality", "staff"), "loket.csv", ODD_CSV)
    at = _map(at, {3: "channel"})
    assert "Lewat dan Nama Pemohon sama-sama dipetakan ke channel" in texts(at, "error")
    assert mapping.list_saved() == []


@pytest.mark.usefixtures("accounts")
def test_the_mapping_step_shows_and_keeps_no_personal_data() -> None:
    at = check(open_page("data_quality", "staff"), "loket.csv", ODD_CSV)
    page = "\n".join(
        [texts(at, k) for k in ("markdown", "caption", "info", "warning")]
        + [s.label for s in at.selectbox]
    )
    kept = repr(at.session_state["dq_flow"])
    for raw in ("081234567890", "082134567891", "Ani Lestari", "Budi Santoso"):
        assert raw not in page
        assert raw not in kept
    assert "A\\*\\*" in page  # names cut to initials, masked


@pytest.mark.usefixtures("accounts")
def test_a_sheet_to_map_is_unticked_until_ticked() -> None:
    data = _book(
        Juni=[["request_id", "received_at", "channel"], ["W1", "2020-06-08 08:00", "wa"]],
        Loket=[ODD_HEADER.split(","), ["B-1", "08/06/2020 08:00", "WA", "Ani", "081234567890"]],
    )
    at = check(open_page("data_quality", "staff"), "buku.xlsx", data, "x/y")
    assert [c.value for c in at.checkbox] == [True, False]
    assert not any(s.key.startswith("dq_map_") for s in at.selectbox)
    assert _numbers(at) == [("1", "1", "0", "0", "0")]
    at.checkbox(key="dq_sheet_1").check().run()
    # Ticked, the sheet asks for its mapping before a preview can include it.
    assert any(s.key.startswith("dq_map_1_requests_") for s in at.selectbox)
    at = at.button(key=PREVIEW).click().run()
    assert "Petakan kolom dulu" in texts(at, "warning")
    at = at.button(key="dq_map_save_1").click().run()
    assert _numbers(at) == [("1", "1", "0", "0", "0"), ("1", "1", "0", "0", "0")]
    at = at.button(key=SAVE).click().run()
    assert "buku.xlsx \\[Loket\\] diimpor sebagai log Permohonan" in texts(at, "success")


@pytest.mark.usefixtures("small_store")
def test_a_crafted_name_shows_as_literal_text_in_the_flow() -> None:
    name = "*juni* [x](javascript:1).csv"
    at = check(open_page("data_quality", "staff"), name, UPLOAD_CSV)
    body = "\n".join(texts(at, k) for k in ("markdown", "info"))
    assert "[x](" not in body and "*juni*" not in body
    assert "\\*juni\\* \\[x\\]" in body


# ------------------------------------------------------------------ saved mappings


def _save_one() -> str:
    columns = mapping.parse(
        {
            "kind": "requests",
            "columns": {"No Berkas": "request_id", "Tgl Masuk": "received_at", "Lewat": "channel"},
        },
        "test",
    )
    return mapping.save(["No Berkas", "Tgl Masuk", "Lewat"], columns, actor=STAFF)


@pytest.mark.usefixtures("small_store")
def test_saved_mappings_are_listed_and_can_be_removed() -> None:
    fp = _save_one()
    at = open_page("data_quality", "admin")
    assert "Pemetaan kolom tersimpan (1)" in [e.label for e in at.expander]
    assert "No Berkas, Tgl Masuk, Lewat" in texts(at, "markdown")
    at = at.button(key=f"dq_rm_{fp}").click().run()
    assert not at.exception
    assert "Pemetaan dihapus" in texts(at, "success")
    assert mapping.list_saved() == []
    assert "Belum ada pemetaan tersimpan." in texts(at, "caption")


@pytest.mark.usefixtures("small_store")
def test_removing_a_saved_mapping_is_refused_to_a_head() -> None:
    fp = _save_one()
    at = open_page("data_quality", "head")
    assert f"dq_rm_{fp}" not in button_keys(at)
    with pytest.raises(roles.PermissionDenied):
        mapping.remove(fp, actor=roles.Actor("kepala", "head"))
    assert [m.fingerprint for m in mapping.list_saved()] == [fp]


# ------------------------------------------------------------------ templates


@pytest.mark.usefixtures("small_store")
def test_three_templates_to_download() -> None:
    at = open_page("data_quality", "staff")
    buttons = {b.key: b for b in at.get("download_button")}
    assert set(buttons) >= {
        "dq_template_requests",
        "dq_template_appointments",
        "dq_template_register",
    }


# ------------------------------------------------------------------ ingest's preview fields


def test_a_dry_run_carries_the_first_quarantined_rows_and_the_dates(home: Path) -> None:
    from dashboard import ingest

    rows = "".join(f"Q{i},2020-06-{i:02d} 08:00,fax\n" for i in range(1, 8))
    path = home / "p.csv"
    path.write_text(
        "request_id,received_at,channel\nQ0,2020-06-01,081234567890\n"
        "OK1,2020-06-03 08:00,wa\nOK2,2020-06-09,web\n" + rows
    )
    admin = roles.Actor.cli()
    [dry] = ingest.ingest_path(path, actor=admin, dry_run=True)
    assert dry.quarantined == 8
    assert [q["row_number"] for q in dry.preview_quarantine] == [2, 5, 6, 7, 8]  # at most 5
    assert {q["column"] for q in dry.preview_quarantine} == {"channel"}
    # a phone number where the channel belongs is masked in the reason, as in quarantine
    assert "081234567890" not in dry.preview_quarantine[0]["reason"]
    assert dry.preview_dates == (date(2020, 6, 3), date(2020, 6, 9))
    [real] = ingest.ingest_path(path, actor=admin)
    assert (real.preview_quarantine, real.preview_dates) == ([], None)
