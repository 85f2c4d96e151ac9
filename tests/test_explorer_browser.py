"""The explorer in a real browser: JupyterLab on the loopback interface, the explorer notebook opened in headless
Debian chromium through selenium (chromium-driver from Debian; nothing downloads a browser or a driver), every cell
run, the widgets rendered, a move of the segment slider redrawing the picture. Screenshots are saved in
tests/artifacts/ (or in $MART_NB_ARTIFACTS). Skipped, with the reason, where chromium, its driver or selenium is absent."""
import contextlib, io, json, os, secrets, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / 'nbs' / '07_explorer.ipynb'
JUPYTER = Path(sys.executable).parent / 'jupyter'          # the environment's own JupyterLab

from browser_support import ARTIFACTS, headless_chromium, require_browser, wait as _wait
webdriver = require_browser()
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

LAB_CONFIG = {'LabApp': {'expose_app_in_browser': True,                          # window.jupyterapp: run cells, read state
                         'news_url': None, 'check_for_updates_class': 'jupyterlab.NeverCheckForUpdate',   # no network:
                         'extension_manager': 'readonly'}}                   # no news, no update check, no PyPI queries
USER_SETTINGS = {'@jupyterlab/apputils-extension/notification': {'fetchNews': 'false', 'checkForUpdates': False},
                 '@jupyterlab/notebook-extension/tracker': {'windowingMode': 'none'}}   # every cell in the DOM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def _jupyter_env(home: Path) -> dict:
    "Environment of a JupyterLab isolated in `home`: its own config, settings, runtime and IPython folders."
    cfg = home / 'config'
    (cfg / 'jupyter_lab_config.json').parent.mkdir(parents=True)
    (cfg / 'jupyter_lab_config.json').write_text(json.dumps(LAB_CONFIG))
    for name, value in USER_SETTINGS.items():
        f = cfg / 'lab' / 'user-settings' / f'{name}.jupyterlab-settings'
        f.parent.mkdir(parents=True, exist_ok=True); f.write_text(json.dumps(value))
    return {**os.environ, 'JUPYTER_CONFIG_DIR': str(cfg), 'JUPYTER_RUNTIME_DIR': str(home / 'runtime'),
            'IPYTHONDIR': str(home / 'ipython'), 'SE_OFFLINE': 'true'}


def _get(url: str, token: str, method: str = 'GET', timeout: float = 5):
    req = urllib.request.Request(url, method=method, headers={'Authorization': f'token {token}'})
    with urllib.request.urlopen(req, timeout=timeout) as r: return r.status


