"""What the browser tests share (tests/test_explorer_browser.py, tests/test_site_browser.py): Debian's chromium and its
driver, the artifacts folder, the skip when either or selenium is absent, a polling wait, a headless chromium that
downloads nothing (the explicit driver path keeps Selenium Manager out; SE_OFFLINE as well)."""
import contextlib, os, time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = Path('/usr/bin/chromium'), Path('/usr/bin/chromedriver')
ARTIFACTS = Path(os.environ.get('MART_NB_ARTIFACTS') or ROOT / 'tests' / 'artifacts')


def require_browser():
    "Skip the calling test module, with the reason, unless chromium, chromium-driver and selenium are here; selenium's webdriver."
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip(f"the browser check needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}); "
                    "install them with `apt-get install -y --no-install-recommends chromium chromium-driver`",
                    allow_module_level=True)
    webdriver = pytest.importorskip('selenium.webdriver', reason="the browser check needs selenium (pip install selenium)")
    os.environ.setdefault('SE_OFFLINE', 'true')            # Selenium Manager must not look for a driver online
    return webdriver


def wait(check, timeout: float, what: str, every: float = 0.5):
    "Poll `check()` until it returns something truthy; fail naming `what` after `timeout` seconds."
    end, last = time.monotonic() + timeout, None
    while time.monotonic() < end:
        last = check()
        if last: return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last state: {last!r})")


@contextlib.contextmanager
def headless_chromium(profile: Path, extra_args=(), script_timeout: float = 30):
    "Debian's chromium under its Debian driver, headless, its profile in `profile`, with `extra_args`."
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync',
                f'--user-data-dir={profile}', '--window-size=1400,1700', '--force-device-scale-factor=1', *extra_args):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=opts)
    try:
        driver.set_script_timeout(script_timeout)
        yield driver
    finally: driver.quit()
