"""The WhatsApp export parser and the request rules (issue 12, dashboard/whatsapp.py).

Chats are written here (tests/whatsapp_chats.py) in every format a phone writes; the
expected messages and requests are counted by hand in the comments there and here.
whatstk (dev only) is the reference parser: on the same files it must find the same
messages, senders and times.
"""

from __future__ import annotations

import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import pii, whatsapp
from dashboard.whatsapp import ChatError, read_chat, read_chats
from tests import whatsapp_chats as wc
from tests.whatsapp_chats import (  # noqa: F401 - the hook and fixture run both readers
    FORMATS,
    KECAMATAN,
    NIK,
    OFFICE,
    PARSED_FMT,
    RESIDENT,
    RESIDENT_NORM,
    WEEK,
    Ev,
    _reader,
    at,
    pytest_generate_tests,
    render,
    write,
)

KEY = b"test-key-for-whatsapp-0123456789"  # 32 bytes, tests only

# Every test here runs with both readers (`whatsapp_chats.pytest_generate_tests`).


def propose(chats, **kw):
    kw.setdefault("office", OFFICE)
    kw.setdefault("kecamatan", KECAMATAN)
    kw.setdefault("key", KEY)
    return whatsapp.propose(chats, **kw)


def expected_time(ev_at: datetime, fmt: str) -> datetime:
    # Android writes no seconds; iOS does
    return ev_at if fmt.startswith("ios") else wc.minute(ev_at)


# ------------------------------------------------------------------ every format, one week


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_the_week(tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path / wc.WEEK_FILE, WEEK, fmt)
    [chat] = read_chat(path)
    assert chat.name == wc.WEEK_FILE
    assert chat.fmt == PARSED_FMT[fmt]
    assert chat.problems == []
    assert chat.file_phone == RESIDENT_NORM
    assert len(chat.messages) == wc.WEEK_MESSAGES
    assert [m.sent_at for m in chat.messages] == [expected_time(e.at, fmt) for e in WEEK]
    # the notice has no sender on Android; iOS writes it under the chat's name
    notice_sender = OFFICE if fmt.startswith("ios") else ""
    assert [m.sender for m in chat.messages] == [e.sender or notice_sender for e in WEEK]
    assert [m.text.lstrip(wc.LRM) for m in chat.messages] == [e.text for e in WEEK]
    assert sum(m.system for m in chat.messages) == wc.WEEK_SYSTEM
    assert [m.system for m in chat.messages] == [
        e.sender is None or e.text in ("<Media tidak disertakan>", "Pesan ini telah dihapus")
        for e in WEEK
    ]
    # line numbers: the first resident message spans two lines, so the office's reply
    # after it starts on line 4
    assert [m.line for m in chat.messages[:4]] == [1, 2, 4, 5]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_proposes_the_weeks_two_requests(tmp_path: Path, fmt: str) -> None:
    [chat] = read_chat(write(tmp_path / wc.WEEK_FILE, WEEK, fmt))
    found = propose([chat])
    assert [p.received_at for p in found] == [expected_time(t, fmt) for t in wc.WEEK_REQUEST_TIMES]
    first, second = found
    assert first.phone == second.phone == RESIDENT_NORM
    assert first.sender_key == second.sender_key == pii.hash_value(RESIDENT_NORM, KEY)
    assert first.nik == NIK  # written two messages after the first, same request
    assert first.kecamatan == "Paringin Selatan"  # not "Paringin"
    assert first.service == "ktp_el"
    assert first.likely and first.why == ("nik", "words")
    assert second.nik is None and second.kecamatan is None
    assert second.service == "akta_lahir"
    assert second.likely and second.why == ("words",)
    assert first.chat == wc.WEEK_FILE
    assert first.snippet == "Assalamualaikum, mau daftar rekam KTP saya dari kec. Paringin Selatan"


def test_bom_crlf_and_marks_around_numbers(tmp_path: Path) -> None:
    # Android wraps a number in LTR embedding marks; Windows tools add CRLF and a BOM
    events = [
        e._replace(sender=f"\u202a{e.sender}\u202c") if e.sender == RESIDENT else e for e in WEEK
    ]
    path = write(tmp_path / "x.txt", events, "android-id", crlf=True, bom=True)
    [chat] = read_chat(path)
    assert len(chat.messages) == wc.WEEK_MESSAGES
    assert chat.messages[1].sender == RESIDENT
    assert chat.messages[1].text == WEEK[1].text  # no "\r" left
    assert chat.messages[0].line == 1


def test_twelve_hour_clock_edges(tmp_path: Path) -> None:
    # 12:xx AM is just after midnight, 12:xx PM just after noon; "pm" and "a.m." too
    text = (
        "6/8/20, 12:05\u202fAM - Siti: satu\n"
        "6/8/20, 12:05\u202fPM - Siti: dua\n"
        "6/8/20, 1:05 pm - Siti: tiga\n"
        "6/8/20, 11:59 p.m. - Siti: empat\n"
        "6/13/20, 9:00 AM - Siti: lima\n"
    )
    path = tmp_path / "x.txt"
    path.write_text(text, encoding="utf-8")
    [chat] = read_chat(path)
    assert chat.fmt == "android-12h"
    assert [m.sent_at for m in chat.messages] == [
        datetime(2020, 6, 8, 0, 5),
        datetime(2020, 6, 8, 12, 5),
        datetime(2020, 6, 8, 13, 5),
        datetime(2020, 6, 8, 23, 59),
        datetime(2020, 6, 13, 9, 0),  # 6/13 proves month-first
    ]
    assert chat.problems == []


# ------------------------------------------------------------------ system lines


def test_system_lines_of_both_languages(tmp_path: Path) -> None:
    # 9 lines, each a message; hand-marked which are WhatsApp's own
    text = "\n".join(
        [
            f"01/06/20 08.00 - {wc.ENCRYPTION_ID}",  # system, no sender
            f"01/06/20 08.01 - {wc.ENCRYPTION_EN}",  # system, no sender
            "01/06/20 08.02 - Siti bergabung menggunakan tautan undangan grup ini",  # system
            "01/06/20 08.03 - Siti: <Media omitted>",  # system, keeps its sender
            "01/06/20 08.04 - Siti: This message was deleted",  # system
            "01/06/20 08.05 - Siti: IMG-20200601-WA0001.jpg (file terlampir)",  # system
            "01/06/20 08.06 - Siti: mau rekam KTP",  # a message
            "01/06/20 08.07 - Siti: <Media tidak disertakan> maaf salah kirim",  # a message
            "01/06/20 08.08 - Siti: Anda menghapus pesan ini",  # system
        ]
    )
    path = tmp_path / "x.txt"
    path.write_text(text, encoding="utf-8")
    [chat] = read_chat(path)
    assert [m.system for m in chat.messages] == [True] * 6 + [False, False, True]
    assert [m.sender for m in chat.messages[:4]] == ["", "", "", "Siti"]
    # only 08.06 counts: one request
    [p] = propose([chat])
    assert p.received_at == datetime(2020, 6, 1, 8, 6)


