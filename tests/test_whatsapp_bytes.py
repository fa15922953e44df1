"""The bytes parser (dashboard/whatsapp_bytes.py) against the text parser it replaces.

`whatsapp_bytes.parse(data, name)` must give exactly what the reference path gives:
`whatsapp._decode(data)`, then `whatsapp.parse_text(text, name)`, then the decoding's
problems put first (`reference` here); or decline with None (the caller then takes the
reference path), or raise the same `ChatError`. `check` compares the two on one input.

The inputs are written here, as WhatsApp writes exports and as they come damaged:

- seeded random chats (~300 messages) in every format read: Android 24 h with `.` and
  with `:`, Android 12 h, iOS 24 h with `.` and with `:`, iOS 12 h; with random
  padding, 2- or 4-digit years, day- or month-first and ambiguous dates, spaces, AM/PM
  spellings, senders, marks, texts, line ends, BOMs and file endings; each once plain
  (as a phone writes it: must not be declined) and once nasty (damaged: may be);
- every nasty piece on its own, wrapped in a small valid chat of each format, at the
  start, in the middle, at the end (no final newline) and alone (`PIECES`);
- whole files: empty, whitespace, no header, BOMs, line ends, endings, UTF-16, invalid
  UTF-8, the day/month order cases (`FILES`);
- random small mutations of small valid chats (`test_mutated_chats`).

Declining is allowed where the input holds non-ASCII digits (Python's `\\d` reads them),
invalid UTF-8, UTF-16, or damaged lines; it is not allowed on the plain inputs
(`test_plain_inputs_are_not_declined`), so that the suite cannot pass by declining.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
import pytest

from dashboard import whatsapp, whatsapp_bytes

LRM, RLM, NBSP, NNBSP, BOM = "\u200e", "\u200f", "\u00a0", "\u202f", "\ufeff"
# every mark WhatsApp puts around names and at line starts
MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
CHAT_NAME = "Grup KTP Paringin"
NOTICE_ID = (
    "Pesan dan panggilan dienkripsi secara end-to-end. Tidak seorang pun di luar chat ini, "
    "termasuk WhatsApp, yang dapat membaca atau mendengarkannya."
)
NOTICE_EN = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat can read them."
)
NAMES = (
    "Chat WhatsApp dengan +62 813-4567-8901.txt",
    "WhatsApp Chat with Siti.txt",
    "_chat.txt",
    "export.zip/Chat WhatsApp dengan \u202a+62 811-5000-1001\u202c.txt",
    "WhatsApp Chat - +62 822-5000-2002 (1).txt",
)
# digits Python's `\d` accepts (and `int` reads): Arabic-Indic, extended Arabic-Indic,
# Devanagari, full-width, mathematical bold (4 bytes in UTF-8)
DIGITS = {
    "arabic": "\u0660",
    "persian": "\u06f0",
    "devanagari": "\u0966",
    "fullwidth": "\uff10",
    "math": "\U0001d7ce",
}
# invalid UTF-8, written as surrogate escapes: text.encode("utf-8", "surrogateescape")
BAD = {
    "ff": "\udcff",
    "lone-lead": "\udcc3",
    "cut-emoji": "\udcf0\udc9f\udc98",
    "surrogate": "\udced\udca0\udc80",
    "overlong": "\udcc0\udcaf",
    "latin1": "caf\udce9",
}


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def foreign_digits(s: str, script: str) -> str:
    zero = ord(DIGITS[script])
    return "".join(chr(zero + int(c)) if c.isascii() and c.isdigit() else c for c in s)


# ------------------------------------------------------------------ reference and check


def reference(data: bytes, name: str) -> whatsapp.Chat | str:
    """The chat the reference path reads from `data`, or its `ChatError`'s message."""
    text, problems = whatsapp._decode(data)
    try:
        chat = whatsapp.parse_text(text, name)
    except whatsapp.ChatError as e:
        return str(e)
    chat.problems[:0] = problems
    return chat


#: (label, first bytes) of every input the bytes parser declined, for the report
DECLINED: list[tuple[str, bytes]] = []


def _first_difference(got: list, want: list) -> str:
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        if g != w:
            return f"message {i}:\n  got  {g!r}\n  want {w!r}"
    return f"{len(got)} messages, want {len(want)}"


def check(data: bytes, name: str = NAMES[0], label: str = "") -> bool:
    """The bytes parser gives what the reference gives; False when it declined."""
    where = f"[{label}] {data[:300]!r}"
    want = reference(data, name)
    try:
        got = whatsapp_bytes.parse(data, name)
    except whatsapp.ChatError as e:
        assert isinstance(want, str), f"bytes parser raised {e!s}; reference read a chat: {where}"
        assert str(e) == want, where
        return True
    if got is None:
        DECLINED.append((label, data[:200]))
        return False
    assert not isinstance(want, str), f"reference raised {want}; bytes parser read a chat {where}"
    assert isinstance(got, whatsapp.Chat), where
    assert got.name == want.name, where
    assert got.fmt == want.fmt, where
    assert got.file_phone == want.file_phone, where
    assert got.problems == want.problems, where
    assert len(got.messages) == len(want.messages), where
    if isinstance(want.messages, whatsapp._Messages):
        # asked before the messages are built: `propose` needs only these
        got_us, want_us = got.messages.microseconds(), want.messages.microseconds()
        assert got_us.dtype == want_us.dtype, where
        assert np.array_equal(got_us, want_us), where
    got_list, want_list = list(got.messages), list(want.messages)
    assert got_list == want_list, f"{_first_difference(got_list, want_list)}\n{where}"
    assert all(type(m) is whatsapp.Message for m in got_list), where
    return True


# ------------------------------------------------------------------ how a phone writes


