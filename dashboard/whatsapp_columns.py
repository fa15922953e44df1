"""The request fields of `dashboard.whatsapp.propose` read column-wise with RE2 (private).

`fields(joined, scan, kec_canon)` gives what `whatsapp._fields_per_request` gives (each
request's NIK, kecamatan, service and whether request words were found, from its texts
"\\n"-joined), with pyarrow's RE2 over all the requests at once where that is exact, and
Python's `re` (one pass over the rest: `whatsapp._niks_in_one_pass`,
`whatsapp._scan_in_one_pass`) where it would not be:

- The scan (request words and kecamatan) runs in RE2 over the requests whose text is
  ASCII without "_" or "\\x01". There Python's rule (a match of `(?:words|names)(?!\\w)`
  in the lowercase text, found by `finditer`, counts when the character before it is
  not a letter or digit) is RE2's `\\b(?:words|names)\\b`: the words and names start and
  end with a letter, `\\b` is the ASCII word boundary (letters, digits and "_": hence no
  "_"), and Python's `\\s` is written out for RE2 (which lacks \\v and \\x1c-\\x1f). One
  more case differs: Python's `finditer` also consumes a match that it then skips as
  being inside a word ("xe-ktp", "xsurat pindah"); when such a match spans a space or
  dash, the match right after it is lost in Python and found in RE2. Requests where RE2
  finds a request word or name starting inside a word before such a space or dash
  (the second pattern of `_re2_patterns`) are read by Python. Kecamatan names other than
  ASCII letter words, request words other than `_WORDS_READ` (those this was worked out
  for), or a pattern not built by `whatsapp._scanner` send every request to Python.
- NIKs: only a text where RE2 finds 16 ASCII digits in a row or in four groups can give
  one (`pii.normalize_nik` takes ASCII digits only). Of those, an ASCII text where no
  17-digit run and no fifth digit before four groups is found holds no NIK-like run that
  Python's rules would skip (preceded by a digit) and go on after: there the first run
  not preceded nor followed by a digit (RE2) is Python's. The others (non-ASCII: Python's
  `\\d` and `isdigit` take other scripts' digits) are read by Python's rules.

Senders' numbers (`phones_of`): `whatsapp._phone_of` is a full match of
`\\+?\\d[\\d \\-()\\u00a0\\u202f]{5,}\\d`, then `pii.normalize_phone` and 8-15 digits; for
an ASCII sender that is RE2's `^\\+?[0-9][0-9 ()-]{5,}[0-9]$` and the same digit steps
written column-wise. Other senders are read by `_phone_of` itself.

Imported by `dashboard.whatsapp` only from `whatsapp._COLUMNS_FROM` requests or distinct
senders on (importing pyarrow.compute takes ~0.2 s). `fields` takes the requests' texts as
a list or, from chats read from their bytes (`whatsapp_bytes`), as an Arrow array, whose
items are made Python strings only for the few requests Python's `re` reads.
"""

from __future__ import annotations

import functools
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dashboard import whatsapp as w

# Python's `\s` on ASCII characters (str.isspace), as an RE2 class
_WS = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f ]"
_MARK = "\x01"  # put around each match in RE2's replacement; texts holding it go to Python
_NIK_HINT = "[0-9]{4}[ .-]?[0-9]{4}[ .-]?[0-9]{4}[ .-]?[0-9]{4}"
# `whatsapp._NIK` with its "not preceded by a digit" and "(?!\\d)" as characters
_NIK_RE2 = "(?:^|[^0-9])(?P<nik>[0-9](?:[0-9]{15}|[0-9]{3}(?:[ .-][0-9]{4}){3}))(?:[^0-9]|$)"
# where Python could find a NIK-like run preceded by a digit, skip it and go on after it
_NIK_SKIPPED = "[0-9]{17}|[0-9]{5}[ .-][0-9]{4}[ .-][0-9]{4}[ .-][0-9]{4}"
# `whatsapp._PHONE_SENDER` on ASCII text
_PHONE_RE2 = "^\\+?[0-9][0-9 ()-]{5,}[0-9]$"
# the kecamatan part `whatsapp._scanner` adds: "|name" or "|word\s+word", letters only
_SIMPLE_NAMES = re.compile(r"(?:\|[a-z]+(?:\\s\+[a-z]+)*)*")
_HEAD, _TAIL = "(?:" + w._WORDS, ")(?!\\w)"
# the request words this module's RE2 reading was worked out for (the alternatives that
# can hold a space or dash: `_re2_patterns`); other words are read by Python's `re`
_WORDS_READ = (
    r"e-?ktp|ktp(?:[- ]?el)?|rekam(?:an)?|perekaman|merekam"
    r"|akt[ae](?:\s+(?:ke)?(?:lahir|mati)(?:an)?)?|kk|kartu\s+keluarga"
    r"|surat\s+pindah|pindah(?:an)?|skpwni"
    r"|daftar(?:kan|an)?|mendaftar(?:kan)?|pendaftaran"
)