@contextlib.contextmanager
def jupyter_lab(root_dir: Path, home: Path, log: Path):
    "A JupyterLab server on 127.0.0.1 serving `root_dir`; yields (base url, token); shut down (kernels too) on exit."
    token, port = secrets.token_hex(16), _free_port()
    cmd = [str(JUPYTER), 'lab', '--no-browser', f'--IdentityProvider.token={token}', f'--port={port}', '--ServerApp.ip=127.0.0.1',
           f'--ServerApp.root_dir={root_dir}', '--ServerApp.port_retries=0'] + (['--allow-root'] if os.geteuid() == 0 else [])   # CI containers run as root
    base = f'http://127.0.0.1:{port}'
    with open(log, 'w') as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=_jupyter_env(home), cwd=root_dir)
    try:
        def answers():
            if proc.poll() is not None: raise AssertionError(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(OSError): return _get(f'{base}/api/status', token) == 200
        _wait(answers, 120, 'jupyter lab to answer on the loopback interface')
        yield base, token
    finally:
        with contextlib.suppress(OSError): _get(f'{base}/api/shutdown', token, 'POST')   # stops the kernels, then the server
        try: proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try: proc.wait(timeout=10)
            except subprocess.TimeoutExpired: proc.kill(); proc.wait()


KERNEL_STATUS = """
const app = window.jupyterapp, w = app && app.shell.currentWidget;
if (!w || !w.sessionContext || !w.context || !w.context.isReady) return 'no notebook yet';
const k = w.sessionContext.session && w.sessionContext.session.kernel;
return k ? k.status : 'no kernel yet';"""

RUN_STATE = """
const w = window.jupyterapp.shell.currentWidget, code = w.content.widgets.filter(c => c.model.type === 'code');
const errors = [];
for (const c of code) for (const o of c.model.outputs.toJSON()) if (o.output_type === 'error') errors.push(o.ename + ': ' + o.evalue);
const ran = code.filter(c => c.model.executionCount !== null).length;
return {ran: ran, cells: code.length, errors: errors, status: w.sessionContext.session.kernel.status};"""


def _run_all(driver, timeout: float = 420):
    "Run every cell of the open notebook; fail with the first error output if a cell fails."
    _wait(lambda: driver.execute_script(KERNEL_STATUS) == 'idle', 180, 'the notebook to open and its kernel to start')
    driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells');")
    def finished():
        s = driver.execute_script(RUN_STATE)
        if s['errors']: raise AssertionError(f"a notebook cell failed in the browser: {s['errors'][0]}")
        return s if s['ran'] == s['cells'] and s['status'] == 'idle' else None
    return _wait(finished, timeout, 'every cell to run', every=1)


def _plot_src(driver):
    "The explorer plot's image source, read inside the page in one step."
    # the widget replaces its <img> when it redraws: an element found first and read after may be gone (stale)
    return driver.execute_script("const i = document.querySelector('.mart-explorer .mart-plot img'); "
                                 "return i ? i.getAttribute('src') : null;")


def _pixels(png: bytes):
    from PIL import Image
    import numpy as np
    return np.asarray(Image.open(io.BytesIO(png)).convert('RGB'))


def _notebook_copy(dst: Path) -> Path:
    "The explorer notebook without its last cell (`nbdev_export`, a build step that belongs to the repository, not to a copy)."
    nb = json.loads(NOTEBOOK.read_text())
    nb['cells'] = [c for c in nb['cells'] if 'nbdev_export()' not in ''.join(c['source'])]
    out = dst / NOTEBOOK.name
    out.write_text(json.dumps(nb))
    return out


def test_explorer_renders_and_redraws_in_chromium(tmp_path):
    "Run the explorer notebook in JupyterLab in headless chromium: its widgets render, a segment slider move changes the plot."
    (tmp_path / 'nbs').mkdir(); ARTIFACTS.mkdir(parents=True, exist_ok=True)
    nb = _notebook_copy(tmp_path / 'nbs')
    t0 = time.monotonic()
    with jupyter_lab(tmp_path / 'nbs', tmp_path / 'jupyter', ARTIFACTS / 'jupyterlab.log') as (base, token), \
         headless_chromium(tmp_path / 'chromium') as driver:
        driver.get(f'{base}/lab/tree/{nb.name}?token={token}')
        state = _run_all(driver)
        ran_s = time.monotonic() - t0
        box = _wait(lambda: driver.find_elements(By.CSS_SELECTOR, '.mart-explorer'), 60, 'the explorer widget to render')[0]
        handle = _wait(lambda: box.find_elements(By.CSS_SELECTOR, '.mart-segment .noUi-handle'), 30, 'the segment slider')[0]
        readout = box.find_element(By.CSS_SELECTOR, '.mart-segment .widget-readout')
        before = _wait(lambda: _plot_src(driver), 60, 'the explorer plot image')
        assert before.startswith('data:image/png;base64,'), before[:60]
        assert readout.text.strip() == '3', readout.text
        driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", box)
        shot_before = box.screenshot_as_png
        driver.save_screenshot(str(ARTIFACTS / 'explorer_page.png'))
        driver.execute_script("arguments[0].focus();", handle)
        handle.send_keys(Keys.ARROW_RIGHT)                                            # segment 3 -> 4
        _wait(lambda: readout.text.strip() == '4', 30, 'the slider readout to show segment 4')
        after = _wait(lambda: (s := _plot_src(driver)) and s != before and s, 120, 'the plot to change after the slider move')
        time.sleep(0.5)                                                               # let the new image paint
        shot_after = box.screenshot_as_png
        (ARTIFACTS / 'explorer_before.png').write_bytes(shot_before)
        (ARTIFACTS / 'explorer_after.png').write_bytes(shot_after)
        import base64
        plot_before, plot_after = (_pixels(base64.b64decode(s.split(',', 1)[1])) for s in (before, after))
        assert plot_before.shape == plot_after.shape and (plot_before != plot_after).any()
        a, b = _pixels(shot_before), _pixels(shot_after)
        assert a.shape == b.shape and (a != b).any(), "the widget's screenshot did not change after the slider move"
        print(f"browser check: {state['cells']} cells ran in {ran_s:.0f} s; the plot changed after the slider move; "
              f"screenshots in {ARTIFACTS}")
