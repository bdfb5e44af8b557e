"""The events page in headless Chromium, on the demo data (``examples/``): an event appears, its
source count rises without a reload, the filters and permalinks work, and nothing overflows at
1280 px nor on a phone (390 px).

The run regenerates the README's pictures, ``docs/screenshots/events-page.png`` (1280 px) and
``events-page-phone.png`` (390 px).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka_helpers import produce
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from web_helpers import EXAMPLES, SEED_PATH, base_url, http_get, seed_report, wait_until
from repo_paths import ROOT

from talkwire.settings import Settings

pytestmark = pytest.mark.kafka

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = ROOT / "docs" / "screenshots"
WINDOW = (1280, 1800)
PHONE = (390, 844)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        message = "chromium and chromium-driver are not installed: run scripts/install-system-deps.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     f"--user-data-dir={tmp_path / 'chromium-profile'}", f"--window-size={WINDOW[0]},{WINDOW[1]}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def seed_card(driver: webdriver.Chrome) -> dict | None:
    """What the card listing the seed dispatch shows, read in one script (the page re-renders on changes)."""
    return driver.execute_script(
        """const card = document.querySelector(`li.report[data-article-id='${arguments[0]}']`)?.closest('article.event');
           if (!card) return null;
           return {event_id: card.dataset.eventId,
                   sources: Number(card.querySelector('.sources-count').textContent),
                   badge: card.querySelector('.badge').textContent,
                   parties: [...card.querySelectorAll('.parties .party')].map(p => p.title),
                   timeline: card.querySelector('.timeline').textContent};""",
        SEED_PATH.stem,
    )


DEMO_DISTRACTORS = 3  # examples/articles.jsonl: rouble sanctions, the EU application, Macron's candidacy (tests/data/README.md)


def test_event_appears_and_its_source_count_rises_live(stream_settings: Settings, start_worker, browser,
                                                       tmp_path: Path) -> None:
    settings = stream_settings
    worker = start_worker()
    wait_until(lambda: http_get(f"{base_url(settings)}/")[0] == 200, timeout_s=120, what="the worker's web server",
               explain=worker.log_tail)
    browser.get(f"{base_url(settings)}/")
    wait = WebDriverWait(browser, 180, poll_frequency=0.5, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "live")
    assert browser.find_element(By.ID, "empty").is_displayed()
    browser.execute_script("window.loadedOnce = true;")  # gone if the page reloads

    produce(settings, settings.topic_raw, [(SEED_PATH.stem, SEED_PATH.read_bytes())])
    card = wait.until(seed_card)
    assert worker.alive(), worker.log_tail()
    assert card["sources"] == 1 and card["badge"].lower() == "negotiation round"
    assert set(card["parties"]) == {"RU", "UA"}

    others = [(line.split(b'"id": "')[1].split(b'"')[0].decode(), line)
              for line in (EXAMPLES / "articles.jsonl").read_bytes().splitlines() if line.strip()]
    produce(settings, settings.topic_raw, [("seed-wire-copy", seed_report("seed-wire-copy", "Le Courrier")), *others])
    grown = wait.until(lambda d: (c := seed_card(d)) is not None and c["sources"] >= 2 and c)
    assert grown["event_id"] == card["event_id"]
    assert browser.execute_script("return window.loadedOnce === true;"), "the page reloaded"
    assert "copy of" in grown["timeline"]

    # Let the example articles settle into their events, then keep a picture of the page.
    # (the demo sample's three unrelated articles report no event, so they are on no card)
    wait.until(lambda d: int(d.find_element(By.ID, "count-reports").text) >= len(others) + 2 - DEMO_DISTRACTORS)
    cards = browser.find_elements(By.CSS_SELECTOR, "article.event")
    assert len(cards) >= 3 and browser.find_element(By.ID, "count-events").text == str(len(cards))
    assert overflow(browser) == [], "wider than the window at 1280 px"
    screenshot(browser, tmp_path, "events-page.png")

    check_filters(browser, wait, card["event_id"], len(cards))
    check_permalink(browser, wait, card["event_id"])

    # A phone's viewport (its scrollbars overlay the page), as Chromium's device mode sets it.
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 2, "mobile": True})
    browser.get(f"{base_url(settings)}/")
    wait.until(lambda d: len(shown_ids(d)) == len(cards))
    assert browser.execute_script("return document.documentElement.clientWidth") == PHONE[0]
    assert overflow(browser) == [], "wider than a 390 px phone"
    screenshot(browser, tmp_path, "events-page-phone.png")


def shown_ids(driver: webdriver.Chrome) -> list[str]:
    return driver.execute_script("return [...document.querySelectorAll('article.event')].map(c => c.dataset.eventId);")


def overflow(driver: webdriver.Chrome) -> list[str]:
    """What sticks out to the right of the viewport (the page scrolls sideways), by tag and class."""
    return driver.execute_script(
        """const width = document.documentElement.clientWidth;
           const wide = [...document.querySelectorAll('body *')]
             .filter(e => e.getBoundingClientRect().right > width + 0.5 && e.getClientRects().length)
             .map(e => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)} px)`);
           if (document.documentElement.scrollWidth > width) wide.push(`page ${document.documentElement.scrollWidth} px`);
           return wide;""")


def screenshot(driver: webdriver.Chrome, tmp_path: Path, name: str) -> None:
    """Into the test's folder and over the README's picture."""
    shot = tmp_path / name
    assert driver.save_screenshot(str(shot))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, SCREENSHOTS / name)


def check_filters(driver: webdriver.Chrome, wait: WebDriverWait, seed_id: str, total: int) -> None:
    """Each filter narrows the cards to the matching events and is written into the URL."""
    parties = Select(driver.find_element(By.ID, "filter-party"))
    assert {"RU", "UA"} <= {o.get_attribute("value") for o in parties.options}
    parties.select_by_value("UA")
    matching = wait.until(lambda d: (ids := shown_ids(d)) and len(ids) < total and ids)
    assert seed_id in matching and "party=UA" in driver.current_url
    assert all("UA" in p for p in driver.execute_script(
        "return [...document.querySelectorAll('article.event')].map(c => "
        "[...c.querySelectorAll('.parties .party')].map(p => p.title));"))
    parties.select_by_value("")

    Select(driver.find_element(By.ID, "filter-type")).select_by_value("negotiation_round")
    assert seed_id in wait.until(lambda d: (ids := shown_ids(d)) and len(ids) < total and ids)
    Select(driver.find_element(By.ID, "filter-type")).select_by_value("")

    search = driver.find_element(By.ID, "filter-q")
    search.send_keys("no such words anywhere")
    wait.until(lambda d: not shown_ids(d) and d.find_element(By.ID, "no-match").is_displayed())
    search.clear()
    search.send_keys("COURRIER")  # the wire copy's outlet, case folded
    found = wait.until(lambda d: (ids := shown_ids(d)) and len(ids) < total and ids)
    assert seed_id in found
    assert all("courrier" in text.lower() for text in driver.execute_script(
        "return [...document.querySelectorAll('article.event')].map(c => c.textContent);"))

    driver.find_element(By.ID, "filter-clear").click()
    wait.until(lambda d: len(shown_ids(d)) == total)
    # a date range from the URL: the seed's talks were in March 2022 (dated by month)
    driver.get(driver.current_url.split("?")[0].split("#")[0] + "?from=2022-03-01&to=2022-03-31")
    in_march = wait.until(lambda d: (ids := shown_ids(d)) and ids)
    assert seed_id in in_march and driver.find_element(By.ID, "filter-from").get_attribute("value") == "2022-03-01"
    driver.get(driver.current_url.split("?")[0] + "?from=2030-01-01")
    wait.until(lambda d: d.find_element(By.ID, "no-match").is_displayed())


def check_permalink(driver: webdriver.Chrome, wait: WebDriverWait, event_id: str) -> None:
    """A card's link opens the page on that event, highlighted."""
    driver.get(driver.current_url.split("?")[0])
    link = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f"article[data-event-id='{event_id}'] a.permalink"))
    href = link.get_attribute("href")
    assert href.endswith(f"#event={event_id}")
    driver.get("about:blank")
    driver.get(href)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"article.linked[data-event-id='{event_id}']"))