@functools.lru_cache(maxsize=16)
def _re2_patterns(pattern: str) -> tuple[str, str] | None:
    """For a scan pattern of `whatsapp._scanner`: the RE2 scan, and the RE2 pattern of a
    match starting inside a word and running on over a space or dash (see above);
    None when the pattern has names RE2 cannot be trusted with here."""
    if w._WORDS != _WORDS_READ or not (pattern.startswith(_HEAD) and pattern.endswith(_TAIL)):
        return None
    names = pattern[len(_HEAD) : -len(_TAIL)]
    if not _SIMPLE_NAMES.fullmatch(names):
        return None
    alts = (w._WORDS + names).replace("\\s", _WS)
    scan = f"\\b(?:{alts})\\b"
    # the start of every alternative that can hold a space or dash, up to that space
    # or dash (in the words: e-, ktp- / ktp<space>, akta, kartu, surat; multi-word names)
    firsts = ["e-", "ktp[- ]", f"akt[ae]{_WS}", f"kartu{_WS}", f"surat{_WS}"]
    firsts += [n.split("\\s+")[0] + _WS for n in names.split("|") if "\\s+" in n]
    swallow = f"\\B(?:{'|'.join(firsts)})"
    return scan, swallow


def fields(
    joined: list[str] | pa.Array, scan: re.Pattern[str], kec_canon: dict[str, str]
) -> w._Fields:
    """`joined`: the requests' texts as a list, or already as an Arrow string array."""
    n = len(joined)
    if not n:
        return [], [], [], []
    if isinstance(joined, list):
        arr = pa.array(joined, pa.large_string())
    else:
        arr, joined = joined, _Lazy(joined)
    ascii_ = pc.string_is_ascii(arr)
    # the NIKs in another thread while this one scans (both mostly RE2, without the GIL)
    pool = ThreadPoolExecutor(1)
    reading = pool.submit(_niks, joined, arr, ascii_)
    pool.shutdown(wait=False)
    patterns = _re2_patterns(scan.pattern)
    if patterns is None:
        kecs, services, words = w._scan_in_one_pass(list(joined), scan, kec_canon)
        return reading.result(), kecs, services, words
    re2_scan, swallow = patterns
    low = pc.ascii_lower(arr)
    python = pc.or_(pc.invert(ascii_), pc.match_substring_regex(low, f"[_{_MARK}]|{swallow}"))
    python_np = python.to_numpy(zero_copy_only=False)
    ours = np.flatnonzero(~python_np)

    # RE2: each match wrapped in marks, split on them: the matches are the odd pieces
    wrapped = pc.replace_substring_regex(low.take(ours), re2_scan, f"{_MARK}\\0{_MARK}")
    pieces = pc.split_pattern(wrapped, _MARK)
    offsets = pieces.offsets.to_numpy()
    counts = np.diff(offsets)
    parent = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    local = np.arange(offsets[-1] - offsets[0], dtype=np.int64) - (offsets[parent] - offsets[0])
    odd = np.flatnonzero(local % 2 == 1)
    found = pc.dictionary_encode(pieces.values.take(pa.array(odd + offsets[0])))
    kecs, services, words = _per_request(
        n, ours[parent[odd]], found.indices.to_numpy(), found.dictionary.to_pylist(), kec_canon
    )

    rest = np.flatnonzero(python_np).tolist()
    if rest:
        sub = list(map(joined.__getitem__, rest))
        for i, k, s, x in zip(rest, *w._scan_in_one_pass(sub, scan, kec_canon), strict=True):
            kecs[i], services[i], words[i] = k, s, x
    return reading.result(), kecs, services, words


