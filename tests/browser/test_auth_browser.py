"""What only a browser shows about sign-in: the cookie, sign-out, direct URLs on a fresh
server, and a capacity change reaching another page.

Uses the harness of tests/browser/conftest.py (a real `streamlit run app.py` per
server, Debian Chromium).
"""

from __future__ import annotations

from pathlib import Path

from dashboard import auth
from tests.browser.conftest import PROJECT_ROOT, login, wait_for_app

PAGE_PATHS = ["/"] + [f"/{p.stem}" for p in sorted((PROJECT_ROOT / "pages").glob("*.py"))]
DATA_TEST_IDS = ("stDataFrame", "stVegaLiteChart", "stMetric", "stTable", "stDownloadButton")


def _wait_for_cookie(context, timeout_s: float = 15) -> dict:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for cookie in context.cookies():
            if cookie["name"] == auth.COOKIE_NAME:
                return cookie
        time.sleep(0.2)
    raise AssertionError("the sign-in cookie was never set")


def _signed_out(page) -> None:
    """The page shows the sign-in form and nothing of the data or the menu."""
    page.locator("input[type='password']").wait_for(timeout=30_000)
    wait_for_app(page)
    for test_id in DATA_TEST_IDS:
        assert page.locator(f"[data-testid='{test_id}']").count() == 0, test_id
    assert page.locator("[data-testid='stSidebar'] a").count() == 0  # no menu links


def test_sign_in_survives_a_reload_and_sign_out_sticks(make_server, page, browser) -> None:
    server = make_server("fixture")
    name, password = server.user("staff")
    login(page, name, password, server.url)
    cookie = _wait_for_cookie(page.context)
    assert cookie["sameSite"] == "Strict"

    page.reload()
    wait_for_app(page)
    page.locator("[data-testid='stSidebar']").get_by_text(name).wait_for(timeout=30_000)
    assert page.locator("input[type='password']").count() == 0

    copied = page.context.cookies()  # what someone could have copied before sign-out
    page.locator("[data-testid='stSidebar']").get_by_role("button", name="Keluar").click()
    _signed_out(page)
    page.get_by_text("Anda telah keluar").wait_for(timeout=10_000)
    page.reload()
    _signed_out(page)

    # The copied cookie is refused on the server even though it has not expired.
    other = browser.new_context()
    try:
        other.add_cookies(copied)
        stolen = other.new_page()
        stolen.goto(server.url)
        _signed_out(stolen)
    finally:
        other.close()


def test_direct_urls_on_a_fresh_server_show_only_the_sign_in_form(make_server, page) -> None:
    server = make_server("fixture")
    # Nobody has loaded "/" on this server: open every page directly, the home page last.
    for path in [*PAGE_PATHS[1:], "/"]:
        page.goto(server.url + path)
        _signed_out(page)
        body = page.locator("[data-testid='stMain']").inner_text()
        assert "Masuk ke dasbor" in body, path


def test_wrong_password_then_lock_out_in_the_browser(make_server, page) -> None:
    server = make_server("fixture")
    name, password = server.user("head")
    log = Path(server.home) / "logs" / "login_failures.jsonl"

    def logged() -> int:
        return len(log.read_text().splitlines()) if log.exists() else 0

    def attempt(secret: str) -> None:
        before = logged()
        page.locator("input[type='text']").first.fill(name)
        page.locator("input[type='password']").fill(secret)
        page.get_by_role("button", name="Masuk / Sign in").click()
        # The server's log is the truth: wait until it holds this attempt.
        page.wait_for_function("() => true")  # yield to the page once
        for _ in range(150):
            if logged() > before:
                break
            page.wait_for_timeout(200)
        wait_for_app(page)

    page.goto(server.url)
    page.locator("input[type='password']").wait_for(timeout=30_000)
    for _ in range(auth.MAX_FAILURES):
        attempt("not-the-password")
    page.get_by_text("kata sandi salah").wait_for(timeout=30_000)
    attempt(password)  # the right password, refused during the lock-out
    page.get_by_text("Terlalu banyak percobaan").wait_for(timeout=30_000)
    _signed_out(page)
    events = [line.split('"event": ')[1] for line in log.read_text().splitlines()]
    assert events == ['"failure"}'] * auth.MAX_FAILURES + ['"locked"}']
    assert '"client": ' in log.read_text()  # None from localhost is logged as "unknown"


def _at_cap_tile(page) -> str:
    tile = page.locator("[data-testid='stMetric']").filter(has_text="Hari mencapai kuota")
    return tile.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_staff_changes_the_cap_and_throughput_shows_it(make_server, page) -> None:
    server = make_server("fixture")
    name, password = server.user("staff")
    login(page, name, password, server.url)
    _wait_for_cookie(page.context)  # each goto below is a new session, signed in by it

    page.goto(server.url + "/throughput")
    wait_for_app(page)
    # Fixture, 12 May - 10 Jun 2020: no open day reaches its cap (at most 2 recorded).
    assert _at_cap_tile(page).startswith("0 /")
    open_days = int(_at_cap_tile(page).split("/")[1])

    page.goto(server.url + "/capacity")
    wait_for_app(page)
    page.get_by_role("tab", name="Tanggal tertentu").click()
    form = page.locator("[data-testid='stForm']").filter(has_text="Dari tanggal")
    # A react-aria date field: day, month and year segments; typing moves along them.
    form.get_by_role("spinbutton", name="day, Dari tanggal").click()
    page.keyboard.type("08062020")
    page.keyboard.press("Escape")
    cap = form.locator("input[type='number']")
    cap.fill("2")
    form.get_by_role("textbox", name="Alasan (wajib)").fill("only one desk on 8 June")
    form.get_by_role("button", name="Simpan").click()
    page.get_by_text("Tersimpan").wait_for(timeout=30_000)
    wait_for_app(page)

    page.goto(server.url + "/throughput")
    wait_for_app(page)
    # 8 Jun 2020 recorded 2 (A04b, A09), now with a cap of 2: one day at the cap.
    assert _at_cap_tile(page) == f"1 / {open_days}"
