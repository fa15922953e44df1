"""Chats for tests/test_whatsapp.py, written as WhatsApp writes its exports.

A chat is a list of `Ev` (time, sender, text); `render(events, fmt)` writes it the way a
phone in that setting does:

| fmt | a line |
|---|---|
| `android-id` | `08/06/20 08.15 - +62 813-4567-8901: text` (Indonesian, 24 h) |
| `android-id-12h` | `08/06/20 8.15 PM - Siti: text` (Indonesian, 12 h) |
| `android-en` | `08/06/2020, 08:15 - Siti: text` (English UK/ID, 24 h) |
| `android-us` | `6/8/20, 8:15\\u202fAM - Siti: text` (English US: month first, 12 h, U+202F) |
| `ios-id` | `[08/06/20 08.15.23] ~\\u202fSiti: text` (Indonesian, seconds, "~" before names) |
| `ios-en` | `[08/06/20, 08:15:23] Siti: text` (English UK, 24 h) |
| `ios-us` | `[6/8/20, 8:15:23\\u202fAM] Siti: text` (English US, 12 h) |

A sender of None is a line WhatsApp writes itself (the encryption notice, joins): on
Android without "Name: "; on iOS as the chat's own name followed by an LRM-marked text,
as iOS does. Every number and NIK here is made up.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import pytest

FORMATS = (
    "android-id",
    "android-id-12h",
    "android-en",
    "android-us",
    "ios-id",
    "ios-en",
    "ios-us",
)
#: what `read_chat` calls each format
PARSED_FMT = {
    "android-id": "android-24h",
    "android-id-12h": "android-12h",
    "android-en": "android-24h",
    "android-us": "android-12h",
    "ios-id": "ios-24h",
    "ios-en": "ios-24h",
    "ios-us": "ios-12h",
}
NNBSP = "\u202f"
LRM = "\u200e"

OFFICE = "Disdukcapil Balangan"
KECAMATAN = (
    "Awayan",
    "Batumandi",
    "Halong",
    "Juai",
    "Lampihong",
    "Paringin",
    "Paringin Selatan",
    "Tebing Tinggi",
)
RESIDENT = "+62 813-4567-8901"  # made up
RESIDENT_NORM = "081345678901"
NIK = "6308011234560001"  # made up
ENCRYPTION_ID = (
    "Pesan dan panggilan dienkripsi secara end-to-end. Tidak seorang pun di luar chat ini, "
    "termasuk WhatsApp, yang dapat membaca atau mendengarkannya. Ketuk untuk info selengkapnya."
)
ENCRYPTION_EN = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
    "WhatsApp, can read or listen to them. Tap to learn more."
)


class Ev(NamedTuple):
    at: datetime
    sender: str | None  # None: a line WhatsApp writes itself
    text: str


def _hour12(at: datetime) -> tuple[int, str]:
    return (at.hour % 12 or 12), ("AM" if at.hour < 12 else "PM")


def header(at: datetime, fmt: str) -> str:
    """The date-and-time part of a line, as the phone writes it."""
    h12, ampm = _hour12(at)
    if fmt == "android-id":
        return at.strftime("%d/%m/%y %H.%M")
    if fmt == "android-id-12h":
        return f"{at:%d/%m/%y} {h12}.{at:%M} {ampm}"
    if fmt == "android-en":
        return at.strftime("%d/%m/%Y, %H:%M")
    if fmt == "android-us":
        return f"{at.month}/{at.day}/{at:%y}, {h12}:{at:%M}{NNBSP}{ampm}"
    if fmt == "ios-id":
        return at.strftime("[%d/%m/%y %H.%M.%S]")
    if fmt == "ios-en":
        return at.strftime("[%d/%m/%y, %H:%M:%S]")
    if fmt == "ios-us":
        return f"[{at.month}/{at.day}/{at:%y}, {h12}:{at:%M}:{at:%S}{NNBSP}{ampm}]"
    raise ValueError(fmt)


def line(ev: Ev, fmt: str, chat_name: str = "Disdukcapil Balangan") -> str:
    head = header(ev.at, fmt)
    if fmt.startswith("ios"):
        if ev.sender is None:
            return f"{LRM}{head} {chat_name}: {LRM}{ev.text}"
        # iOS writes "~" and a narrow space before a name the sender chose (not a saved contact)
        name = f"~{NNBSP}{ev.sender}" if fmt == "ios-id" and ev.sender[0] not in "+0" else ev.sender
        return f"{head} {name}: {ev.text}"
    if ev.sender is None:
        return f"{head} - {ev.text}"
    return f"{head} - {ev.sender}: {ev.text}"


def render(events: list[Ev], fmt: str, *, crlf: bool = False, bom: bool = False) -> str:
    text = "\n".join(line(ev, fmt) for ev in events) + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    return ("\ufeff" if bom else "") + text


def write(path: Path, events: list[Ev], fmt: str, **kw: bool) -> Path:
    path.write_text(render(events, fmt, **kw), encoding="utf-8", newline="")
    return path


def zip_export(path: Path, members: dict[str, bytes | str]) -> Path:
    """A zip as WhatsApp's "Ekspor chat" with media writes it: the chat and attachments."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    path.write_bytes(buf.getvalue())
    return path