@dataclass(frozen=True)
class Style:
    """How one phone writes a header."""

    ios: bool
    twelve: bool
    dotted: bool  # 08.15 (Indonesian) rather than 08:15
    day_first: bool = True
    pad: bool = True  # 08/06 rather than 8/6
    year4: bool = False
    comma: bool = False  # "08/06/2020, 08:15"
    sep: str = "/"
    sp: str = " "  # between date and time, and around Android's "-"
    ampm_sp: str = NNBSP
    ampm: tuple[str, str] = ("AM", "PM")
    seconds: bool = False
    hour_pad: bool = True
    tilde: bool = False  # iOS "~ " before a name that is no saved contact
    tilde_sp: str = NNBSP


FORMATS = ("android-24h-dot", "android-24h", "android-12h", "ios-24h-dot", "ios-24h", "ios-12h")
STYLES = {
    "android-24h-dot": Style(ios=False, twelve=False, dotted=True),  # 08/06/20 08.15 -
    "android-24h": Style(ios=False, twelve=False, dotted=False, year4=True, comma=True),
    "android-12h": Style(  # 6/8/20, 8:15 AM -
        ios=False,
        twelve=True,
        dotted=False,
        day_first=False,
        pad=False,
        comma=True,
        hour_pad=False,
    ),  # fmt: skip
    "ios-24h-dot": Style(ios=True, twelve=False, dotted=True, seconds=True, tilde=True),
    "ios-24h": Style(ios=True, twelve=False, dotted=False, comma=True, seconds=True),
    "ios-12h": Style(
        ios=True,
        twelve=True,
        dotted=False,
        day_first=False,
        pad=False,
        comma=True,
        seconds=True,
        hour_pad=False,
    ),  # fmt: skip
}
OTHER = {  # a header of the other family, for continuation lines that look like one
    "android-24h-dot": "ios-24h-dot",
    "android-24h": "ios-24h",
    "android-12h": "ios-12h",
    "ios-24h-dot": "android-24h-dot",
    "ios-24h": "android-24h",
    "ios-12h": "android-12h",
}
OTHER_CLOCK = {
    "android-24h-dot": "android-12h",
    "android-24h": "android-12h",
    "android-12h": "android-24h",
    "ios-24h-dot": "ios-12h",
    "ios-24h": "ios-12h",
    "ios-12h": "ios-24h",
}
AMPMS = (("AM", "PM"), ("am", "pm"), ("a.m.", "p.m."), ("A.M.", "P.M."), ("AM", "pm"))


def random_style(rng: random.Random, fmt: str, nasty: bool) -> Style:
    st = STYLES[fmt]
    pick = rng.choice
    st = replace(
        st,
        pad=pick((True, False)),
        year4=pick((True, False)),
        comma=st.comma if rng.random() < 0.7 else not st.comma,
        hour_pad=pick((True, False)),
        ampm_sp=pick((" ", NBSP, NNBSP, "")),
        ampm=pick(AMPMS),
        tilde=st.ios and pick((True, False)),
        tilde_sp=pick((" ", NNBSP)),
        day_first=True if st.dotted else pick((True, False)),
    )
    if nasty:
        st = replace(
            st,
            sep=pick(("/", "/", "/", ".", "-")),
            sp=pick((" ", " ", NBSP, NNBSP)),
            seconds=pick((True, False)) if rng.random() < 0.2 else st.seconds,
        )
    return st


T0 = datetime(2020, 6, 18, 8, 15, 23)


def hdr(
    st: Style,
    at: datetime = T0,
    *,
    day: int | None = None,
    month: int | None = None,
    year: int | None = None,
    hour: int | None = None,
    minute: int | None = None,
    second: int | None = None,
    ampm: str | None = None,
    date: str | None = None,
    time: str | None = None,
    lead: str = "",
) -> str:
    """A header as `st` writes it, at `at` or with raw (possibly impossible) fields."""
    day = at.day if day is None else day
    month = at.month if month is None else month
    year = at.year if year is None else year
    hour = at.hour if hour is None else hour
    minute = at.minute if minute is None else minute
    second = at.second if second is None else second
    if date is None:
        a, b = (day, month) if st.day_first else (month, day)
        f = "{:02d}" if st.pad else "{}"
        y = f"{year:04d}" if st.year4 else f"{year % 100:02d}"
        date = st.sep.join((f.format(a), f.format(b), y))
    if time is None:
        c = "." if st.dotted else ":"
        suffix = ""
        if st.twelve:
            if ampm is None:
                ampm = st.ampm[hour >= 12]
                hour = hour % 12 or 12
            suffix = st.ampm_sp + ampm
        h = f"{hour:02d}" if st.hour_pad else str(hour)
        time = f"{h}{c}{minute:02d}" + (f"{c}{second:02d}" if st.seconds else "") + suffix
    head = f"{date}{',' if st.comma else ''}{st.sp}{time}"
    return lead + (f"[{head}] " if st.ios else f"{head}{st.sp}-{st.sp}")


def msg(st: Style, sender: str | None, text: str, at: datetime = T0, **kw) -> str:
    """One message as `st` writes it; `sender` None: a line WhatsApp writes itself."""
    if sender is None:
        if st.ios:  # under the chat's name, the text marked with an LRM
            return f"{LRM}{hdr(st, at, **kw)}{CHAT_NAME}: {LRM}{text}"
        return hdr(st, at, **kw) + text
    if st.tilde and sender[:1] not in "+\u202a":
        sender = f"~{st.tilde_sp}{sender}"
    return f"{hdr(st, at, **kw)}{sender}: {text}"


def finish(
    text: str, *, le: str = "\n", bom: int = 0, ending: str = "\n", encoding: str = "utf-8"
) -> bytes:
    """The file: line ends, BOMs, how it ends, the encoding."""
    text = BOM * bom + text + ending
    if le == "mixed":
        parts = text.split("\n")
        ends = ["\n", "\r\n", "\r"]
        text = parts[0] + "".join(ends[i % 3] + p for i, p in enumerate(parts[1:]))
    elif le != "\n":
        text = text.replace("\n", le)
    if encoding == "utf-16":
        return text.encode("utf-16", "surrogatepass")  # with its BOM
    if encoding == "utf-16-be":
        return b"\xfe\xff" + text.encode("utf-16-be", "surrogatepass")
    return encode(text)


