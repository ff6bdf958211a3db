"""The browser tier's kit: Debian's Chromium driven by Playwright (one per test module), a page signed in
through the test provider, axe-core's check and the README's screenshots. Its fixtures are registered by
this folder's conftest."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from dev_sign_in import Person
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from portal_stack import Stack

CHROMIUM = os.environ.get("REFORM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = Axe()  # axe-core's axe.min.js, from the axe-playwright-python wheel: no network
WAIT_MS = 20_000
"""How long an action or an `expect` waits for the page: the suite's workers share two cores with Chromium and
every server, so a page that answers in 100 ms alone may take seconds (Playwright's `expect` waits 5 s)."""
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def signed_in(browser: Browser, stack: Stack) -> Iterator[Callable[[Person], Page]]:
    contexts = []

    def open_as(account: Person) -> Page:
        context = browser.new_context(base_url=stack.portal.url, locale="vi-VN")
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/dang-nhap"))
        page.get_by_role("button", name="Đăng nhập bằng tài khoản cán bộ").click()
        page.get_by_role("button", name=account.name).click()  # the test provider's page
        expect(page.get_by_role("heading", name="Việc cần làm")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()


NAVIGATING = ("documentElement", "Execution context was destroyed", "navigat", "axe is not defined")
"""What axe's `page.evaluate` says when a navigation replaced the document under it (a click's, which Playwright
does not wait for): its script had no document yet, or was injected into the page just left."""


def no_violations(page: Page) -> None:
    """axe-core's check of the page once loaded; a navigation still in flight is waited for and checked again."""
    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            results = AXE.run(page)
            break
        except PlaywrightError as error:
            if attempt == 2 or not any(sign in error.message for sign in NAVIGATING):
                raise
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def shot(page: Page, name: str) -> None:
    """With REFORM_PORTAL_SCREENSHOTS=<dir>, keep a full-page screenshot of what the user sees."""
    folder = os.environ.get("REFORM_PORTAL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def press_tab_until(page: Page, selector: str, limit: int = 150) -> None:
    """Tab through the page until `selector` has the focus, as a keyboard user would (on the page that an
    Enter pressed before may still be loading: it waits for the element first)."""
    page.wait_for_selector(selector, state="attached")
    page.wait_for_load_state()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            assert focus_is_visible(page), f"{selector} has the focus but no visible focus ring"
            return
    raise AssertionError(f"{selector} never got the focus by Tab")


def focus_is_visible(page: Page) -> bool:
    """WCAG 2.4.7: the element with the keyboard's focus shows it (an outline or a ring, not the browser's none)."""
    return bool(page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
    }"""))
