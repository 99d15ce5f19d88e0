#!/usr/bin/python3
"""Opens a TR confirmation page (issue 10) in headless Chromium and checks it.

  tr_page_browser.py URL --screenshot PATH [--expect-device NAME] [--confirm]
                     [--expect TEXT]... [--reject TEXT]... [--answer-screenshot PATH]

Checks, in order:
  * the page loads; with --expect-device, its device field reads exactly NAME and it has
    the confirm button;
  * every --expect TEXT is on the page that is checked last (the answer after --confirm,
    else the page itself) and no --reject TEXT is on it;
  * no request left for another origin (Chromium's performance log of the whole visit,
    the favicon included) and no element of either page points elsewhere (src, href,
    srcset, action, data, poster);
then writes the screenshot of the page (and of the answer) as PNG. --confirm presses the
button and waits for the answer page.

Runs with Debian's python3 (/usr/bin/python3, where python3-selenium is installed).
Exit 0 when every check passed, 1 with "FAIL: why" when one failed, 77 with "SKIP: why"
when selenium, chromium or chromedriver is missing. Run it where the page's address is
the only reachable one (the tests use a network namespace with loopback only).
"""

import argparse
import json
import os
import shutil
import sys
import urllib.parse

SKIP = 77


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(SKIP)


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


try:
    from selenium import webdriver
    from selenium.common.exceptions import (NoSuchElementException, TimeoutException,
                                            WebDriverException)
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    skip("python3-selenium is not installed")


def find_program(names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def origin_of(url):
    parts = urllib.parse.urlsplit(url)
    return (parts.scheme, parts.hostname, parts.port)


def start_browser(args):
    chromium = find_program(["chromium", "chromium-browser", "google-chrome"])
    driver_path = find_program(["chromedriver"]) or (
        "/usr/bin/chromedriver" if os.access("/usr/bin/chromedriver", os.X_OK) else None)
    if not chromium:
        skip("chromium is not installed")
    if not driver_path:
        skip("chromedriver (chromium-driver) is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ["--headless=new", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={args.window_size}", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-default-apps", "--disable-sync", "--no-pings",
                 "--disable-domain-reliability", "--disable-client-side-phishing-detection",
                 "--disable-extensions", "--metrics-recording-only"]:
        options.add_argument(flag)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium refuses to run as root otherwise
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    try:
        return webdriver.Chrome(service=Service(driver_path), options=options)
    except Exception as e:  # a browser that cannot start is a failure, not a skip
        fail(f"cannot start headless chromium: {e}")


def requested_urls(driver):
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def check_requests(urls, origin):
    foreign = [u for u in urls if origin_of(u) != origin]
    if foreign:
        fail(f"requests to other origins: {foreign}")


def check_dom_references(driver, origin):
    for element in driver.find_elements(By.CSS_SELECTOR, "*"):
        for attribute in ("src", "href", "srcset", "action", "data", "poster"):
            value = element.get_attribute(attribute)
            if value and origin_of(urllib.parse.urljoin(driver.current_url, value)) != origin:
                fail(f"<{element.tag_name} {attribute}={value!r}> points to another origin")


def page_text(driver):
    return driver.find_element(By.TAG_NAME, "body").text


def check_texts(text, expect, reject):
    for wanted in expect:
        if wanted not in text:
            fail(f"{wanted!r} not on the page:\n{text}")
    for unwanted in reject:
        if unwanted in text:
            fail(f"{unwanted!r} is on the page:\n{text}")


def save_screenshot(driver, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if not driver.save_screenshot(path):
        fail(f"cannot write the screenshot {path}")


def visit(driver, args):
    origin = origin_of(args.url)
    driver.set_page_load_timeout(args.timeout)
    driver.get(args.url)
    WebDriverWait(driver, args.timeout).until(
        expected_conditions.presence_of_element_located((By.TAG_NAME, "h1")))
    if args.expect_device is not None:
        try:
            shown = driver.find_element(By.ID, "device").text
            button = driver.find_element(By.ID, "confirm")
        except NoSuchElementException:
            fail(f"no device field or no confirm button:\n{page_text(driver)}")
        if shown != args.expect_device:
            fail(f"device shown as {shown!r}, expected {args.expect_device!r}")
        if not button.is_displayed():
            fail("the confirm button is not visible")
    check_dom_references(driver, origin)
    save_screenshot(driver, args.screenshot)
    if args.confirm:
        try:
            button = driver.find_element(By.ID, "confirm")
        except NoSuchElementException:
            fail(f"no confirm button to press:\n{page_text(driver)}")
        button.click()
        WebDriverWait(driver, args.timeout).until(expected_conditions.staleness_of(button))
        WebDriverWait(driver, args.timeout).until(
            expected_conditions.presence_of_element_located((By.TAG_NAME, "h1")))
        check_dom_references(driver, origin)
        if args.answer_screenshot:
            save_screenshot(driver, args.answer_screenshot)
    check_texts(page_text(driver), args.expect, args.reject)
    check_requests(requested_urls(driver), origin)
    return driver.find_element(By.TAG_NAME, "h1").text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url")
    parser.add_argument("--screenshot", required=True, help="PNG of the page as opened")
    parser.add_argument("--expect-device", help="the device the page must name")
    parser.add_argument("--confirm", action="store_true", help="press the confirm button")
    parser.add_argument("--expect", action="append", default=[],
                        help="text on the last page (the answer with --confirm)")
    parser.add_argument("--reject", action="append", default=[],
                        help="text that must not be on the last page")
    parser.add_argument("--answer-screenshot", help="PNG of the answer after --confirm")
    parser.add_argument("--window-size", default="480,900", help="WIDTH,HEIGHT (a phone)")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per wait")
    args = parser.parse_args()

    driver = start_browser(args)
    try:
        title = visit(driver, args)
    except TimeoutException as e:
        # A page waiting on a foreign resource times out: name the resource if so.
        check_requests(requested_urls(driver), origin_of(args.url))
        fail(f"timed out after {args.timeout} s: {e.msg}")
    except WebDriverException as e:
        # The browser or its driver failed (a crashed renderer, say): one line that says
        # what, instead of the driver's stack trace.
        fail(f"browser error: {(e.msg or str(e)).splitlines()[0]}")
    finally:
        driver.quit()
    print(f"OK: {args.url.split('/tr/')[0]} page {title!r}, screenshot {args.screenshot}")


if __name__ == "__main__":
    main()