def test_a_notice_written_under_the_chats_name_is_system(tmp_path: Path) -> None:
    # some Android exports write the notice as if the chat (a contact or the group) had
    # sent it; it must not become that sender's first message, nor a request
    text = (
        f"08/06/20 08.10 - Siti Aminah: {wc.ENCRYPTION_ID}\n"
        f"08/06/20 08.11 - Grup KTP: {wc.ENCRYPTION_EN}\n"
        "08/06/20 08.15 - Siti Aminah: mau rekam KTP\n"
    )
    path = tmp_path / "Chat WhatsApp dengan +62 852-1111-2222.txt"
    path.write_text(text, encoding="utf-8")
    [chat] = read_chat(path)
    assert [m.system for m in chat.messages] == [True, True, False]
    [p] = propose([chat])
    assert (p.received_at, p.phone) == (datetime(2020, 6, 8, 8, 15), "085211112222")


def test_ios_marked_lines_are_system(tmp_path: Path) -> None:
    text = (
        f"{wc.LRM}[01/06/20 08.00.00] Siti: {wc.LRM}{wc.ENCRYPTION_ID}\n"
        f"{wc.LRM}[01/06/20 08.00.10] Siti: {wc.LRM}gambar tidak disertakan\n"
        f"{wc.LRM}[01/06/20 08.00.20] Siti: {wc.LRM}<lampiran: 00000012-PHOTO-2020-06-01-08-00-20.jpg>\n"
        "[01/06/20 08.01.00] ~\u202fSiti: mau daftar\n"
    )
    path = tmp_path / "_chat.txt"
    path.write_text(text, encoding="utf-8")
    [chat] = read_chat(path)
    assert chat.fmt == "ios-24h"
    assert [m.system for m in chat.messages] == [True, True, True, False]
    assert {m.sender for m in chat.messages} == {"Siti"}


def test_a_chat_of_only_system_lines_says_so(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(f"01/06/20 08.00 - {wc.ENCRYPTION_ID}\n", encoding="utf-8")
    [chat] = read_chat(path)
    assert len(chat.messages) == 1
    assert chat.problems == ["the chat holds no messages from anyone, only WhatsApp's own lines"]
    assert propose([chat]) == []


# ------------------------------------------------------------------ bad input


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kosong.txt"
    path.write_bytes(b"")
    with pytest.raises(ChatError, match=r"^kosong\.txt is empty: it holds no messages$"):
        read_chat(path)
    path.write_text("\n \n", encoding="utf-8")
    with pytest.raises(ChatError, match="is empty"):
        read_chat(path)


def test_not_a_chat_is_refused_in_one_line_without_echoing_it(tmp_path: Path) -> None:
    path = tmp_path / "catatan.txt"
    path.write_text(f"Daftar antrian\nNIK {NIK} telp {RESIDENT}\nBu Siti\n", encoding="utf-8")
    with pytest.raises(ChatError) as err:
        read_chat(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("catatan.txt is not a WhatsApp chat export")
    for secret in (NIK, "4567", "Siti", "antrian"):
        assert secret not in msg


@pytest.mark.parametrize(
    "first_line",
    [
        "2020-06-08 08:15 - Siti: halo",  # year first (Swedish, Korean phones)
        "2020/06/08 8:15 - Siti: halo",  # year first (Japanese)
        "08.06.2020 um 08:15 schrieb Siti: halo",  # not a WhatsApp line at all
    ],
)
def test_other_languages_formats_are_refused(tmp_path: Path, first_line: str) -> None:
    path = tmp_path / "x.txt"
    path.write_text(first_line + "\n", encoding="utf-8")
    with pytest.raises(ChatError, match="is not a WhatsApp chat export"):
        read_chat(path)


def test_a_broken_date_is_one_problem_and_good_messages_stay(tmp_path: Path) -> None:
    # 5 lines: 31/02 does not exist, 25.61 is no time; the 3 others are kept
    text = (
        "28/02/20 08.00 - Siti: satu\n"
        "31/02/20 08.00 - Siti: dua\n"
        "lanjutan dua\n"  # belongs to the broken message: dropped with it
        "01/03/20 25.61 - Siti: tiga\n"
        "01/03/20 08.00 - Siti: empat\n"
        "02/03/20 08.00 - Siti: lima\n"
    )
    path = tmp_path / "x.txt"
    path.write_text(text, encoding="utf-8")
    [chat] = read_chat(path)
    assert [m.text for m in chat.messages] == ["satu", "empat", "lima"]
    assert [m.line for m in chat.messages] == [1, 5, 6]
    assert chat.problems == [
        "line 2: the date 31/02/20 does not exist",
        "line 4: the time 25.61 does not exist",
    ]


def test_lines_before_the_first_message_are_skipped_and_said(tmp_path: Path) -> None:
    # a forwarded export often starts with a line someone typed above it
    path = tmp_path / "x.txt"
    path.write_text("Chat minggu ini:\n\n08/06/20 08.15 - Siti: halo\n", encoding="utf-8")
    [chat] = read_chat(path)
    assert [(m.line, m.text) for m in chat.messages] == [(3, "halo")]
    assert chat.problems == ["lines 1-2 come before the first message and were skipped"]


def test_undecodable_bytes_are_counted_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b"08/06/20 08.15 - Siti: caf\xe9 \xff\n08/06/20 08.16 - Siti: ok\n")
    [chat] = read_chat(path)
    assert len(chat.messages) == 2
    assert chat.problems == ["2 invalid UTF-8 sequences were replaced"]
    assert chat.messages[0].text == "caf\ufffd \ufffd"


def test_utf16_export_is_read(tmp_path: Path) -> None:
    # some Windows tools re-save an export as "Unicode" (UTF-16 with a BOM)
    path = tmp_path / "x.txt"
    path.write_bytes(render(WEEK, "android-id").encode("utf-16"))
    [chat] = read_chat(path)
    assert len(chat.messages) == wc.WEEK_MESSAGES
    assert chat.problems == []


def test_unreadable_path_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ChatError, match=r"^hilang\.txt cannot be read"):
        read_chat(tmp_path / "hilang.txt")


