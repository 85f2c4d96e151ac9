"""End-to-end checks of the training entry points on the shipped sample (tiny preset, CPU): papermill with -p overrides,
resume after an interruption, two processes under torchrun (gloo), and the command line on bad input."""
import json, os, subprocess, sys
from dataclasses import replace
from pathlib import Path

import papermill as pm
import pytest
import torch

from mart_nb.data import sample_root
from mart_nb.checkpoint import load_checkpoint
from mart_nb.runner import Trainer, run_training
from mart_nb.train import TrainConfig, read_history
from mart_nb.runner import ConfigError, file_sha256, with_teacher_hash

ROOT = Path(__file__).resolve().parents[1]
ONE_THREAD = {**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}


def small(out_dir, **kw) -> TrainConfig:
    "A quick run on the shipped sample: 2 epochs per stage, batch 4, no workers, no progress bars, no check of the (short) teacher."
    return TrainConfig(**{**dict(data_root=str(sample_root()), epochs_teacher=2, epochs_mart=2, epochs_finetune=2, batch_size=4,
                                 num_workers=0, out_dir=str(out_dir), progress=False, min_teacher_margin=None), **kw})


def test_papermill_train_notebook_honours_parameters(tmp_path, monkeypatch):
    "The training notebook's `parameters` cell survives nbdev_clean; -p values reach the run, which writes its files."
    monkeypatch.setenv('OMP_NUM_THREADS', '1')                                 # the kernel inherits the environment
    out = tmp_path / 'run'
    pm.execute_notebook(str(ROOT / 'nbs' / '05_train.ipynb'), str(tmp_path / 'train.ipynb'), cwd=str(ROOT / 'nbs'), progress_bar=False,
                        parameters=dict(data_root=str(sample_root()), epochs_teacher=1, epochs_mart=1, epochs_finetune=1, batch_size=3,
                                        lr=5e-4, seed=7, num_workers=0, out_dir=str(out), quick=False, min_teacher_margin=None))
    saved = json.loads((out / 'config.json').read_text())
    assert (saved['epochs_teacher'], saved['epochs_mart'], saved['epochs_finetune'], saved['batch_size'], saved['lr'], saved['seed']) == (1, 1, 1, 3, 5e-4, 7)
    assert saved['data_root'] == str(sample_root())
    assert [r['stage'] for r in read_history(out)] == ['teacher', 'mart', 'finetune']
    for name in ('last.pt', 'teacher.pt', 'best.pt', 'mart.pt', 'final.json', 'metrics.jsonl'): assert (out / name).exists(), name
    assert set(json.loads((out / 'final.json').read_text())['test']) >= {'acc_e', 'f1_e', 'acc_s', 'f1_s'}
    nb = json.loads((tmp_path / 'train.ipynb').read_text())
    assert any('image/png' in o.get('data', {}) for c in nb['cells'] for o in c.get('outputs', []))


class Interrupt(Exception): pass


def test_resume_gives_the_uninterrupted_result(tmp_path, monkeypatch):
    "Interrupted after epoch 3 (inside the MART stage) and resumed, a run ends with the numbers of an uninterrupted one."
    torch.set_num_threads(1)
    whole = run_training(small(tmp_path / 'whole'))
    original = Trainer._after_epoch
    def stop_after_epoch_3(self, si, name, epoch, *a, **kw):
        original(self, si, name, epoch, *a, **kw)
        if self.state['history'][-1]['epoch'] == 3: raise Interrupt
    monkeypatch.setattr(Trainer, '_after_epoch', stop_after_epoch_3)
    with pytest.raises(Interrupt): run_training(small(tmp_path / 'cut'))
    assert load_checkpoint(tmp_path / 'cut' / 'last.pt')['stage'] == 1           # stopped in the MART stage
    monkeypatch.setattr(Trainer, '_after_epoch', original)
    resumed = run_training(small(tmp_path / 'cut'))
    assert resumed['test'] == whole['test']
    a, b = read_history(tmp_path / 'whole'), read_history(tmp_path / 'cut')
    assert [r['epoch'] for r in b] == list(range(6))
    for ra, rb in zip(a, b):
        assert {k: v for k, v in ra.items() if k != 'seconds'} == {k: v for k, v in rb.items() if k != 'seconds'}
    wa, wb = load_checkpoint(tmp_path / 'whole' / 'best.pt')['host'], load_checkpoint(tmp_path / 'cut' / 'best.pt')['host']
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_same_seed_same_run(tmp_path):
    "Two runs with the same seed and settings (the thread count is one of them, recorded in config.json) end with the same files."
    runs = [tmp_path / 'a', tmp_path / 'b']
    finals = [run_training(small(out)) for out in runs]
    # each run trains its own teacher file, whose bytes hold the run's out_dir: final.json names it by its SHA-256
    for out, final in zip(runs, finals): assert final.pop('teacher_sha256') == file_sha256(out / 'teacher.pt')
    assert finals[0] == finals[1]
    # a run given a teacher file records its hash, and refuses a file that is not the one it was told
    teacher = runs[0] / 'teacher.pt'
    assert with_teacher_hash(replace(small(runs[0]), teacher=str(teacher))).teacher_sha256 == file_sha256(teacher)
    with pytest.raises(ConfigError, match='another teacher file'):
        with_teacher_hash(replace(small(runs[0]), teacher=str(teacher), teacher_sha256='0' * 64))
    assert json.loads((runs[0] / 'config.json').read_text())['threads'] == 1
    assert (runs[0] / 'test_predictions.csv').read_text() == (runs[1] / 'test_predictions.csv').read_text()
    for ra, rb in zip(read_history(runs[0]), read_history(runs[1])):
        assert {k: v for k, v in ra.items() if k != 'seconds'} == {k: v for k, v in rb.items() if k != 'seconds'}


