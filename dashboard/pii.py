"""Personal data (CONTRACT section 4): the keyed hash, phone and NIK normalising and masking.

The store never holds a raw NIK or phone number. On import each becomes an HMAC-SHA256,
truncated to 128 bits, under a per-installation key (`$DASHBOARD_HOME/secrets/pii.key`,
32 random bytes, mode 0600, created on first use, never in git), and a phone also keeps
a masked form (`0812****789`) so staff can recognise a number without reading it.

Ingest hashes millions of values, so the HMAC is also written as DuckDB SQL
(`hmac_sql`); `hash_value` is the same function in Python (tests prove they agree).
The SQL normalisers here mirror the Python ones character for character.

Quarantine and import messages show what a file held, so `mask_digits` (and its SQL
twin) masks every run of 8 or more digits in any text, wherever a NIK or phone number
was written; dates stay readable.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

from dashboard import config

KEY_BYTES = 32
_BLOCK = 64  # SHA-256 block size: HMAC pads the key to this length

_NON_DIGIT = re.compile(r"\D")
_SPACE = re.compile(r"\s")


def key_path() -> Path:
    return config.home() / "secrets" / "pii.key"


def load_key() -> bytes:
    """The installation's 32-byte hashing key, created (mode 0600) on first use.

    Losing the key only means new imports hash differently from old ones (the same
    person no longer matches across them); it never exposes anyone.
    """
    # Written to a temporary file and linked into place (config.secret): a reader
    # starting at the same moment never sees a half-written key.
    return config.secret(
        key_path().name, config.random_bytes(KEY_BYTES), lambda key: len(key) == KEY_BYTES
    )


def hmac_sql_params(key: bytes) -> dict[str, bytes]:
    """`$ipad` / `$opad` for `hmac_sql`: the key XORed into HMAC's inner and outer pads."""
    padded = key.ljust(_BLOCK, b"\0") if len(key) <= _BLOCK else hashlib.sha256(key).digest()
    padded = padded.ljust(_BLOCK, b"\0")
    return {
        "ipad": bytes(b ^ 0x36 for b in padded),
        "opad": bytes(b ^ 0x5C for b in padded),
    }


# The stored hash is HMAC-SHA256 truncated to its first 128 bits (32 hex characters),
# the shortest RFC 2104 (section 5) allows. It only has to link one person's rows and
# withstand guessing without the key; halving it took 0.4 s off writing 1M requests.
HASH_HEX_CHARS = 32


def hmac_sql(expr: str) -> str:
    """SQL for the stored keyed hash (hex) of the VARCHAR `expr`, `$ipad`/`$opad` bound.

    `expr` must be SQL written by our code (a column name from an allow-list).
    """
    return f"left(sha256($opad || unhex(sha256($ipad || encode({expr})))), {HASH_HEX_CHARS})"


def hash_value(value: str, key: bytes | None = None) -> str:
    """The stored keyed hash of an already normalised value: equal to `hmac_sql`."""
    mac = hmac.new(key if key is not None else load_key(), value.encode(), "sha256")
    return mac.hexdigest()[:HASH_HEX_CHARS]


def normalize_phone(s: str | None) -> str | None:
    """Digits only, with the country code `+62`/`62` written as the leading `0`."""
    if s is None:
        return None
    digits = _NON_DIGIT.sub("", s)
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    return digits or None


def phone_sql(expr: str) -> str:
    """`normalize_phone` in DuckDB SQL (NULL when there are no digits)."""
    d = f"regexp_replace({expr}, '[^0-9]', '', 'g')"
    return f"nullif(CASE WHEN starts_with({d}, '62') THEN '0' || {d}[3:] ELSE {d} END, '')"


def is_valid_phone(normalized: str | None) -> bool:
    """8 to 15 digits: every Indonesian mobile and landline number fits."""
    return normalized is not None and 8 <= len(normalized) <= 15


def mask_phone(s: str | None) -> str | None:
    """`0812****789`: the operator prefix and the last three digits, nothing else."""
    digits = normalize_phone(s)
    if digits is None:
        return None if s is None or not s.strip() else "*" * len(s.strip())
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:4] + "****" + digits[-3:]


def mask_phone_sql(normalized_expr: str) -> str:
    """`mask_phone` in SQL, given the normalised phone."""
    n = normalized_expr
    return f"CASE WHEN length({n}) >= 8 THEN left({n}, 4) || '****' || right({n}, 3) ELSE repeat('*', length({n})) END"


def normalize_nik(s: str | None) -> str | None:
    """The NIK without spaces if it is then exactly 16 digits, else None."""
    if s is None:
        return None
    compact = _SPACE.sub("", s)
    return compact if len(compact) == 16 and compact.isascii() and compact.isdigit() else None


def nik_sql(expr: str) -> str:
    """The NIK without whitespace (validity is checked separately with `nik_valid_sql`)."""
    return f"regexp_replace({expr}, '\\s', '', 'g')"


