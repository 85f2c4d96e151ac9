"""End-to-end checks of the README's entry points: papermill runs a notebook with parameters on another dataset."""
import json
from pathlib import Path

import papermill as pm

from mart_nb.data import export_frame_layout
from mart_nb.testing import sample_copy

ROOT = Path(__file__).resolve().parents[1]


def _small_frame_layout(dst: Path) -> Path:
    "One training video per class of the sample, converted to the official frame-folder layout."
    src, _ = sample_copy(dst)
    return export_frame_layout(src, dst / 'frames', 'split.json')


def test_papermill_data_notebook_on_a_real_layout(tmp_path):
    "The data notebook's `parameters` cell survives nbdev_clean, and -p points the notebook at another dataset."
    data = _small_frame_layout(tmp_path)
    out = tmp_path / 'run.ipynb'
    pm.execute_notebook(str(ROOT / 'nbs' / '00_data.ipynb'), str(out), cwd=str(ROOT / 'nbs'), progress_bar=False,
                        parameters=dict(dataset_root=str(data), annotation='split.json', subset='train', show_index=2))
    nb = json.loads(out.read_text())
    injected = [c for c in nb['cells'] if 'injected-parameters' in c['metadata'].get('tags', [])]
    assert len(injected) == 1 and str(data) in ''.join(injected[0]['source'])
    assert any('image/png' in o.get('data', {}) for c in nb['cells'] for o in c.get('outputs', []))