class _Lazy:
    """Python strings of an Arrow string array, made only for the items asked for
    (the few requests Python's `re` reads)."""

    def __init__(self, arr: pa.Array) -> None:
        self._arr = arr

    def __len__(self) -> int:
        return len(self._arr)

    def __getitem__(self, i: int) -> str:
        return self._arr[i].as_py()

    def __iter__(self):  # noqa: ANN204 - all of them (no RE2 reading of the scan)
        return iter(self._arr.to_pylist())


def _per_request(
    n: int, req: np.ndarray, codes: np.ndarray, distinct: list[str], kec_canon: dict[str, str]
) -> tuple[list[str | None], list[str | None], list[bool]]:
    """`whatsapp._per_request` for matches given as codes into their distinct values
    (every match counts: RE2 found only those at a word's start)."""
    kinds = [w._found(f, kec_canon) for f in distinct]
    place = np.array([k[0] is not None for k in kinds] + [False], bool)[codes]
    is_word = np.array([k[1] for k in kinds] + [False], bool)[codes]
    named = np.array([k[2] is not None for k in kinds] + [False], bool)[codes]
    words = np.zeros(n, bool)
    words[req[is_word]] = True
    columns = []
    for mask, field in ((place, 0), (is_word & named, 2)):
        pick = _first_of_each(req, mask)
        values = np.array([k[field] for k in kinds] + [None], object)
        out = np.full(n, None, object)
        out[req[pick]] = values[codes[pick]]
        columns.append(out.tolist())
    return columns[0], columns[1], words.tolist()


def _first_of_each(req: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The first position of each request among the positions where `mask` holds (`req`
    non-decreasing)."""
    pick = np.flatnonzero(mask)
    if len(pick) < 2:
        return pick
    r = req[pick]
    first = np.ones(len(r), bool)
    np.not_equal(r[1:], r[:-1], out=first[1:])
    return pick[first]


def _niks(joined: list[str], arr: pa.Array, ascii_: pa.Array) -> list[str | None]:
    """Each text's NIK by Python's rules (`whatsapp._nik_in`)."""
    n = len(joined)
    niks: list[str | None] = [None] * n
    hint = np.flatnonzero(pc.match_substring_regex(arr, _NIK_HINT).to_numpy(zero_copy_only=False))
    if not len(hint):
        return niks
    hinted = arr.take(pa.array(hint))
    # where a 16-digit run is not preceded by a digit and no longer run or fifth digit
    # before four groups is there for Python to skip, its first is RE2's first (a text
    # with such a run holds the hint)
    skipped = pc.match_substring_regex(hinted, _NIK_SKIPPED)
    plain = pc.and_(ascii_.take(pa.array(hint)), pc.invert(skipped))
    plain_np = plain.to_numpy(zero_copy_only=False)
    ours = hint[plain_np]
    if len(ours):
        nik = pc.struct_field(pc.extract_regex(hinted.filter(plain), _NIK_RE2), 0)
        digits = pc.replace_substring_regex(nik, "[^0-9]", "")
        # None where there is none; else 16 ASCII digits: a NIK
        column = np.array(niks, object)
        column[ours] = digits.to_numpy(zero_copy_only=False)
        niks = column.tolist()
    rest = hint[~plain_np].tolist()
    for i, nik in zip(rest, w._niks_in_one_pass(list(map(joined.__getitem__, rest))), strict=True):
        niks[i] = nik
    return niks


def phones_of(senders: list[str]) -> list[str | None]:
    """`whatsapp._phone_of` of each sender."""
    if not senders:
        return []
    arr = pa.array(senders, pa.string())
    ascii_ = pc.string_is_ascii(arr)
    digits = pc.replace_substring_regex(arr, "[^0-9]", "")
    local = pc.binary_join_element_wise("0", pc.utf8_slice_codeunits(digits, 2), "")
    normal = pc.if_else(pc.starts_with(digits, "62"), local, digits)
    size = pc.utf8_length(normal)
    ok = pc.and_(
        pc.and_(ascii_, pc.match_substring_regex(arr, _PHONE_RE2)),
        pc.and_(pc.greater_equal(size, 8), pc.less_equal(size, 15)),
    )
    out = pc.if_else(ok, normal, pa.scalar(None, pa.string())).to_pylist()
    for i in np.flatnonzero(~ascii_.to_numpy(zero_copy_only=False)).tolist():
        out[i] = w._phone_of(senders[i])
    return out
