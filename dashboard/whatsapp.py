"""Exported WhatsApp chats (issue 12): a small parser and the rules that find requests.

Pure core, no store and no Streamlit: `read_chat`/`read_chats` turn the files an office
hands over ("Ekspor chat": a `.txt`, or a `.zip` holding it with the attachments) into
`Chat`s of `Message`s; `propose` turns chats into `Proposal`s, the requests staff review
before the import saves them (the saving, the CLI and the page live elsewhere).

Formats read (detected from the file itself, never from a setting)::

    Android id   08/06/20 08.15 - +62 813-4567-8901: Assalamualaikum, mau daftar rekam KTP
    Android en   08/06/2020, 08:15 - Siti: ...      6/8/20, 8:15 AM - Siti: ...
    iOS id       [08/06/20 08.15.23] ~ Siti: ...
    iOS en       [08/06/20, 08:15:23] Siti: ...     [6/8/20, 8:15:23 PM] Siti: ...

A message starts on a line with such a header; every following line without one
belongs to it (`text` joins them with "\\n"). The first header tells the file's format
(iOS or Android, 12- or 24-hour clock); an export never mixes them, so a line in another
format later on is read as part of the message before it. Year-first dates
(`2020-06-08`: Swedish, Korean or Japanese phones) are not read: such a file is refused.
12-hour clocks (`AM`, `pm`, `a.m.`, with a space, no-break space or U+202F before them),
LRM/RLM and bidi marks, a BOM and CRLF line ends are all accepted.

A line whose header has no `Name: ` is a system line (joins, leaves, changed numbers,
the encryption notice). A message whose text is only a placeholder
(`<Media tidak disertakan>`, `image omitted`, `Pesan ini telah dihapus`, an iOS
attachment, an iOS notice starting with an LRM mark, or the end-to-end notice that some
exports write under the chat's name) keeps its sender and is marked `system` too.
System messages never start a request.

Day and month order, decided once per file from all its dates (`_day_first`):
a time written with `.` (Indonesian settings) means day-first; else a first field above
12 proves day-first and a second field above 12 month-first (US English phones);
else the reading under which the dates run in order (an export is chronological) wins,
and a file where even that cannot tell is read day-first with a problem line saying so.

Problems (a broken date or time, undecodable bytes, no messages, a guessed date order)
are one line each, naming the line number and at most the date or time as written:
never message text, names or numbers; a message with a broken date is left out, the
others kept. A file that cannot be a chat at all (empty, no line in a format read here,
a damaged or truncated zip, a zip member over 200 MB or expanding over 200 times)
raises `ChatError` with one line naming the file. Messages are in English, as the
import's own errors are.

Speed: a busy office's year is 200,000 messages, so both halves work column by column.
The parser, for an export of `_BYTES_FROM` bytes or more: `whatsapp_bytes` reads it from
its bytes with numpy (the header pattern followed for every line at once, senders and
texts as Arrow arrays over the file; the same `Chat` as below, held to it by
tests/test_whatsapp_bytes.py); for smaller files, and where that reader declines: one
`re.split` of the whole text, C-level `map`s over the columns, dates and times parsed
once per distinct string. Either way `Chat.messages` keeps columns and builds its
`Message` named tuples only when first asked for (`len` needs none). `propose`:
identities per distinct sender (their numbers read column-wise), the window rule over
numpy arrays of integer times sorted by sender (no loop over messages: see
`_requests`), then each request's NIK, kecamatan, service and request words read for all
requests at once (`_fields`: RE2 in pyarrow where it gives exactly what Python's `re`
gives, Python's `re` in one pass over the rest; `dashboard/whatsapp_columns.py` says
where and why; with chats read from their bytes the texts never leave Arrow and are read
in a second thread while this one hashes), and `Proposal`s built from those columns. See
bench/bench_whatsapp.py and bench/RESULTS.md.

`propose` is documented on the function; its rules in short: the office's own messages
and system lines never count; a resident's first counted message starts a request when the
resident has no request (proposed here, or already stored: `known`) that began less than
`window_days` x 24 h before it; the request's likely flag, NIK, kecamatan and service come
from the resident's messages inside that request.
"""

from __future__ import annotations

import bisect
import functools
import gc
import hmac
import itertools
import operator
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np

from dashboard import pii

__all__ = [
    "ChatError",
    "Chat",
    "Message",
    "Proposal",
    "read_chat",
    "read_chats",
    "propose",
    "time_span",
    "request_id_prefix",
    "parse_text",
    "file_phone",
    "LINE_PATTERN",
    "DEFAULT_WINDOW_DAYS",
    "SERVICES",
]

DEFAULT_WINDOW_DAYS = 14
SERVICES: tuple[str, ...] = ("ktp_el", "kk", "akta_lahir", "akta_mati", "pindah")

#: a zip member bigger than this (uncompressed) is refused: a year of a busy office's
#: chat is ~20 MB, so 200 MB is no real export
MAX_MEMBER_BYTES = 200 * 1024 * 1024
#: ... and so is one that claims to expand more than this many times (a zip bomb);
#: chat text compresses ~5-10x
MAX_RATIO = 200


class ChatError(ValueError):
    """A file refused whole; `str(e)` is one line naming the file and what was wrong."""


class Message(NamedTuple):
    """One message. A named tuple (immutable) rather than a dataclass: a year of a busy
    office's chat is 200,000 of them, and a tuple is built at C speed."""

    sent_at: datetime  # naive, office-local wall clock as written (seconds 0 when absent)
    sender: str  # as written, marks and iOS "~ " stripped; "" for a line without "Name: "
    text: str  # continuation lines joined with "\n"
    line: int  # 1-based line number of its first line in the file
    system: bool  # notice, join/leave, media placeholder, deleted message, ...


_new_message = partial(tuple.__new__, Message)


@dataclass
class Chat:
    name: str  # file name; for a zip "export.zip/Chat WhatsApp dengan ....txt"
    fmt: str  # "android-24h", "android-12h", "ios-24h", "ios-12h"
    # a list, or (from `read_chat`) a read-only sequence that builds its `Message`s on
    # first use; either way a sequence of `Message`s, compared equal to a list of them
    messages: Sequence[Message]
    problems: list[str] = field(default_factory=list)
    file_phone: str | None = None  # normalised number from the file name, when it holds one


_MICROSECONDS_A_DAY = 86_400_000_000
_EPOCH = datetime.min  # time 0 of the integer times `propose` works with