# ------------------------------------------------------------------ random chats

SENDERS = (
    "+62 813-4567-8901",
    "\u202a+62 811-5000-1001\u202c",
    "+62 822-5000-2002",
    "0812-3456-7890",
    "Bu Rina",
    "Siti Nurhaliza",
    "José Ñúñez Çağrı",
    "Zoë 😀🇮🇩",
    "山田太郎",
    "\u200fمحمد\u200f",
    "\u2068Ибрагим\u2069",
    "👨\u200d👩\u200d👧 Keluarga",
    "Dr. A-B (kantor) [KTP]",
    "Siti" + NBSP,
)
# exactly 100 characters: the longest sender a header holds (iOS's "~ " counts too)
LONG_SENDERS = ("A" * 100, "é" * 100, "😀" * 100, LRM + "B" * 99, "山" * 98 + " x")
NASTY_SENDERS = (
    "A" * 101,
    "é" * 101,
    "山" * 150,
    "a:b",
    LRM,
    "~",
    " ",
    "08/06/20 08.15 - X",
    "\u200bZWSP",
)
WORDS = (
    "halo",
    "mau daftar rekam KTP",
    "jam: 08.15 ya",
    "a:b:c",
    "http://x.y/z?a=1",
    "12:30",
    "Tebing Tinggi",
    "İstanbul",
    "😀👍🏽",
    "محمد",
    "tab\there",
    "[08/06/20]",
    "- ok -",
    "~ tilde",
    "\ufffd",
    "a\u2028b",
    "c\x85d",
    "\x0c",
    "NIK 6308011234560001",
    LRM + "x",
)
PLACEHOLDERS = (
    "<Media tidak disertakan>",
    "<Media omitted>",
    "image omitted",
    LRM + "image omitted",
    "Pesan ini telah dihapus",
    "This message was deleted.",
    "null",
    "<lampiran: 00000012-PHOTO-2020-06-08-08-15-23.jpg>",
    LRM + "<attached: 0001.jpg>",
    "foto.pdf (file terlampir)",
    "IMG-20200608.JPG (FILE ATTACHED)",
    "<lampiran: a>\nlagi",
    "Image Omitted",
)
SYSTEM_TEXTS = (
    "Siti bergabung menggunakan tautan undangan grup ini",
    "+62 822-5000-2002 telah mengganti nomor teleponnya.",
    NOTICE_ID,
    "Siti mengubah subjek: Grup baru",
    "Anda membuat grup “KTP”",
)


