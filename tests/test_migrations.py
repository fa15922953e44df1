"""Schema migrations carry an existing store forward without losing or unlinking data."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from dashboard import ingest, pii, roles, store

ADMIN = roles.Actor.cli("tester")


def test_migration_3_shortens_hashes_and_keeps_people_linked(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store as release 2 wrote it: text row fingerprints, full 64-hex HMACs.
    with monkeypatch.context() as m:
        m.setattr(store, "MIGRATIONS", [mig for mig in store.MIGRATIONS if mig[0] <= 2])
        m.setattr(store, "_migrated", set())
        key = pii.load_key()
        full = hmac.new(key, b"3201012345670123", hashlib.sha256).hexdigest()
        with store.connect() as con:
            con.execute(
                "INSERT INTO requests VALUES ('R1', '2020-06-08 08:00', '2020-06-08', "
                "'whatsapp', 'ktp_el', NULL, NULL, NULL, NULL, ?, NULL, NULL, "
                "'12345678901234567890', 1, 2)",
                [full],
            )
            assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (2,)
    store._migrated.clear()

    with store.connect() as con:  # opening it read-write applies migration 3
        assert con.execute(
            "SELECT count(*) FROM schema_migrations WHERE version = 3"
        ).fetchone() == (1,)
        assert con.execute(
            "SELECT count(*) FROM information_schema.columns WHERE column_name = 'row_hash'"
        ).fetchone() == (0,)
        assert con.execute("SELECT request_id, nik_hash FROM requests").fetchall() == [
            ("R1", full[:32])
        ]
        ddl = con.execute(
            "SELECT sql FROM duckdb_tables() WHERE table_name = 'requests'"
        ).fetchone()[0]
        assert "nik_hash VARCHAR USING COMPRESSION Uncompressed" in ddl

    # The same person imported after the upgrade hashes to the migrated value, and the
    # migrated row sent again is recognised as unchanged.
    f = tmp_path / "req.csv"
    f.write_text(
        "request_id,received_at,channel,nik\n"
        "R1,2020-06-08 08:00,wa,3201012345670123\n"
        "R2,2020-06-09 08:00,wa,3201 0123 4567 0123\n"
    )
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.inserted, result.updated, result.unchanged) == (1, 0, 1)
    with store.connect() as con:
        hashes = con.execute("SELECT DISTINCT nik_hash FROM requests").fetchall()
    assert hashes == [(full[:32],)]