class _Messages(Sequence[Message]):
    """A chat's messages as `read_chat` reads them: columns, with the `Message` tuples
    built only when first asked for (`len` and `propose` need none of them).

    Immutable, a `Sequence`; equal to a list holding the same messages.
    """

    __slots__ = (
        "_dates",
        "_times",
        "_day_of",
        "_offset_of",
        "senders",
        "texts",
        "system",
        "_lines",
        "_items",
        "_microseconds",
    )

    def __init__(
        self,
        dates: list[str],
        times: list[str],
        day_of: dict[str, datetime | None],
        offset_of: dict[str, timedelta | None],
        senders: list[str],
        texts: list[str],
        system: list[bool],
        lines: list[int] | int,  # each message's line, or the first message's
    ) -> None:
        self._dates, self._times = dates, times
        self._day_of, self._offset_of = day_of, offset_of
        self.senders, self.texts, self.system = senders, texts, system
        self._lines = lines
        self._items: list[Message] | None = None
        self._microseconds: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.texts)

    def _list(self) -> list[Message]:
        items = self._items
        if items is None:
            lines = self._lines
            if isinstance(lines, int):
                lines = _line_numbers(self.texts, lines)
            with _gc_paused():
                sent = map(
                    operator.add,
                    map(self._day_of.__getitem__, self._dates),
                    map(self._offset_of.__getitem__, self._times),
                )
                columns = zip(sent, self.senders, self.texts, lines, self.system, strict=True)
                items = self._items = list(map(_new_message, columns))
        return items

    def __getitem__(self, i):  # type: ignore[override]  # noqa: ANN001, ANN204
        return self._list()[i]

    def __iter__(self) -> Iterator[Message]:
        return iter(self._list())

    def __reversed__(self) -> Iterator[Message]:
        return reversed(self._list())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Messages):
            other = other._list()
        if isinstance(other, list):
            return self._list() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # like a list

    def __repr__(self) -> str:
        return repr(self._list())

    def sent_at(self, i: int) -> datetime:
        return self._day_of[self._dates[i]] + self._offset_of[self._times[i]]  # type: ignore[operator]

    def microseconds(self) -> np.ndarray:
        """Each message's time as integer microseconds since `_EPOCH` (exact); computed
        once (the import proposes twice: without and with the stored requests)."""
        if self._microseconds is None:
            self._microseconds = self._compute_microseconds()
            self._microseconds.flags.writeable = False
        return self._microseconds

    def _compute_microseconds(self) -> np.ndarray:
        day_us = {
            d: (v - _EPOCH).days * _MICROSECONDS_A_DAY
            for d, v in self._day_of.items()
            if v is not None
        }
        off_us = {t: v // _MICROSECOND for t, v in self._offset_of.items() if v is not None}
        n = len(self.texts)
        days = np.fromiter(map(day_us.__getitem__, self._dates), np.int64, n)
        return days + np.fromiter(map(off_us.__getitem__, self._times), np.int64, n)


_MICROSECOND = timedelta(microseconds=1)
_UNIX_MICROSECONDS = (datetime(1970, 1, 1) - _EPOCH) // _MICROSECOND  # numpy's time 0


def _line_numbers(texts: list[str], first_line: int) -> list[int]:
    """Each message's first line, from the first message's and each text's line count."""
    lines = list(
        itertools.accumulate(
            map(operator.add, map(str.count, texts, itertools.repeat("\n")), itertools.repeat(1)),
            initial=first_line,
        )
    )
    lines.pop()  # the line after the last message
    return lines


class Proposal(NamedTuple):
    """A proposed request. A named tuple (immutable, built at C speed: a busy office's
    year proposes ~40,000)."""

    request_id: str
    sender_key: str
    received_at: datetime
    phone: str | None
    nik: str | None
    kecamatan: str | None
    service: str
    likely: bool
    why: tuple[str, ...]
    snippet: str
    chat: str


# ------------------------------------------------------------------------------ parsing

# the marks WhatsApp puts around names, numbers and iOS lines (LRM, RLM, bidi embeddings
# and isolates), plus the iOS "~" before a name that is not a saved contact
_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_SENDER_STRIP = _MARKS + "~ \u00a0\u202f\t"
_SP = "[ \u00a0\u202f]"  # the spaces WhatsApp writes inside a header

# The header of a message line, in every format read here. The first header in a file
# tells its format (iOS's "[" or Android's " - ", a 12- or 24-hour clock); the file is
# then split with the one pattern for that format (`_SPLIT`): the fewer the alternatives
# and groups, the faster one C-level `re.split` over the whole text is.
_DATE = r"\d\d?[/.-]\d\d?[/.-]\d{2,4}"
_TIME = r"\d\d?[.:]\d\d(?:[.:]\d\d)?"
_AMPM = r"[AaPp]\.?[Mm]\.?"
_HEAD = (
    rf"[{_MARKS}]*(\[)?"  # 1: "[" on iOS
    rf"({_DATE}),?{_SP}({_TIME})"  # 2: date, 3: time as written
    rf"(?:{_SP}?({_AMPM}))?"  # 4: AM/PM
    rf"(?:\]{_SP}?|{_SP}-{_SP})"
)
#: the header line pattern (any format), for finding a file's first header and for the
#: benchmark's plain regular-expression pass
LINE_PATTERN = re.compile(rf"^{_HEAD}.*$", re.MULTILINE)
# the sender, when the line has "Name: " (names and numbers hold no colon)
_SENDER = rf"(?:([^\n:]{{1,100}}):{_SP})?"


def _split_pattern(ios: bool, twelve: bool) -> re.Pattern[str]:
    # groups: date, time, [am/pm], sender; the text between two headers is the message.
    # The "\n" before a header is consumed with it, so texts carry no trailing newline
    # (the text is given a leading "\n" so that the first line is found the same way).
    open_, close = (r"\[", rf"\]{_SP}?") if ios else ("", rf"{_SP}-{_SP}")
    ampm = rf"{_SP}?({_AMPM})" if twelve else ""
    return re.compile(rf"\n[{_MARKS}]*{open_}({_DATE}),?{_SP}({_TIME}){ampm}{close}{_SENDER}")


_SPLIT = {(i, h): _split_pattern(i, h) for i in (False, True) for h in (False, True)}

# texts that are WhatsApp's placeholders, not something a person wrote, exactly as
# WhatsApp writes them (iOS's, which start with an LRM mark, are recognised by it)
_PLACEHOLDERS = frozenset(
    (
        "<Media tidak disertakan>",
        "<Media omitted>",
        "Pesan ini telah dihapus",
        "Pesan ini dihapus",
        "This message was deleted",
        "This message was deleted.",
        "Anda menghapus pesan ini",
        "You deleted this message",
        "null",
        "image omitted",
        "video omitted",
        "audio omitted",
        "sticker omitted",
        "document omitted",
        "GIF omitted",
        "Contact card omitted",
        "gambar tidak disertakan",
        "video tidak disertakan",
        "audio tidak disertakan",
        "stiker tidak disertakan",
        "dokumen tidak disertakan",
        "GIF tidak disertakan",
        "kartu kontak tidak disertakan",
        "Pesan menunggu. Ini mungkin memerlukan waktu beberapa saat.",
        "Waiting for this message. This may take a while.",
    )
)
# WhatsApp's notices that some exports write under the chat's name, like a message
# ("Grup KTP: Messages and calls are end-to-end encrypted. ..."): compared by their start
_NOTICES = (
    "Pesan dan panggilan dienkripsi secara end-to-end",
    "Pesan yang Anda kirim ke grup ini sekarang diamankan dengan enkripsi end-to-end",
    "Pesan yang dikirim ke grup ini kini diamankan dengan enkripsi end-to-end",
    "Messages and calls are end-to-end encrypted",
    "Messages you send to this group are now secured with end-to-end encryption",
    "Messages to this group are now secured with end-to-end encryption",
)
# placeholders with a variable part: iOS attachments, Android "(file attached)"
_PLACEHOLDER_RE = re.compile(
    r"<(?:lampiran|attached): [^>\n]*>|.*\((?:file terlampir|file attached)\)",
    re.IGNORECASE,
)
# a sender written as a number (not a saved contact)
_PHONE_SENDER = re.compile(r"\+?\d[\d \-()\u00a0\u202f]{5,}\d")
# a file name's chat partner: "Chat WhatsApp dengan X", "WhatsApp Chat with X",
# "WhatsApp Chat - X" (iOS zips), with a browser's " (1)" after repeated downloads
_FILE_PARTNER = re.compile(
    r"^(?:Chat WhatsApp dengan|WhatsApp Chat with|WhatsApp Chat -|Obrolan WhatsApp dengan)\s+"
    r"(.+?)(?:\s*\(\d+\))?$",
    re.IGNORECASE,
)

_TWO_DIGIT_YEAR_BASE = 2000
_TIME_PARTS = re.compile(rf"(\d\d?)[.:](\d\d)(?:[.:](\d\d))?(?:{_SP}?({_AMPM}))?")
# the cheap whole-text test before looking for variable placeholders message by message
_PLACEHOLDER_HINT = re.compile(
    r"<(?:lampiran|attached): |\((?:file terlampir|file attached)\)", re.I
)


def _phone_of(text: str) -> str | None:
    """The normalised number when `text` is a phone number as WhatsApp writes it."""
    if not _PHONE_SENDER.fullmatch(text):
        return None
    digits = pii.normalize_phone(text)
    return digits if pii.is_valid_phone(digits) else None


def _phones_of(senders: list[str]) -> list[str | None]:
    """`_phone_of` of each sender; column-wise (RE2, `whatsapp_columns`) for many."""
    if len(senders) < _COLUMNS_FROM:
        return list(map(_phone_of, senders))
    from dashboard import whatsapp_columns

    return whatsapp_columns.phones_of(senders)


def file_phone(name: str) -> str | None:
    """The number in an export's file name (`Chat WhatsApp dengan +62 813-4567-8901.txt`)."""
    stem = Path(name).name
    for suffix in (".txt", ".zip"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    m = _FILE_PARTNER.match(stem.strip(_SENDER_STRIP))
    return _phone_of(m.group(1).strip(_SENDER_STRIP)) if m else None


def _split_date(s: str) -> tuple[int, int, int]:
    a, b, y = re.split(r"[/.-]", s)
    return int(a), int(b), int(y)


def _day_first(dates: list[str], dotted_time: bool) -> tuple[bool, str | None]:
    """Whether the file's dates are day-first, and a problem line when it is a guess.

    `dates` are the distinct date strings in file order.
    """
    if dotted_time:
        return True, None  # only Indonesian (and other day-first) settings write 08.15
    parts = [_split_date(d) for d in dates]
    first_big = any(a > 12 for a, _, _ in parts)
    second_big = any(b > 12 for _, b, _ in parts)
    if first_big and second_big:
        return True, "the dates mix day-first and month-first orders; read as day-first"
    if first_big or second_big:
        return first_big, None

    # Every field is 12 or less: an export lists messages in time order, so the reading
    # under which the dates run backwards less often is the right one.
    def backwards(day_first: bool) -> int:
        keys = [(y, b, a) if day_first else (y, a, b) for a, b, y in parts]
        return sum(1 for k0, k1 in zip(keys, keys[1:], strict=False) if k1 < k0)

    dmy, mdy = backwards(True), backwards(False)
    if dmy != mdy:
        return dmy < mdy, None
    return True, "the day and month order cannot be told from the dates; read as day-first"


def _decode(data: bytes) -> tuple[str, list[str]]:
    """The text of an export (UTF-8, with or without BOM; UTF-16 when it has that BOM)
    with LF line ends, and a problem line when bytes had to be replaced."""
    problems: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("utf-8-sig", errors="replace")
            bad = text.count("\ufffd") - data.count("\ufffd".encode())
            # one replacement character per invalid sequence (a byte or a cut-off character)
            problems.append(f"{bad} invalid UTF-8 sequences were replaced")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.lstrip("\ufeff"), problems


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects.

    Used where hundreds of thousands of tuples or objects are made (`Message`s when a
    chat's messages are first asked for; `propose`): each 700 allocations wake the
    collector, which then walks every young object (and now and then all of them),
    though none of these objects can ever form a cycle. (Parsing itself makes only
    strings and a few lists, which the collector never walks: it needs no pause.)
    Process-wide but harmless for other threads: collection is only deferred.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_text(text: str, name: str) -> Chat:
    """One chat from the decoded text of an export (`read_chat` without the file).

    Column by column rather than line by line: one `re.split` yields every message's
    date, time, sender and text; dates and times are parsed once per distinct string
    (a year holds ~365 dates and at most 1,440 minutes), the system flags are C-level
    `map`s, and the messages are kept as those columns (`_Messages`).
    """
    first = LINE_PATTERN.search(text)
    if first is None:
        if not text.strip():
            raise ChatError(f"{name} is empty: it holds no messages")
        raise ChatError(_not_a_chat(name))
    return _parse(text, name, first)


def _not_a_chat(name: str) -> str:
    return (
        f"{name} is not a WhatsApp chat export in a format read here: no line like "
        "'08/06/20 08.15 - Name: message' or '[08/06/20 08.15.23] Name: message'"
    )


def _parse(text: str, name: str, first: re.Match[str]) -> Chat:
    ios, twelve = first.group(1) is not None, first.group(4) is not None
    parts = _SPLIT[(ios, twelve)].split("\n" + text)
    if len(parts) == 1:
        # the first header looked like one ("[08/06/20 08.15 - ...": an iOS bracket and
        # Android's dash) but no line is a header of the format it names
        raise ChatError(_not_a_chat(name))
    first_line = parts[0].count("\n") + 1  # lines before the first header are skipped
    width = 5 if twelve else 4
    dates = parts[1::width]
    times = parts[2::width]
    # only Indonesian (and other day-first) settings write the time as 08.15
    dotted = any("." in t for t in itertools.islice(times, 50))
    if twelve:
        times = list(map(operator.add, times, parts[3::width]))
    senders = parts[width - 1 :: width]
    texts = parts[width::width]
    texts[-1] = texts[-1].rstrip("\n")

    distinct_dates = list(dict.fromkeys(dates))
    day_first, guess = _day_first(distinct_dates, dotted)
    problems: list[str] = [guess] if guess else []
    if first_line > 1:
        problems.append(f"lines 1-{first_line - 1} come before the first message and were skipped")
    day_of = {d: _day(d, day_first) for d in distinct_dates}
    offset_of = {t: _time_offset(t) for t in set(times)}
    who = {s: (s.strip(_SENDER_STRIP) if s else "") for s in set(senders)}
    system = list(map(operator.is_, senders, itertools.repeat(None)))  # no "Name: "
    system = list(map(operator.or_, system, map(_PLACEHOLDERS.__contains__, texts)))
    if "end-to-end" in text:
        notice = map(str.startswith, texts, itertools.repeat(_NOTICES))
        system = list(map(operator.or_, system, notice))
    if "\u200e" in text:  # iOS marks its notices and attachments with an LRM
        lrm = map(str.startswith, texts, itertools.repeat("\u200e"))
        system = list(map(operator.or_, system, lrm))
    if "<lampiran: " in text or "<attached: " in text or "(file " in text:
        matched = map(_PLACEHOLDER_RE.fullmatch, texts)
        system = list(map(operator.or_, system, map(bool, matched)))

    senders = list(map(who.__getitem__, senders))
    if None in day_of.values() or None in offset_of.values():
        # a broken date or time: say where, and keep every good message
        days = list(map(day_of.__getitem__, dates))
        offsets = list(map(offset_of.__getitem__, times))
        lines = _line_numbers(texts, first_line)
        good = list(map(_both, days, offsets))
        for i in itertools.compress(range(len(good)), map(operator.not_, good)):
            what = f"the date {dates[i]}" if days[i] is None else f"the time {times[i]}"
            problems.append(f"line {lines[i]}: {what} does not exist")
        dates, times, senders, texts, lines, system = (
            list(itertools.compress(c, good)) for c in (dates, times, senders, texts, lines, system)
        )
        messages = _Messages(dates, times, day_of, offset_of, senders, texts, system, lines)
    else:
        messages = _Messages(dates, times, day_of, offset_of, senders, texts, system, first_line)

    if not messages:
        problems.append("no message could be read")
    elif all(system):
        problems.append("the chat holds no messages from anyone, only WhatsApp's own lines")
    fmt = ("ios" if ios else "android") + ("-12h" if twelve else "-24h")
    return Chat(name, fmt, messages, problems, file_phone(name))


def _both(a: object, b: object) -> bool:
    return a is not None and b is not None


def _day(d: str, day_first: bool) -> datetime | None:
    """Midnight of the date `d` as written, or None when no such date exists."""
    a, b, y = _split_date(d)
    day, month = (a, b) if day_first else (b, a)
    try:
        return datetime(y + _TWO_DIGIT_YEAR_BASE if y < 100 else y, month, day)
    except ValueError:
        return None


def _time_offset(t: str) -> timedelta | None:
    """`08.15`, `8:15:23`, `8:15 PM`, `8.15\u202fpm` from midnight; None when no such time."""
    m = _TIME_PARTS.fullmatch(t)
    if m is None:
        return None
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if m[4]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m[4][0] in "Pp" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return timedelta(hours=hour, minutes=minute, seconds=second)


def read_chat(path: Path, name: str | None = None) -> list[Chat]:
    """The chat(s) in one export: a `.txt` is one chat; a `.zip` the chat `.txt` inside it.

    `name` is what problems and proposals call the file (default: its file name).
    Raises `ChatError` (one line) when the file is no chat export, is empty, is a
    damaged or truncated zip, or cannot be read.
    """
    path = Path(path)
    name = name or path.name
    try:
        if zipfile.is_zipfile(path) or path.suffix.lower() == ".zip":
            return _read_zip(path, name)
        data = path.read_bytes()
    except OSError as e:
        raise ChatError(f"{name} cannot be read: {e.strerror or type(e).__name__}") from None
    return [_parse_data(data, name)]


#: from this many bytes on, a chat is read from its bytes with numpy
#: (`whatsapp_bytes`: the same chat, ~5x quicker on a year of a busy office); smaller
#: files are read with `re` alone, which leaves pyarrow unloaded (its import takes ~0.2 s)
_BYTES_FROM = 256 * 1024


def _parse_data(data: bytes, name: str) -> Chat:
    """The chat in an export's bytes (`parse_text` after `_decode`, or the same read from
    the bytes when they are many); raises `ChatError`."""
    if len(data) >= _BYTES_FROM:
        from dashboard import whatsapp_bytes

        chat = whatsapp_bytes.parse(data, name)
        if chat is not None:
            return chat
    text, problems = _decode(data)
    chat = parse_text(text, name)
    chat.problems[:0] = problems
    return chat


def time_span(chats: Iterable[Chat]) -> tuple[datetime, datetime] | None:
    """The earliest and the latest message time over `chats`; None when they hold no
    message. Chats as `read_chat` reads them give it from their integer times, without
    building their `Message`s."""
    low: datetime | None = None
    high: datetime | None = None
    for chat in chats:
        msgs = chat.messages
        if not len(msgs):
            continue
        if isinstance(msgs, _Messages):
            us = msgs.microseconds()
            first = _EPOCH + timedelta(microseconds=int(us.min()))
            last = _EPOCH + timedelta(microseconds=int(us.max()))
        else:
            first = min(m.sent_at for m in msgs)
            last = max(m.sent_at for m in msgs)
        low = first if low is None or first < low else low
        high = last if high is None or last > high else high
    return None if low is None or high is None else (low, high)


def _is_chat_member(member: str) -> bool:
    base = member.rsplit("/", 1)[-1]
    stem = base[:-4] if base.lower().endswith(".txt") else base
    return base == "_chat.txt" or _FILE_PARTNER.match(stem) is not None


def _read_zip(path: Path, name: str) -> list[Chat]:
    try:
        with zipfile.ZipFile(path) as zf:
            members = [
                i for i in zf.infolist() if not i.is_dir() and i.filename.lower().endswith(".txt")
            ]
            # the export's own chat file, when named as WhatsApp names it; attachments
            # (a resident may send a .txt document) are ignored then
            chats = [i for i in members if _is_chat_member(i.filename)] or members
            if not chats:
                raise ChatError(f"{name} holds no chat: no .txt file inside the zip")
            out: list[Chat] = []
            refused: list[str] = []
            for info in chats:
                member_name = f"{name}/{info.filename}"
                if info.file_size > MAX_MEMBER_BYTES or (
                    info.compress_size > 0
                    and info.file_size > 1 << 20
                    and info.file_size / info.compress_size > MAX_RATIO
                ):
                    raise ChatError(
                        f"{member_name} is refused: it would expand to "
                        f"{info.file_size // (1 << 20)} MB, too large for a chat export"
                    )
                with zf.open(info) as f:
                    # never trust the header's size: read at most one byte past the limit
                    data = f.read(MAX_MEMBER_BYTES + 1)
                if len(data) > MAX_MEMBER_BYTES:
                    raise ChatError(
                        f"{member_name} is refused: larger than "
                        f"{MAX_MEMBER_BYTES // (1 << 20)} MB, too large for a chat export"
                    )
                try:
                    chat = _parse_data(data, member_name)
                except ChatError as e:
                    refused.append(str(e))
                    continue
                if chat.file_phone is None:
                    # iOS zips hold "_chat.txt"; the number is then in the zip's own name
                    chat.file_phone = file_phone(name)
                out.append(chat)
            if not out:
                raise ChatError(refused[0] if len(refused) == 1 else f"{name} holds no chat export")
            return out
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError) as e:
        # NotImplementedError: a compression method zipfile cannot read
        raise ChatError(
            f"{name} is a damaged or truncated zip and cannot be read ({type(e).__name__})"
        ) from None
    except RuntimeError:  # zipfile's "File ... is encrypted, password required"
        raise ChatError(f"{name} is a password-protected zip and cannot be read") from None
    except OSError as e:
        raise ChatError(f"{name} cannot be read: {e.strerror or type(e).__name__}") from None


def read_chats(paths: Iterable[Path]) -> tuple[list[Chat], list[str]]:
    """Every chat in `paths` (files, or folders searched for `*.txt` and `*.zip` at any
    depth), and one line for each file refused (the `ChatError` message, naming it).
    """
    chats: list[Chat] = []
    refused: list[str] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files = sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in (".txt", ".zip")
            )
            if not files:
                refused.append(f"{p.name} holds no .txt or .zip chat export")
            named = [(f, str(f.relative_to(p.parent))) for f in files]
        else:
            named = [(p, p.name)]
        for f, display in named:
            try:
                chats.extend(read_chat(f, display))
            except ChatError as e:
                refused.append(str(e))
    return chats, refused


# ------------------------------------------------------------------------------ requests

# What a request's messages are read for. Each pattern runs over the lowercased text and
# every alternative starts with a literal character, so the regex engine skips ahead to
# the few places worth trying (a leading \b or an IGNORECASE flag would make it try every
# position: four times slower); the word boundary before a match is checked afterwards.
# A NIK is 16 digits, also written as four groups of four.
_NIK = re.compile(r"\d(?:\d{15}|\d{3}(?:[ .-]\d{4}){3})(?!\d)")
# request words and the services they name (`_service_of` tells which); the kecamatan
# names are added to the same alternation per call (`_scanner`), so one pass finds both
_WORDS = (
    r"e-?ktp|ktp(?:[- ]?el)?|rekam(?:an)?|perekaman|merekam"
    r"|akt[ae](?:\s+(?:ke)?(?:lahir|mati)(?:an)?)?|kk|kartu\s+keluarga"
    r"|surat\s+pindah|pindah(?:an)?|skpwni"
    r"|daftar(?:kan|an)?|mendaftar(?:kan)?|pendaftaran"
)
_SNIPPET_WORDS = 12
_LONG_RUN = re.compile(pii.LONG_RUN_PATTERN)
_NIK_SPLIT = re.compile(f"({_NIK.pattern})")
_NON_DIGIT = re.compile(r"\D")
_ID_DROP = str.maketrans("", "", "-:T")


def _service_of(word: str) -> str | None:
    """The service a request word names (KTP words name ktp_el; "akta" alone is a birth
    certificate: the commonest), or None for a word that names none (daftar)."""
    if "ktp" in word or "rekam" in word:
        return "ktp_el"
    if word.startswith("akt"):
        return "akta_mati" if "mati" in word else "akta_lahir"
    if word == "kk" or word.startswith("kartu"):
        return "kk"
    if "pindah" in word or word == "skpwni":
        return "pindah"
    return None


def _nik_in(text: str) -> str | None:
    """The first NIK written in `text` (16 digits not part of a longer number)."""
    m = _NIK.search(text)  # most texts hold none: one C call, no iterator
    while m is not None:
        i = m.start()
        if i == 0 or not text[i - 1].isdigit():
            return pii.normalize_nik(_NON_DIGIT.sub("", m.group()))
        m = _NIK.search(text, m.end())
    return None


def request_id_prefix(sender_key: str) -> str:
    """The part of a request ID that depends only on the sender (`WA-<16 hex>-`).

    The saver finds a sender's stored requests with `request_id LIKE prefix || '%'`
    (the prefix holds only hex digits and dashes, nothing LIKE treats specially).
    """
    return f"WA-{sender_key[:16]}-"


def _scanner(names: Sequence[str]) -> tuple[re.Pattern[str], dict[str, str]]:
    """Request words and the kecamatan as one pattern (over lowercased text), and
    lowercase kecamatan name -> its spelling in the list."""
    canon = {" ".join(n.split()).lower(): " ".join(n.split()) for n in names if n.strip()}
    # longest first, so "Paringin Selatan" wins over "Paringin" at the same place
    alts = sorted(canon, key=len, reverse=True)
    kec = "".join("|" + r"\s+".join(re.escape(w) for w in n.split()) for n in alts)
    return re.compile(rf"(?:{_WORDS}{kec})(?!\w)"), canon


def _snippet(text: str) -> str:
    words = text.split(None, _SNIPPET_WORDS)
    out = " ".join(words[:_SNIPPET_WORDS]) + (" …" if len(words) > _SNIPPET_WORDS else "")
    # masking is a regex with a callback: run it only where a long digit run is
    return (pii.mask_digits(out) or "") if _LONG_RUN.search(out) else out


def _name(sender: str) -> str:
    return " ".join(sender.split()).casefold()


def _office(office: str | Sequence[str]) -> tuple[set[str], set[str]]:
    phones: set[str] = set()
    names: set[str] = set()
    for o in [office] if isinstance(office, str) else office:
        phone = _phone_of(o.strip(_SENDER_STRIP))
        if phone is not None:
            phones.add(phone)
        elif o.strip():
            names.add(_name(o))
    return phones, names


def _identities(
    chat: Chat, senders: Iterable[str], office_phones: set[str], office_names: set[str]
) -> dict[str, str]:
    """Each counted sender of `chat` (as written) -> identity: the number, or "name:...".

    The office's own senders are left out."""
    distinct = [who for who in set(senders) if who]
    idents = _identities_of(chat, distinct, _phones_of(distinct), office_phones, office_names)
    return {who: ident for who, ident in zip(distinct, idents, strict=True) if ident is not None}


def _identities_of(
    chat: Chat,
    distinct: list[str],
    phones: list[str | None],
    office_phones: set[str],
    office_names: set[str],
) -> list[str | None]:
    """The identity of each of the chat's distinct counted senders (`phones`: their
    `_phone_of`); None for "" and the office's own."""
    idents: list[str | None] = [None] * len(distinct)
    named: list[int] = []
    for i, (who, phone) in enumerate(zip(distinct, phones, strict=True)):
        if not who:
            continue
        if phone is not None:
            if phone not in office_phones:
                idents[i] = phone
        elif _name(who) not in office_names:
            named.append(i)
    # a one-to-one chat named by the resident's number: the one name in it is that number
    one_to_one = (
        chat.file_phone is not None and chat.file_phone not in office_phones and len(named) == 1
    )
    for i in named:
        idents[i] = chat.file_phone if one_to_one else "name:" + _name(distinct[i])
    return idents


def _spans(ts: list[int], stored: Sequence[int], window: int) -> Iterable[tuple[int, int]]:
    """(start, end) indices into one sender's sorted times: each span is a new request
    (times and `window` in integer microseconds, exact as datetimes are)."""
    i, n = 0, len(ts)
    while i < n:
        t = ts[i]
        k = bisect.bisect_right(stored, t)  # stored[:k] began at or before t
        if k and t - stored[k - 1] < window:
            i = bisect.bisect_left(ts, stored[k - 1] + window, i)
        elif k < len(stored) and stored[k] - t < window:
            i = bisect.bisect_left(ts, stored[k] + window, i)
        else:
            j = bisect.bisect_left(ts, t + window, i)
            yield i, j
            i = j


def _microseconds(at: datetime) -> int:
    """`at` as integer microseconds since `_EPOCH` (aware times: their UTC time)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return (at - _EPOCH) // _MICROSECOND


class _Counted(NamedTuple):
    """Every counted message of the chats given, as columns in chat and file order."""

    ident: np.ndarray  # the sender's identity, as an index into `idents`
    time: np.ndarray  # int64 microseconds since `_EPOCH`
    where: np.ndarray  # index into `texts` (every message of every chat, in order)
    idents: list[str]
    # every message's text, in chat and file order; None when every chat was read from
    # its bytes (`whatsapp_bytes.ByteMessages`): `_ArrowTexts` reads theirs in Arrow
    texts: list[str] | None
    chat_of: np.ndarray  # `where` -> chat index
    starts: list[int]  # chat index -> index into `texts` of its first message


def _counted(chats: Sequence[Chat], office_phones: set[str], office_names: set[str]) -> _Counted:
    code_of_ident: dict[str, int] = {}
    idents_col: list[np.ndarray] = []
    times_col: list[np.ndarray] = []
    where_col: list[np.ndarray] = []
    by_bytes = all(hasattr(c.messages, "sender_codes") for c in chats)
    texts: list[str] | None = None if by_bytes else []
    starts: list[int] = []
    sizes: list[int] = []
    offset = 0
    for chat in chats:
        msgs = chat.messages
        n = len(msgs)
        starts.append(offset)
        sizes.append(n)
        if not n:
            continue
        if hasattr(msgs, "sender_codes"):  # whatsapp_bytes.ByteMessages: columns as they are
            code = _byte_codes(chat, msgs, code_of_ident, office_phones, office_names)
            times = msgs.microseconds()
            chat_texts = msgs.texts if texts is not None else []
        else:
            if isinstance(msgs, _Messages):
                senders, chat_texts, system = msgs.senders, msgs.texts, msgs.system
                times = msgs.microseconds()
            else:
                senders = [m.sender for m in msgs]
                chat_texts = [m.text for m in msgs]
                system = [m.system for m in msgs]
                times = np.fromiter(map(_microseconds, (m.sent_at for m in msgs)), np.int64, n)
            counted = list(map(operator.not_, system))
            senders_counted = itertools.compress(senders, counted)
            ids = _identities(chat, senders_counted, office_phones, office_names)
            code_of = {
                who: code_of_ident.setdefault(ident, len(code_of_ident))
                for who, ident in ids.items()
            }
            code = np.fromiter(map(code_of.get, senders, itertools.repeat(-1)), np.int64, n)
            code[np.fromiter(counted, bool, n) == 0] = -1
        keep = np.flatnonzero(code >= 0)
        idents_col.append(code[keep])
        times_col.append(times[keep])
        where_col.append(keep + offset)
        offset += n
        if texts is not None:
            texts.extend(chat_texts)
    empty = np.zeros(0, np.int64)
    return _Counted(
        np.concatenate(idents_col) if idents_col else empty,
        np.concatenate(times_col) if times_col else empty,
        np.concatenate(where_col) if where_col else empty,
        list(code_of_ident),
        texts,
        np.repeat(np.arange(len(chats), dtype=np.int64), sizes),
        starts,
    )


def _byte_codes(
    chat: Chat,
    msgs: Sequence[Message],
    code_of_ident: dict[str, int],
    office_phones: set[str],
    office_names: set[str],
) -> np.ndarray:
    """Each message's identity code (-1: not counted) for a chat read from its bytes:
    its senders are already codes into its distinct senders, whose numbers were read
    with them (`ByteMessages`)."""
    codes: np.ndarray = msgs.sender_codes  # type: ignore[attr-defined]
    distinct: list[str] = msgs.distinct_senders  # type: ignore[attr-defined]
    phones: list[str | None] = msgs.distinct_phones  # type: ignore[attr-defined]
    counted = ~msgs.system_mask & (codes >= 0)  # type: ignore[attr-defined]
    seen = np.zeros(len(distinct), bool)
    seen[codes[counted]] = True
    present = np.flatnonzero(seen)
    idents = _identities_of(
        chat,
        list(map(distinct.__getitem__, present.tolist())),
        list(map(phones.__getitem__, present.tolist())),
        office_phones,
        office_names,
    )
    table = np.full(len(distinct) + 1, -1, np.int64)  # the last for code -1
    table[present] = [
        -1 if ident is None else code_of_ident.setdefault(ident, len(code_of_ident))
        for ident in idents
    ]
    code = table[codes]
    code[~counted] = -1
    return code


def _requests(
    ident: np.ndarray,
    time: np.ndarray,
    stored_of: list[list[int]],
    window: timedelta,
) -> tuple[list[int], list[int]]:
    """Each request's (start, end) positions in the counted messages sorted by sender and
    time (`ident` and `time` are so sorted): the window rule of `propose`. `stored_of`:
    each identity's stored request times, sorted, as integer microseconds like `time`.

    Without stored requests the rule needs no loop over messages: a sender's first
    message, and each message `window` or more after the sender's previous one, starts a
    request; a run of messages between two such starts spanning less than `window` is
    that one request. Longer runs, and senders with stored requests, take the rule step
    by step (`_spans`), from request start to request start.
    """
    n = len(time)
    if not n:
        return [], []
    width = window // _MICROSECOND
    head = np.empty(n, bool)
    head[0] = True
    np.not_equal(ident[1:], ident[:-1], out=head[1:])
    cut = head.copy()
    cut[1:] |= (time[1:] - time[:-1]) >= width
    seg = np.flatnonzero(cut)
    seg_end = np.append(seg[1:], n)
    has_stored = np.fromiter(map(bool, stored_of), bool, len(stored_of))
    stored = has_stored[ident[seg]] if len(stored_of) else np.zeros(len(seg), bool)
    short = ~stored & (time[seg_end - 1] - time[seg] < width)
    starts, ends = seg[short].tolist(), seg_end[short].tolist()
    longer = ~stored & ~short
    for a, b in zip(seg[longer].tolist(), seg_end[longer].tolist(), strict=True):
        run = time[a:b]
        i = a
        while i < b:
            j = a + int(np.searchsorted(run, time[i] + width, "left"))
            starts.append(i)
            ends.append(j)
            i = j
    if stored.any():
        group = np.flatnonzero(head)
        group_end = np.append(group[1:], n)
        with_stored = has_stored[ident[group]]
        times = time.tolist()
        for a, b in zip(group[with_stored].tolist(), group_end[with_stored].tolist(), strict=True):
            for i, j in _spans(times[a:b], stored_of[int(ident[a])], width):
                starts.append(a + i)
                ends.append(a + j)
    return starts, ends


def propose(
    chats: Sequence[Chat],
    *,
    office: str | Sequence[str] = (),
    window_days: int = DEFAULT_WINDOW_DAYS,
    kecamatan: Sequence[str] = (),
    known: Mapping[str, Sequence[datetime]] | None = None,
    key: bytes | None = None,
) -> list[Proposal]:
    """The requests in `chats`, for staff to review; sorted by time, then request ID.

    Which messages count: a message counts when it has a sender, is not `system`, and is
    not the office's own. The office is given by `office`: numbers (anything that
    `pii.normalize_phone` turns into 8-15 digits and is written as a number) match a
    sender written as that number; anything else is a name, matched against the sender
    trimmed, with runs of spaces as one, case-insensitively.

    Who sent it (the sender identity): a sender written as a number is that number
    (normalised). A sender shown as a saved contact's name is, in a chat whose file name
    holds a number (`Chat WhatsApp dengan +62 813-4567-8901.txt`, a one-to-one chat), that
    number, provided the chat has exactly one such named non-office sender; otherwise
    (group chats, or two names in one chat) the name itself ("name:" + the name
    trimmed and casefolded) and the request has no phone. `sender_key` is
    `pii.hash_value` of the number or of that "name:..." string. Senders are matched
    across all the chats given: one resident in two exports is one sender.

    The window: each sender's counted messages are taken in time order. A message
    starts a new request unless the sender already has a request, proposed here or in
    `known` (sender_key -> stored received_at), that began at or before it and less than
    `window_days` x 24 hours before it (a request at 08:15 on 1 June covers messages up to
    08:14:59 on 15 June; one at 08:15 on 15 June starts a new request). A stored request
    up to `window_days` x 24 hours *after* the message also covers it, so an older export
    imported after a newer one never adds a second request to one conversation; the
    stored request stands. A message at the time of a stored request is that request,
    so an overlapping export proposes only what is new.

    What a request holds, read from the sender's counted messages from its start until
    the next request (or the end of the window, whichever comes first): `nik`, the first
    16-digit number written (also as four groups of four); `kecamatan`, the first name
    from `kecamatan` named as whole words (case-insensitive; the longest name wins at one
    place, so "Paringin Selatan" beats "Paringin"), as spelled in the list; `service`, the
    first service named (KTP words name `ktp_el`; "akta" alone is `akta_lahir`), else
    `ktp_el`; `likely`, when a NIK or request words (daftar, rekam, perekaman, KTP,
    e-KTP, KTP-el, mendaftar, pendaftaran) or a service (KK, kartu keluarga, akta,
    surat pindah) appear; `why`, ("nik", "words") as found, else ("first_message",).
    `snippet` is the first message's first words with every long digit run masked.

    `request_id` is `request_id_prefix(sender_key)` + the request's time
    (`YYYYMMDDhhmmss`): the same sender and message give the same ID in every import.
    (iOS writes seconds and Android does not, so one message exported from both kinds
    of phone has two times and two IDs; an office exports from its one phone.)

    `known` times are naive office-local wall-clock times, like every time here.
    `key` is the installation's hashing key (default `pii.load_key()`).
    Raises ValueError when `window_days` is below 1.
    """
    if window_days < 1:
        raise ValueError(f"window_days must be 1 or more, not {window_days}")
    if key is None:
        key = pii.load_key()
    window = timedelta(days=window_days)
    office_phones, office_names = _office(office)
    scan, kec_canon = _scanner(kecamatan)

    with _gc_paused():
        return _proposals(chats, office_phones, office_names, known, key, window, scan, kec_canon)


def _proposals(
    chats: Sequence[Chat],
    office_phones: set[str],
    office_names: set[str],
    known: Mapping[str, Sequence[datetime]] | None,
    key: bytes,
    window: timedelta,
    scan: re.Pattern[str],
    kec_canon: dict[str, str],
) -> list[Proposal]:
    counted = _counted(chats, office_phones, office_names)
    # by sender, then time; a stable sort, so messages at one time keep their file order
    order = np.lexsort((counted.time, counted.ident))
    ident, where = counted.ident[order], counted.where[order]
    stored_of: list[list[int]] = []
    if known:
        sender_keys = _hashes(counted.idents, key)
        stored_of = [sorted(map(_microseconds, known.get(k, ()))) for k in sender_keys]
    getters = [
        m.sent_at if isinstance(m, _Messages) else partial(_sent_at, m)
        for m in (c.messages for c in chats)
    ]
    chat_of, chat_start = counted.chat_of, counted.starts

    def sent_at(k: int) -> datetime:  # the time of the k-th message in sorted order
        w = int(where[k])
        ci = int(chat_of[w])
        return getters[ci](w - chat_start[ci])

    time = counted.time[order]
    starts, ends = _requests(ident, time, stored_of, window)
    if not starts:
        return []
    # By time, then sender (the final order of `propose` needs the keyed hashes: below)
    first, end = np.array(starts, np.int64), np.array(ends, np.int64)
    begun, codes = time[first], ident[first]
    pre = np.lexsort((codes, begun))
    first, end, begun, codes = first[pre], end[pre], begun[pre], codes[pre]
    by_bytes = counted.texts is None  # every chat read from its bytes: texts in Arrow
    if by_bytes:
        # the fields read in a second thread (RE2 in pyarrow runs without the GIL)
        # while this one hashes, names and cuts snippets
        texts = _ArrowTexts(chats, where, chat_of, chat_start)
        pool = ThreadPoolExecutor(1)
        reading = pool.submit(texts.fields, first, end, scan, kec_canon)
        pool.shutdown(wait=False)
    else:
        texts = list(map(counted.texts.__getitem__, where.tolist()))
        joined = list(
            map("\n".join, map(texts.__getitem__, map(slice, first.tolist(), end.tolist())))
        )
        read = _fields(joined, scan, kec_canon)
    if not known:
        sender_keys = _hashes(counted.idents, key)
    # the requests in the order `propose` returns them: by time, then request ID (IDs
    # of one time differ in the sender's prefix, all prefixes being equally long)
    prefixes = list(map(request_id_prefix, sender_keys))
    moved = bool((begun[1:] == begun[:-1]).any())  # only requests that begin at once move
    if moved:
        # the prefixes' order is that of their 16 hex digits read as a number
        rank = np.array([int(k[:16], 16) for k in sender_keys], np.uint64)
        by = np.lexsort((codes, rank[codes], begun))
        first, begun, codes = first[by], begun[by], codes[by]
    if all(isinstance(c.messages, _Messages) for c in chats) and not (begun % 1_000_000).any():
        # naive times in whole seconds: converted as a column
        stamps = (begun - _UNIX_MICROSECONDS).astype("datetime64[us]")
        received = stamps.tolist()
        ids = _id_times(stamps)
    else:
        received = list(map(sent_at, first.tolist()))
        ids = [at.isoformat().translate(_ID_DROP) for at in received]
    chat_names = np.array([c.name for c in chats], object)[chat_of[where[first]]].tolist()
    phone_of = [None if s.startswith("name:") else s for s in counted.idents]
    code_list = codes.tolist()
    # one snippet per distinct first message (an office's canned openers repeat)
    if by_bytes:
        firsts = texts.at(first)
    else:
        firsts = list(map(texts.__getitem__, first.tolist()))
    snippet_of = {t: _snippet(t) for t in set(firsts)}
    niks, kecs, services, words = reading.result() if by_bytes else read
    if moved:  # the fields were read in the order before the hashes
        order_by = by.tolist()
        niks, kecs, services, words = (
            list(map(column.__getitem__, order_by)) for column in (niks, kecs, services, words)
        )
    # why: 2 when a NIK was found, + 1 for request words
    why = np.fromiter(map(_is_not_none, niks), np.int64, len(niks)) * 2
    why += np.fromiter(words, bool, len(words))
    columns = zip(
        map(operator.add, map(prefixes.__getitem__, code_list), ids),
        map(sender_keys.__getitem__, code_list),
        received,
        map(phone_of.__getitem__, code_list),
        niks,
        kecs,
        [service or "ktp_el" for service in services],
        (why > 0).tolist(),
        map(_WHYS.__getitem__, why.tolist()),
        map(snippet_of.__getitem__, firsts),
        chat_names,
        strict=True,
    )
    return list(map(_new_proposal, columns))


def _id_times(stamps: np.ndarray) -> list[str]:
    """`YYYYMMDDhhmmss` of each of these times (whole seconds), as a column."""
    seconds = stamps.astype("datetime64[s]")
    day = seconds.astype("datetime64[D]")
    month = seconds.astype("datetime64[M]")
    year = seconds.astype("datetime64[Y]")
    years = year.astype(np.int64) + 1970
    if not ((years >= 1000) & (years <= 9999)).all():  # not four digits: as strings
        written = np.datetime_as_string(seconds, unit="s").tolist()
        return list(map(str.translate, written, itertools.repeat(_ID_DROP)))
    months = (month - year).astype(np.int64) + 1
    days = (day - month).astype(np.int64) + 1
    of_day = (seconds - day).astype(np.int64)
    clock = of_day // 3600 * 10_000 + of_day // 60 % 60 * 100 + of_day % 60
    return (((years * 100 + months) * 100 + days) * 1_000_000 + clock).astype("U14").tolist()


class _ArrowTexts:
    """The texts of chats read from their bytes, as Arrow arrays over the files' bytes
    (`ByteMessages.texts_interleaved`: message k at 2k), for the counted messages sorted
    by sender and time (`where`)."""

    def __init__(
        self, chats: Sequence[Chat], where: np.ndarray, chat_of: np.ndarray, chat_start: list[int]
    ) -> None:
        import pyarrow as pa

        arrays = [c.messages.texts_interleaved() for c in chats]  # type: ignore[attr-defined]
        self.every = pa.chunked_array(arrays, pa.large_string())
        # each counted message's place in `every`: 2 x its place in its chat + the
        # lengths of the chats' arrays before it
        before = np.zeros(len(arrays), np.int64)
        np.cumsum([len(a) for a in arrays[:-1]], out=before[1:])
        starts = np.asarray(chat_start, np.int64)
        ci = chat_of[where]
        self.place = 2 * (where - starts[ci]) + before[ci]

    def at(self, sorted_positions: np.ndarray) -> list[str]:
        """The texts at these positions of the sorted counted messages."""
        import pyarrow as pa

        return self.every.take(pa.array(self.place[sorted_positions])).to_pylist()

    def fields(
        self, first: np.ndarray, end: np.ndarray, scan: re.Pattern[str], kec_canon: dict[str, str]
    ) -> _Fields:
        """The fields of requests spanning `first`..`end` of the sorted counted messages,
        from their texts "\\n"-joined (`_fields`)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        lengths = end - first
        offsets = np.zeros(len(first) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        picks = np.repeat(first - offsets[:-1], lengths) + np.arange(offsets[-1], dtype=np.int64)
        values = self.every.take(pa.array(self.place[picks])).combine_chunks()
        lists = pa.LargeListArray.from_arrays(pa.array(offsets), values)
        joined = pc.binary_join(lists, pa.scalar("\n", pa.large_string()))
        return _fields(joined, scan, kec_canon)


_new_proposal = partial(tuple.__new__, Proposal)  # from a tuple of its fields, at C speed

# a request's `why` by 2 x (NIK found) + (request words found)
_WHYS = (("first_message",), ("words",), ("nik",), ("nik", "words"))


_Fields = tuple[list[str | None], list[str | None], list[str | None], list[bool]]


#: from this many requests (or distinct senders of a chat) on, they are read with RE2 in
#: pyarrow (`whatsapp_columns`); fewer are read by Python's `re` alone, which is as quick
#: for them and leaves pyarrow unloaded (importing it takes ~0.2 s)
_COLUMNS_FROM = 1000


def _fields(joined: list[str], scan: re.Pattern[str], kec_canon: dict[str, str]) -> _Fields:
    """Each request's NIK, kecamatan, service and whether request words were found, from
    its texts "\\n"-joined: `_fields_per_request`, read column-wise."""
    if len(joined) < _COLUMNS_FROM:
        if not isinstance(joined, list):  # an Arrow array (`_texts_in_arrow`)
            joined = joined.to_pylist()
        return (_niks_in_one_pass(joined), *_scan_in_one_pass(joined, scan, kec_canon))
    from dashboard import whatsapp_columns

    return whatsapp_columns.fields(joined, scan, kec_canon)


def _fields_per_request(
    joined: list[str], scan: re.Pattern[str], kec_canon: dict[str, str]
) -> _Fields:
    """The rules as written: each request's text read on its own (the reference the
    column-wise reading is tested against; its parts read what one pass cannot take)."""
    kecs, services, words = _scan_per_request(joined, scan, kec_canon)
    return list(map(_nik_in, joined)), kecs, services, words


def _scan_per_request(
    joined: list[str], scan: re.Pattern[str], kec_canon: dict[str, str]
) -> tuple[list[str | None], list[str | None], list[bool]]:
    kecs: list[str | None] = []
    services: list[str | None] = []
    words_found: list[bool] = []
    for text in joined:
        kec = service = None
        words = False
        low = text.lower()
        for m in scan.finditer(low):
            pos = m.start()
            if pos and low[pos - 1].isalnum():
                continue  # inside a longer word
            place, is_word, named = _found(m.group(), kec_canon)
            if place is not None:
                kec = kec or place
            elif is_word:
                words = True
                service = service or named
            if kec is not None and service is not None:
                break
        kecs.append(kec)
        services.append(service)
        words_found.append(words)
    return kecs, services, words_found


def _found(found: str, kec_canon: dict[str, str]) -> tuple[str | None, bool, str | None]:
    """What one match of the scan is: (kecamatan as spelled in the list, or None; a
    request word; the service it names)."""
    place = kec_canon.get(found) if kec_canon else None
    if place is None and kec_canon and not found.isalpha():
        place = kec_canon.get(" ".join(found.split()))  # "paringin  selatan"
    if place is not None:
        return place, False, None
    return None, True, _service_of(found)


# between two requests' texts in a one-pass reading: no pattern here matches or spans
# it, and it is neither a digit, a letter, a space nor cased, so each reads as alone
_APART = "\x00"


def _one_text(joined: list[str]) -> tuple[str, np.ndarray] | None:
    """The texts joined with `_APART`, and where each begins; None when one holds it."""
    big = _APART.join(joined)
    if big.count(_APART) != len(joined) - 1:
        return None
    n = len(joined)
    begin = np.zeros(n, np.int64)
    if n > 1:
        lengths = np.fromiter(map(len, joined), np.int64, n)
        np.cumsum(lengths[:-1] + 1, out=begin[1:])
    return big, begin


def _niks_in_one_pass(joined: list[str]) -> list[str | None]:
    """`_nik_in` of each text, with the pattern run once over all of them (the same
    pattern, so the same matches: `_nik_in`'s search loop is `finditer`)."""
    one = _one_text(joined)
    if one is None:
        return list(map(_nik_in, joined))
    big, begin = one
    at, found = _matches(_NIK_SPLIT, big)
    niks: list[str | None] = [None] * len(joined)
    if found:
        ok = ~_preceded(big, at, str.isdigit)
        req = np.searchsorted(begin, at, "right") - 1
        for r, m in zip(*_first_per_request(req, ok, found), strict=True):
            niks[r] = pii.normalize_nik(_NON_DIGIT.sub("", m))
    return niks


def _scan_in_one_pass(
    joined: list[str], scan: re.Pattern[str], kec_canon: dict[str, str]
) -> tuple[list[str | None], list[str | None], list[bool]]:
    """`_scan_per_request`, with the scan run once over all the texts' lowercase (the
    same pattern, so the same matches); the per-request rules are numpy over matches.
    Request by request when a text's lowercase is longer than itself (e.g. "İ"): the
    places found would shift."""
    one = _one_text(joined)
    if one is None:
        return _scan_per_request(joined, scan, kec_canon)
    big, begin = one
    low = big.lower()
    if len(low) != len(big):
        return _scan_per_request(joined, scan, kec_canon)
    at, found = _matches(_scan_split(scan), low)
    ok = ~_preceded(low, at, str.isalnum)
    req = np.searchsorted(begin, at, "right") - 1
    return _per_request(len(joined), req, ok, found, kec_canon)


def _per_request(
    n: int, req: np.ndarray, ok: np.ndarray, found: list[str], kec_canon: dict[str, str]
) -> tuple[list[str | None], list[str | None], list[bool]]:
    """The scan's rules over its matches (`found`, in text order; `req` their request,
    `ok` whether they count): the first kecamatan, the first service, any word."""
    kecs: list[str | None] = [None] * n
    services: list[str | None] = [None] * n
    words = np.zeros(n, bool)
    what = {f: _found(f, kec_canon) for f in set(found)}
    kinds = list(map(what.__getitem__, found))
    kec_of = list(map(operator.itemgetter(0), kinds))
    named = list(map(operator.itemgetter(2), kinds))
    place = np.fromiter(map(_is_not_none, kec_of), bool, len(kinds))
    is_word = np.fromiter(map(operator.itemgetter(1), kinds), bool, len(kinds))
    has_service = np.fromiter(map(_is_not_none, named), bool, len(kinds))
    words[req[ok & is_word]] = True
    for r, v in zip(*_first_per_request(req, ok & place, kec_of), strict=True):
        kecs[r] = v
    for r, v in zip(*_first_per_request(req, ok & is_word & has_service, named), strict=True):
        services[r] = v
    return kecs, services, words.tolist()


def _is_not_none(v: object) -> bool:
    return v is not None


def _matches(split: re.Pattern[str], text: str) -> tuple[np.ndarray, list[str]]:
    """Where each match of `split` (one capturing group around the whole pattern, no
    empty matches) starts in `text`, and the matches: `finditer` without match objects."""
    parts = split.split(text)
    found = parts[1::2]
    lengths = np.fromiter(map(len, parts), np.int64, len(parts))
    ends = np.cumsum(lengths)
    return ends[0:-1:2], found


def _preceded(text: str, at: np.ndarray, test: Callable[[str], bool]) -> np.ndarray:
    """Whether the character before each place in `at` passes `test` (False at 0)."""
    before = list(map(text.__getitem__, (at - 1).tolist()))  # [-1] at 0: overridden
    out = np.fromiter(map(test, before), bool, len(before))
    out[at == 0] = False
    return out


def _first_per_request(req: np.ndarray, ok: np.ndarray, values: list) -> tuple[list, list]:  # type: ignore[type-arg]
    """For each request with an `ok` match: the request and the value of its first one
    (`req` is non-decreasing: matches are in text order)."""
    pick = np.flatnonzero(ok)
    if not len(pick):
        return [], []
    r = req[pick]
    first = np.ones(len(r), bool)
    np.not_equal(r[1:], r[:-1], out=first[1:])
    pick = pick[first]
    return req[pick].tolist(), list(map(values.__getitem__, pick.tolist()))


@functools.lru_cache(maxsize=16)
def _scan_split(scan: re.Pattern[str]) -> re.Pattern[str]:
    """`scan` with one capturing group around it, for `re.split`."""
    return re.compile(f"({scan.pattern})", scan.flags)


def _hashes(values: list[str], key: bytes) -> list[str]:
    """`pii.hash_value` of each value (the same keyed hash, in one C call each)."""
    digest, chars = hmac.digest, pii.HASH_HEX_CHARS
    return [digest(key, v.encode(), "sha256").hex()[:chars] for v in values]


def _sent_at(messages: Sequence[Message], i: int) -> datetime:
    return messages[i].sent_at