def at(day: int, hour: int, minute: int, second: int = 0, month: int = 6) -> datetime:
    return datetime(2020, month, day, hour, minute, second)


# --------------------------------------------------------------------------- the week
#
# One resident's one-to-one chat with the office over three weeks of June 2020, with
# the lines every export holds. Written in each format, it must read the same.
#
# Messages (10): the encryption notice (system), 4 resident messages that count,
# 1 media placeholder (system), 1 deleted message (system), 3 office replies.
# Requests (hand-counted, window 14 days):
#   1. 08/06 08:15 "Assalamualaikum, mau daftar rekam KTP / kec. Paringin Selatan":
#      the resident's first message. The NIK comes two messages later (08:21), inside
#      the same request: nik found, kecamatan Paringin Selatan (not Paringin),
#      service ktp_el, likely ("nik", "words").
#   - 15/06 09:00 "jadi jadwalnya kapan?": 7 days later, inside request 1's window.
#   2. 22/06 08:15 "mau buat akta lahir anak": exactly 14 x 24 h after request 1, so
#      outside its window: a new request, service akta_lahir, likely ("words",).
WEEK: list[Ev] = [
    Ev(at(8, 8, 10), None, ENCRYPTION_ID),
    Ev(
        at(8, 8, 15, 23),
        RESIDENT,
        "Assalamualaikum, mau daftar rekam KTP\nsaya dari kec. Paringin Selatan",
    ),
    Ev(at(8, 8, 20, 5), OFFICE, "Waalaikumsalam, silakan kirim NIK"),
    Ev(at(8, 8, 21, 40), RESIDENT, f"NIK {NIK}"),
    Ev(at(8, 8, 22, 1), RESIDENT, "<Media tidak disertakan>"),
    Ev(at(8, 13, 5, 0), OFFICE, "Jadwal perekaman Senin 15/06 jam 09.00"),
    Ev(at(15, 9, 0, 0), RESIDENT, "jadi jadwalnya kapan?"),
    Ev(at(15, 9, 1, 0), RESIDENT, "Pesan ini telah dihapus"),
    Ev(at(15, 9, 30, 0), OFFICE, "Senin depan ya bu"),
    Ev(at(22, 8, 15, 23), RESIDENT, "mau buat akta lahir anak"),
]
WEEK_MESSAGES = 10
WEEK_SYSTEM = 3  # the notice, the media placeholder, the deleted message
WEEK_REQUEST_TIMES = (at(8, 8, 15, 23), at(22, 8, 15, 23))
WEEK_FILE = f"Chat WhatsApp dengan {RESIDENT}.txt"


def minute(t: datetime) -> datetime:
    """`t` as an Android export keeps it (no seconds)."""
    return t.replace(second=0)