# ------------------------------------------------------------------ day and month order


def test_month_first_is_proven_by_a_second_field_above_12(tmp_path: Path) -> None:
    path = write(tmp_path / "x.txt", [Ev(at(13, 9, 0, month=6), "Siti", "a")], "android-us")
    [chat] = read_chat(path)
    assert chat.messages[0].sent_at == datetime(2020, 6, 13, 9, 0)
    assert chat.problems == []


def test_ambiguous_dates_follow_time_order(tmp_path: Path) -> None:
    # 1/2, 1/3, 2/1 (all fields <= 12, English clock): read day-first they go 1 Feb,
    # 1 Mar, 2 Jan (backwards once); month-first 2 Jan, 3 Jan, 1 Feb (in order): month-first
    text = "1/2/20, 09:00 - Siti: a\n1/3/20, 09:00 - Siti: b\n2/1/20, 09:00 - Siti: c\n"
    path = tmp_path / "x.txt"
    path.write_text(text, encoding="utf-8")
    [chat] = read_chat(path)
    assert [m.sent_at.date() for m in chat.messages] == [
        datetime(2020, 1, 2).date(),
        datetime(2020, 1, 3).date(),
        datetime(2020, 2, 1).date(),
    ]
    assert chat.problems == []


def test_undecidable_dates_are_read_day_first_with_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("5/6/20, 09:00 - Siti: a\n", encoding="utf-8")
    [chat] = read_chat(path)
    assert chat.messages[0].sent_at == datetime(2020, 6, 5, 9, 0)
    assert chat.problems == [
        "the day and month order cannot be told from the dates; read as day-first"
    ]


def test_dotted_times_are_indonesian_so_day_first(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("05/06/20 09.00 - Siti: a\n", encoding="utf-8")
    [chat] = read_chat(path)
    assert chat.messages[0].sent_at == datetime(2020, 6, 5, 9, 0)
    assert chat.problems == []


# ------------------------------------------------------------------ zip exports


def test_zip_with_attachments_reads_the_chat_only(tmp_path: Path) -> None:
    chat_text = render(WEEK, "android-id")
    path = wc.zip_export(
        tmp_path / "export.zip",
        {
            wc.WEEK_FILE: chat_text,
            "IMG-20200608-WA0001.jpg": b"\xff\xd8\xff\xe0 not really a jpeg",
            # a document the resident sent: a .txt that is no chat, ignored
            "syarat.txt": "Syarat perekaman: fotokopi KK\n",
        },
    )
    [chat] = read_chat(path)
    assert chat.name == f"export.zip/{wc.WEEK_FILE}"
    assert chat.file_phone == RESIDENT_NORM
    assert len(chat.messages) == wc.WEEK_MESSAGES
    assert len(propose([chat])) == 2


def test_ios_zip_takes_the_number_from_the_zips_name(tmp_path: Path) -> None:
    # iOS names the zip "WhatsApp Chat - <contact>.zip" and the chat inside "_chat.txt";
    # the resident is saved as a contact, so the lines show a name
    events = [e._replace(sender="Ibu Siti") if e.sender == RESIDENT else e for e in WEEK]
    name = f"WhatsApp Chat - {RESIDENT}.zip"
    path = wc.zip_export(tmp_path / name, {"_chat.txt": render(events, "ios-en")})
    [chat] = read_chat(path)
    assert chat.name == f"{name}/_chat.txt"
    assert chat.file_phone == RESIDENT_NORM
    found = propose([chat])
    assert [p.phone for p in found] == [RESIDENT_NORM, RESIDENT_NORM]


def test_truncated_zip_is_one_line(tmp_path: Path) -> None:
    good = wc.zip_export(tmp_path / "good.zip", {wc.WEEK_FILE: render(WEEK, "android-id") * 50})
    data = good.read_bytes()
    path = tmp_path / "putus.zip"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ChatError) as err:
        read_chat(path)
    assert str(err.value).startswith("putus.zip is a damaged or truncated zip")
    assert "\n" not in str(err.value)


def test_damaged_member_and_encrypted_zip_are_one_line(tmp_path: Path) -> None:
    chat_text = render(WEEK, "android-id") * 20
    good = wc.zip_export(tmp_path / "good.zip", {wc.WEEK_FILE: chat_text}).read_bytes()
    # the compressed bytes of the member overwritten: the directory reads, the data not
    start = good.index(wc.WEEK_FILE.encode()) + len(wc.WEEK_FILE)
    damaged = (
        good[:start] + bytes(b ^ 0x5A for b in good[start : start + 200]) + good[start + 200 :]
    )
    (tmp_path / "rusak.zip").write_bytes(damaged)
    with pytest.raises(ChatError, match=r"^rusak\.zip is a damaged or truncated zip"):
        read_chat(tmp_path / "rusak.zip")
    # the "encrypted" flag set in both headers, as a password-protected export has it
    flagged = bytearray(good)
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = flagged.index(sig) + offset
        flagged[i] |= 0x01
    (tmp_path / "sandi.zip").write_bytes(bytes(flagged))
    with pytest.raises(ChatError, match=r"^sandi\.zip is a password-protected zip"):
        read_chat(tmp_path / "sandi.zip")


def test_zip_without_a_chat_is_refused(tmp_path: Path) -> None:
    path = wc.zip_export(tmp_path / "foto.zip", {"IMG-1.jpg": b"\xff\xd8"})
    with pytest.raises(ChatError, match=r"^foto\.zip holds no chat: no \.txt file inside the zip$"):
        read_chat(path)


