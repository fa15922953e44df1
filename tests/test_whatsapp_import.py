"""WhatsApp chat exports as the request log (issue 12): the store side, the command line
and the data-quality page (dashboard/whatsapp_import.py; the parser is whatsapp.py).

The chats are written here, small enough to count by hand (Android, Indonesian settings:
`dd/mm/yy hh.mm - Sender: text`). The office is "Disdukcapil Balangan"; the office
settings list the kecamatan Paringin and Halong.

Week 1 (`WEEK1`), three chats, 8 messages:
| chat                                          | messages                               | request |
|-----------------------------------------------|----------------------------------------|---------|
| `Chat WhatsApp dengan +62 813-4567-8901.txt`  | 06-01 08.00 WhatsApp's notice (system) |         |
|                                               | 06-01 08.15 "mau daftar rekam KTP di Paringin" | A1: likely (words, NIK), Paringin, ktp_el |
|                                               | 06-01 08.16 "NIK saya 6308011234560001" | (A1: its NIK) |
|                                               | 06-01 08.30 the office's reply          | never  |
|                                               | 06-05 10.00 "Terima kasih"              | inside A1's 14 days |
| `WhatsApp Chat with Budi Santoso.txt`         | 06-02 09.00 Budi: "daftar akta kelahiran" | B1: likely (words), akta_lahir, no phone (a name) |
|                                               | 06-02 09.05 the office's reply          |        |
| `WhatsApp Chat - +62 852-1111-2222.zip` (holding the .txt) | 06-03 07.45 "Halo, selamat pagi" | C1: not likely, ktp_el |

Week 2 (`WEEK2`), exported a week later, overlapping: chat A again with two more messages
(06-14 08.00, inside A1's window: nothing; 06-16 08.15 "mau daftar KTP ... di Halong":
A2, 15 days after A1), chat C again as a .txt with 06-10 11.00 (inside C1's window), and a
new chat D (06-15 13.00 "mau rekam e-KTP, NIK 6308 0212 3456 0002": D1, likely). Three
chats, 7 + 2 + 1 = 10 messages. Because A1 and C1 are stored, week 2 proposes exactly
A2 and D1: 2 read, 2 inserted, nothing else touched.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import ingest, pii, roles, settings, store, users, whatsapp, whatsapp_import
from tests.fixtures import run_process
from tests.test_pages_more import (  # noqa: F401 - fixtures used by name
    ROLE_USERS,
    accounts,
    accounts_template,
    open_page,
    texts,
)
from tests.test_pii_everywhere import _hits, _needles, _sql_text
from tests.whatsapp_chats import _reader, pytest_generate_tests  # noqa: F401 - both readers

STAFF = roles.Actor("petugas", "staff")
CLI = roles.Actor.cli("uji")
OFFICE = "Disdukcapil Balangan"
NUMBERS = ("Baris dibaca", "Baru", "Diperbarui", "Tidak berubah", "Dikarantina")

PHONE_A = "+62 813-4567-8901"
PHONE_C = "+62 852-1111-2222"
PHONE_D = "+62 877-3333-4444"
NIK_A = "6308011234560001"
NIK_D = "6308021234560002"

CHAT_A = f"Chat WhatsApp dengan {PHONE_A}.txt"
CHAT_B = "WhatsApp Chat with Budi Santoso.txt"
CHAT_C = f"Chat WhatsApp dengan {PHONE_C}.txt"
ZIP_C = f"WhatsApp Chat - {PHONE_C}.zip"
CHAT_D = f"Chat WhatsApp dengan {PHONE_D}.txt"

A_WEEK1 = [
    "01/06/20 08.00 - Pesan dan panggilan terenkripsi secara end-to-end.",
    f"01/06/20 08.15 - {PHONE_A}: Selamat pagi, mau daftar rekam KTP di Paringin",
    f"01/06/20 08.16 - {PHONE_A}: NIK saya {NIK_A}",
    f"01/06/20 08.30 - {OFFICE}: Baik Bu, silakan datang tanggal 3 Juni",
    f"05/06/20 10.00 - {PHONE_A}: Terima kasih",
]
B_WEEK1 = [
    "02/06/20 09.00 - Budi Santoso: Permisi, mau daftar akta kelahiran anak",
    f"02/06/20 09.05 - {OFFICE}: Silakan datang ke kantor",
]
C_WEEK1 = [f"03/06/20 07.45 - {PHONE_C}: Halo, selamat pagi"]
A_WEEK2 = [
    *A_WEEK1,
    f"14/06/20 08.00 - {PHONE_A}: Masih menunggu jadwal",
    f"16/06/20 08.15 - {PHONE_A}: Mau daftar KTP untuk anak saya di Halong",
]
C_WEEK2 = [*C_WEEK1, f"10/06/20 11.00 - {PHONE_C}: Jadi bagaimana?"]
D_WEEK2 = [f"15/06/20 13.00 - {PHONE_D}: Mau rekam e-KTP, NIK 6308 0212 3456 0002"]


def _text(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def _zip(member: str, lines: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, _text(lines))
        zf.writestr("IMG-20200603-WA0001.jpg", b"\xff\xd8 not really a photo")
    return buffer.getvalue()


WEEK1: dict[str, bytes] = {
    CHAT_A: _text(A_WEEK1),
    CHAT_B: _text(B_WEEK1),
    ZIP_C: _zip(CHAT_C, C_WEEK1),
}
WEEK2: dict[str, bytes] = {
    CHAT_A: _text(A_WEEK2),
    CHAT_C: _text(C_WEEK2),
    CHAT_D: _text(D_WEEK2),
}


def _folder(root: Path, name: str, files: dict[str, bytes]) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    for file_name, content in files.items():
        (folder / file_name).write_bytes(content)
    return folder


def _kecamatan() -> None:
    with store.connect() as con:
        settings.set_office(con, CLI, reason="uji", kecamatan=["Paringin", "Halong"])


def _requests() -> list[tuple]:
    with store.connect() as con:
        return con.execute(
            "SELECT request_id, received_at, channel, service, kecamatan, phone_hash, "
            "phone_masked, nik_hash, cancelled_at, import_id FROM requests ORDER BY received_at"
        ).fetchall()


def _import(folder: Path, *, dry_run: bool = False) -> ingest.ImportResult:
    found = whatsapp_import.find([folder], office=OFFICE)
    assert found.refused == [] and found.problems == []
    return whatsapp_import.save(
        [*found.proposals, *found.stored],
        actor=STAFF,
        source_name=found.source_name(),
        dry_run=dry_run,
    )


def _five(result) -> tuple[int, int, int, int, int]:
    return (result.rows_read, result.inserted, result.updated, result.unchanged, result.quarantined)


def _rid(phone: str, at: datetime) -> str:
    key = pii.hash_value(pii.normalize_phone(phone) or "")
    return f"WA-{key[:16]}-{at:%Y%m%d%H%M%S}"


# ------------------------------------------------------------------ what is stored


def test_the_saved_rows_hold_exactly_the_request_fields(home: Path, tmp_path: Path) -> None:
    _kecamatan()
    found = whatsapp_import.find([_folder(tmp_path, "w1", WEEK1)], office=OFFICE)
    assert (len(found.chats), found.messages, len(found.proposals), found.likely) == (3, 8, 3, 2)
    result = whatsapp_import.save(found.proposals, actor=STAFF, source_name=found.source_name())
    assert _five(result) == (3, 3, 0, 0, 0)
    assert result.file_name == "WhatsApp (3 chats)" and result.kind == "requests"

    a1, b1, c1 = _requests()
    hashed_a = pii.hash_value(pii.normalize_phone(PHONE_A) or "")
    assert a1 == (
        _rid(PHONE_A, datetime(2020, 6, 1, 8, 15)),
        datetime(2020, 6, 1, 8, 15),
        "whatsapp",
        "ktp_el",
        "Paringin",
        hashed_a,
        pii.mask_phone(PHONE_A),
        pii.hash_value(NIK_A),
        None,
        a1[-1],
    )
    assert a1[6] == "0813****901"
    # A contact's name: no phone, no NIK; the ID is the name's keyed hash, never the name.
    name_key = pii.hash_value("name:budi santoso")
    assert b1[:9] == (
        f"WA-{name_key[:16]}-20200602090000",
        datetime(2020, 6, 2, 9, 0),
        "whatsapp",
        "akta_lahir",
        None,
        None,
        None,
        None,
        None,
    )
    assert c1[:9] == (
        _rid(PHONE_C, datetime(2020, 6, 3, 7, 45)),
        datetime(2020, 6, 3, 7, 45),
        "whatsapp",
        "ktp_el",
        None,
        pii.hash_value("085211112222"),
        "0852****222",
        None,
        None,
    )
    with store.connect() as con:
        ledger = con.execute(
            "SELECT file_name, kind, rows_read, inserted, imported_by, ignored FROM imports"
        ).fetchall()
        quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    assert ledger == [("WhatsApp (3 chats)", "requests", 3, 3, "petugas", [])]
    assert quarantined == 0


def test_the_same_export_twice_adds_and_changes_nothing(home: Path, tmp_path: Path) -> None:
    _kecamatan()
    folder = _folder(tmp_path, "w1", WEEK1)
    assert _five(_import(folder)) == (3, 3, 0, 0, 0)
    before = _requests()
    # Every message of the export is inside a stored request's window (A1, B1 and C1
    # are the messages that began them): nothing is proposed again; A1, B1 and C1 are
    # found as stored and go through the import again: read 3, unchanged 3.
    found = whatsapp_import.find([folder], office=OFFICE)
    assert found.proposals == []
    assert [p.received_at for p in found.stored] == [
        datetime(2020, 6, 1, 8, 15),
        datetime(2020, 6, 2, 9, 0),
        datetime(2020, 6, 3, 7, 45),
    ]
    assert _five(_import(folder)) == (3, 0, 0, 3, 0)
    assert _requests() == before


def test_an_overlapping_later_export_adds_only_its_new_requests(home: Path, tmp_path: Path) -> None:
    _kecamatan()
    assert _five(_import(_folder(tmp_path, "w1", WEEK1))) == (3, 3, 0, 0, 0)
    before = _requests()
    found = whatsapp_import.find([_folder(tmp_path, "w2", WEEK2)], office=OFFICE)
    assert (len(found.chats), found.messages) == (3, 10)
    assert [(p.request_id, p.kecamatan, p.likely, p.why) for p in found.proposals] == [
        (_rid(PHONE_D, datetime(2020, 6, 15, 13, 0)), None, True, ("nik", "words")),
        (_rid(PHONE_A, datetime(2020, 6, 16, 8, 15)), "Halong", True, ("words",)),
    ]
    # A1 (1 Jun 08.15) and C1 (3 Jun 07.45) are in week 2's chats again: stored already
    assert [p.received_at for p in found.stored] == [
        datetime(2020, 6, 1, 8, 15),
        datetime(2020, 6, 3, 7, 45),
    ]
    result = whatsapp_import.save(
        [*found.proposals, *found.stored], actor=STAFF, source_name=found.source_name()
    )
    assert _five(result) == (4, 2, 0, 2, 0)
    after = _requests()
    assert len(after) == 5
    assert [r for r in after if r in before] == before  # week 1's rows exactly as they were
    d1 = next(r for r in after if r[1] == datetime(2020, 6, 15, 13, 0))
    assert d1[7] == pii.hash_value(NIK_D) and d1[6] == "0877****444"


def test_both_weeks_at_once_give_the_same_requests_as_one_after_the_other(
    home: Path, tmp_path: Path
) -> None:
    _kecamatan()
    both = whatsapp_import.find(
        [_folder(tmp_path, "w1", WEEK1), _folder(tmp_path, "w2", WEEK2)], office=OFFICE
    )
    # chat A and chat C are in both folders: one sender each, their messages once
    assert [p.received_at for p in both.proposals] == [
        datetime(2020, 6, 1, 8, 15),
        datetime(2020, 6, 2, 9, 0),
        datetime(2020, 6, 3, 7, 45),
        datetime(2020, 6, 15, 13, 0),
        datetime(2020, 6, 16, 8, 15),
    ]
    assert _five(whatsapp_import.save(both.proposals, actor=STAFF, source_name="x")) == (
        5,
        5,
        0,
        0,
        0,
    )


def test_known_requests_are_the_senders_whatsapp_requests_around_the_chats(home: Path) -> None:
    key_a = pii.hash_value("081345678901")
    key_b = pii.hash_value("085211112222")
    prefix_a, prefix_b = f"WA-{key_a[:16]}-", f"WA-{key_b[:16]}-"
    rows = [
        (prefix_a + "20200601081500", "2020-06-01 08:15", "whatsapp"),
        (prefix_a + "20200520080000", "2020-05-20 08:00", "whatsapp"),  # before the range
        (prefix_a + "20200610080000", "2020-06-10 08:00", "walk_in"),  # another channel
        (prefix_b + "20200602090000", "2020-06-02 09:00", "whatsapp"),
        ("R1", "2020-06-02 09:00", "whatsapp"),  # not a chat's request
    ]
    frame = pd.DataFrame(rows, columns=["request_id", "received_at", "channel"])
    ingest.ingest_table(frame, "requests", source_name="uji", actor=CLI)
    with store.connect() as con:
        known = whatsapp_import.known_requests(
            con, [key_a, key_b, "f" * 32], datetime(2020, 5, 25), datetime(2020, 6, 30)
        )
    assert known == {
        key_a: [datetime(2020, 6, 1, 8, 15)],
        key_b: [datetime(2020, 6, 2, 9, 0)],
    }


# ------------------------------------------------------------------ roles, office, window


def test_head_and_analyst_may_not_import_nor_set_the_office(home: Path, tmp_path: Path) -> None:
    found = whatsapp_import.find([_folder(tmp_path, "w1", WEEK1)], office=OFFICE)
    for role in ("head", "analyst"):
        actor = roles.Actor(f"uji_{role}", role)
        with pytest.raises(roles.PermissionDenied):
            whatsapp_import.save(found.proposals, actor=actor, source_name="x")
        with pytest.raises(roles.PermissionDenied):
            whatsapp_import.save_office(OFFICE, actor=actor)
    assert _requests() == []
    assert whatsapp_import.load_office() == ()
    for role in ("staff", "admin"):
        actor = roles.Actor(f"uji_{role}", role)
        assert whatsapp_import.save_office(f"{OFFICE}, 0811-5000-123", actor=actor) == (
            OFFICE,
            "0811-5000-123",
        )
    assert whatsapp_import.load_office() == (OFFICE, "0811-5000-123")


def test_the_stored_office_identity_is_used_when_none_is_given(home: Path, tmp_path: Path) -> None:
    folder = _folder(tmp_path, "w1", WEEK1)
    # Without the office's name, chat A's only named sender is the office, which the
    # file's number then stands for: its reply becomes part of A's conversation and
    # chat B's office reply a second contact in a chat with no number.
    unknown = whatsapp_import.find([folder])
    assert len(unknown.proposals) == 4
    whatsapp_import.save_office(OFFICE, actor=STAFF)
    assert len(whatsapp_import.find([folder]).proposals) == 3


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("x" * 81, "too long"),
        (",".join(f"kantor {i}" for i in range(11)), "at most 10"),
    ],
)
def test_an_office_identity_that_cannot_be_kept_says_why(value: str, message: str) -> None:
    with pytest.raises(whatsapp_import.WhatsAppImportError, match=message):
        whatsapp_import.parse_office(value)


def test_the_window_is_a_number_of_days() -> None:
    assert whatsapp_import.check_window("7") == 7
    for bad in (0, 366, "x", None):
        with pytest.raises(whatsapp_import.WhatsAppImportError):
            whatsapp_import.check_window(bad)


def test_a_chat_file_is_named_with_the_other_party_masked() -> None:
    assert whatsapp_import.chat_label(CHAT_A) == "Chat WhatsApp dengan 0813****901.txt"
    assert whatsapp_import.chat_label("WhatsApp Chat with Siti Aminah (1).zip") == (
        "WhatsApp Chat with S*** (1).zip"
    )
    assert whatsapp_import.masked_line(
        f"minggu/{CHAT_B}: line 3: the date 31/02/20 does not exist"
    ) == ("minggu/WhatsApp Chat with B***.txt: line 3: the date 31/02/20 does not exist")


def test_kecamatan_come_from_the_settings_else_the_store_else_the_caller(
    home: Path, tmp_path: Path
) -> None:
    folder = _folder(tmp_path, "w2", WEEK2)

    def named() -> list[str | None]:
        return [p.kecamatan for p in whatsapp_import.find([folder], office=OFFICE).proposals]

    # week 2 alone, by time: A1 (names Paringin), C1, D1, A2 (names Halong)
    assert named() == [None, None, None, None]  # nothing set, nothing stored
    ingest.ingest_table(
        pd.DataFrame(
            [("R1", "2020-05-01 08:00", "walk_in", "Halong")],
            columns=["request_id", "received_at", "channel", "kecamatan"],
        ),
        "requests",
        source_name="uji",
        actor=CLI,
    )
    assert named() == [None, None, None, "Halong"]  # the store's one kecamatan
    _kecamatan()
    assert named() == ["Paringin", None, None, "Halong"]  # the settings' list
    given = whatsapp_import.find([folder], office=OFFICE, kecamatan=["Juai"]).proposals
    assert [p.kecamatan for p in given] == [None, None, None, None]


def test_a_window_of_seven_days_splits_a_conversation(home: Path, tmp_path: Path) -> None:
    found = whatsapp_import.find([_folder(tmp_path, "w2", WEEK2)], office=OFFICE, window_days=7)
    # A: 06-01 08.15, then 06-14 08.00 (13 days later: new), 06-16 inside it;
    # C: 06-03 07.45, then 06-10 11.00 (7 days 3 h later: new); D: 06-15.
    assert [p.received_at for p in found.proposals] == [
        datetime(2020, 6, 1, 8, 15),
        datetime(2020, 6, 3, 7, 45),
        datetime(2020, 6, 10, 11, 0),
        datetime(2020, 6, 14, 8, 0),
        datetime(2020, 6, 15, 13, 0),
    ]


# ------------------------------------------------------------------ the command line

BAD_FILES: dict[str, bytes] = {
    # no messages at all
    "Chat WhatsApp dengan +62 811-0000-1111.txt": b"",
    # another app's export: no WhatsApp message line
    "catatan rapat.txt": b"Rapat 8 Juni\nHadir: kepala, petugas\n",
    # a zip cut off half-way
    "WhatsApp Chat - +62 811-0000-2222.zip": _zip(CHAT_C, C_WEEK1)[:60],
}


def test_cli_reads_a_folder_and_prints_the_five_numbers(home: Path, tmp_path: Path) -> None:
    _kecamatan()
    folder = _folder(tmp_path, "w1", WEEK1)
    done = run_process(home, "ingest-whatsapp", str(folder), "--office", OFFICE, "--user", "malam")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.splitlines() == [
        "read 3 chats, 8 messages",
        "WhatsApp (3 chats) (requests): read 3, inserted 3, updated 0, unchanged 0, quarantined 0",
        "likely: 2 of 3 proposals",
    ]
    done = run_process(home, "ingest-whatsapp", str(folder), "--office", OFFICE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [
        "WhatsApp (3 chats) (requests): read 3, inserted 0, updated 0, unchanged 3, quarantined 0",
        "likely: 0 of 0 proposals",
    ]
    with store.connect() as con:
        assert con.execute("SELECT imported_by FROM imports ORDER BY import_id").fetchall() == [
            ("malam",),
            (os.environ.get("USER") or os.environ.get("USERNAME") or "cli",),
        ]


def test_cli_dry_run_leaves_the_store_byte_for_byte(home: Path, tmp_path: Path) -> None:
    _kecamatan()
    _import(_folder(tmp_path, "w1", WEEK1))
    files = sorted(p for p in home.iterdir() if p.name.startswith("dashboard.duckdb"))
    before = {p.name: p.read_bytes() for p in files}
    week2 = _folder(tmp_path, "w2", WEEK2)
    done = run_process(home, "ingest-whatsapp", str(week2), "--office", OFFICE, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "read 3 chats, 10 messages",
        # D1 and A2 new; A1 and C1 (week 1, in these chats again) stored: unchanged
        "WhatsApp (3 chats) (requests): read 4, inserted 2, updated 0, unchanged 2, quarantined 0",
        "likely: 2 of 2 proposals",
        "dry run: nothing was saved",
    ]
    after = {
        p.name: p.read_bytes() for p in home.iterdir() if p.name.startswith("dashboard.duckdb")
    }
    assert after == before
    # ... and the real run then does exactly what the preview said
    done = run_process(home, "ingest-whatsapp", str(week2), "--office", OFFICE)
    assert done.returncode == 0, done.stderr
    assert "read 4, inserted 2, updated 0, unchanged 2, quarantined 0" in done.stdout
    assert len(_requests()) == 5


def test_cli_refuses_bad_files_one_line_each_and_keeps_the_good(home: Path, tmp_path: Path) -> None:
    folder = _folder(tmp_path, "mixed", {**BAD_FILES, CHAT_B: _text(B_WEEK1)})
    broken = tmp_path / CHAT_D
    # a message whose date does not exist: the line is reported, the others kept
    broken.write_bytes(
        _text([D_WEEK2[0], f"31/02/20 09.00 - {PHONE_D}: tanggal rusak", B_WEEK1[1]])
    )
    missing = tmp_path / "tidak ada.txt"
    done = run_process(
        home, "ingest-whatsapp", str(folder), str(broken), str(missing), "--office", OFFICE
    )
    assert done.returncode == 1
    errors = done.stderr.splitlines()
    assert len(errors) == 4
    for line, start in zip(
        errors,
        (
            "error: tidak ada.txt: refused: no such file or folder",
            "error: mixed/Chat WhatsApp dengan 0811****111.txt is empty",
            "error: mixed/WhatsApp Chat - 0811****222.zip is a damaged or truncated zip",
            "error: mixed/catatan rapat.txt is not a WhatsApp chat export",
        ),
        strict=True,
    ):
        assert line.startswith(start), line
    assert "'08/06/20 08.15 - Name: message'" in errors[3]  # the example is not masked
    assert done.stdout.splitlines() == [
        "Chat WhatsApp dengan 0877****444.txt: line 2: the date 31/02/20 does not exist",
        "read 2 chats, 4 messages; 4 files refused",
        "WhatsApp (2 chats) (requests): read 2, inserted 2, updated 0, unchanged 0, quarantined 0",
        "likely: 2 of 2 proposals",
    ]
    assert [r[1] for r in _requests()] == [datetime(2020, 6, 2, 9, 0), datetime(2020, 6, 15, 13)]


def test_cli_with_nothing_readable_fails_and_writes_nothing(home: Path, tmp_path: Path) -> None:
    folder = _folder(tmp_path, "bad", {"catatan rapat.txt": BAD_FILES["catatan rapat.txt"]})
    done = run_process(home, "ingest-whatsapp", str(folder))
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == "error: no chat could be read"
    assert done.stdout == ""
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


@pytest.mark.parametrize("days", ["0", "-3", "dua"])
def test_cli_window_must_be_a_positive_number(home: Path, days: str) -> None:
    done = run_process(home, "ingest-whatsapp", "x.txt", "--window-days", days)
    assert done.returncode == 2
    assert done.stderr.startswith("error: argument --window-days:")
    assert len(done.stderr.splitlines()) == 1


# ------------------------------------------------------------------ the page


def _open(at: AppTest) -> AppTest:
    """Open the section's expander (its content runs only while it is open)."""
    at.session_state["wa_open"] = True
    return at.run()