def test_resume_refuses_other_settings(tmp_path):
    run_training(small(tmp_path / 'r', epochs_teacher=1, epochs_mart=1, epochs_finetune=1))
    with pytest.raises(ValueError, match="holds a run with other settings"):
        Trainer(small(tmp_path / 'r', epochs_teacher=1, epochs_mart=1, epochs_finetune=1, lr=3e-3))
    with pytest.raises(ValueError, match="'threads': \\(1, 2\\)"):       # another thread count is another run
        Trainer(small(tmp_path / 'r', epochs_teacher=1, epochs_mart=1, epochs_finetune=1, threads=2))


def _torchrun(args, out_dir):
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2', '--master_port', str(29500 + os.getpid() % 1000),
           '-m', 'mart_nb.runner', *args, '--out-dir', str(out_dir), '--no-progress']
    return subprocess.run(cmd, env=ONE_THREAD, capture_output=True, text=True, timeout=900, cwd=ROOT)


def test_two_processes_agree_with_one(tmp_path):
    """torchrun, 2 CPU processes (gloo) with batch 2 each, against one process with batch 4: the same global batches, so the
    same training losses within 1e-4 (relative; the all-reduce sums in another order) and the same evaluation metrics."""
    common = ['--data-root', str(sample_root()), '--method', 'supervised', '--epochs-teacher', '1', '--epochs-mart', '1',
              '--epochs-finetune', '1', '--num-workers', '0', '--seed', '3']
    res = _torchrun([*common, '--batch-size', '2'], tmp_path / 'ddp')
    assert res.returncode == 0, res.stderr[-3000:]
    torch.set_num_threads(1)
    one = run_training(small(tmp_path / 'one', method='supervised', epochs_teacher=1, epochs_mart=1, epochs_finetune=1, seed=3))
    ddp = json.loads((tmp_path / 'ddp' / 'final.json').read_text())
    assert ddp['test'] == one['test']
    for ra, rb in zip(read_history(tmp_path / 'one'), read_history(tmp_path / 'ddp')):
        assert ra['train_loss'] == pytest.approx(rb['train_loss'], rel=1e-4)
        assert (ra['val_acc_e'], ra['val_f1_e']) == pytest.approx((rb['val_acc_e'], rb['val_f1_e']), rel=1e-6)


def test_two_processes_run_mart(tmp_path):
    "The MART stage under torchrun (DDP with find_unused_parameters: nothing may be masked in a batch) completes."
    res = _torchrun(['--data-root', str(sample_root()), '--epochs-teacher', '1', '--epochs-mart', '1', '--epochs-finetune', '1',
                     '--num-workers', '0', '--batch-size', '2', '--min-teacher-margin', 'none'], tmp_path / 'ddp_mart')
    assert res.returncode == 0, res.stderr[-3000:]
    assert [r['stage'] for r in read_history(tmp_path / 'ddp_mart')] == ['teacher', 'mart', 'finetune']


@pytest.mark.parametrize('args, message', [
    (['--data-root', '/no/such/dataset'], '/no/such/dataset: dataset root does not exist'),
    (['--dataset', 've9'], "dataset='ve9' is unknown"),
    (['--preset', 'huge'], "preset='huge' is not one of"),
])
def test_command_line_bad_input(args, message, tmp_path):
    res = subprocess.run([sys.executable, '-m', 'mart_nb.runner', *args, '--out-dir', str(tmp_path / 'x')], env=ONE_THREAD,
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert res.returncode == 2, (res.returncode, res.stderr[-2000:])
    assert message in res.stderr and 'Traceback' not in res.stderr