def test_zip_bomb_is_refused_before_reading(tmp_path: Path, monkeypatch) -> None:
    # a 3 MB member of one repeated byte compresses ~1000x: above the 200x ratio allowed
    path = tmp_path / "bom.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(wc.WEEK_FILE, b"0" * (3 << 20))
    with pytest.raises(ChatError, match="too large for a chat export"):
        read_chat(path)
    # and one larger than the size limit (lowered here, not 200 MB written in a test)
    monkeypatch.setattr(whatsapp, "MAX_MEMBER_BYTES", 100)
    path2 = wc.zip_export(tmp_path / "besar.zip", {wc.WEEK_FILE: render(WEEK, "android-id")})
    with pytest.raises(ChatError, match="too large for a chat export"):
        read_chat(path2)


# ------------------------------------------------------------------ many files at once


def test_read_chats_expands_folders_and_names_refused_files(tmp_path: Path) -> None:
    week = tmp_path / "minggu"
    (week / "sub").mkdir(parents=True)
    write(week / wc.WEEK_FILE, WEEK, "android-id")
    write(week / "sub" / wc.GROUP_FILE, wc.GROUP, "android-id")
    wc.zip_export(week / "ios.zip", {"_chat.txt": render(WEEK, "ios-id")})
    (week / "catatan.txt").write_text("bukan chat\n", encoding="utf-8")
    (week / "foto.jpg").write_bytes(b"\xff\xd8")  # neither .txt nor .zip: not looked at
    single = write(tmp_path / "lain.txt", WEEK[:3], "android-en")
    chats, refused = read_chats([week, single])
    assert sorted(c.name for c in chats) == sorted(
        [
            f"minggu/{wc.WEEK_FILE}",
            f"minggu/sub/{wc.GROUP_FILE}",
            "minggu/ios.zip/_chat.txt",
            "lain.txt",
        ]
    )
    assert refused == [
        "minggu/catatan.txt is not a WhatsApp chat export in a format read here: no line like "
        "'08/06/20 08.15 - Name: message' or '[08/06/20 08.15.23] Name: message'"
    ]


def test_read_chats_of_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "kosong").mkdir()
    assert read_chats([tmp_path / "kosong"]) == ([], ["kosong holds no .txt or .zip chat export"])


# ------------------------------------------------------------------ senders and identity


def test_group_chat_requests(tmp_path: Path) -> None:
    [chat] = read_chat(write(tmp_path / wc.GROUP_FILE, wc.GROUP, "android-id"))
    assert chat.file_phone is None  # a group is named by its name
    assert len(chat.messages) == len(wc.GROUP)
    assert [m.system for m in chat.messages].count(True) == 4
    found = propose([chat])
    assert len(found) == wc.GROUP_REQUESTS
    by_time = {p.received_at: p for p in found}
    assert sorted(by_time) == [at(1, 9, 0), at(2, 10, 0), at(2, 11, 0), at(20, 10, 0)]
    assert by_time[at(1, 9, 0)].phone == "081150001001"
    assert by_time[at(1, 9, 0)].likely
    assert by_time[at(2, 10, 0)].phone == "082250002002"
    assert not by_time[at(2, 10, 0)].likely
    assert by_time[at(2, 10, 0)].why == ("first_message",)
    rina = by_time[at(2, 11, 0)]
    assert rina.phone is None  # a contact name in a group: no number to be had
    assert rina.sender_key == pii.hash_value("name:bu rina", KEY)
    assert (rina.service, rina.kecamatan) == ("kk", "Juai")
    assert by_time[at(20, 10, 0)].sender_key == by_time[at(1, 9, 0)].sender_key


def test_contact_name_in_a_one_to_one_chat_takes_the_files_number(tmp_path: Path) -> None:
    events = [e._replace(sender="Siti Aminah") if e.sender == RESIDENT else e for e in WEEK]
    [chat] = read_chat(
        write(tmp_path / "Chat WhatsApp dengan +62 852-1111-2222.txt", events, "android-id")
    )
    found = propose([chat])
    assert [p.phone for p in found] == ["085211112222"] * 2
    assert found[0].sender_key == pii.hash_value("085211112222", KEY)


def test_contact_name_without_a_number_still_counts(tmp_path: Path) -> None:
    events = [e._replace(sender="Pak Budi") if e.sender == RESIDENT else e for e in WEEK]
    [chat] = read_chat(write(tmp_path / "Chat WhatsApp dengan Pak Budi.txt", events, "android-id"))
    assert chat.file_phone is None
    found = propose([chat])
    assert len(found) == 2
    assert {p.phone for p in found} == {None}
    assert found[0].sender_key == pii.hash_value("name:pak budi", KEY)


def test_two_names_in_a_numbered_chat_do_not_get_the_number(tmp_path: Path) -> None:
    # the office not configured: its own name is a second named sender, so which name
    # is the number's owner cannot be told; each stays a name
    events = [e._replace(sender="Siti") if e.sender == RESIDENT else e for e in WEEK]
    [chat] = read_chat(write(tmp_path / wc.WEEK_FILE, events, "android-id"))
    found = propose([chat], office=())
    assert {p.phone for p in found} == {None}
    # Siti's two requests and the office's first reply (08/06 08:20; its 15/06 reply is
    # inside that window): 3
    assert len(found) == 3


def test_office_is_recognised_by_number_and_by_name(tmp_path: Path) -> None:
    office_no = "+62 811-5100-0000"
    events = [
        Ev(at(1, 9, 0), RESIDENT, "mau rekam KTP"),
        Ev(at(1, 9, 5), office_no, "silakan"),
        Ev(at(1, 9, 6), "  disdukcapil   BALANGAN ", "jadwal Senin"),
        Ev(at(1, 9, 7), "Petugas Loket", "oke"),
    ]
    [chat] = read_chat(write(tmp_path / "x.txt", events, "android-id"))
    # the office given as its number written another way, and two names
    found = propose([chat], office=["0811 5100 0000", "Disdukcapil Balangan", " petugas loket"])
    assert [p.phone for p in found] == [RESIDENT_NORM]


def test_a_resident_in_two_exports_is_one_sender(tmp_path: Path) -> None:
    # the same conversation exported from two office phones (two file names)
    a = write(tmp_path / "a.txt", WEEK[:5], "android-id")
    b = write(tmp_path / "b.txt", WEEK[5:], "android-en")
    chats, refused = read_chats([a, b])
    assert refused == []
    found = propose(chats)
    assert [p.received_at for p in found] == [wc.minute(t) for t in wc.WEEK_REQUEST_TIMES]
    assert [p.chat for p in found] == ["a.txt", "b.txt"]


# ------------------------------------------------------------------ the window