def random_text(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.05:
        return ""
    if r < 0.1:
        return rng.choice(("ok\n\n", "\nok", "\n\n", "   ", "ok\n \n"))
    lines = []
    for _ in range(rng.choice((1, 1, 1, 1, 2, 3, 5))):
        words = [rng.choice(WORDS) for _ in range(rng.randint(0, 4))]
        lines.append(rng.choice((" ", ": ", ", ", ":")).join(words))
    return "\n".join(lines)


def near_headers(st: Style, fmt: str, at: datetime, body: str) -> list[str]:
    """Continuation lines that look almost like a header (or are one of another format)."""
    h = hdr(st, at)
    out = [
        "1" + h + body,  # 3-digit day
        hdr(st, at, date="18/06/20201") + body,  # 5-digit year
        hdr(st, at, date="18/06/2") + body,  # 1-digit year
        h.replace(" - ", " ").replace("] ", " ") + body,  # no " - " / "]"
        h.replace(" - ", " -").replace("] ", "]") + body,
        h.replace(" - ", "- ") + body,
        h.replace("/", "_", 1) + body,
        hdr(st, at, date="18/06/20T") + body,
        " " + h + body,
        "\u200b" + h + body,
        BOM + h + body,
        hdr(st, at, time="08.5") + body,
        hdr(st, at, time="123.15") + body,
        hdr(st, at, time="08.15.2") + body,
        h.replace(" ", "  ", 1) + body,
        h.rstrip(" "),
        h.replace("] ", " - ") if st.ios else "[" + h,  # iOS "[" with Android " - "
        h.replace(" - ", "] ") if not st.ios else h.lstrip("["),
        h + "\n" + body,  # a header with no text, then a line
    ]
    for other in (OTHER[fmt], OTHER_CLOCK[fmt]):  # another format: part of the text
        out += [hdr(STYLES[other], at) + body, hdr(STYLES[other], at)]
    return out


NEAR_BODIES = ("A: x", "", "Siti: halo: lagi")


def near_header(rng: random.Random, st: Style, fmt: str, at: datetime) -> str:
    return rng.choice(near_headers(st, fmt, at, rng.choice(NEAR_BODIES)))


def broken_header(rng: random.Random, st: Style, at: datetime) -> str:
    """A header of an impossible date or time (its message is dropped, a problem said)."""
    kw = rng.choice(
        (
            {"day": 31, "month": 2},
            {"day": 29, "month": 2, "year": 2021},
            {"day": 0},
            {"month": 0},
            {"hour": 25, "minute": 61},
            {"hour": 24, "minute": 0},
            {"minute": 60},
            {"second": 60},
            {"hour": 0, "ampm": "AM"},
            {"hour": 13, "ampm": "PM"},
        )
    )
    if "ampm" in kw and not st.twelve:
        kw = {"hour": 99}
    if "second" in kw and not st.seconds:
        kw = {"minute": 99}
    return hdr(st, at, **kw)


def random_chat(rng: random.Random, fmt: str, n: int, *, nasty: bool) -> bytes:
    """A chat of about `n` messages in `fmt`, as a phone writes it (or damaged)."""
    st = random_style(rng, fmt, nasty)
    at = datetime(
        rng.randint(2019, 2023),
        rng.randint(1, 12),
        rng.randint(1, 12) if rng.random() < 0.5 else rng.randint(1, 28),
        rng.randint(0, 23),
        rng.randint(0, 59),
        rng.randint(0, 59),
    )
    if rng.random() < 0.3:  # a short chat: a few days, often every field 12 or less
        steps = (0, 1, 7, 59, 600, 3600)
    else:
        steps = (0, 1, 59, 3600, 4 * 3600, 86400, 3 * 86400, 20 * 86400, -3600, -86400)
    senders = rng.sample(SENDERS, rng.randint(1, 5))
    if rng.random() < 0.3:
        senders.append(rng.choice(LONG_SENDERS))
    # the damage that may make the bytes parser decline, each in some nasty chats only
    foreign = nasty and rng.random() < 0.25
    bad_utf8 = nasty and rng.random() < 0.2
    out: list[str] = []
    if nasty and rng.random() < 0.3:
        out += rng.sample(["Chat minggu ini:", "", "hello: world", "08/06/20 08.15 -"], 2)
    if rng.random() < 0.5:
        out.append(msg(st, None, NOTICE_ID if fmt.endswith("dot") else NOTICE_EN, at))
    digits = rng.choice(tuple(DIGITS))
    for _ in range(n):
        at += timedelta(seconds=rng.choice(steps))
        at = max(at, datetime(2000, 1, 1))
        r = rng.random()
        lead = ""
        if rng.random() < 0.1:
            lead = rng.choice(MARKS)
        elif rng.random() < 0.02:
            lead = "".join(rng.choice(MARKS) for _ in range(10))
        if r < 0.05:
            line = msg(st, None, rng.choice(SYSTEM_TEXTS), at, lead=lead)
        elif r < 0.1:
            line = msg(st, rng.choice(senders), rng.choice(PLACEHOLDERS), at, lead=lead)
        elif r < 0.12:
            line = msg(st, CHAT_NAME, NOTICE_EN, at, lead=lead)
        else:
            sender = rng.choice(senders)
            if nasty and rng.random() < 0.03:
                sender = rng.choice(NASTY_SENDERS)
            line = msg(st, sender, random_text(rng), at, lead=lead)
        if nasty:
            r = rng.random()
            if r < 0.03:
                line = broken_header(rng, st, at) + "Siti: rusak\nlanjutan"
            elif r < 0.08:
                line += "\n" + near_header(rng, st, fmt, at)
            elif r < 0.09 and foreign:
                line = foreign_digits(hdr(st, at), digits) + "Siti: angka"
            elif r < 0.1 and foreign:
                line += "\n" + foreign_digits("12/3 ok", digits)
            elif r < 0.11:
                line = hdr(st, at) + rng.choice(("Siti:halo", "Siti:", ": halo", "a:b: c"))
            elif r < 0.115 and bad_utf8:
                line += rng.choice(tuple(BAD.values()))
            elif r < 0.12:
                line += "\r" + hdr(st, at) + "Siti: setelah CR"
        out.append(line)
    text = "\n".join(out)
    return finish(
        text,
        le=rng.choice(("\n", "\n", "\n", "\r\n", "\r\n", "\r", "mixed")),
        bom=rng.choice((0, 0, 0, 1, 1, 2)),
        ending=rng.choice(("", "\n", "\n", "\n\n\n", "\n \n", "\r\n\r\n")),
        encoding=rng.choice(("utf-8",) * 18 + ("utf-16", "utf-16-be")) if nasty else "utf-8",
    )


SEEDS = range(4)


def _generated(seed: int, fmt: str, nasty: bool) -> tuple[bytes, str]:
    rng = random.Random(f"{seed}-{fmt}-{nasty}")
    return random_chat(rng, fmt, 300, nasty=nasty), rng.choice(NAMES)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("seed", SEEDS)
def test_generated_chats(seed: int, fmt: str) -> None:
    for nasty in (False, True):
        data, name = _generated(seed, fmt, nasty)
        check(data, name, f"seed {seed} {fmt} nasty={nasty}")


# ------------------------------------------------------------------ each piece alone


def _pieces() -> dict[str, tuple[bool, object]]:
    """name: (plain, piece(st, fmt) -> the line(s) it adds to a small chat).

    Plain pieces are what phones write: the bytes parser must read them (not decline).
    """
    p: dict[str, tuple[bool, object]] = {}

    def add(name: str, plain: bool, f) -> None:
        p[name] = (plain, f)

    for i, s in enumerate(SENDERS + LONG_SENDERS):
        add(f"sender-{i}", True, lambda st, fmt, s=s: msg(st, s, "halo"))
    for i, s in enumerate(NASTY_SENDERS):
        add(f"nasty-sender-{i}", False, lambda st, fmt, s=s: msg(st, s, "halo"))
    add("sender-tilde-space", True, lambda st, fmt: msg(st, "~ Siti", "halo"))
    add("sender-tilde-nnbsp", True, lambda st, fmt: msg(st, f"~{NNBSP}Siti", "halo"))
    add("sender-marked-tilde", True, lambda st, fmt: msg(st, f"{LRM}~{NNBSP}Siti{LRM}", "x"))
    add("sender-100-4byte", True, lambda st, fmt: msg(st, "\U0001f600" * 100, "x"))
    add("sender-101-4byte", False, lambda st, fmt: msg(st, "\U0001f600" * 101, "x"))
    add("sender-100-with-space", True, lambda st, fmt: msg(st, "ab " * 33 + "c", "x"))
    add("sender-99-nbsp", True, lambda st, fmt: msg(st, "é" * 99 + NBSP, "x"))
    add("sender-no-space-after-colon", False, lambda st, fmt: hdr(st) + "Siti:halo")
    add("sender-colon-at-end", False, lambda st, fmt: hdr(st) + "Siti:")
    add("sender-colon-in-name", False, lambda st, fmt: hdr(st) + "a:b: halo")
    add("sender-empty", False, lambda st, fmt: hdr(st) + ": halo")
    add("sender-nbsp-after-colon", True, lambda st, fmt: hdr(st) + f"Siti:{NBSP}halo")
    add("sender-nnbsp-after-colon", True, lambda st, fmt: hdr(st) + f"Siti:{NNBSP}halo")
    add("sender-tab-after-colon", False, lambda st, fmt: hdr(st) + "Siti:\thalo")
    add("sender-two-colons", True, lambda st, fmt: hdr(st) + "Siti: a: b")
    add("sender-only", True, lambda st, fmt: hdr(st) + "Siti: ")
    add("lead-lrm", True, lambda st, fmt: msg(st, "Siti", "x", lead=LRM))
    add(
        "lead-each-mark",  # one message after another, each led by another mark
        True,
        lambda st, fmt: "\n".join(msg(st, "Siti", f"x{i}", lead=m) for i, m in enumerate(MARKS)),
    )
    add("lead-10-marks", True, lambda st, fmt: msg(st, "Siti", "x", lead=MARKS[:10]))
    add("lead-10-lrm", True, lambda st, fmt: msg(st, "Siti", "x", lead=LRM * 10))
    add("lead-all-marks-twice", False, lambda st, fmt: msg(st, "Siti", "x", lead=MARKS * 2))
    add("marks-around-name", True, lambda st, fmt: msg(st, f"{MARKS}Siti{MARKS}", "x"))
    add("marks-in-text", True, lambda st, fmt: msg(st, "Siti", f"{MARKS}x\n{MARKS}y"))
    add("text-colon-space", True, lambda st, fmt: msg(st, "Siti", "jam: 08.15 ya: ok"))
    add("text-colon", True, lambda st, fmt: msg(st, "Siti", "a:b:c"))
    add("text-multiline", True, lambda st, fmt: msg(st, "Siti", "satu\ndua\n\nempat"))
    add("text-empty", True, lambda st, fmt: msg(st, "Siti", ""))
    add("text-trailing-blank", True, lambda st, fmt: msg(st, "Siti", "ok\n\n\n"))
    add("text-leading-blank", True, lambda st, fmt: msg(st, "Siti", "\nok"))
    add("text-only-newlines", True, lambda st, fmt: msg(st, "Siti", "\n\n"))
    add("text-spaces", True, lambda st, fmt: msg(st, "Siti", "   \n  "))
    add("text-other-line-ends", True, lambda st, fmt: msg(st, "Siti", "a\u2028b\x85c\x0cd\x0be"))
    add("text-replacement-char", True, lambda st, fmt: msg(st, "Siti", "\ufffd ok \ufffd"))
    add("text-dates", True, lambda st, fmt: msg(st, "Siti", "tgl 08/06/20 jam 08.15"))
    add("text-nul", False, lambda st, fmt: msg(st, "Siti", "a\x00b"))
    add("system-join", True, lambda st, fmt: msg(st, None, SYSTEM_TEXTS[0]))
    add("system-colon", True, lambda st, fmt: msg(st, None, "Siti mengubah subjek: Baru"))
    add("system-notice", True, lambda st, fmt: msg(st, None, NOTICE_ID))
    add("notice-under-name", True, lambda st, fmt: msg(st, CHAT_NAME, NOTICE_EN))
    add("notice-under-name-id", True, lambda st, fmt: msg(st, CHAT_NAME, NOTICE_ID))
    add("notice-not-at-start", True, lambda st, fmt: msg(st, "Siti", "x " + NOTICE_EN))
    for i, t in enumerate(PLACEHOLDERS):
        add(f"placeholder-{i}", True, lambda st, fmt, t=t: msg(st, "Siti", t))
    add("placeholder-then-line", True, lambda st, fmt: msg(st, "Siti", "image omitted\nx"))
    add("placeholder-file-2-lines", True, lambda st, fmt: msg(st, "S", "a\nb (file attached)"))
    add("placeholder-lampiran-2", True, lambda st, fmt: msg(st, "S", "<lampiran: a>b>"))
    add("header-no-text", False, lambda st, fmt: hdr(st))
    add("header-no-text-stripped", False, lambda st, fmt: hdr(st).rstrip(" "))
    add("header-then-blank", False, lambda st, fmt: hdr(st) + "\n")
    add("header-nbsp", False, lambda st, fmt: hdr(replace(st, sp=NBSP)) + "Siti: x")
    add("header-nnbsp", False, lambda st, fmt: hdr(replace(st, sp=NNBSP)) + "Siti: x")
    add("header-comma", True, lambda st, fmt: hdr(replace(st, comma=not st.comma)) + "S: x")
    add("header-unpadded", True, lambda st, fmt: hdr(replace(st, pad=False)) + "S: x")
    add("header-padded", True, lambda st, fmt: hdr(replace(st, pad=True)) + "S: x")
    add("header-year4", True, lambda st, fmt: hdr(replace(st, year4=True)) + "S: x")
    add("header-hour-unpadded", True, lambda st, fmt: hdr(replace(st, hour_pad=False)) + "S: x")
    add("header-dot-date", False, lambda st, fmt: hdr(replace(st, sep=".")) + "S: x")
    add("header-dash-date", False, lambda st, fmt: hdr(replace(st, sep="-")) + "S: x")
    add("header-mixed-seps", False, lambda st, fmt: hdr(st, date="18/06-20") + "S: x")
    add("header-year-0000", False, lambda st, fmt: hdr(st, date="18/06/0000") + "S: x")
    add("header-year-1999", False, lambda st, fmt: hdr(st, date="18/06/1999") + "S: x")
    add("header-year-202", False, lambda st, fmt: hdr(st, date="18/06/202") + "S: x")
    add("header-year-99", False, lambda st, fmt: hdr(st, date="18/06/99") + "S: x")
    add("header-day-1-month-1", False, lambda st, fmt: hdr(st, date="1/1/20") + "S: x")
    add("header-seconds", False, lambda st, fmt: hdr(replace(st, seconds=True)) + "S: x")
    add("header-no-seconds", False, lambda st, fmt: hdr(replace(st, seconds=False)) + "S: x")
    add("header-colon-time", False, lambda st, fmt: hdr(replace(st, dotted=False)) + "S: x")
    add("header-dot-time", False, lambda st, fmt: hdr(replace(st, dotted=True)) + "S: x")
    for i, sp in enumerate((" ", NBSP, NNBSP, "")):
        for j, ap in enumerate(AMPMS):
            add(
                f"ampm-{i}-{j}",
                True,
                lambda st, fmt, sp=sp, ap=ap: hdr(replace(st, ampm_sp=sp, ampm=ap)) + "S: x",
            )
    for i, ap in enumerate(("pM", "P.M", "PM.", "pm.", "p.M.")):
        add(f"ampm-odd-{i}", False, lambda st, fmt, ap=ap: hdr(st, hour=9, ampm=ap) + "S: x")
    add("ampm-12-am", True, lambda st, fmt: hdr(st, hour=0, minute=5) + "S: x")
    add("ampm-12-pm", True, lambda st, fmt: hdr(st, hour=12, minute=5) + "S: x")
    add("ios-no-space", False, lambda st, fmt: hdr(st).replace("] ", "]") + "Siti: x")
    add("ios-two-spaces", False, lambda st, fmt: hdr(st).replace("] ", "]  ") + "Siti: x")
    add("ios-nbsp", False, lambda st, fmt: hdr(st).replace("] ", f"]{NBSP}") + "Siti: x")
    add("ios-bracket-dash", False, lambda st, fmt: "[" + hdr(st).lstrip("[") + "S: x")
    add("ios-bracket-dash-2", False, lambda st, fmt: hdr(st).replace("] ", " - ") + "S: x")
    add("android-bracket-close", False, lambda st, fmt: hdr(st).replace(" - ", "] ") + "S: x")
    for k, (day, month, year) in enumerate(
        ((31, 2, 2020), (29, 2, 2021), (29, 2, 2020), (0, 6, 2020), (18, 0, 2020), (18, 13, 20))
    ):
        add(
            f"date-{k}-{day}-{month}-{year}",
            False,
            lambda st, fmt, d=day, m=month, y=year: (
                hdr(st, day=d, month=m, year=y) + "Siti: x\nlanjutan"
            ),
        )
    for k, kw in enumerate(
        (
            {"hour": 25, "minute": 61},
            {"hour": 24, "minute": 0},
            {"hour": 23, "minute": 60},
            {"second": 60},
            {"hour": 0, "ampm": "AM"},
            {"hour": 13, "ampm": "PM"},
            {"hour": 12, "ampm": "am"},
        )
    ):
        add(f"time-{k}", False, lambda st, fmt, kw=kw: hdr(st, **kw) + "Siti: x\nlanjutan")
    add("time-23-59-59", True, lambda st, fmt: hdr(st, hour=23, minute=59, second=59) + "S: x")
    add("time-00-00-00", True, lambda st, fmt: hdr(st, hour=0, minute=0, second=0) + "S: x")
    for k, body in enumerate(NEAR_BODIES):
        for kind in range(len(near_headers(STYLES["ios-24h"], "ios-24h", T0, body))):
            add(
                f"near-{kind}-{k}",
                False,
                lambda st, fmt, kind=kind, body=body: (
                    msg(st, "Siti", "x") + "\n" + near_headers(st, fmt, T0, body)[kind]
                ),
            )
    add("other-format-first", False, lambda st, fmt: hdr(STYLES[OTHER[fmt]]) + "S: x")
    add("other-clock-first", False, lambda st, fmt: hdr(STYLES[OTHER_CLOCK[fmt]]) + "S: x")
    add("cr-then-header", False, lambda st, fmt: msg(st, "S", "a") + "\r" + msg(st, "T", "b"))
    add("crlf-inside", True, lambda st, fmt: msg(st, "Siti", "a\r\nb"))
    add("cr-cr-lf", False, lambda st, fmt: msg(st, "Siti", "a\r\r\nb"))
    add("mark-inside-header", False, lambda st, fmt: hdr(st).replace(" ", LRM + " ", 1) + "S: x")
    add("bom-line-start", False, lambda st, fmt: BOM + msg(st, "Siti", "x"))
    for script in DIGITS:
        add(
            f"digits-{script}-header",
            False,
            lambda st, fmt, s=script: foreign_digits(hdr(st), s) + "Siti: x",
        )
        add(
            f"digits-{script}-day",
            False,
            lambda st, fmt, s=script: foreign_digits(hdr(st)[:3], s) + hdr(st)[3:] + "S: x",
        )
        add(
            f"digits-{script}-time",
            False,
            lambda st, fmt, s=script: hdr(st)[:-9] + foreign_digits(hdr(st)[-9:], s) + "S: x",
        )
        add(
            f"digits-{script}-line-start",
            False,
            lambda st, fmt, s=script: msg(st, "Siti", foreign_digits("12/3/20 ok\n7 kali", s)),
        )
        add(
            f"digits-{script}-broken",
            False,
            lambda st, fmt, s=script: foreign_digits(hdr(st, day=31, month=2), s) + "S: x",
        )
    add("digits-mixed", False, lambda st, fmt: hdr(st).replace("1", "\u0661", 1) + "S: x")
    add("digits-superscript", False, lambda st, fmt: "\u00b9" + hdr(st) + "S: x")
    for k, bad in BAD.items():
        add(f"bad-utf8-text-{k}", False, lambda st, fmt, b=bad: msg(st, "Siti", f"a{b}b"))
        add(f"bad-utf8-sender-{k}", False, lambda st, fmt, b=bad: msg(st, f"Si{b}ti", "x"))
        add(f"bad-utf8-header-{k}", False, lambda st, fmt, b=bad: b + msg(st, "Siti", "x"))
    add("bad-utf8-and-fffd", False, lambda st, fmt: msg(st, "Siti", "\ufffd\udcff\ufffd"))
    return p


PIECES = _pieces()
POSITIONS = ("start", "middle", "end-no-newline", "only")


def wrapped(st: Style, piece: str, position: str) -> str:
    """`piece` in a small valid chat of `st` (5 messages, one of them two lines long):
    first, after the third, last, or alone."""
    at = datetime(2020, 6, 13, 7, 0, 5)
    before = [msg(st, "Siti", "satu", at), msg(st, "+62 813-4567-8901", "dua\nlagi", at)]
    before.append(msg(st, "Bu Rina", "tiga", at + timedelta(days=1)))
    after = [msg(st, "Siti", "empat", T0 + timedelta(minutes=1)), msg(st, "S", "lima", T0)]
    if position == "start":
        lines = [piece, *before, *after]
    elif position == "middle":
        lines = [*before, piece, *after]
    elif position == "only":
        lines = [piece]
    else:
        lines = [*before, *after, piece]
    return "\n".join(lines)


@pytest.mark.parametrize("piece", PIECES)
def test_each_piece(piece: str) -> None:
    plain, make = PIECES[piece]
    for fmt in FORMATS:
        st = STYLES[fmt]
        if piece.startswith("ampm") and not st.twelve:
            continue  # a 24-hour clock writes no AM/PM
        # a line that only looks like a header is text wherever it stands
        near = piece.startswith("near-")
        for position in ("middle", "end-no-newline") if near else POSITIONS:
            text = wrapped(st, make(st, fmt), position)
            ending = "" if position == "end-no-newline" else "\n"
            check(finish(text, ending=ending), NAMES[0], f"{piece} {fmt} {position}")


# ------------------------------------------------------------------ whole files


def _files() -> dict[str, tuple[bool, bytes]]:
    """name: (plain, the file's bytes)."""
    f: dict[str, tuple[bool, bytes]] = {}
    st = STYLES["android-24h-dot"]
    small = "\n".join(
        (
            msg(st, "Siti", "satu"),
            msg(st, "+62 813-4567-8901", "dua\n\nlagi"),
            msg(st, None, "Siti bergabung"),
            msg(st, "Siti", "tiga\n"),
        )
    )
    f["empty"] = (False, b"")
    f["newline"] = (False, b"\n")
    f["whitespace"] = (False, b"  \n\t\r\n \xc2\xa0 \n")
    f["bom-only"] = (False, b"\xef\xbb\xbf")
    f["two-boms-only"] = (False, b"\xef\xbb\xbf\xef\xbb\xbf\n")
    f["no-header"] = (False, b"hello world\nnot a chat: really\n")
    f["no-header-dates"] = (False, b"tgl 08/06/20 08.15 ya\n08/06/20 08.15 Siti: x\n")
    f["year-first"] = (False, b"2020-06-08 08:15 - Siti: x\n2020-06-09 08:15 - Siti: y\n")
    f["utf16-empty"] = (False, "".encode("utf-16"))
    f["utf16-odd"] = (False, small.encode("utf-16") + b"\x00")
    f["bare-utf16-bom"] = (False, b"\xff\xfe")
    f["nul-bytes"] = (False, b"\x00\x00\x00")
    for bom in (0, 1, 2, 3):
        for le in ("\n", "\r\n", "\r", "mixed"):
            for e, ending in enumerate(("", "\n", "\n\n\n", "\r\n\r\n", "\n \n", " ")):
                name = f"small-bom{bom}-{le!r}-end{e}"
                f[name] = (True, finish(small, le=le, bom=bom, ending=ending))
    f["bom-then-marks"] = (True, finish(MARKS + small, bom=1))
    f["marks-then-bom"] = (False, finish(LRM + BOM + small))
    f["bom-then-preamble"] = (False, finish("judul\n" + small, bom=2))
    f["preamble-1"] = (False, finish("Chat minggu ini:\n" + small))
    f["preamble-3"] = (False, finish("a\n\nb: c\n" + small))
    f["preamble-crlf"] = (False, finish("a\n\n" + small, le="\r\n"))
    for enc in ("utf-16", "utf-16-be"):
        f[f"{enc}"] = (False, finish(small, encoding=enc))
        f[f"{enc}-crlf-bom"] = (False, finish(small, encoding=enc, le="\r\n", bom=1))
    for k, bad in BAD.items():
        f[f"bad-start-{k}"] = (False, encode(bad + small + "\n"))
        f[f"bad-end-{k}"] = (False, encode(small + bad))
    f["bad-many"] = (False, encode(small.replace("a", "\udcff") + "\udcc3"))
    f["bad-bom-bad"] = (False, b"\xef\xbb\xbf\xff" + encode(small))
    f["ios-dash-only"] = (False, b"[08/06/20 08.15 - Siti: x\n")
    f["android-bracket-only"] = (False, b"08/06/20 08.15] Siti: x\n")
    f["ios-dash-then-android"] = (False, finish("[08/06/20 08.15 - Siti: x\n" + small))
    f["all-broken"] = (False, b"31/02/20 08.15 - Siti: x\n30/02/20 08.16 - Siti: y\n")
    f["only-system"] = (True, finish(msg(st, None, NOTICE_ID) + "\n" + msg(st, None, "a b")))
    f["only-placeholders"] = (True, finish(msg(st, "S", "image omitted")))
    f["only-header"] = (False, finish(hdr(st)))
    f["only-header-stripped"] = (False, hdr(st).rstrip().encode())
    # the day and month order
    us = STYLES["android-24h"]
    f["order-guess"] = (True, finish(hdr(us, day=5, month=6) + "S: x"))
    f["order-mixed"] = (
        False,
        finish(hdr(us, day=13, month=6) + "S: x\n" + hdr(us, day=6, month=13) + "S: y"),
    )
    f["order-from-sequence"] = (
        True,
        b"1/2/20, 09:00 - S: a\n1/3/20, 09:00 - S: b\n2/1/20, 09:00 - S: c\n",
    )
    f["order-tie"] = (True, b"1/2/20, 09:00 - S: a\n2/1/20, 09:00 - S: b\n")
    f["order-years"] = (True, b"1/2/2020, 09:00 - S: a\n2/1/20, 09:00 - S: b\n")
    colon = [hdr(us, T0 + timedelta(minutes=i), day=3, month=4) + "S: x" for i in range(50)]
    later = hdr(replace(us, dotted=True), day=13, month=4) + "S: y"
    f["dotted-after-50"] = (False, finish("\n".join([*colon, later])))
    f["dotted-at-50"] = (False, finish("\n".join([*colon[:49], later])))
    f["dotted-51-month-first"] = (
        False,
        finish("\n".join([*colon, hdr(replace(us, dotted=True), day=4, month=13) + "S: y"])),
    )
    return f


FILES = _files()


@pytest.mark.parametrize("file", FILES)
def test_whole_files(file: str) -> None:
    for name in NAMES[:2]:
        check(FILES[file][1], name, file)


def test_bracket_with_dash_alone_is_not_a_chat() -> None:
    # iOS's "[" with Android's " - " (or the reverse) looks like a header to the first
    # search but is no header of the format it names: with no other header the file is
    # no chat (the reference once crashed here with an IndexError)
    for file in ("ios-dash-only", "android-bracket-only", "only-header-stripped"):
        assert isinstance(reference(FILES[file][1], "x.txt"), str)
        check(FILES[file][1], "x.txt", file)


# ------------------------------------------------------------------ mutations

ALPHABET = "0123456789/.:-, []~\n\r" + NBSP + NNBSP + LRM + RLM + "APMapmS" + BOM + "\u0661é😀"


def mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(chars) + 1)
        op = rng.random()
        if op < 0.4:
            chars.insert(i, rng.choice(ALPHABET))
        elif op < 0.7 and i < len(chars):
            del chars[i]
        elif i < len(chars):
            chars[i] = rng.choice(ALPHABET)
    return "".join(chars)


