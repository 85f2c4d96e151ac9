"""One pytest case per notebook, executed by nbdev's own runner (`nbdev.test.test_nb`) with the project's
test flags: cells marked `#| slow` or `#| gpu` (settings.ini `tst_flags`) are skipped unless named in
the environment variable MART_NB_FLAGS, e.g. `MART_NB_FLAGS=slow pytest tests -k 03a`."""
import os
from pathlib import Path

import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / 'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.')))
SKIP_FLAGS = get_config(path=ROOT).tst_flags.split()
FORCE_FLAGS = os.environ.get('MART_NB_FLAGS', '').split()


@pytest.mark.parametrize('notebook', NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(notebook):
    ok, seconds = run_notebook(notebook, skip_flags=SKIP_FLAGS, force_flags=FORCE_FLAGS, showerr=True, basepath=ROOT)
    assert ok, f"{notebook.name} failed after {seconds:.1f}s; its traceback is printed above"


def test_committed_outputs():
    "The outputs committed in the notebooks were made from their current sources (tests/notebook_outputs.py)."
    import importlib.util
    spec = importlib.util.spec_from_file_location('notebook_outputs', ROOT / 'tests' / 'notebook_outputs.py')
    outputs = importlib.util.module_from_spec(spec); spec.loader.exec_module(outputs)
    problems = outputs.check()
    assert not problems, "regenerate with `python tests/notebook_outputs.py`:\n" + '\n'.join(problems)


def test_machine_paths_are_found(tmp_path):
    "The check of stored outputs finds one machine's absolute paths and lets relative ones through."
    import importlib.util, json
    spec = importlib.util.spec_from_file_location('notebook_outputs', ROOT / 'tests' / 'notebook_outputs.py')
    outputs = importlib.util.module_from_spec(spec); spec.loader.exec_module(outputs)
    nb = {'cells': [{'cell_type': 'code', 'source': [], 'outputs': [
        {'output_type': 'stream', 'name': 'stdout', 'text': ['wrote runs/sample/final.json and <tmp>/a.csv\n']},
        {'output_type': 'execute_result', 'data': {'text/plain': ["Error('/tmp/mart_nb_x1/clip.mp4: not found')"]}},
        {'output_type': 'stream', 'name': 'stdout', 'text': ['root /home/someone/mart_nb/data_samples\n']}]}]}
    (tmp_path / 'x.ipynb').write_text(json.dumps(nb))
    found = outputs.machine_paths(tmp_path / 'x.ipynb')
    assert [f.split(': ', 1)[1] for f in found] == ['/tmp/mart_nb_x1/clip.mp4:', '/home/someone/mart_nb/data_samples']