# --------------------------------------------------------------------------- a group
#
# A group the office runs for the KTP queue ("Antrian KTP Paringin"), Android id.
# Senders: two residents written as numbers, one saved as a contact name, the office,
# and WhatsApp's own lines (joins, a changed number, the notice).
# Requests (window 14 days), hand-counted:
#   +62 811-5000-1001: 01/06 09:00 (request), 03/06 (inside), 20/06 10:00 (19 days on:
#     request) -> 2
#   +62 822-5000-2002: 02/06 10:00 "halo" (request; not likely: no words, no NIK) -> 1
#   "Bu Rina" (a contact name; the group's file name holds no number, so no phone):
#     02/06 11:00 "KK saya hilang" (request, service kk) -> 1
#   the office's messages and the 4 system lines -> 0
#   total 4
GROUP_FILE = "Chat WhatsApp dengan Antrian KTP Paringin.txt"
A = "+62 811-5000-1001"
B = "+62 822-5000-2002"
GROUP: list[Ev] = [
    Ev(
        at(1, 8, 0),
        None,
        "Pesan yang dikirim ke grup ini kini diamankan dengan enkripsi end-to-end.",
    ),
    Ev(at(1, 8, 1), None, f'{OFFICE} membuat grup "Antrian KTP Paringin"'),
    Ev(at(1, 8, 2), None, f"{A} bergabung menggunakan tautan undangan grup ini"),
    Ev(at(1, 9, 0), A, "Permisi mau tanya perekaman e-KTP untuk anak"),
    Ev(at(1, 9, 5), OFFICE, "Silakan datang hari Rabu"),
    Ev(at(2, 10, 0), B, "halo"),
    Ev(at(2, 11, 0), "Bu Rina", "KK saya hilang, bisa urus di sini?\nkami di Juai"),
    Ev(at(3, 9, 0), A, "baik terima kasih"),
    Ev(at(4, 7, 0), None, f"{B} telah mengganti nomor teleponnya."),
    Ev(at(20, 10, 0), A, "Mau daftar rekam KTP-el lagi untuk istri"),
]
GROUP_REQUESTS = 4


def shift(events: list[Ev], delta: timedelta) -> list[Ev]:
    return [e._replace(at=e.at + delta) for e in events]


# --------------------------------------------------------------- the reference rules
#
# `whatsapp.propose` works column by column (numpy, the window found from request start
# to request start). The rules as first written, message by message over datetimes, are
# kept here as the reference it is compared with (tests/test_whatsapp.py, generated
# chats): same proposals, same order.


def reference_propose(
    chats,
    *,
    office=(),
    window_days: int = 14,
    kecamatan=(),
    known=None,
    key: bytes | None = None,
):
    import bisect

    from dashboard import pii
    from dashboard import whatsapp as w

    window = timedelta(days=window_days)
    office_phones, office_names = w._office(office)
    scan, kec_canon = w._scanner(kecamatan)
    rows_of: dict[str, list[tuple[datetime, str, int]]] = {}
    for ci, chat in enumerate(chats):
        counted = [m for m in chat.messages if not m.system]
        ids = identities(chat, [m.sender for m in counted], office_phones, office_names)
        for m in counted:
            ident = ids.get(m.sender)
            if ident is not None:
                rows_of.setdefault(ident, []).append((m.sent_at, m.text, ci))

    def spans(ts, stored):
        i, n = 0, len(ts)
        while i < n:
            t = ts[i]
            k = bisect.bisect_right(stored, t)
            if k and t - stored[k - 1] < window:
                i = bisect.bisect_left(ts, stored[k - 1] + window, i)
            elif k < len(stored) and stored[k] - t < window:
                i = bisect.bisect_left(ts, stored[k] + window, i)
            else:
                j = bisect.bisect_left(ts, t + window, i)
                yield i, j
                i = j

    out = []
    for ident, rows in rows_of.items():
        rows.sort(key=lambda r: r[0])  # stable: one time keeps the file order
        ts = [r[0] for r in rows]
        sender_key = pii.hash_value(ident, key)
        stored = sorted(known.get(sender_key, ())) if known else []
        for i, j in spans(ts, stored):
            at_, first_text, ci = rows[i]
            text = "\n".join(r[1] for r in rows[i:j])
            nik = w._nik_in(text)
            kec = service = None
            words = False
            low = text.lower()
            for m in scan.finditer(low):
                pos = m.start()
                if pos and low[pos - 1].isalnum():
                    continue
                found = m.group()
                place = kec_canon.get(" ".join(found.split())) if kec_canon else None
                if place is not None:
                    kec = kec or place
                else:
                    words = True
                    service = service or w._service_of(found)
            why = (("nik",) if nik else ()) + (("words",) if words else ())
            out.append(
                w.Proposal(
                    request_id=w.request_id_prefix(sender_key)
                    + at_.strftime("%Y%m%d%H%M%S")
                    + (f".{at_.microsecond:06d}" if at_.microsecond else ""),
                    sender_key=sender_key,
                    received_at=at_,
                    phone=None if ident.startswith("name:") else ident,
                    nik=nik,
                    kecamatan=kec,
                    service=service or "ktp_el",
                    likely=bool(why),
                    why=why or ("first_message",),
                    snippet=w._snippet(first_text),
                    chat=chats[ci].name,
                )
            )
    out.sort(key=lambda p: (p.received_at, p.request_id))
    return out