@pytest.mark.parametrize("fmt", FORMATS)
def test_mutated_chats(fmt: str) -> None:
    rng = random.Random(fmt)
    st = STYLES[fmt]
    base = wrapped(st, msg(st, "Siti", "x: y\n08.15"), "middle")
    for k in range(150):
        check(finish(mutate(rng, base)), NAMES[0], f"mutant {fmt} {k}")


# ------------------------------------------------------------------ not declining


def _has_foreign_digits(text: str) -> bool:
    return any(c.isdigit() and not c.isascii() for c in text)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("seed", SEEDS)
def test_plain_inputs_are_not_declined(seed: int, fmt: str) -> None:
    # the plain generated chats, plain pieces and plain files are what phones write
    # (valid UTF-8, ASCII digits in every header): the bytes parser reads them itself
    data, name = _generated(seed, fmt, nasty=False)
    assert not _has_foreign_digits(data.decode("utf-8-sig"))
    assert check(data, name, f"plain seed {seed} {fmt}"), f"declined: plain seed {seed} {fmt}"
    if seed == 0:
        st = STYLES[fmt]
        for piece, (plain, make) in PIECES.items():
            if plain:
                data = finish(wrapped(st, make(st, fmt), "middle"))
                assert check(data, NAMES[0], piece), f"declined: piece {piece} {fmt}"
    if seed == 0 and fmt == FORMATS[0]:
        for file, (plain, data) in FILES.items():
            if plain:
                assert check(data, NAMES[0], file), f"declined: file {file}"


