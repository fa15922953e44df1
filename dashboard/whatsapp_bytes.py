"""A chat export parsed from its bytes with numpy (private to `dashboard.whatsapp`).

`parse(data, name)` gives exactly what `whatsapp._decode` then `whatsapp.parse_text` give
(the same `Chat`: format, messages, problems, file number) without making a Python
string per message: the file stays one `bytes`, and the messages are columns of
positions into it (`ByteMessages`). The one `re.split` of `parse_text` is replaced by
numpy over the lines:

- every line start is a candidate; the header pattern of the file's format
  (`whatsapp._split_pattern`: marks, `[` on iOS, the date, the time, AM/PM, `] ` or
  ` - `, then `Name: `) is followed byte by byte for all candidates at once. The pattern
  has no real choice points (each optional part is decided by the next byte: digits,
  separators and spaces are disjoint), so this walk is the regex's own first match.
  The sender (`[^\\n:]{1,100}: `) ends at the first colon of its line.
- Python's `\\d` also takes other scripts' digits (and a mark or space is more than one
  byte), which a byte walk does not: a line the walk refuses that holds a byte over 127
  near its start is asked of Python's pattern itself, and when Python reads it as a
  header, `parse` declines (returns None) and the caller reads the file the old way.
- Dates and times are read from their digits; each distinct date and time *as written*
  is then given to `whatsapp._day_first`, `_day` and `_time_offset`, so the rules are
  those functions' own.
- The senders and texts are Arrow arrays over the file's buffer (zero-copy offsets);
  senders are dictionary-encoded, so each distinct sender is decoded once.

`parse` declines (None) for UTF-16, for bytes that are not valid UTF-8 (the old path
replaces them and says how many), for a file over 1 MB of lines shorter than a header
on average (no export; its positions would take gigabytes: 200 MB of 2-byte lines, 6 GB), and in
the rare case above. It raises `ChatError`
where `parse_text` does. `tests/test_whatsapp_bytes.py` holds it to the old path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dashboard import whatsapp as w

_BOM = b"\xef\xbb\xbf"
#: marks at a line's start followed before giving the line to Python's pattern
_MAX_MARKS = 16
#: how far into a refused line a byte over 127 makes it worth asking Python
_NEAR = 96
#: zero bytes after the data, so that the walk may read past the last line
_PAD = 512
_COLON, _NEWLINE, _SPACE = 0x3A, 0x0A, 0x20
_AP = np.frombuffer(b"AaPp", np.uint8)
#: lines walked at once (`_Parser._headers`): bounds the walk's memory to ~0.3 GB
_SLICE = 1 << 20
#: a file over 1 MB whose lines are shorter than this on average (bytes) is left to
#: the `re` reader: a header alone is 17 or more, a real export averages ~70
_SHORTEST_LINE = 16


def parse(data: bytes, name: str) -> w.Chat | None:
    """The chat in `data`, as `parse_text(_decode(data))` reads it; None to decline."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16
    while data.startswith(_BOM):
        data = data[len(_BOM) :]
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not _valid_utf8(data):
        return None  # the old path replaces the bytes and counts them
    first = _first_header(data)
    if first is None:
        return w.parse_text(data.decode(), name)  # raises its ChatError
    ios, twelve = first.group(1) is not None, first.group(4) is not None
    parser = _Parser(data, name, ios, twelve)
    if parser.n > 1 << 20 and parser.lines * _SHORTEST_LINE > parser.n:
        # lines shorter than a header on average: no chat export looks so; its arrays
        # would be many per byte (the `re` reader keeps such a file as a few strings)
        return None
    return parser.chat()


def _valid_utf8(data: bytes) -> bool:
    """Whether `data` is valid UTF-8 (what `bytes.decode` accepts), checked by Arrow
    without making the text."""
    offsets = pa.py_buffer(np.array([0, len(data)], np.int64))
    try:
        pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)]).cast(
            pa.large_string()
        )
    except pa.ArrowInvalid:
        return False
    return True


def _first_header(data: bytes) -> re.Match[str] | None:
    """`whatsapp.LINE_PATTERN`'s first match, looked for in the whole lines of the first
    64 KB first (where an export's first header is), then in the whole text."""
    cut = data.rfind(b"\n", 0, 1 << 16) if len(data) > 1 << 16 else len(data)
    if cut > 0:
        found = w.LINE_PATTERN.search(data[:cut].decode())
        if found is not None:
            return found
    return w.LINE_PATTERN.search(data.decode())


