"""Personal data (CONTRACT 4): the key file, the keyed hash in Python and SQL, masking."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import duckdb
import pytest

from dashboard import pii


def test_key_is_created_once_with_mode_0600(home: Path) -> None:
    key = pii.load_key()
    path = home / "secrets" / "pii.key"
    assert len(key) == 32 and path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert pii.load_key() == key  # stable across calls


def test_each_installation_gets_its_own_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = []
    for name in ("a", "b"):
        monkeypatch.setenv("DASHBOARD_HOME", str(tmp_path / name))
        keys.append(pii.load_key())
    assert keys[0] != keys[1]


def test_damaged_key_is_refused(home: Path) -> None:
    path = home / "secrets" / "pii.key"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"short")
    with pytest.raises(RuntimeError, match="damaged"):
        pii.load_key()


@pytest.mark.parametrize("value", ["081234567890", "3201012345670123", "", "ä-ü"])
def test_sql_hmac_equals_python_hmac(home: Path, value: str) -> None:
    key = pii.load_key()
    con = duckdb.connect()
    got = con.execute(
        f"SELECT {pii.hmac_sql('$v')}", {"v": value} | pii.hmac_sql_params(key)
    ).fetchall()[0][0]
    # RFC 2104 HMAC-SHA256, truncated to its leftmost 128 bits (RFC 2104 section 5).
    expected = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]
    assert got == expected == pii.hash_value(value, key) == pii.hash_value(value)
    assert len(got) == 32 and int(got, 16) >= 0


@pytest.mark.parametrize(
    ("raw", "normalized", "masked"),
    [
        ("+62 812-3456-7890", "081234567890", "0812****890"),
        ("62812 3456 7890", "081234567890", "0812****890"),
        ("0812.3456.789", "08123456789", "0812****789"),
        ("(0526) 209 1234", "05262091234", "0526****234"),
        ("0812", "0812", "****"),
        ("-", None, "*"),
        (None, None, None),
    ],
)
def test_phone_normalise_and_mask(
    raw: str | None, normalized: str | None, masked: str | None
) -> None:
    assert pii.normalize_phone(raw) == normalized
    assert pii.mask_phone(raw) == masked


@pytest.mark.parametrize(
    "raw", ["+62 812-3456-7890", "62812 3456 7890", "0812.3456.789", "0812", "-", "6", "620"]
)
def test_phone_sql_matches_python(raw: str) -> None:
    con = duckdb.connect()
    norm_sql = pii.phone_sql("$v")
    normalized, masked = con.execute(
        f"SELECT {norm_sql}, {pii.mask_phone_sql(norm_sql)}", {"v": raw}
    ).fetchall()[0]
    assert normalized == pii.normalize_phone(raw)
    if normalized is not None:
        assert masked == pii.mask_phone(raw)


@pytest.mark.parametrize(
    ("raw", "normalized", "masked"),
    [
        ("3201012345670123", "3201012345670123", "3201********0123"),
        ("3201 0123 4567 0123", "3201012345670123", "3201********0123"),
        ("320101234567012", None, "3201***********"),
        ("32010123456", None, "3201*******"),
        ("3201012", None, "*******"),
        ("3201O12345670123", None, "3201********0123"),  # letter O: not a NIK
        (None, None, None),
    ],
)
def test_nik_normalise_and_mask(
    raw: str | None, normalized: str | None, masked: str | None
) -> None:
    assert pii.normalize_nik(raw) == normalized
    assert pii.mask_nik(raw) == masked
    if raw is not None:
        con = duckdb.connect()
        sql_mask, sql_valid = con.execute(
            f"SELECT {pii.mask_nik_sql('$v')}, {pii.nik_valid_sql(pii.nik_sql('$v'))}", {"v": raw}
        ).fetchall()[0]
        assert sql_mask == masked
        assert sql_valid == (normalized is not None)
