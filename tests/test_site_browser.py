"""The course site in a real browser: the site that tests/test_site.py builds (once per run), served on the loopback
interface, opened in headless Debian chromium through selenium (chromium-driver from Debian; nothing downloads a browser
or a driver, and chromium resolves no host but 127.0.0.1). On the front page and two notebook pages: every image
decodes, MathJax (bundled with the site) typesets every equation with no error and no raw `$$` is left, every resource
comes from the site itself; a page with exercises has its solutions as collapsed toggles that open on a click.
Screenshots are saved in tests/artifacts/ (or in $MART_NB_ARTIFACTS). Skipped, with the reason, where chromium, its
driver or selenium is absent."""
import contextlib, functools, os, threading, time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ('index', '04a_masking', '05_train')          # the front page, a page with exercises, the training page

from browser_support import ARTIFACTS, headless_chromium as _chromium, require_browser, wait
webdriver = require_browser()
from selenium.webdriver.common.by import By

from test_site import built_site                      # noqa: F401  (the fixture: the site, built once per run)


def _wait(check, timeout: float, what: str, every: float = 0.25): return wait(check, timeout, what, every)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args): pass


@contextlib.contextmanager
def serve(folder: Path):
    "A static file server for `folder` on 127.0.0.1 (a thread); yields its base URL."
    server = ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try: yield f'http://127.0.0.1:{server.server_address[1]}'
    finally:
        server.shutdown(); server.server_close(); thread.join(10)


def headless_chromium(profile: Path):
    "Headless chromium that resolves no host but the loopback one (no downloads, no CDN)."
    return _chromium(profile, ('--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',), script_timeout=60)


MATHJAX_DONE = """
const done = arguments[arguments.length - 1];
const wait = () => (window.MathJax && MathJax.startup && MathJax.startup.promise)
    ? MathJax.startup.promise.then(() => done('typeset'), e => done('error: ' + e)) : setTimeout(wait, 100);
wait();"""

PAGE_STATE = """
const imgs = [...document.images].map(i => ({src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth}));
const visible = document.querySelector('article').innerText;
return {imgs: imgs,
        math: document.querySelectorAll('.math').length,
        typeset: document.querySelectorAll('.math mjx-container').length,
        errors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
        raw_display: visible.includes('$$'),
        resources: performance.getEntriesByType('resource').map(e => e.name)};"""


def _check_page(driver, base: str, stem: str) -> dict:
    "Open a page; wait for MathJax and the images; check figures, equations and where every resource came from."
    driver.get(f'{base}/{stem}.html')
    _wait(lambda: driver.execute_script('return document.readyState') == 'complete', 30, f'{stem} to load')
    assert driver.execute_async_script(MATHJAX_DONE) == 'typeset', stem
    state = _wait(lambda: (s := driver.execute_script(PAGE_STATE)) and all(i['complete'] for i in s['imgs']) and s,
                  30, f'the images of {stem} to load')
    broken = [i['src'] for i in state['imgs'] if i['width'] == 0]
    assert not broken, f'{stem}: images that did not load: {broken}'
    assert stem == 'index' or len(state['imgs']) >= 3, f"{stem}: {len(state['imgs'])} images"   # its figures
    assert state['math'] > 0 and state['typeset'] == state['math'], f"{stem}: {state['typeset']} of {state['math']} equations typeset"
    assert state['errors'] == 0, f"{stem}: {state['errors']} MathJax errors"
    assert not state['raw_display'], f'{stem}: raw $$ in the visible text'
    remote = [r for r in state['resources'] if not r.startswith(base)]
    assert not remote, f'{stem}: resources from outside the site: {remote}'
    assert any('/_static/mathjax/' in r for r in state['resources']), f'{stem}: MathJax did not come from the site'
    driver.save_screenshot(str(ARTIFACTS / f'site_{stem}.png'))
    return state


def test_site_pages_in_chromium(built_site, tmp_path):
    "Front page and two notebook pages in headless chromium: figures load, equations typeset, solutions collapsed."
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(built_site) as base, headless_chromium(tmp_path / 'chromium') as driver:
        states = {stem: _check_page(driver, base, stem) for stem in PAGES}
        # 04a_masking has exercises: each solution is a closed toggle whose code is hidden until it is opened
        driver.get(f'{base}/04a_masking.html')
        toggles = driver.find_elements(By.CSS_SELECTOR, '.tag_solution > details')
        assert len(toggles) >= 2 and not any(t.get_attribute('open') for t in toggles)
        first = toggles[0]
        code = first.find_element(By.CSS_SELECTOR, '.cell_input')
        assert not code.is_displayed() and 'Show solution' in first.text
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", first)
        first.find_element(By.TAG_NAME, 'summary').click()
        _wait(lambda: first.get_attribute('open') is not None and code.is_displayed(), 10, 'the solution to open')
        assert 'Hide solution' in first.text
        driver.save_screenshot(str(ARTIFACTS / 'site_solution_open.png'))
    print('browser check: ' + '; '.join(f"{s}: {len(v['imgs'])} images, {v['typeset']} equations"
                                        for s, v in states.items()) + f'; screenshots in {ARTIFACTS}')