def nik_valid_sql(compact_expr: str) -> str:
    return f"regexp_full_match({compact_expr}, '[0-9]{{16}}')"


def mask_nik(s: str | None) -> str | None:
    """`3201********0123` for a 16-digit NIK (region code and last four digits).

    A malformed one keeps only its first four characters (when it has at least eight),
    so a typo never shows more of a number than a valid NIK would.
    """
    if s is None:
        return None
    compact = _SPACE.sub("", s)
    if len(compact) == 16:
        return compact[:4] + "*" * 8 + compact[-4:]
    if len(compact) >= 8:
        return compact[:4] + "*" * (len(compact) - 4)
    return "*" * len(compact)


def mask_nik_sql(expr: str) -> str:
    """`mask_nik` in SQL."""
    c = nik_sql(expr)
    return (
        f"CASE WHEN length({c}) = 16 THEN left({c}, 4) || repeat('*', 8) || right({c}, 4) "
        f"WHEN length({c}) >= 8 THEN left({c}, 4) || repeat('*', length({c}) - 4) "
        f"ELSE repeat('*', length({c})) END"
    )


# ------------------------------------------------------------------ numbers in any cell
#
# Quarantine keeps refused rows for staff to read, so a NIK or phone number must not
# survive there in any column: not in an unrecognised column (`no_whatsapp`), a note
# ("catatan 6308 0112 3456 0001"), nor the extra cells of a ragged row. A "run" is digits
# joined by spaces, dots, dashes, slashes, brackets or colons (`+62 812-3456-7890`,
# `(0526) 209 1234`, a number broken over lines); one of 8 or more digits has every digit
# masked. A run that is exactly a date or timestamp in the contract's forms (1.3) stays
# visible, so staff can see what was wrong with a bad date. Python and SQL below apply
# the same rule (tests/test_quarantine_privacy.py proves they agree); RE2 has no
# look-around, so both cut the text into maximal runs and judge each whole run.

# the separators inside a run (a regex class both Python's re and RE2 read alike)
_RUN_SEP_CLASS = "[ \\t\\n\\r\\f\u00a0./():-]"
#: a maximal run: starts and ends with a digit (ASCII digits only, as in a NIK or phone)
DIGIT_RUN_PATTERN = f"[0-9](?:{_RUN_SEP_CLASS}*[0-9])*"
#: a cell holding a run of 8 or more digits (the cheap test before masking)
LONG_RUN_PATTERN = f"[0-9](?:{_RUN_SEP_CLASS}*[0-9]){{7}}"
#: the contract's date and timestamp forms (1.3) as a whole run: ISO or day-first date,
#: then optionally a time with `:` or `.`, optional seconds and fraction
DATE_RUN_PATTERN = (
    "(?:[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4})"
    "(?: +[0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2}(?:\\.[0-9]+)?)?)?"
    # the time after ISO's `T` is a run of its own: `08:15:00.123`
    "|[0-9]{1,2}:[0-9]{2}:[0-9]{2}\\.[0-9]+"
)
RUN_MIN_DIGITS = 8

_DIGIT_RUN = re.compile(DIGIT_RUN_PATTERN)
_DATE_RUN = re.compile(DATE_RUN_PATTERN)
_ASCII_DIGIT = re.compile("[0-9]")


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if len(_ASCII_DIGIT.findall(run)) < RUN_MIN_DIGITS or _DATE_RUN.fullmatch(run):
        return run
    return _ASCII_DIGIT.sub("*", run)


def mask_digits(text: str | None) -> str | None:
    """`text` with every digit of each run of 8+ digits written as `*` (dates kept).

    `catatan 6308 0112 3456 0001` -> `catatan **** **** **** ****`;
    `+62 812-3456-7890` -> `+** ***-****-****`; `08-06-2020 08.15` stays as it is.
    """
    if text is None:
        return None
    return _DIGIT_RUN.sub(_mask_run, text)


def mask_digits_sql(expr: str) -> str:
    """`mask_digits` in DuckDB SQL (NULL stays NULL).

    `expr` must be SQL written by our code (a column name). Costly per row: use it only
    for refused rows, never on the path of the good ones.
    """
    token = f"{DIGIT_RUN_PATTERN}|[^0-9]+"
    judged = (
        f"CASE WHEN regexp_full_match(t, '{DIGIT_RUN_PATTERN}') "
        f"AND length(regexp_replace(t, '[^0-9]', '', 'g')) >= {RUN_MIN_DIGITS} "
        f"AND NOT regexp_full_match(t, '{DATE_RUN_PATTERN}') "
        "THEN regexp_replace(t, '[0-9]', '*', 'g') ELSE t END"
    )
    return (
        f"CASE WHEN regexp_matches({expr}, '{LONG_RUN_PATTERN}') "
        f"THEN array_to_string(list_transform(regexp_extract_all({expr}, '{token}'), "
        f"lambda t: {judged}), '') ELSE {expr} END"
    )
