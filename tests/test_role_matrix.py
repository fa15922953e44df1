"""Every page x every role: allowed pages draw, forbidden ones say so and draw no data.

The matrix walks `pages/` and `app.py` as they are on disk, so a new page is covered
the day it lands. Expected cells come from `roles.PERMISSIONS`: capacity and
data_quality need staff/admin, admin needs admin, every other page any role.
Sessions are signed in by pre-setting the library's session keys (PLATFORM.md); the
guard still re-reads the account and its role from users.json on every run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import roles, users
from tests.fixtures import build_fixture_store

ROOT = Path(__file__).resolve().parent.parent
PAGE_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py")])
#: Pages that need more than `view`.
PAGE_PERMISSION = {"capacity": "capacity", "data_quality": "data_quality", "admin": "users"}
FORBIDDEN = "bukan untuk peran Anda"


def page_key(path: Path) -> str:
    return "overview" if path.name == "app.py" else path.stem


def expected_permission(path: Path) -> str:
    return PAGE_PERMISSION.get(page_key(path), "view")


@pytest.fixture(scope="module")
def store_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One fixture store and one account per role for the whole matrix."""
    home = tmp_path_factory.mktemp("matrix") / "home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DASHBOARD_HOME", str(home))
        mp.setenv("DASHBOARD_TZ", "Asia/Makassar")
        mp.setenv("DASHBOARD_TESTING", "1")
        build_fixture_store(home)
        for role in roles.ROLES:
            users.add(
                f"u_{role}", name=role.title(), role=role, password="rahasia-123",
                actor=roles.Actor.cli(),
            )  # fmt: skip
        yield home


def _setup_call(path: Path) -> ast.Call:
    """The page's first statement that calls `page_setup(...)`."""
    tree = ast.parse(path.read_text())
    for node in tree.body:
        value = getattr(node, "value", None)
        if isinstance(value, ast.Call):
            func = value.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "page_setup":
                return value
    raise AssertionError(f"{path.name} never calls ui.page_setup at module level")


def _statement_index_of_setup(path: Path) -> int:
    tree = ast.parse(path.read_text())
    body = [n for n in tree.body if not isinstance(n, ast.Import | ast.ImportFrom)]
    # Skip the module docstring and constant definitions before the call.
    for i, node in enumerate(body):
        value = getattr(node, "value", None)
        if isinstance(value, ast.Call) and "page_setup" in ast.unparse(value.func):
            return i
    return -1


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.name)
def test_every_page_calls_the_guard_first_with_its_permission(path: Path) -> None:
    call = _setup_call(path)
    args = [ast.literal_eval(a) for a in call.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    permission = args[1] if len(args) > 1 else kwargs.get("permission", "view")
    assert args[0] == page_key(path)
    assert permission == expected_permission(path)
    # Nothing but the docstring, imports and `from __future__` comes before it.
    assert _statement_index_of_setup(path) <= 1  # docstring is statement 0 when present


CELLS = [(path, role) for path in PAGE_FILES for role in roles.ROLES]


@pytest.mark.parametrize(
    ("path", "role"), CELLS, ids=[f"{p.name}-{r}" for p, r in CELLS]
)  # fmt: skip
def test_role_page_matrix(store_home: Path, path: Path, role: str) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DASHBOARD_HOME", str(store_home))
        mp.setenv("DASHBOARD_TZ", "Asia/Makassar")
        mp.setenv("DASHBOARD_TESTING", "1")
        at = AppTest.from_file(str(path), default_timeout=90)
        at.session_state["authentication_status"] = True
        at.session_state["username"] = f"u_{role}"
        at.run()
    assert not at.exception, f"{path.name} as {role}: {at.exception}"
    errors = "\n".join(e.value for e in at.error)
    allowed = role in roles.PERMISSIONS[expected_permission(path)]
    if allowed:
        assert FORBIDDEN not in errors, f"{path.name} refused {role}"
        drawn = len(at.main.children) + len(at.sidebar.children)
        assert drawn > 1
        assert at.sidebar.button  # the framework drew the sidebar (sign-out at least)
    else:
        assert FORBIDDEN in errors and f"({role})" in errors
        for kind in ("dataframe", "metric", "table", "vega_lite_chart", "arrow_vega_lite_chart"):
            assert not at.get(kind), f"{path.name} drew a {kind} for {role}"
        assert not at.sidebar.children or not at.sidebar.button  # no menu, no filters
        assert not at.button and not at.text_input and not at.number_input


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.name)
def test_signed_out_direct_open_shows_only_the_sign_in_form(store_home: Path, path: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DASHBOARD_HOME", str(store_home))
        mp.setenv("DASHBOARD_TESTING", "1")
        at = AppTest.from_file(str(path), default_timeout=90).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Nama pengguna / Username", "Kata sandi / Password"]
    for kind in ("dataframe", "metric", "table", "vega_lite_chart", "arrow_vega_lite_chart"):
        assert not at.get(kind)
    assert not at.sidebar.button
