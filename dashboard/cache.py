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
        "dashboard.settings",
        "dashboard.targets",
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


def sidebar_facts() -> dict[str, Any]:
    """`queries.store_info` through the cache (keyed by the data version like everything else)."""
    from dashboard import queries

    return call(queries.store_info)