def _is_digit(b: np.ndarray) -> np.ndarray:
    return (b >= 0x30) & (b <= 0x39)


class _Parser:
    def __init__(self, data: bytes, name: str, ios: bool, twelve: bool) -> None:
        self.data, self.name, self.ios, self.twelve = data, name, ios, twelve
        n = len(data)
        self.n = n
        buf = np.frombuffer(data, np.uint8)
        self.pad = np.zeros(n + _PAD, np.uint8)
        self.pad[:n] = buf
        is_newline = buf == _NEWLINE
        self.lines = int(np.count_nonzero(is_newline))
        # the positions only when they are few enough to keep (see `parse`)
        few = n <= 1 << 20 or self.lines * _SHORTEST_LINE <= n
        self.newlines = np.flatnonzero(is_newline) if few else np.zeros(0, np.int64)
        # the 8 bytes from each position as one little-endian number (unaligned view)
        self.words = np.ndarray((n + _PAD - 7,), "<u8", buffer=self.pad, strides=(1,))
        self.buf = buf

    # -- small byte tests at cursors (arrays of positions) ------------------------------
    def _at(self, cur: np.ndarray, k: int = 0) -> np.ndarray:
        return self.pad[cur + k]

    def _space(self, cur: np.ndarray) -> np.ndarray:
        """The length in bytes of one of `whatsapp._SP` at each cursor (0: none)."""
        b0 = self._at(cur)
        two = (b0 == 0xC2) & (self._at(cur, 1) == 0xA0)
        three = (b0 == 0xE2) & (self._at(cur, 1) == 0x80) & (self._at(cur, 2) == 0xAF)
        return (b0 == _SPACE) + 2 * two + 3 * three

    def _mark(self, cur: np.ndarray) -> np.ndarray:
        """Whether one of `whatsapp._MARKS` (3 bytes each in UTF-8) is at each cursor."""
        b0, b1, b2 = self._at(cur), self._at(cur, 1), self._at(cur, 2)
        low = (b1 == 0x80) & ((b2 == 0x8E) | (b2 == 0x8F) | ((b2 >= 0xAA) & (b2 <= 0xAE)))
        high = (b1 == 0x81) & (b2 >= 0xA6) & (b2 <= 0xA9)
        return (b0 == 0xE2) & (low | high)

    def _digits(self, cur: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
        """The length (0..`most`) of the run of ASCII digits at each cursor, and its value."""
        run = np.zeros(len(cur), np.int64)
        value = np.zeros(len(cur), np.int64)
        going = np.ones(len(cur), bool)
        for k in range(most):
            b = self._at(cur, k)
            going &= _is_digit(b)
            run += going
            value = np.where(going, value * 10 + (b.astype(np.int64) - 0x30), value)
        return run, value

    # -- the header walk -----------------------------------------------------------------
    def _walk(self, starts: np.ndarray, raw: bool = False) -> dict[str, np.ndarray]:
        """Follow the format's header pattern from each line start: `ok` says where it
        matched; the other columns (meaningful where `ok`) are where the header's parts
        are and what they hold (`_keys` makes the date and time keys of them)."""
        cur = starts.copy()
        ok = np.ones(len(cur), bool)
        for _ in range(_MAX_MARKS):
            mark = self._mark(cur)
            if not mark.any():
                break
            cur += 3 * mark
        else:
            ok &= ~self._mark(cur)  # more marks than followed: Python decides
        if self.ios:
            ok &= self._at(cur) == 0x5B  # "["
            cur = cur + 1
        out: dict[str, np.ndarray] = {"date_at": cur.copy()}
        # the date: \d\d?[/.-]\d\d?[/.-]\d{2,4}
        for part, (most, low, high) in enumerate(((2, 1, 2), (2, 1, 2), (5, 2, 4))):
            run, value = self._digits(cur, most)
            ok &= (run >= low) & (run <= high)
            cur = cur + run
            out[f"date{part}"], out[f"run{part}"] = value, run
            if part < 2:
                b = self._at(cur)
                ok &= (b == 0x2F) | (b == 0x2E) | (b == 0x2D)
                out[f"sep{part}"] = b
                cur = cur + 1
        out["date_end"] = cur.copy()
        cur = cur + (self._at(cur) == 0x2C)  # ","
        space = self._space(cur)
        ok &= space > 0
        cur = cur + space
        # the time: \d\d?[.:]\d\d(?:[.:]\d\d)?
        out["time_at"] = cur.copy()
        hour_run, out["hour"] = self._digits(cur, 3)
        ok &= (hour_run >= 1) & (hour_run <= 2)
        out["hour_run"] = hour_run
        cur = cur + hour_run
        sep = out["tsep0"] = self._at(cur)
        ok &= (sep == 0x2E) | (sep == 0x3A)
        cur = cur + 1
        minute_run, out["minute"] = self._digits(cur, 2)
        ok &= minute_run == 2
        cur = cur + 2
        sep = self._at(cur)
        second_run, second = self._digits(cur + 1, 2)
        has_seconds = ((sep == 0x2E) | (sep == 0x3A)) & (second_run == 2)
        out["tsep1"] = np.where(has_seconds, sep, 0)
        out["second"] = np.where(has_seconds, second, -1)
        cur = cur + 3 * has_seconds
        out["time_end"] = cur.copy()
        if self.twelve:  # {_SP}?[AaPp]\.?[Mm]\.?
            cur = cur + self._space(cur)
            out["ampm_at"] = cur.copy()
            letter = out["am0"] = self._at(cur)
            ok &= np.isin(letter, _AP)
            dot = out["dot0"] = self._at(cur, 1) == 0x2E
            cur = cur + 1 + dot
            letter = out["am1"] = self._at(cur)
            ok &= (letter == 0x4D) | (letter == 0x6D)
            dot = out["dot1"] = self._at(cur, 1) == 0x2E
            cur = cur + 1 + dot
            out["ampm_end"] = cur.copy()
        if self.ios:  # \]{_SP}?
            ok &= self._at(cur) == 0x5D
            cur = cur + 1
            cur = cur + self._space(cur)
        else:  # {_SP}-{_SP}
            space = self._space(cur)
            ok &= space > 0
            cur = cur + space
            ok &= self._at(cur) == 0x2D
            cur = cur + 1
            space = self._space(cur)
            ok &= space > 0
            cur = cur + space
        if raw:
            return {**out, "ok": ok, "end": cur}
        return self._keyed(out, ok, cur)

    def _keyed(
        self, c: dict[str, np.ndarray], ok: np.ndarray, end: np.ndarray
    ) -> dict[str, np.ndarray]:
        date_key, time_key, dotted = self._keys(c)
        return {"ok": ok, "end": end, "date_key": date_key, "time_key": time_key, "dotted": dotted}

    def _template(
        self, starts: np.ndarray, head: dict[str, np.ndarray], line: int
    ) -> dict[str, np.ndarray] | None:
        """The headers among the lines at `starts` laid out byte for byte like the
        header at `line` (its `_walk` columns: `head`), digits and AM/PM letters aside:
        their walk would take the same steps, so their keys are read from their digits
        at the same places. Eight bytes at a time (unaligned 64-bit words). `ok` says
        which lines are such headers. None when the header ends in a part whose end
        depends on the byte after it (iOS's `]` without a space)."""
        size = int(head["end"][0]) - line
        layout = self.data[line : line + size]
        if self.ios and not layout.endswith((b" ", b"\xc2\xa0", b"\xe2\x80\xaf")):
            return None
        kind = np.zeros(size, np.int8)  # 0 literal, 1 digit, 2 AM/PM letter
        kind[_is_digit(np.frombuffer(layout, np.uint8))] = 1
        rel = {k: int(v[0]) - line for k, v in head.items() if k.endswith("_at")}
        if self.twelve:
            kind[rel["ampm_at"]] = 2
            kind[rel["ampm_at"] + 1 + int(head["dot0"][0])] = 2
        words = self.words
        ok = np.ones(len(starts), bool)
        word_of: list[np.ndarray] = []
        for i in range(0, size, 8):
            word = words[starts + i]
            word_of.append(word)
            lit = dig = 0
            for j in range(i, min(i + 8, size)):
                shift = 8 * (j - i)
                if kind[j] == 0:
                    lit |= 0xFF << shift
                elif kind[j] == 1:
                    dig |= 0xFF << shift
            value = int.from_bytes(layout[i : i + 8].ljust(8, b"\0"), "little")
            ok &= (word & np.uint64(lit)) == np.uint64(value & lit)
            # ASCII digits: high nibble 3, low nibble + 6 without a carry
            high, low = dig & 0xF0F0F0F0F0F0F0F0, dig & 0x0F0F0F0F0F0F0F0F
            ok &= (word & np.uint64(high)) == np.uint64(0x3030303030303030 & high)
            ok &= (
                ((word & np.uint64(low)) + np.uint64(0x0606060606060606 & low)) & np.uint64(high)
            ) == 0

        def byte(j: int) -> np.ndarray:
            return ((word_of[j // 8] >> np.uint64(8 * (j % 8))) & np.uint64(0xFF)).astype(np.int64)

        def number(at: int, run: int) -> np.ndarray:
            value = byte(at) - 0x30
            for j in range(at + 1, at + run):
                value = value * 10 + (byte(j) - 0x30)
            return value

        k = len(starts)
        c: dict[str, np.ndarray] = {}
        for name in ("run0", "run1", "run2", "sep0", "sep1", "hour_run", "tsep0", "tsep1"):
            c[name] = np.full(k, int(head[name][0]), np.int64)
        run0, run1, run2 = (int(head[f"run{i}"][0]) for i in range(3))
        at = rel["date_at"]
        c["date0"] = number(at, run0)
        c["date1"] = number(at + run0 + 1, run1)
        c["date2"] = number(at + run0 + 1 + run1 + 1, run2)
        at, hour_run = rel["time_at"], int(head["hour_run"][0])
        c["hour"] = number(at, hour_run)
        c["minute"] = number(at + hour_run + 1, 2)
        c["second"] = (
            number(at + hour_run + 4, 2) if int(head["second"][0]) >= 0 else c["tsep1"] - 1
        )
        if self.twelve:
            at, dot0 = rel["ampm_at"], int(head["dot0"][0])
            c["am0"], c["am1"] = byte(at), byte(at + 1 + dot0)
            ok &= np.isin(c["am0"], _AP) & ((c["am1"] == 0x4D) | (c["am1"] == 0x6D))
            c["dot0"] = np.full(k, dot0, np.int64)
            c["dot1"] = np.full(k, int(head["dot1"][0]), np.int64)
        return self._keyed(c, ok, starts + size)

    def _keys(self, c: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One key per date as written (digits, how many, separators), one per time as
        written (with its AM/PM), and whether the time is written with a dot."""
        d = [c[f"date{i}"] * 2048 + c[f"run{i}"] * 256 for i in range(3)]
        d[0] = d[0] + c["sep0"]
        d[1] = d[1] + c["sep1"]
        date_key = (d[0] * 400_000 + d[1]) * 40_000_000 + d[2]
        time_key = ((c["hour"] * 4 + c["hour_run"]) * 256 + c["tsep0"]) * 100 + c["minute"]
        time_key = (time_key * 101 + c["second"] + 1) * 256 + c["tsep1"]
        if self.twelve:
            ampm = ((c["am0"].astype(np.int64) * 2 + c["dot0"]) * 256 + c["am1"]) * 2 + c["dot1"]
            time_key = time_key * 300_000 + ampm
        dotted = (c["tsep0"] == 0x2E) | (c["tsep1"] == 0x2E)
        return date_key, time_key, dotted

    def _headers(
        self, starts: np.ndarray, cand: np.ndarray
    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """The columns of the headers among the candidate lines, their line indices, and
        which lines the walk refused. Lines laid out like the first header (most of a
        file) are read by `_template`; the others walk. In slices of `_SLICE` lines: the
        walk makes a few dozen arrays as long as its lines, and a 200 MB upload of short
        lines (100 million) must not take the server's memory."""
        sample = self._walk(starts[cand[:256]], raw=True)
        found = np.flatnonzero(sample["ok"])
        head: dict[str, np.ndarray] | None = None
        if len(found):
            j = int(found[0])
            head = {k: v[j : j + 1] for k, v in sample.items()}
            line = int(starts[cand[j]])
        parts: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []
        refused = np.zeros(len(starts), bool)
        for lo in range(0, len(cand), _SLICE):
            some = cand[lo : lo + _SLICE]
            tok = np.zeros(len(some), bool)
            like = self._template(starts[some], head, line) if head is not None else None
            if like is not None:
                tok = like.pop("ok")
                parts.append((np.flatnonzero(tok) + lo, {k: v[tok] for k, v in like.items()}))
            rest = np.flatnonzero(~tok)
            walked = self._walk(starts[some[rest]])
            ok = walked.pop("ok")
            parts.append((rest[ok] + lo, {k: v[ok] for k, v in walked.items()}))
            refused[some[rest[~ok]]] = True
        if not parts:  # no candidate line at all
            parts.append((np.zeros(0, np.int64), self._walk(np.zeros(0, np.int64))))
            parts[-1][1].pop("ok")
        where = np.concatenate([p[0] for p in parts])
        order = np.argsort(where, kind="stable")
        cols = {k: np.concatenate([p[1][k] for p in parts])[order] for k in parts[-1][1]}
        return cols, cand[where[order]], refused

    def _python_says_header(self, starts: np.ndarray, refused: np.ndarray) -> bool:
        """Whether Python's pattern reads as a header any refused line that holds a byte
        over 127 near its start (another script's digit, say)."""
        lines = starts[refused]
        if not len(lines):
            return False
        ends = np.minimum(self._line_end(lines), lines + _NEAR)
        if len(lines) * _NEAR < self.n:  # few: look near each
            near = lines[:, None] + np.arange(_NEAR)
            asked = ((self.pad[near] >= 0x80) & (near < ends[:, None])).any(axis=1)
        else:  # many: every byte over 127 in the file once, the first after each line start
            first_high = _next(np.flatnonzero(self.buf >= 0x80), lines, self.n)
            asked = first_high < ends
        pattern = w._SPLIT[(self.ios, self.twelve)]
        for a, b in zip(lines[asked].tolist(), self._line_end(lines[asked]).tolist(), strict=True):
            if pattern.match("\n" + self.data[a:b].decode()):
                return True
        return False

    def _line_end(self, at: np.ndarray) -> np.ndarray:
        """The position of the newline ending the line of each position (n: none)."""
        return _next(self.newlines, at, self.n)

    def _senders(
        self, end: np.ndarray, line_end: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For headers ending at `end` on lines ending at `line_end`: whether `Name: `
        follows (`[^\\n:]{1,100}:{_SP}`), where the name ends, and where the text starts."""
        # the first colon of the rest of each line
        rests = spans(self.data, end, line_end, pa.large_binary())
        found = pc.find_substring(rests, b":").to_numpy()[0::2]
        colon = np.where(found >= 0, end + found, line_end)
        space = self._space(colon + 1)
        size = colon - end
        has = (colon < line_end) & (size >= 1) & (space > 0)
        # at most 100 characters: more than 100 bytes may still be (multibyte letters)
        long = np.flatnonzero(has & (size > 100))
        for i in long.tolist():
            name = self.data[int(end[i]) : int(colon[i])]
            has[i] = len(name.decode()) <= 100
        text_at = np.where(has, colon + 1 + space, end)
        return has, np.where(has, colon, end), text_at

    def chat(self) -> w.Chat | None:
        data, n = self.data, self.n
        starts = np.concatenate(([0], self.newlines + 1)).astype(np.int64)
        first = self._at(starts)
        maybe = _is_digit(first) | (first >= 0x80) | ((first == 0x5B) if self.ios else False)
        # a line starting with any other ASCII byte is no header in any reading
        cand = np.flatnonzero(maybe)
        cols, head, refused = self._headers(starts, cand)
        if self._python_says_header(starts, refused):
            return None
        if not len(head):
            raise w.ChatError(w._not_a_chat(self.name))
        # each header line's end: the next line's start - 1 (the file's end for the last)
        line_end = np.append(starts, n + 1)[head + 1] - 1
        has_sender, name_end, text_at = self._senders(cols["end"], np.minimum(line_end, n))
        # the senders coded in Arrow (without the GIL) while this thread reads the dates
        pool = ThreadPoolExecutor(1)
        coding = pool.submit(self._sender_codes, cols["end"], name_end, has_sender)
        pool.shutdown(wait=False)
        line_starts = starts[head]
        text_end = np.append(line_starts[1:] - 1, n)
        # the last text loses its trailing newlines (`rstrip("\n")`)
        last = int(text_end[-1])
        while last > text_at[-1] and data[last - 1] == _NEWLINE:
            last -= 1
        text_end[-1] = last
        first_line = int(head[0]) + 1
        lines = head + 1

        # dates and times: each distinct one as written, read by whatsapp's own rules
        date_key, time_key, dotted_at = cols["date_key"], cols["time_key"], cols["dotted"]
        order_dates = _distinct_in_order(date_key)
        date_strings = [_date_string(int(date_key[i])) for i in order_dates[1]]
        dotted = bool(dotted_at[:50].any())
        day_first, guess = w._day_first(date_strings, dotted)
        problems: list[str] = [guess] if guess else []
        if first_line > 1:
            problems.append(
                f"lines 1-{first_line - 1} come before the first message and were skipped"
            )
        days = [w._day(d, day_first) for d in date_strings]
        order_times = _distinct_in_order(time_key)
        distinct_times = time_key[order_times[1]]
        day_us = np.array(
            [(d - w._EPOCH).days * w._MICROSECONDS_A_DAY if d else -1 for d in days], np.int64
        )
        off_us = _time_offsets(distinct_times, self.twelve)
        date_of, time_of = order_dates[0], order_times[0]
        good = (day_us[date_of] >= 0) & (off_us[time_of] >= 0)
        us = day_us[date_of] + off_us[time_of]

        system = ~has_sender | self._placeholders(text_at, text_end)
        senders = coding.result()

        if not good.all():
            for i in np.flatnonzero(~good).tolist():
                d, t = int(date_of[i]), int(time_of[i])
                what = (
                    f"the date {date_strings[d]}"
                    if days[d] is None
                    else f"the time {_time_string(int(distinct_times[t]), self.twelve)}"
                )
                problems.append(f"line {int(lines[i])}: {what} does not exist")
            keep = np.flatnonzero(good)
            us, lines, text_at, text_end, system = (
                us[keep],
                lines[keep],
                text_at[keep],
                text_end[keep],
                system[keep],
            )
            senders = (senders[0][keep], *senders[1:])
        messages = ByteMessages(data, us, *senders, text_at, text_end, system, lines)
        if not len(messages):
            problems.append("no message could be read")
        elif system.all():
            problems.append("the chat holds no messages from anyone, only WhatsApp's own lines")
        fmt = ("ios" if self.ios else "android") + ("-12h" if self.twelve else "-24h")
        return w.Chat(self.name, fmt, messages, problems, w.file_phone(self.name))

    def _sender_codes(
        self, name_at: np.ndarray, name_end: np.ndarray, has: np.ndarray
    ) -> tuple[np.ndarray, list[str], list[str | None]]:
        """Each message's sender as a code into the distinct senders (stripped as
        `parse_text` strips them; -1 where there is none: ""), the distinct senders, and
        their numbers (`whatsapp._phone_of`, for `propose`)."""
        both = spans(self.data, name_at, np.where(has, name_end, name_at), pa.large_binary())
        names = both.take(pa.array(np.arange(0, len(both), 2, dtype=np.int64)))
        encoded = names.dictionary_encode()
        # stripped as `parse_text` strips them (two raw names may strip to one)
        stripped = pc.utf8_trim(encoded.dictionary.cast(pa.large_string()), w._SENDER_STRIP)
        again = stripped.dictionary_encode()
        codes = again.indices.to_numpy()[encoded.indices.to_numpy()]
        distinct = again.dictionary.to_pylist()
        return np.where(has, codes, -1), distinct, w._phones_of(distinct)

    def _placeholders(self, text_at: np.ndarray, text_end: np.ndarray) -> np.ndarray:
        """Whether each text is one of WhatsApp's placeholders or notices (`parse_text`'s
        rules for `system`, beyond a missing sender)."""
        data = self.data
        size = text_end - text_at
        out = np.zeros(len(text_at), bool)

        def check(cand: np.ndarray, test) -> None:  # noqa: ANN001
            """`out` where `test` holds for the text's bytes (a few candidates)."""
            picked = np.flatnonzero(cand)
            at, end = text_at[picked].tolist(), text_end[picked].tolist()
            out[picked] |= np.fromiter(
                map(test, map(data.__getitem__, map(slice, at, end))), bool, len(at)
            )

        # each text's first 8 bytes (fewer for a shorter text, the rest zero) as a number
        shift = (8 * np.minimum(size, 7)).astype(np.uint64)  # 8 bytes or more: all kept
        keep = np.where(size >= 8, np.uint64(2**64 - 1), (np.uint64(1) << shift) - np.uint64(1))
        first8 = self.words[text_at] & keep
        # a placeholder is one of a few (first 8 bytes, size) pairs: only those are read
        check(
            np.isin(first8, _heads(w._PLACEHOLDERS)) & np.isin(size, _PLACEHOLDER_SIZES),
            _PLACEHOLDER_BYTES.__contains__,
        )
        # `parse_text` looks for these only when the file holds "end-to-end" and LRM:
        # a text starting with one holds them, so looking everywhere finds the same
        check(np.isin(first8, _heads(w._NOTICES)), lambda t: t.startswith(_NOTICE_BYTES))
        lrm = int.from_bytes("\u200e".encode(), "little")
        out |= (first8 & 0xFFFFFF == lrm) & (size >= 3)
        # ... but this one is a case-blind pattern run only when the file holds one of
        # these (case-sensitive) strings: a text `fullmatch` can take starts with "<"
        # and ends with ">", or ends with ")"
        last = self.pad[np.maximum(text_end - 1, 0)]
        cand = (size > 0) & ((((first8 & 0xFF) == 0x3C) & (last == 0x3E)) | (last == 0x29))
        cand &= ~out  # "<Media tidak disertakan>" is one already
        if cand.any() and (b"<lampiran: " in data or b"<attached: " in data or b"(file " in data):
            check(cand, lambda t: w._PLACEHOLDER_RE.fullmatch(t.decode()) is not None)
        return out


def _date_string(key: int) -> str:
    """The date as written, from its key (`_Parser._keys`)."""
    rest, year = divmod(key, 40_000_000)
    first, second = divmod(rest, 400_000)
    out = ""
    for part, last in ((first, False), (second, False), (year, True)):
        value, code = divmod(part, 2048)
        run, sep = divmod(code, 256)
        out += f"{value:0{run}d}" + ("" if last else chr(sep))
    return out


def _time_string(key: int, twelve: bool) -> str:
    """The time as written (with its AM/PM, as `parse_text` joins them), from its key."""
    ampm = ""
    if twelve:
        key, code = divmod(key, 300_000)
        rest, dot1 = divmod(code, 2)
        rest, am1 = divmod(rest, 256)
        am0, dot0 = divmod(rest, 2)
        ampm = chr(am0) + "." * dot0 + chr(am1) + "." * dot1
    key, sep1 = divmod(key, 256)
    key, second = divmod(key, 101)
    key, minute = divmod(key, 100)
    key, sep0 = divmod(key, 256)
    hour, run = divmod(key, 4)
    seconds = f"{chr(sep1)}{second - 1:02d}" if second else ""
    return f"{hour:0{run}d}{chr(sep0)}{minute:02d}{seconds}{ampm}"


def spans(data: bytes, starts: np.ndarray, ends: np.ndarray, kind: pa.DataType) -> pa.Array:
    """`data[starts[k]:ends[k]]` as item 2k of one Arrow array over `data` (no copy; the
    odd items are the bytes between), for spans in order that do not overlap."""
    k = len(starts)
    if not k:
        return pa.array([], kind)
    offsets = np.empty(2 * k, np.int64)
    offsets[0::2] = starts
    offsets[1::2] = ends
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(kind, 2 * k - 1, buffers)


def _time_offsets(keys: np.ndarray, twelve: bool) -> np.ndarray:
    """`whatsapp._time_offset` of each time key (`_Parser._keys`) as integer
    microseconds, -1 where no such time exists (25.61, 13 PM, 0 AM), for all at once:
    a year's chat writes ~1,440 distinct times. tests/test_whatsapp_bytes.py holds it to
    `_time_offset` on every format, broken times and 12-hour edges included."""
    key = keys.astype(np.int64)
    pm = np.zeros(len(key), bool)
    if twelve:
        key, ampm = np.divmod(key, 300_000)
        pm = np.isin(ampm // 2 // 256 // 2, (ord("P"), ord("p")))
    key, _sep1 = np.divmod(key, 256)
    key, second = np.divmod(key, 101)  # the second + 1; 0: none written
    key, minute = np.divmod(key, 100)
    hour = key // 256 // 4
    second = np.maximum(second - 1, 0)
    ok = (minute <= 59) & (second <= 59)
    if twelve:
        ok &= (hour >= 1) & (hour <= 12)
        hour = hour % 12 + 12 * pm
    ok &= hour <= 23
    return np.where(ok, ((hour * 60 + minute) * 60 + second) * 1_000_000, -1)


def _heads(texts: Iterable[str]) -> np.ndarray:
    """The first 8 UTF-8 bytes of each of `texts` (zero-padded) as numbers."""
    return np.array(
        sorted({int.from_bytes(t.encode()[:8].ljust(8, b"\0"), "little") for t in texts}),
        np.uint64,
    )


_PLACEHOLDER_BYTES = frozenset(p.encode() for p in w._PLACEHOLDERS)
_NOTICE_BYTES = tuple(n.encode() for n in w._NOTICES)
_PLACEHOLDER_SIZES = np.array(sorted({len(p.encode()) for p in w._PLACEHOLDERS}), np.int64)


def _next(positions: np.ndarray, at: np.ndarray, none: int) -> np.ndarray:
    """The first of the sorted `positions` at or after each of `at`; `none` when none."""
    padded = np.append(positions, none)
    return padded[np.searchsorted(positions, at)]


def _distinct_in_order(keys: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Each key's index into the distinct keys taken in order of first appearance, and
    where each distinct key first appears."""
    if not len(keys):
        return np.zeros(0, np.int64), []
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(uniq), np.int64)
    rank[order] = np.arange(len(uniq))
    return rank[inverse.reshape(-1)], first[order].tolist()


class ByteMessages(w._Messages):
    """A chat's messages as positions into its file's bytes (see the module docstring);
    a `whatsapp._Messages`: the `Message` tuples are built only when first asked for."""

    def __init__(  # noqa: PLR0913 - the columns
        self,
        data: bytes,
        us: np.ndarray,
        sender_codes: np.ndarray,
        distinct: list[str],
        phones: list[str | None],
        text_at: np.ndarray,
        text_end: np.ndarray,
        system: np.ndarray,
        lines: np.ndarray,
    ) -> None:
        self._data = data
        self._us = us
        self.sender_codes, self.distinct_senders = sender_codes, distinct
        self.distinct_phones = phones  # `whatsapp._phone_of` of each distinct sender
        self.text_at, self.text_end = text_at, text_end
        self.system_mask = system
        self._line_array = lines
        self._items = None
        self._microseconds = None
        self._text_list: list[str] | None = None

    def __len__(self) -> int:
        return len(self._us)

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        # pickled (Streamlit's cache pickles chats) as its columns, not its slots
        senders = (self.sender_codes, self.distinct_senders, self.distinct_phones)
        columns = (*senders, self.text_at, self.text_end)
        return ByteMessages, (self._data, self._us, *columns, self.system_mask, self._line_array)

    def microseconds(self) -> np.ndarray:
        us = self._us
        us.flags.writeable = False
        return us

    def sent_at(self, i: int) -> datetime:
        return w._EPOCH + timedelta(microseconds=int(self._us[i]))

    def texts_interleaved(self) -> pa.LargeStringArray:
        """Every message's text in one Arrow array over the file's bytes, without a
        copy: message k is item 2k (the odd items are the headers between texts)."""
        return spans(self._data, self.text_at, self.text_end, pa.large_string())

    @property  # type: ignore[override]
    def texts(self) -> list[str]:
        if self._text_list is None:
            every = self.texts_interleaved()
            self._text_list = every.take(pa.array(np.arange(0, len(every), 2))).to_pylist()
        return self._text_list

    @property  # type: ignore[override]
    def senders(self) -> list[str]:
        names = [*self.distinct_senders, ""]
        return list(map(names.__getitem__, self.sender_codes.tolist()))

    @property  # type: ignore[override]
    def system(self) -> list[bool]:
        return self.system_mask.tolist()

    def _list(self) -> list[w.Message]:
        items = self._items
        if items is None:
            stamps = (self._us - w._UNIX_MICROSECONDS).astype("datetime64[us]").tolist()
            with w._gc_paused():
                columns = zip(
                    stamps,
                    self.senders,
                    self.texts,
                    self._line_array.tolist(),
                    self.system,
                    strict=True,
                )
                items = self._items = list(map(w._new_message, columns))
        return items