def identities(chat, senders, office_phones, office_names):
    """`whatsapp._identities` as first written: sender by sender with `_phone_of`."""
    from dashboard import whatsapp as w

    ids = {}
    named = []
    for who in set(senders):
        if not who:
            continue
        phone = w._phone_of(who)
        if phone is not None:
            if phone not in office_phones:
                ids[who] = phone
        elif w._name(who) not in office_names:
            named.append(who)
    one_to_one = (
        chat.file_phone is not None and chat.file_phone not in office_phones and len(named) == 1
    )
    for who in named:
        ids[who] = chat.file_phone if one_to_one else "name:" + w._name(who)
    return ids


def random_chat(rng, *, start: datetime, senders: list[str], n: int) -> list[Ev]:
    """`n` events among `senders` (and the office, and WhatsApp's own lines), times
    moving on by anything from 0 seconds to 20 days, so that windows are crossed, hit
    exactly and straddled; multi-line texts, placeholders, NIKs, kecamatan, services."""
    words = [
        "halo",
        "mau daftar",
        "rekam KTP",
        "e-ktp",
        "akta",
        "kematian",
        "kartu",
        "keluarga",
        "surat pindah",
        "paringin",
        "selatan",
        "Paringin  Selatan",
        "juai",
        "KK",
        "terima kasih",
        "63080112345600" + str(rng.randint(10, 99)),
        "6308 0112 3456 0001",
        "0812-3456-7890",
        "ktp-el",
        "pindahan",
        "rekaman",
        "mendaftarkan",
        "Tebing\nTinggi",
        "İstanbul",
        "",
    ]
    steps = [
        0,
        1,
        59,
        3600,
        86400,
        13 * 86400,
        14 * 86400 - 60,
        14 * 86400,
        14 * 86400 + 60,
        20 * 86400,
    ]
    events = [Ev(start, None, ENCRYPTION_ID)]
    t = start
    for _ in range(n):
        t += timedelta(seconds=rng.choice(steps))
        r = rng.random()
        if r < 0.05:
            events.append(Ev(t, None, f"{rng.choice(senders)} bergabung"))
            continue
        who = OFFICE if r < 0.25 else rng.choice(senders)
        if rng.random() < 0.07:
            text = rng.choice(["<Media tidak disertakan>", "Pesan ini telah dihapus"])
        else:
            parts = [rng.choice(words) for _ in range(rng.randint(1, 4))]
            text = rng.choice([" ", "\n", ", "]).join(parts).strip() or "ok"
        events.append(Ev(t, who, text))
    return events


# ------------------------------------------------------------------ both readers
# A test module that imports `pytest_generate_tests` and `_reader` from here runs each
# test twice: with files read by `re` (small files, the default) and read from their
# bytes (`whatsapp_bytes`, the default from `whatsapp._BYTES_FROM` bytes on), so both
# readers and `propose` over both kinds of chat meet the same expectations.
READERS = ("re", "bytes")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "reader" in metafunc.fixturenames:
        metafunc.parametrize("reader", READERS)


@pytest.fixture(autouse=True)
def _reader(reader: str, monkeypatch: pytest.MonkeyPatch) -> str:
    from dashboard import whatsapp

    if reader == "bytes":
        monkeypatch.setattr(whatsapp, "_BYTES_FROM", 0)
    return reader
