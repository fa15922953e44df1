"""Personal data (CONTRACT section 4): the keyed hash, phone and NIK normalising and masking.

The store never holds a raw NIK or phone number. On import each becomes an HMAC-SHA256,
truncated to 128 bits, under a per-installation key (`$DASHBOARD_HOME/secrets/pii.key`,
32 random bytes, mode 0600, created on first use, never in git), and a phone also keeps
a masked form (`0812****789`) so staff can recognise a number without reading it.

Ingest hashes millions of values, so the HMAC is also written as DuckDB SQL
(`hmac_sql`); `hash_value` is the same function in Python (tests prove they agree).
The SQL normalisers here mirror the Python ones character for character.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
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
    path = key_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(path.parent, 0o700)
    except OSError:
        pass
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) != KEY_BYTES:
            raise RuntimeError(
                f"{path} is damaged ({len(key)} bytes, expected {KEY_BYTES}); "
                "restore it from the backup of the installation's secrets"
            ) from None
        return key
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(KEY_BYTES))
    return path.read_bytes()


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