def _times(*offsets: timedelta) -> list[Ev]:
    start = at(1, 8, 0)
    return [Ev(start + d, RESIDENT, "halo") for d in offsets]


@pytest.mark.parametrize(
    ("second_after", "requests"),
    [
        (timedelta(days=14) - timedelta(minutes=1), 1),  # inside the window
        (timedelta(days=14), 2),  # exactly 14 x 24 h: a new request
        (timedelta(days=14, minutes=1), 2),
    ],
)
def test_window_boundary(tmp_path: Path, second_after: timedelta, requests: int) -> None:
    [chat] = read_chat(write(tmp_path / "x.txt", _times(timedelta(0), second_after), "android-id"))
    assert len(propose([chat])) == requests


def test_window_runs_from_the_request_not_from_the_last_message(tmp_path: Path) -> None:
    # messages every 10 days: 0 (request), 10 (inside), 20 (20 days after the request:
    # new), 30 (10 after the second: inside), 40 (new) -> 3 requests
    days = [timedelta(days=d) for d in (0, 10, 20, 30, 40)]
    [chat] = read_chat(write(tmp_path / "x.txt", _times(*days), "android-id"))
    assert [p.received_at for p in propose([chat])] == [
        at(1, 8, 0),
        at(21, 8, 0),
        at(11, 8, 0, month=7),
    ]


def test_window_days_is_configurable(tmp_path: Path) -> None:
    days = [timedelta(days=d) for d in (0, 3, 6)]
    [chat] = read_chat(write(tmp_path / "x.txt", _times(*days), "android-id"))
    assert len(propose([chat], window_days=3)) == 3  # 0, 3 (exactly 3 x 24 h), 6
    assert len(propose([chat], window_days=7)) == 1
    with pytest.raises(ValueError, match="window_days"):
        propose([chat], window_days=0)


# ------------------------------------------------------------------ known requests


def test_an_overlapping_export_proposes_only_what_is_new(tmp_path: Path) -> None:
    [week1] = read_chat(write(tmp_path / "w1.txt", WEEK[:7], "android-id"))
    first = propose([week1])
    assert [p.received_at for p in first] == [wc.minute(wc.WEEK_REQUEST_TIMES[0])]
    # next week's export repeats the first week and adds the 22/06 message
    [week2] = read_chat(write(tmp_path / "w2.txt", WEEK, "android-id"))
    known = {first[0].sender_key: [first[0].received_at]}
    again = propose([week2], known=known)
    assert [p.received_at for p in again] == [wc.minute(wc.WEEK_REQUEST_TIMES[1])]
    # without `known` the same first request comes back with the same ID
    assert propose([week2])[0].request_id == first[0].request_id


def test_a_stored_request_shortly_after_covers_an_older_message(tmp_path: Path) -> None:
    # the store has a request on 10/06 (a newer export came first); an older export
    # with a message on 01/06 must not add a second request to that conversation
    [chat] = read_chat(write(tmp_path / "x.txt", _times(timedelta(0)), "android-id"))
    key = pii.hash_value(RESIDENT_NORM, KEY)
    assert propose([chat], known={key: [at(10, 8, 0)]}) == []
    # ... but one more than 14 days later does not
    assert len(propose([chat], known={key: [at(15, 8, 0)]})) == 1
    # a stored request 14 days before the message no longer covers it
    [later] = read_chat(write(tmp_path / "y.txt", _times(timedelta(days=14)), "android-id"))
    assert len(propose([later], known={key: [at(1, 8, 0)]})) == 1


def test_request_id_is_stable_and_holds_no_personal_data(tmp_path: Path) -> None:
    [chat] = read_chat(write(tmp_path / wc.WEEK_FILE, WEEK, "android-id"))
    p = propose([chat])[0]
    prefix = whatsapp.request_id_prefix(p.sender_key)
    assert p.request_id == prefix + "20200608081500"
    assert prefix == f"WA-{p.sender_key[:16]}-"
    assert all(c in "0123456789abcdef-WA" for c in p.request_id)
    assert "4567" not in p.request_id.replace("20200608081500", "")
    # another window or kecamatan list, another run: the same ID
    assert propose([chat], window_days=30, kecamatan=())[0].request_id == p.request_id
    # another key: another ID (the key is the installation's secret)
    assert whatsapp.propose([chat], office=OFFICE, key=b"x" * 32)[0].request_id != p.request_id


# ------------------------------------------------------------------ what a request holds


@pytest.mark.parametrize(
    ("text", "service", "kecamatan", "nik", "why"),
    [
        ("mau rekam KTP, bawa KK?", "ktp_el", None, None, ("words",)),  # KTP named first
        ("Urus Kartu Keluarga baru", "kk", None, None, ("words",)),
        ("akte kematian bapak saya", "akta_mati", None, None, ("words",)),
        ("akta untuk anak", "akta_lahir", None, None, ("words",)),
        ("minta surat pindah ke Banjarmasin", "pindah", None, None, ("words",)),
        ("pendaftaran e-KTP di PARINGIN", "ktp_el", "Paringin", None, ("words",)),
        ("saya di paringin   selatan", "ktp_el", "Paringin Selatan", None, ("first_message",)),
        ("kami dari Juaian", "ktp_el", None, None, ("first_message",)),  # not Juai
        ("Tebing Tinggi, nik 6308 0112 3456 0001", "ktp_el", "Tebing Tinggi", NIK, ("nik",)),
        ("nomor 163080112345600012", "ktp_el", None, None, ("first_message",)),  # 18 digits
        ("perekaman", "ktp_el", None, None, ("words",)),
        ("terdaftar belum", "ktp_el", None, None, ("first_message",)),  # not "daftar"
    ],
)
def test_fields_read_from_the_message(
    tmp_path: Path,
    text: str,
    service: str,
    kecamatan: str | None,
    nik: str | None,
    why: tuple[str, ...],
) -> None:
    [chat] = read_chat(write(tmp_path / "x.txt", [Ev(at(1, 8, 0), RESIDENT, text)], "android-id"))
    [p] = propose([chat])
    assert (p.service, p.kecamatan, p.nik, p.why) == (service, kecamatan, nik, why)
    assert p.likely == (why != ("first_message",))


