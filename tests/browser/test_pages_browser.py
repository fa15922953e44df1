"""What only a browser shows: the pages really render, and the view lives in the URL.

Against a real `streamlit run` (tests/browser/conftest.py): sign in, open every page
the role may see, change a filter and watch the URL and the numbers change, open a
copied link and get the same view, switch language. Screenshots of every page go to
test-artifacts/screenshots/ and, for the README, to docs/screenshots/ (when missing, or
with DASHBOARD_UPDATE_SCREENSHOTS=1).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dashboard import ui
from dashboard.i18n import t
from tests.browser.conftest import PROJECT_ROOT, SCREENSHOTS, Server, login, wait_for_app

DOCS_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
# The README's copies change only on request (they hold the import time, so every run
# would otherwise leave the checkout dirty): DASHBOARD_UPDATE_SCREENSHOTS=1 make test.
UPDATE_DOCS = os.environ.get("DASHBOARD_UPDATE_SCREENSHOTS") == "1"
WHOLE = "?period=custom&start=2020-06-01&end=2020-06-10"


def _expect_tile(page: Page, label: str, value: str) -> None:
    """The tile labelled `label` shows `value`, waited for: after a filter changes, the
    URL changes first and the rerun's numbers follow (read at once, the old numbers
    were seen once in CI)."""
    metric = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    expect(metric.locator("[data-testid='stMetricValue']")).to_have_text(value)


def _menu_link(page: Page, label: str):
    """A sidebar menu link by its label (the link's text also holds the icon's name)."""
    return page.locator("[data-testid='stSidebar'] a").filter(
        has=page.get_by_text(label, exact=True)
    )


def _menu_labels(page: Page) -> set[str]:
    links = page.locator("[data-testid='stSidebar'] a")
    return {links.nth(i).inner_text().strip().split("\n")[-1] for i in range(links.count())}


def _no_exception(page: Page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0, page.url


def _choose(page: Page, label: str, option: str) -> None:
    """Pick `option` in the sidebar selectbox labelled `label` and wait for the rerun."""
    page.locator("[data-testid='stSidebar']").get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def test_every_page_renders_for_the_admin_with_screenshots(demo_server: Server, page: Page) -> None:
    name, password = demo_server.user("admin")
    login(page, name, password, demo_server.url)
    page.set_viewport_size({"width": 1440, "height": 1500})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shown = []
    for entry in ui.PAGES:
        if not (PROJECT_ROOT / entry.path).exists():
            continue
        _menu_link(page, t(f"page.{entry.key}", "id")).click()
        wait_for_app(page)
        slug = "" if entry.key == "overview" else Path(entry.path).stem
        expect(page).to_have_url(re.compile(rf"/{slug}(\?|$)"))
        _no_exception(page)
        if entry.key in ("overview", "throughput", "backlog"):
            title = t(f"page.{entry.key}", "id")
            expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
            # The demo data fills the charts of these pages.
            expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible()
        expect(page.get_by_text("DATA DEMO").first).to_be_visible()
        shot = SCREENSHOTS / f"{entry.key}.png"
        page.screenshot(path=str(shot))
        docs_copy = DOCS_SCREENSHOTS / f"{entry.key}.png"
        if UPDATE_DOCS or not docs_copy.exists():
            shutil.copyfile(shot, docs_copy)
        shown.append(entry.key)
    assert {"overview", "throughput", "backlog"} <= set(shown)


def test_a_filter_changes_the_url_and_the_numbers(server: Server, page: Page) -> None:
    name, password = server.user("head")
    login(page, name, password, server.url + "/" + WHOLE)
    # Hand-computed in tests/fixtures.py: 6 recorded against a cap of 77 in 06-01..06-10.
    _expect_tile(page, "Terekam / kuota", "6 / 77")
    assert "start=2020-06-01" in page.url

    _choose(page, "Kanal", "WhatsApp")
    expect(page).to_have_url(re.compile(r"channel=whatsapp"))
    assert "start=2020-06-01" in page.url  # the rest of the view stays
    _expect_tile(page, "Terekam / kuota", "2 / 77")
    _expect_tile(page, "Pangsa WhatsApp", "100,0%")

    # The menu carries the view to the next page.
    _menu_link(page, "Perekaman harian").click()
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"/throughput\?.*channel=whatsapp"))
    _expect_tile(page, "Terekam", "2")

    # A copied link opens the same view in a new tab (signed in by the cookie).
    copied = page.url
    other = page.context.new_page()
    other.goto(copied)
    wait_for_app(other)
    other.locator("[data-testid='stMetric']").first.wait_for(timeout=30_000)
    _expect_tile(other, "Terekam", "2")
    combobox = other.locator("[data-testid='stSidebar']").get_by_role("combobox", name="Kanal")
    expect(combobox).to_have_value("WhatsApp")
    other.close()


def test_english_is_one_click_away_and_kept_in_the_url(server: Server, page: Page) -> None:
    name, password = server.user("staff")
    login(page, name, password, server.url + "/" + WHOLE)
    page.locator("[data-testid='stSidebar']").get_by_role("radio", name="English").click()
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"lang=en"))
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    _expect_tile(page, "Recorded / cap", "6 / 77")
    _expect_tile(page, "Turned away at screening", "14.3%")
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible(timeout=30_000)


@pytest.mark.parametrize("role", ["head", "staff"])
def test_the_menu_shows_only_the_roles_pages(server: Server, page: Page, role: str) -> None:
    name, password = server.user(role)
    login(page, name, password, server.url)
    texts = _menu_labels(page)
    assert "Ringkasan" in texts and "Antrean" in texts
    assert ("Kuota harian" in texts) == (role == "staff")
    assert "Administrasi" not in texts


def test_artifacts_folder_is_git_ignored() -> None:
    ignored = (PROJECT_ROOT / ".gitignore").read_text()
    assert "test-artifacts/" in ignored
    assert isinstance(SCREENSHOTS, Path)