def _page_check(at: AppTest, files: dict[str, bytes], office: str | None = OFFICE) -> AppTest:
    at = _open(at)
    [uploader] = [u for u in at.file_uploader if str(u.key).startswith("wa_files_")]
    uploader.set_value(
        [
            (name, content, "application/zip" if name.endswith(".zip") else "text/plain")
            for name, content in files.items()
        ]
    )
    if office is not None:
        at.text_input(key="wa_office").set_value(office)
    return at.button(key="wa_check").click().run()


def _uploads(home: Path) -> list[Path]:
    return list((home / "tmp").glob("upload-*"))


def _numbers(at: AppTest) -> list[str]:
    return [m.value for label in NUMBERS for m in at.metric if m.label == label]


@pytest.mark.usefixtures("accounts")
def test_page_review_untick_one_and_save(home: Path) -> None:
    _kecamatan()
    at = open_page("data_quality", "staff")
    assert "Impor chat WhatsApp" in [e.label for e in at.expander]
    at = _page_check(at, WEEK1)
    assert not at.exception
    assert (
        "**3** chat, **8** pesan dibaca: **3** usulan permohonan, 2 di antaranya "
        "kemungkinan besar permohonan." in texts(at, "markdown")
    )
    [editor] = at.data_editor
    table = editor.value
    assert list(table.columns) == [
        "Simpan?",
        "Waktu",
        "Nomor",
        "Kecamatan",
        "Layanan",
        "Alasan diusulkan",
        "Awal pesan",
    ]
    assert table.to_dict("list") == {
        "Simpan?": [True, True, True],
        "Waktu": ["1 Jun 2020 08.15", "2 Jun 2020 09.00", "3 Jun 2020 07.45"],
        "Nomor": ["0813****901", "(nama kontak)", "0852****222"],
        "Kecamatan": ["Paringin", "–", "–"],
        "Layanan": ["Perekaman KTP-el", "Akta kelahiran", "Perekaman KTP-el"],
        "Alasan diusulkan": [
            "ada NIK, kata permohonan",
            "kata permohonan",
            "pesan pertama saja",
        ],
        "Awal pesan": [
            "Selamat pagi, mau daftar rekam KTP di Paringin",
            "Permisi, mau daftar akta kelahiran anak",
            "Halo, selamat pagi",
        ],
    }
    assert len(_uploads(home)) == 3  # one private folder per file, while staff review
    assert _requests() == []
    with store.connect() as con:
        assert whatsapp_import.office_identity(con) == (OFFICE,)  # set once on the page

    # Budi's question (row 2) is not a request: untick it, save the other two.
    at.session_state["wa_editor"] = {
        "edited_rows": {1: {"Simpan?": False}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at = at.button(key="wa_save").click().run()
    assert not at.exception
    assert "WhatsApp (3 chats) diimpor sebagai log Permohonan." in texts(at, "success").replace(
        "\\", ""
    )
    assert _numbers(at) == ["2", "2", "0", "0", "0"]
    assert [r[1] for r in _requests()] == [datetime(2020, 6, 1, 8, 15), datetime(2020, 6, 3, 7, 45)]
    assert not _uploads(home)
    assert not at.data_editor  # the flow is over
    # the office's name is filled in from the store next time
    assert at.text_input(key="wa_office").value == OFFICE
    # Budi's question is remembered as "not a request" (its ID only): the same export
    # again proposes nothing new (A1 and C1 are stored, B1 dismissed), and the command
    # line, which saves every proposal, does not save it either.
    budi = str(table.index[1])  # the review table is indexed by the proposals' IDs
    assert budi.startswith("WA-") and budi.endswith("-20200602090000")
    with store.connect() as con:
        rows = con.execute("SELECT request_id, dismissed_by FROM whatsapp_dismissed").fetchall()
    assert rows == [(budi, ROLE_USERS["staff"])]
    again = whatsapp_import.find([_folder(home.parent, "again", WEEK1)], office=OFFICE)
    assert (again.proposals, again.dismissed, len(again.stored)) == ([], 1, 2)
    done = run_process(home, "ingest-whatsapp", str(home.parent / "again"), "--office", OFFICE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [
        "WhatsApp (3 chats) (requests): read 2, inserted 0, updated 0, unchanged 2, quarantined 0",
        "likely: 0 of 0 proposals",
        "left out: 1 unticked in an earlier review (not requests)",
    ]
    assert len(_requests()) == 2


@pytest.mark.usefixtures("accounts")
def test_page_shows_each_problem_in_one_line_and_cancel_removes_the_files(home: Path) -> None:
    broken = _text([D_WEEK2[0], f"31/02/20 09.00 - {PHONE_D}: tanggal rusak"])
    at = _page_check(open_page("data_quality", "staff"), {**BAD_FILES, CHAT_D: broken})
    assert not at.exception
    errors = texts(at, "error").replace("\\", "")
    for line in (
        "Chat WhatsApp dengan 0811****111.txt is empty: it holds no messages",
        "WhatsApp Chat - 0811****222.zip is a damaged or truncated zip",
        "catatan rapat.txt is not a WhatsApp chat export",
    ):
        assert line in errors
    assert "Chat WhatsApp dengan 0877****444.txt: line 2: the date 31/02/20 does not exist" in (
        texts(at, "warning").replace("\\", "")
    )
    assert len(at.data_editor[0].value) == 1
    assert len(_uploads(home)) == 4
    at = at.button(key="wa_cancel").click().run()
    assert not _uploads(home) and not at.data_editor
    assert _requests() == []


@pytest.mark.usefixtures("accounts")
def test_page_with_no_readable_chat_says_so_and_keeps_nothing(home: Path) -> None:
    at = _page_check(open_page("data_quality", "staff"), {"kosong.txt": b""})
    assert "Tidak ada chat yang dapat dibaca:" in texts(at, "error")
    assert "kosong.txt is empty: it holds no messages" in texts(at, "error").replace("\\", "")
    assert not _uploads(home) and not at.data_editor


@pytest.mark.usefixtures("accounts")
def test_page_unticking_everything_saves_nothing(home: Path) -> None:
    at = _page_check(open_page("data_quality", "staff"), {CHAT_B: _text(B_WEEK1)})
    at.session_state["wa_editor"] = {
        "edited_rows": {0: {"Simpan?": False}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at = at.button(key="wa_save").click().run()
    assert "Tidak ada usulan yang dicentang" in texts(at, "warning")
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


# ------------------------------------------------------------------ privacy


def _planted(series: int) -> tuple[dict[str, bytes], list[str], list[str]]:
    """Chats carrying distinctive texts, names and numbers: (files, texts, numbers)."""
    n = series
    name = f"Wulandari Kusumawati{n}"
    phone_b = f"+62 819-777{n}-3131"
    words = [
        f"Zamrud Kelinci Oranye {n}",
        f"Delima Merak Ungu {n}",
        f"Semangka Biru Laut {n}",
        f"Bambang Pamungkas{n}",
        f"Kenanga Rajawali {n}",
        name,
    ]
    numbers = [f"0857 4444 121{n}", phone_b, f"6308 0999 8888 000{n}", f"0821 5555 676{n}"]
    files = {
        f"WhatsApp Chat with {name}.txt": _text(
            [
                f"07/06/20 10.00 - {name}: Saya {name}, nomor saya {numbers[0]}, mau daftar "
                f"rekam, {words[0]}",
                f"31/02/20 10.05 - {name}: {words[1]}",
                f"07/06/20 10.10 - {OFFICE}: Baik, {words[4]}",
            ]
        ),
        f"Chat WhatsApp dengan {phone_b}.zip": _zip(
            f"Chat WhatsApp dengan {phone_b}.txt",
            [
                f"07/06/20 11.00 - {phone_b}: Nama saya {words[3]}, NIK {numbers[2]}, {words[2]}",
                f"07/06/20 11.05 - {OFFICE}: Pak {words[3]} silakan ke loket, hubungi {numbers[3]}",
            ],
        ),
    }
    return files, words, numbers


def _text_hits(text: str, words: list[str], where: str) -> list[str]:
    low = text.casefold()
    return [f"{where}: {w!r}" for w in words if w.casefold() in low]


def test_no_message_text_name_or_raw_number_is_kept_anywhere(home: Path, tmp_path: Path) -> None:
    users.add("petugas", name="Petugas", role="staff", password="rahasia-123", actor=CLI)
    cli_files, cli_words, cli_numbers = _planted(1)
    page_files, page_words, page_numbers = _planted(2)

    # 1. The command line, as a scheduled job runs it.
    folder = _folder(tmp_path, "ekspor", cli_files)
    done = run_process(home, "ingest-whatsapp", str(folder), "--office", OFFICE)
    assert done.returncode == 0, done.stderr
    assert "read 2, inserted 2" in done.stdout
    assert "line 2: the date 31/02/20 does not exist" in done.stdout  # a name-bearing file
    outputs = done.stdout + done.stderr

    # 2. The page: check, untick nothing, save.
    at = AppTest.from_file(str(Path(__file__).parent.parent / "pages" / "data_quality.py"))
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "petugas"
    at.default_timeout = 90
    at = _page_check(at.run(), page_files)
    assert not at.exception
    # The session holds no raw number, and no message text but the masked first words.
    flow = at.session_state["wa_flow"]
    kept = repr({k: v for k, v in flow.items() if k != "rows"}) + repr(
        [{k: v for k, v in row.items() if k != "snippet"} for row in flow["rows"]]
    )
    snippets = "\n".join(row["snippet"] for row in flow["rows"])
    page_needles = _needles(page_numbers)
    assert _hits(kept, page_needles, "session") + _text_hits(kept, page_words, "session") == []
    assert _hits(snippets, page_needles, "snippet") == []
    assert "nomor saya **** **** ****, mau daftar" in snippets  # shown, masked
    at = at.button(key="wa_save").click().run()
    assert not at.exception
    assert _numbers(at)[:2] == ["2", "2"]

    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM requests").fetchone()[0] == 4
        # the NIKs written in the messages are kept as hashes
        niks = {r[0] for r in con.execute("SELECT nik_hash FROM requests").fetchall()}
    assert pii.hash_value("6308099988880001") in niks and pii.hash_value("6308099988880002") in niks

    # 3. Look everywhere: every file under DASHBOARD_HOME (store, WAL, tmp/, logs/),
    # every text column through SQL, and the command line's output.
    words = cli_words + page_words
    needles = _needles(cli_numbers + page_numbers)
    found: list[str] = []
    scanned = 0
    for path in sorted(home.rglob("*")):
        if path.is_file() and "secrets" not in path.relative_to(home).parts:
            text = path.read_bytes().decode("latin-1")
            found += _hits(text, needles, path.name) + _text_hits(text, words, path.name)
            scanned += 1
    assert scanned >= 2 and (home / "dashboard.duckdb").is_file()
    sql = _sql_text(home)
    assert "0819****131" in sql  # the scan reads the requests (masked number)
    found += _hits(sql, needles, "SQL") + _text_hits(sql, words, "SQL")
    found += _hits(outputs, needles, "CLI") + _text_hits(outputs, words, "CLI")
    assert found == []
    assert not _uploads(home) and not list((home / "tmp").glob("ingest-*"))


def test_the_scan_would_see_a_planted_value() -> None:
    files, words, numbers = _planted(5)
    raw = "\n".join(c.decode("latin-1") for c in files.values() if not c.startswith(b"PK"))
    assert _text_hits(raw, words, "x") and _hits(raw, _needles(numbers), "x")
    assert _hits("0819 7775 3131", _needles(numbers), "x")
    assert not _hits("0819****131", _needles(numbers), "x")


@pytest.fixture(autouse=True)
def _testing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_TESTING", "1")


def test_to_table_has_only_the_contract_columns() -> None:
    proposal = whatsapp.Proposal(
        request_id="WA-0-20200601081500",
        sender_key="0" * 32,
        received_at=datetime(2020, 6, 1, 8, 15),
        phone="081345678901",
        nik=None,
        kecamatan="Halong",
        service="kk",
        likely=False,
        why=("first_message",),
        snippet="halo",
        chat=CHAT_A,
    )
    table = whatsapp_import.to_table([proposal])
    assert table.column_names == list(whatsapp_import.COLUMNS)
    assert table.to_pylist() == [
        {
            "request_id": "WA-0-20200601081500",
            "received_at": datetime(2020, 6, 1, 8, 15),
            "channel": "whatsapp",
            "service": "kk",
            "kecamatan": "Halong",
            "phone": "081345678901",
            "nik": None,
        }
    ]
    assert not re.search("halo|Chat", str(table.to_pylist()))
