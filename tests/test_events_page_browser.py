"""The events page in headless Chromium: an event appears, then its source count rises without a reload.

The screenshot goes to the test's temporary folder; with ``TALKWIRE_UPDATE_SCREENSHOTS=1`` it also
replaces ``docs/screenshots/events-page.png`` (the README's picture).
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
from selenium.webdriver.support.ui import WebDriverWait
from test_web import EXAMPLES, SEED_PATH, base_url, http_get, seed_report, wait_until

from talkwire.settings import Settings

pytestmark = pytest.mark.kafka

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOT = Path(__file__).parent.parent / "docs" / "screenshots" / "events-page.png"
WINDOW = (1280, 1800)


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
    wait.until(lambda d: int(d.find_element(By.ID, "count-reports").text) >= len(others) + 2)
    cards = browser.find_elements(By.CSS_SELECTOR, "article.event")
    assert len(cards) >= 3 and browser.find_element(By.ID, "count-events").text == str(len(cards))
    shot = tmp_path / "events-page.png"
    assert browser.save_screenshot(str(shot))
    if os.environ.get("TALKWIRE_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