def test_snippet_is_short_and_masked(tmp_path: Path) -> None:
    text = f"Assalamualaikum pak saya mau daftar rekam KTP NIK {NIK} hp 0813 4567 8901 terima kasih banyak"
    [chat] = read_chat(write(tmp_path / "x.txt", [Ev(at(1, 8, 0), RESIDENT, text)], "android-id"))
    [p] = propose([chat])
    assert p.snippet == (
        "Assalamualaikum pak saya mau daftar rekam KTP NIK **************** hp **** **** …"
    )


def test_problems_and_errors_never_hold_message_text(tmp_path: Path) -> None:
    text = f"31/02/20 08.00 - {RESIDENT}: NIK {NIK}\n01/03/20 08.00 - Siti: ok\n"
    path = tmp_path / "x.txt"
    path.write_text(text, encoding="utf-8")
    [chat] = read_chat(path)
    joined = " ".join(chat.problems)
    assert "4567" not in joined and NIK not in joined and "Siti" not in joined


# ------------------------------------------------------------------ whatstk as reference


def _whatstk_frame(path: Path):
    from whatstk.whatsapp.objects import WhatsAppChat

    return WhatsAppChat.from_source(str(path)).df


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_as_whatstk(tmp_path: Path, fmt: str) -> None:
    # whatstk drops lines without "Name: " (and, in a 24-hour file with dotted times,
    # glues such a line to the next sender's name: its parser lets a name span lines),
    # so the reference chat holds only lines with a sender; everything else is as above
    events = [e for e in WEEK + wc.shift(wc.GROUP, timedelta(days=30)) if e.sender is not None]
    path = write(tmp_path / "x.txt", events, fmt)
    df = _whatstk_frame(path)
    [chat] = read_chat(path)
    assert len(df) == len(chat.messages) == len(events)
    assert list(df["date"].dt.to_pydatetime()) == [m.sent_at for m in chat.messages]
    # whatstk keeps iOS's "~ " before a name (as a plain space after its NFKC folding)
    assert [u.removeprefix("~ ") for u in df["username"]] == [m.sender for m in chat.messages]
    assert list(df["message"]) == [m.text for m in chat.messages]


def test_same_as_whatstk_where_it_drops_system_lines(tmp_path: Path) -> None:
    # English 24-hour: whatstk drops the sender-less lines we mark as system
    path = write(tmp_path / wc.GROUP_FILE, wc.GROUP, "android-en")
    df = _whatstk_frame(path)
    [chat] = read_chat(path)
    ours = [m for m in chat.messages if m.sender]
    assert len(df) == len(ours) == 6
    assert list(df["date"].dt.to_pydatetime()) == [m.sent_at for m in ours]
    assert list(df["username"]) == [m.sender for m in ours]


def test_whatstk_is_not_imported_by_the_runtime() -> None:
    import dashboard.whatsapp  # noqa: F401

    src = Path(whatsapp.__file__).read_text(encoding="utf-8")
    assert "whatstk" not in src.replace("`whatstk`", "")
    for mod in ("plotly", "seaborn", "matplotlib"):
        assert mod not in src


# ------------------------------------------------------------------ round trip


_SENDERS = st.sampled_from([RESIDENT, "+62 852-1111-2222", "Siti Aminah", OFFICE, "Bu Rina"])
_TEXT = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp")),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
# a message that is only one of WhatsApp's placeholders ("null", "image omitted") is a
# system line by design; the round trip is about what people write
_LINES = (
    st.lists(_TEXT, min_size=1, max_size=3)
    .map("\n".join)
    .filter(lambda t: t not in whatsapp._PLACEHOLDERS)
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fmt=st.sampled_from(FORMATS),
    steps=st.lists(
        st.tuples(st.integers(0, 60 * 24 * 20), _SENDERS, _LINES), min_size=1, max_size=30
    ),
)
def test_round_trip(tmp_path: Path, fmt: str, steps: list[tuple[int, str, str]]) -> None:
    # any chat, written in any format, reads back message for message. Its first message
    # is on the 13th, so that its first date tells day-first from month-first in every
    # format (a US chat of only 1/7 and 2/7 cannot be read right: see the tests above)
    t = datetime(2020, 6, 13, 0, 0, 7)
    events = []
    for i, (minutes, sender, text) in enumerate(steps):
        t += timedelta(minutes=minutes if i else 0)
        events.append(Ev(t, sender, text))
    path = tmp_path / "x.txt"
    path.write_text(render(events, fmt), encoding="utf-8")
    [chat] = read_chat(path)
    assert len(chat.messages) == len(events)
    assert [m.sent_at for m in chat.messages] == [expected_time(e.at, fmt) for e in events]
    assert [m.sender for m in chat.messages] == [e.sender for e in events]
    assert [m.text for m in chat.messages] == [e.text for e in events]
    # and every resident gets at least one request, the office none
    residents = {
        pii.normalize_phone(e.sender) if e.sender[0] == "+" else e.sender
        for e in events
        if e.sender != OFFICE
    }
    found = propose([chat])
    assert len({p.sender_key for p in found}) == len(residents)


def test_garbage_collector_is_running_again_afterwards(tmp_path: Path) -> None:
    # the parser pauses the collector while it builds its tuples: never for good
    import gc

    assert gc.isenabled()
    [chat] = read_chat(write(tmp_path / "x.txt", WEEK, "android-id"))
    assert gc.isenabled()
    propose([chat])
    assert gc.isenabled()
    with pytest.raises(ValueError):
        propose([chat], window_days=0)
    assert gc.isenabled()