@pytest.mark.parametrize("ios", [False, True])
def test_every_clock_reading_edge(ios: bool) -> None:
    # hours 0-25 with and without AM/PM in its spellings, minutes and seconds at 59 and
    # 60: the times read from their digits are `_time_offset`'s, broken ones said alike
    for twelve in (False, True):
        lines = []
        for hour in range(26):
            for minute, second in ((0, 0), (59, 59), (60, 0), (0, 60)):
                ampms = ("AM", "pm", "a.m.", "P.M.") if twelve else ("",)
                for ampm in ampms:
                    clock = f"{hour}:{minute:02d}" + (f":{second:02d}" if ios else "")
                    clock += f"\u202f{ampm}" if ampm else ""
                    head = f"[6/8/20, {clock}] " if ios else f"6/8/20, {clock} - "
                    lines.append(f"{head}Siti: jam {hour}")
        data = ("\n".join(lines) + "\n").encode()
        assert check(data, NAMES[0], f"clock ios={ios} twelve={twelve}")


def test_lines_walked_in_slices_read_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    # a big file is walked `_SLICE` lines at a time: slices of 7 lines cut every chat of
    # each format at many places (template lines, walked lines, refused ones)
    monkeypatch.setattr(whatsapp_bytes, "_SLICE", 7)
    for fmt in FORMATS:
        for nasty in (False, True):
            data, name = _generated(1, fmt, nasty)
            check(data, name, f"slices of 7: {fmt} nasty={nasty}")


def test_a_file_of_lines_shorter_than_a_header_is_left_to_the_re_reader(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 200 MB of "1\n" would take the byte reader's positions to gigabytes: it declines,
    # and `read_chat` reads it the old way, the same chat
    data = b"08/06/20 08.15 - +62 813-4567-8901: daftar\n" + b"1\n" * 600_000  # 1.2 MB
    assert whatsapp_bytes.parse(data, NAMES[0]) is None
    path = tmp_path / NAMES[0]
    path.write_bytes(data)
    monkeypatch.setattr(whatsapp, "_BYTES_FROM", 0)
    [chat] = whatsapp.read_chat(path)
    want = reference(data, NAMES[0])
    assert list(chat.messages) == list(want.messages) and chat.problems == want.problems
    assert chat.messages[0].text.count("\n") == 600_000
