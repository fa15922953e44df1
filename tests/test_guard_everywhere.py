"""Every page's first statement is the guard: `ui.page_setup(<its key>, <its permission>)`.

A page that forgets the guard, or runs anything before it, would draw data for whoever
opens its URL. So this test reads each page's source (no Streamlit run needed) and
proves that, after the docstring and the imports, the first statement calls
`ui.page_setup` with the page's registered key and permission.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboard import roles, ui

ROOT = Path(__file__).resolve().parents[1]
PAGE_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py")])


def _first_statement(tree: ast.Module) -> ast.stmt | None:
    for index, node in enumerate(tree.body):
        if (
            index == 0
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            continue  # the module docstring
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        return node
    return None


def _page_setup_call(node: ast.stmt | None) -> ast.Call | None:
    """The `ui.page_setup(...)` call if `node` is `x = ui.page_setup(...)` or a bare call."""
    if isinstance(node, ast.Assign | ast.AnnAssign):
        value = node.value
    elif isinstance(node, ast.Expr):
        value = node.value
    else:
        return None
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "page_setup"
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == "ui"
    ):
        return value
    return None


def _literal_args(call: ast.Call) -> tuple[str, str]:
    args = [ast.literal_eval(a) for a in call.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    key = args[0] if args else kwargs["page_key"]
    permission = args[1] if len(args) > 1 else kwargs.get("permission", "view")
    return key, permission


def _key_for(path: Path) -> str:
    return "overview" if path.name == "app.py" else path.stem


def test_the_walk_finds_the_pages() -> None:
    names = {p.name for p in PAGE_FILES}
    assert {"app.py", "throughput.py", "backlog.py"} <= names


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_first_statement_is_the_guard(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    first = _first_statement(tree)
    call = _page_setup_call(first)
    assert call is not None, (
        f"{path.name}: the first statement after the imports must be "
        f"`ctx = ui.page_setup(...)`, found line {getattr(first, 'lineno', '?')}"
    )
    key, permission = _literal_args(call)
    assert key == _key_for(path), f"{path.name} calls page_setup with key {key!r}"
    registered = ui.PAGES_BY_KEY.get(key)
    assert registered is not None, f"{path.name}: page key {key!r} is not in ui.PAGES"
    assert registered.path == path.relative_to(ROOT).as_posix()
    assert permission == registered.permission, (
        f"{path.name} guards with {permission!r}, the registry says {registered.permission!r}"
    )
    assert permission in roles.PERMISSIONS


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_guard_is_called_once_and_at_module_level(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "page_setup"
    ]
    assert len(calls) == 1, f"{path.name} calls page_setup {len(calls)} times"


def test_the_checker_rejects_a_page_that_draws_before_the_guard() -> None:
    bad = ast.parse(
        '"""doc"""\nimport streamlit as st\nfrom dashboard import ui\n'
        "st.write('secret')\nctx = ui.page_setup('throughput', 'view')\n"
    )
    assert _page_setup_call(_first_statement(bad)) is None
    good = ast.parse(
        '"""doc"""\nfrom __future__ import annotations\nfrom dashboard import ui\n'
        "ctx = ui.page_setup('throughput', 'view')\n"
    )
    assert _literal_args(_page_setup_call(_first_statement(good))) == ("throughput", "view")


def test_every_registered_page_needs_a_known_permission() -> None:
    for page in ui.PAGES:
        assert page.permission in roles.PERMISSIONS, page
    assert ui.PAGES_BY_KEY["data_quality"].permission == "data_quality"
    assert ui.PAGES_BY_KEY["capacity"].permission == "capacity"
    assert ui.PAGES_BY_KEY["admin"].permission == "users"