def test_importing_the_parser_loads_no_page_framework_plotting_or_reference() -> None:
    # a fresh interpreter: what importing the module pulls in, and nothing else
    import subprocess

    code = (
        "import sys, dashboard.whatsapp; "
        "print(sorted(m for m in ('streamlit', 'pandas', 'whatstk', 'plotly', 'seaborn', "
        "'matplotlib') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


# ------------------------------------------------- column-wise against the reference


def _as_read(events: list[Ev], fmt: str, chat_name: str = OFFICE) -> list[whatsapp.Message]:
    """The messages `read_chat` must find in `events` written in `fmt`, worked out one by
    one from the events (the straightforward reading)."""
    out, line_no = [], 1
    for e in events:
        ios = fmt.startswith("ios")
        text = (wc.LRM + e.text) if ios and e.sender is None else e.text
        sender = e.sender if e.sender is not None else (chat_name if ios else "")
        system = (
            e.sender is None
            or text in whatsapp._PLACEHOLDERS
            or text.startswith(wc.LRM)
            or text.startswith(whatsapp._NOTICES)
        )
        out.append(whatsapp.Message(expected_time(e.at, fmt), sender, text, line_no, system))
        line_no += e.text.count("\n") + 1
    return out


@pytest.mark.parametrize("seed", range(8))
def test_column_wise_parse_and_rules_match_the_reference(tmp_path: Path, seed: int) -> None:
    # generated chats (multi-line texts, office replies, system lines, placeholders, gaps
    # of 0 s to 20 days, windows hit exactly): the messages are the ones worked out line by
    # line, and `propose` (numpy, column-wise) gives what the rules as first written
    # (message by message: `wc.reference_propose`) give, with and without stored
    # requests, through the lazily built messages of `read_chat` and through plain lists
    import dataclasses
    import pickle
    import random

    rng = random.Random(seed)
    fmt = ("android-id", "ios-id", "android-en", "ios-en")[seed % 4]
    people = [RESIDENT, "+62 811-5000-1001", "+62 822-5000-2002", "Bu Rina", "Siti"]
    names = [wc.WEEK_FILE, "Chat WhatsApp dengan Antrian.txt", "WhatsApp Chat with Siti.txt"]
    chats = []
    for k, name in enumerate(names):
        events = wc.random_chat(
            rng,
            start=datetime(2020, 6, 13 + k, 8, 0, 7),
            senders=rng.sample(people, rng.randint(1, 3)),
            n=rng.randint(20, 150),
        )
        [chat] = read_chat(write(tmp_path / name, events, fmt))
        assert chat.messages == _as_read(events, fmt)
        assert list(chat.messages) == _as_read(events, fmt)
        assert chat.messages[1:4] == _as_read(events, fmt)[1:4]
        assert pickle.loads(pickle.dumps(chat)) == chat  # st.cache_data pickles
        chats.append(chat)
    plain = [dataclasses.replace(c, messages=list(c.messages)) for c in chats]
    # a chat built by hand: times out of order (a phone clock set back), ties, microseconds
    shuffled = list(plain[0].messages)
    rng.shuffle(shuffled)
    shuffled = [
        m._replace(sent_at=m.sent_at + timedelta(microseconds=rng.choice([0, 0, 1, 999])))
        for m in shuffled
    ]
    by_hand = whatsapp.Chat("by hand.txt", "android-24h", shuffled, [], wc.RESIDENT_NORM)

    base = wc.reference_propose(plain, office=OFFICE, kecamatan=KECAMATAN, key=KEY)
    assert base
    stored: dict[str, list[datetime]] = {}
    for p in rng.sample(base, min(6, len(base))):
        days = rng.choice([-20, -14, -13, -1, 0, 0, 3, 13, 14, 15])
        stored.setdefault(p.sender_key, []).append(p.received_at + timedelta(days=days))
    for kw in ({}, {"window_days": 1}, {"window_days": 3}, {"known": stored}, {"office": ()}):
        args = {"office": OFFICE, "kecamatan": KECAMATAN, "key": KEY} | kw
        want = wc.reference_propose(plain, **args)
        assert whatsapp.propose(chats, **args) == want
        assert whatsapp.propose(plain, **args) == want
        mixed = [by_hand, *chats]
        assert whatsapp.propose(mixed, **args) == wc.reference_propose(mixed, **args)


def test_time_span_without_building_messages(tmp_path: Path, monkeypatch) -> None:
    # earliest and latest message over the chats: from the lazily read columns (no
    # Message built), from plain lists, mixed, and None when nothing was read
    import dataclasses

    month = timedelta(days=30)
    events = [
        Ev(at(3, 9, 0), RESIDENT, "b"),
        Ev(at(1, 8, 0), RESIDENT, "a"),
        Ev(at(9, 23, 59), OFFICE, "c"),
        Ev(at(2, 7, 0), None, "x bergabung"),
    ]
    [chat] = read_chat(write(tmp_path / "a.txt", events, "ios-id"))
    [other] = read_chat(write(tmp_path / "b.txt", wc.shift(events, month), "android-id"))
    monkeypatch.setattr(whatsapp._Messages, "_list", lambda self: pytest.fail("built"))
    assert whatsapp.time_span([chat]) == (at(1, 8, 0), at(9, 23, 59))
    assert whatsapp.time_span([other, chat]) == (at(1, 8, 0), at(9, 23, 59) + month)
    monkeypatch.undo()
    plain = dataclasses.replace(other, messages=list(other.messages))
    assert whatsapp.time_span([chat, plain]) == (at(1, 8, 0), at(9, 23, 59) + month)
    assert whatsapp.time_span([plain]) == (at(1, 8, 0) + month, at(9, 23, 59) + month)
    empty = dataclasses.replace(chat, messages=[])
    assert whatsapp.time_span([]) is None
    assert whatsapp.time_span([empty]) is None
    assert whatsapp.time_span([empty, chat]) == (at(1, 8, 0), at(9, 23, 59))


# ------------------------------------------- the request fields, column-wise (RE2)

# pieces of text where Python's `re` and RE2 (pyarrow) could part ways: word boundaries
# (digits, "_", a match inside a word that runs on over a space or dash), every ASCII
# space Python's `\s` takes, non-ASCII letters, digits and spaces, case changes that
# lengthen the text, the characters the column-wise reading uses itself, NIK edges
_PIECES = (
    "ktp",
    "KTP",
    "e-ktp",
    "E-KTP",
    "xe-ktp",
    "ktp-el",
    "ktp el",
    "ktpel",
    "xktp el",
    "kk",
    "kkk",
    "5kk",
    "_kk",
    "kk_",
    "kk5",
    "kartu",
    "keluarga",
    "kartu keluarga",
    "kartu\nkeluarga",
    "kartu\x0bkeluarga",
    "kartu\x1ckeluarga",
    "kartu\x85keluarga",
    "kartu\u00a0keluarga",
    "akta",
    "akte",
    "akta kematian",
    "akta\tkelahiran",
    "aktax",
    "xakta lahir",
    "surat pindah",
    "xsurat pindah",
    "surat  pindah",
    "pindahan",
    "skpwni",
    "daftar",
    "didaftarkan",
    "mendaftarkan",
    "pendaftaran",
    "daftaran",
    "rekaman",
    "perekaman",
    "merekam",
    "paringin",
    "Paringin Selatan",
    "paringin\nselatan",
    "xparingin selatan",
    "paringin selatanx",
    "tebing tinggi",
    "TEBING\tTINGGI",
    "juai",
    "Juai",
    "halong",
    "awayan",
    "İstanbul",
    "ΣΑΣ",
    "é",
    "😀",
    "\x00",
    "\x01",
    "\u200e",
    "6308011234560001",
    "6308 0112 3456 0001",
    "63080112345600011",
    "x99123 4567 8901 2345 6789",
    "٦٣٠٨٠١١٢٣٤٥٦٠٠٠١",
    "6308-0112-3456-0001",
    "6308.0112.3456.0001",
    "1234 5678 9012 3456 7",
    "a6308011234560001",
    "９６３０８０１１２３４５６０００１",
    "6308\u00a00112 3456 0001",
    " ",
    "\n",
    ",",
    "-",
    "_",
    "x",
    "7",
)


@pytest.mark.parametrize("seed", range(6))
def test_request_fields_column_wise_are_the_rules(seed: int) -> None:
    # the column-wise reading (RE2 where exact, Python's `re` in one pass elsewhere)
    # gives each request's NIK, kecamatan, service and words exactly as the rules read
    # request by request (`_fields_per_request`), for texts built from tricky pieces
    import random

    from dashboard import whatsapp_columns

    rng = random.Random(seed)
    names = [
        KECAMATAN,
        (),
        ("Paringin", "Paringin Selatan", "Sungai-Tabuk", "Ünye"),  # names RE2 is not given
        ("Kk", "Batu  Mandi", "Tebing Tinggi"),
    ][seed % 4]
    scan, canon = whatsapp._scanner(names)
    joined = []
    for _ in range(1500):
        parts = [rng.choice(_PIECES) for _ in range(rng.randint(0, 8))]
        seps = [rng.choice(["", " ", " ", "\n", ", ", "-", "x", "9"]) for _ in parts]
        text = "".join(p + s for p, s in zip(parts, seps, strict=True))
        if rng.random() < 0.3:
            text = "\n".join([text, *rng.sample(_PIECES, 2)])  # more messages
        joined.append(text)
    assert whatsapp_columns.fields(joined, scan, canon) == whatsapp._fields_per_request(
        joined, scan, canon
    )
    if names == KECAMATAN:
        assert whatsapp_columns._re2_patterns(scan.pattern) is not None
    ascii_only = [t for t in joined if t.isascii() and "\x01" not in t]
    assert whatsapp_columns.fields(ascii_only, scan, canon) == whatsapp._fields_per_request(
        ascii_only, scan, canon
    )
    assert whatsapp_columns.fields([], scan, canon) == ([], [], [], [])


@pytest.mark.parametrize("seed", range(3))
def test_senders_numbers_column_wise_are_the_rules(seed: int) -> None:
    # many senders' numbers are read column-wise (RE2): exactly `_phone_of` of each
    import random

    from dashboard import whatsapp_columns

    rng = random.Random(seed)
    chars = "0123456789" * 4 + "+ -()" * 3 + "\u00a0\u202f٣９.:aZ_\u200e"
    senders = ["".join(rng.choice(chars) for _ in range(rng.randint(0, 22))) for _ in range(3000)]
    senders += [RESIDENT, "+62 852-1111-2222", "62 852-1111-2222", "0852 1111 2222", "(0511) 21"]
    senders += ["+62\u00a0852-1111-2222", "+٦٢ 852-1111-2222", "Siti", "", "62", "+6212345"]
    assert whatsapp_columns.phones_of(senders) == list(map(whatsapp._phone_of, senders))
    assert sum(p is not None for p in whatsapp_columns.phones_of(senders)) > 100
    assert whatsapp_columns.phones_of([]) == []


@pytest.mark.parametrize("columns_from", [0, 10**9])
@pytest.mark.parametrize("fmt", FORMATS)
def test_propose_column_wise_is_the_reference_on_any_text(
    tmp_path: Path, monkeypatch, fmt: str, columns_from: int
) -> None:
    # every format (12-hour clocks, U+202F, iOS), CRLF and BOM, names and texts with
    # emoji, other scripts, "_", digits of other scripts and the tricky pieces above, and
    # enough senders and requests for the column-wise paths: `propose` gives what the
    # rules as first written give
    import random

    monkeypatch.setattr(whatsapp, "_COLUMNS_FROM", columns_from)  # RE2, or Python only
    rng = random.Random(fmt)
    people = [RESIDENT, "+62 811-5000-1001", "Siti 😀", "Bu Rina", "+62\u00a0822-5000-2002"]
    people += [f"+62 81{k} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}" for k in range(80)]
    safe = [p for p in _PIECES if p not in ("\x00", "\x85", "\n", "kartu\x85keluarga")]
    events = wc.random_chat(rng, start=datetime(2020, 6, 13, 8, 0, 7), senders=people, n=600)
    events = [
        e._replace(text=" ".join([e.text, *rng.sample(safe, rng.randint(0, 3))]).strip())
        if e.sender is not None and rng.random() < 0.6
        else e
        for e in events
    ]
    path = write(tmp_path / wc.WEEK_FILE, events, fmt, crlf=rng.random() < 0.5, bom=True)
    [chat] = read_chat(path)
    assert len(chat.messages) == len(events)
    for kw in ({}, {"window_days": 2}, {"office": ()}, {"kecamatan": ()}):
        args = {"office": OFFICE, "kecamatan": KECAMATAN, "key": KEY} | kw
        want = wc.reference_propose([chat], **args)
        assert len(want) > 80
        assert whatsapp.propose([chat], **args) == want


def test_a_small_chat_leaves_pyarrow_unloaded(tmp_path: Path) -> None:
    # below `_COLUMNS_FROM` requests and senders, Python's `re` reads them: no pyarrow
    # import (~0.2 s) for the everyday export of a few hundred messages
    import subprocess

    path = write(tmp_path / wc.WEEK_FILE, WEEK, "android-id")
    code = (
        "import sys; from pathlib import Path; from dashboard import whatsapp as w; "
        f"c = w.read_chat(Path({str(path)!r})); "
        f"p = w.propose(c, office={OFFICE!r}, key=b'k' * 32); "
        "print(len(p), 'pyarrow' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["2", "False"]
