"""Cached reads for the pages: small results keyed by their arguments and the data version.

`call(metrics.daily, start, end, filters)` runs `metrics.daily(con, start, end, filters)`
on a short-lived store connection and keeps the (small) result in `st.cache_data`, keyed
by the function, its arguments, the store's path and `store.data_version`. Every import
and capacity change bumps that version, so a page never shows numbers older than the
store, while reruns (a widget click) and other users with the same filters reuse them.

The data version is read once per page run (`refresh_version()`, called by
`ui.page_setup`): one tiny SELECT. Writes call `clear()` afterwards, which also drops
the remembered version so the same run sees the new data.

Only functions of an allow-listed set of core modules can be called through here (the
cache stores results under the function's module and name).

In the Streamlit process connections are opened read-write (the default): a read-only
and a read-write open of one file in one process conflict in DuckDB (store.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from dashboard import config, store

TTL_SECONDS = 600
MAX_ENTRIES = 512

_ALLOWED_MODULES = frozenset(
    {
        "dashboard.metrics",
        "dashboard.queries",
        "dashboard.capacity",
        "dashboard.ingest",
        "dashboard.exports",
        "dashboard.cache",
    }
)
_VERSION_KEY = "_cache_data_version"

R = TypeVar("R")


def _resolve(module: str, name: str) -> Callable[..., Any]:
    if module not in _ALLOWED_MODULES:
        raise ValueError(f"cache.call: {module} is not an allowed module")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def _cached_call(module: str, name: str, db: str, version: int, args: tuple, kwargs: dict) -> Any:
    fn = _resolve(module, name)
    with store.connect(db) as con:
        return fn(con, *args, **kwargs)


def read_version() -> int:
    """The store's data version, read now (a one-row SELECT)."""
    with store.connect() as con:
        return store.data_version(con)


def refresh_version() -> int:
    """Read the data version once for this page run and remember it for `call()`."""
    version = read_version()
    st.session_state[_VERSION_KEY] = version
    return version


def current_version() -> int:
    version = st.session_state.get(_VERSION_KEY)
    return refresh_version() if version is None else int(version)


def call(fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """`fn(con, *args, **kwargs)` on a fresh connection, cached by args + data version.

    `fn` must be a module-level function of metrics/queries/capacity/ingest/exports
    whose first parameter is the connection; arguments must be hashable by Streamlit
    (dates, numbers, strings, tuples, frozen dataclasses such as `metrics.Filters`).
    Results must be small (frames of at most a few thousand rows, dicts, dataclasses).
    """
    return _cached_call(
        fn.__module__,
        fn.__qualname__,
        str(config.db_path()),
        current_version(),
        args,
        kwargs,
    )


def fresh(fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """`fn(con, ...)` on a fresh connection, never cached: for logs that change without
    a data-version bump (the export audit grows on every download)."""
    target = _resolve(fn.__module__, fn.__qualname__)
    with store.connect() as con:
        return target(con, *args, **kwargs)


def clear() -> None:
    """Forget every cached result and the remembered version (call after any write)."""
    _cached_call.clear()
    st.session_state.pop(_VERSION_KEY, None)


# ---------------------------------------------------------------- the sidebar's facts
# Small reads the page framework needs on every page (what the store holds, its date
# range, the filter options). Kept here beside their only caller until they move to
# queries.py.


def store_info(con: Any) -> dict[str, Any]:
    """What the sidebar and empty states need: demo flag, last import, data dates, options.

    `first_date`/`last_date` span the days with activity: requests received, and
    appointments checked in or recorded (scheduled dates may lie in the future).
    """
    dates = con.execute(
        """
        SELECT
          (SELECT min(received_date) FROM requests),
          (SELECT max(received_date) FROM requests),
          (SELECT min(visit_date) FROM appointments),
          (SELECT max(visit_date) FROM appointments WHERE status IN ('recorded', 'rejected')),
          (SELECT count(*) FROM requests),
          (SELECT count(*) FROM appointments)
        """
    ).fetchone()
    first_candidates = [d for d in (dates[0], dates[2]) if d is not None]
    last_candidates = [d for d in (dates[1], dates[3]) if d is not None]
    last_import = con.execute(
        "SELECT timezone(?, max(finished_at)) FROM imports", [config.office_tz()]
    ).fetchone()[0]
    kecamatan = con.execute(
        """
        SELECT kecamatan_key, mode(kecamatan) AS label
        FROM requests WHERE kecamatan_key IS NOT NULL AND kecamatan_key <> ''
        GROUP BY kecamatan_key ORDER BY kecamatan_key LIMIT 500
        """
    ).fetchall()
    services = con.execute(
        "SELECT DISTINCT service FROM requests ORDER BY service LIMIT 100"
    ).fetchall()
    return {
        "is_demo": store.is_demo(con),
        "last_import": last_import,
        "first_date": min(first_candidates) if first_candidates else None,
        "last_date": max(last_candidates) if last_candidates else None,
        "requests": int(dates[4]),
        "appointments": int(dates[5]),
        "kecamatan": [(str(k), str(label)) for k, label in kecamatan],
        "services": [str(s) for (s,) in services],
    }


def sidebar_facts() -> dict[str, Any]:
    """`store_info` through the cache (keyed by the data version like everything else)."""
    return call(store_info)
