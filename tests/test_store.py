"""The store's sharing rules inside one process (an upload runs inside the dashboard)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb
import pytest

from dashboard import store


def test_a_page_waits_while_an_import_here_has_the_store_attached(home: Path) -> None:
    with store.connect() as con:
        con.execute("INSERT INTO meta VALUES ('probe', 'before')")
    priv = duckdb.connect(":memory:")
    got: dict[str, object] = {}

    def page() -> None:
        with store.connect(timeout=20) as con:
            got["value"] = con.execute("SELECT value FROM meta WHERE key = 'probe'").fetchone()

    with store.attached(priv) as con:
        reader = threading.Thread(target=page)
        reader.start()
        time.sleep(0.5)
        assert reader.is_alive(), "the page should wait for the import, not fail"
        con.execute("UPDATE meta SET value = 'after' WHERE key = 'probe'")
    reader.join(timeout=20)
    assert got["value"] == ("after",)


def test_a_page_gives_up_with_a_clear_message_after_its_timeout(home: Path) -> None:
    with store.connect():
        pass
    priv = duckdb.connect(":memory:")
    with store.attached(priv), pytest.raises(store.StoreBusy, match="is busy"):
        with store.connect(timeout=0.3):
            pass
