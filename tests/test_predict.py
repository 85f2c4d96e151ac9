"""The `mart-predict` command line on a video of the shipped sample, with a tiny host checkpoint trained once for the
module: it writes the JSON and the picture and exits 0; on bad input it exits 2 with one line naming the problem and
no traceback. The console script is the one `pip install -e .` makes from settings.ini; `python -m mart_nb.predict`
is checked too."""
import json, os, subprocess, sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mart_nb.data import sample_root
from mart_nb.predict import main, predict
from mart_nb.runner import run_training
from mart_nb.train import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
ONE_THREAD = {**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}
VIDEO = sample_root() / 'videos' / 'Joy' / 'joy_004.mp4'
SRT = sample_root() / 'srt' / 'Joy' / 'joy_004.srt'


@pytest.fixture(scope='module')
def run_dir(tmp_path_factory):
    "A run folder holding best.pt: the tiny supervised host after one epoch on the sample (a few seconds)."
    out = tmp_path_factory.mktemp('predict') / 'run'
    threads = torch.get_num_threads(); torch.set_num_threads(1)
    try: run_training(TrainConfig(data_root=str(sample_root()), method='supervised', epochs_teacher=0, epochs_mart=0,
                                  epochs_finetune=1, batch_size=4, num_workers=0, out_dir=str(out), progress=False))
    finally: torch.set_num_threads(threads)
    assert (out / 'best.pt').is_file()
    return out


def _run(cmd, cwd):
    return subprocess.run([str(c) for c in cmd], env=ONE_THREAD, capture_output=True, text=True, timeout=300, cwd=cwd)


def test_console_script_writes_json_and_plot(run_dir, tmp_path):
    exe = Path(sys.executable).with_name('mart-predict')
    assert exe.is_file(), f"{exe} is missing: install the package (pip install -e .) so that settings.ini's console_scripts exist"
    js, png = tmp_path / 'out' / 'joy.json', tmp_path / 'out' / 'joy.png'
    res = _run([exe, VIDEO, '--srt', SRT, '--checkpoint', run_dir, '--json', js, '--plot', png], tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    assert f"wrote {js} and {png}" in res.stdout
    d = json.loads(js.read_text())
    assert (d['dataset'], d['preset'], d['checkpoint'], d['srt']) == ('ve8', 'tiny', str(run_dir / 'best.pt'), str(SRT))
    assert np.isclose(sum(d['probabilities']), 1.0, atol=1e-5)
    assert np.allclose(np.sum(d['curve'], 1), 1.0, atol=1e-5) and np.shape(d['curve']) == (6, 8)
    assert d['predicted'] == d['classes'][int(np.argmax(d['probabilities']))]
    ref = predict(str(VIDEO), str(SRT), checkpoint=str(run_dir)).to_json()           # the command line is the library call
    floats = ('probabilities', 'tcam', 'curve', 'segment_times', 'segment_spans')      # (another thread count: last-bit differences)
    assert {k: v for k, v in d.items() if k not in floats + ('cues',)} == {k: v for k, v in ref.items() if k not in floats + ('cues',)}
    assert all(np.allclose(d[k], ref[k], atol=1e-6) for k in floats)
    assert [[(c['word'], c['kept']) for c in seg] for seg in d['cues']] == [[(c['word'], c['kept']) for c in seg] for seg in ref['cues']]
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and png.stat().st_size > 10_000


def test_module_run_bad_video_exits_2(run_dir, tmp_path):
    "`python -m mart_nb.predict` runs `main` (the guard lets it) and ends a missing video with status 2 and one line."
    res = _run([sys.executable, '-m', 'mart_nb.predict', tmp_path / 'nope.mp4', '--checkpoint', run_dir, '--json', tmp_path / 'p.json'], ROOT)
    assert res.returncode == 2, (res.returncode, res.stdout[-1000:], res.stderr[-2000:])
    assert res.stderr.startswith('mart-predict: error: ') and 'nope.mp4: file not found' in res.stderr, res.stderr[-2000:]
    assert 'Traceback' not in res.stderr and not (tmp_path / 'p.json').exists()


@pytest.mark.parametrize('case, message', [
    ('random bytes as checkpoint', 'noise.pt: cannot be read as a checkpoint'),
    ('another label set', "trained for the label set 've8' (VideoEmotion-8), but dataset='ek6' (Ekman-6) was asked for"),
    ('run folder without best.pt', 'this folder holds no best.pt'),
])
def test_bad_checkpoint_exits_2(case, message, run_dir, tmp_path, capsys):
    "The status `main` hands to sys.exit (in this process: a new one would spend its seconds importing torch again)."
    noise = tmp_path / 'noise.pt'
    noise.write_bytes(np.random.default_rng(0).bytes(4096))
    args = {'random bytes as checkpoint': [VIDEO, '--checkpoint', noise],
            'another label set': [VIDEO, '--checkpoint', run_dir, '--dataset', 'ek6'],
            'run folder without best.pt': [VIDEO, '--checkpoint', tmp_path]}[case]
    assert main([str(a) for a in args] + ['--json', str(tmp_path / 'p.json')]) == 2
    err = capsys.readouterr().err
    assert err.startswith('mart-predict: error: ') and message in err and err.count('\n') == 1, err
    assert not (tmp_path / 'p.json').exists()


def test_video_without_srt_is_transcribed(run_dir, tmp_path):
    "No .srt given or beside the video: mart-predict hears its speech (pocketsphinx, offline) and says so; --no-transcribe reads no text."
    from mart_nb.synth import write_video
    from mart_nb.transcribe import SAMPLE_RATE, synthesize_speech
    speech, _ = synthesize_speech(["i am so happy today", "what a wonderful surprise"])
    wave = np.zeros(8 * SAMPLE_RATE, np.float32); wave[:len(speech)] = speech
    video = tmp_path / 'talk.mp4'
    write_video(video, np.full((64, 48, 48, 3), 128, np.uint8), wave, 8, SAMPLE_RATE, audio_bitrate=64000)
    js = tmp_path / 'talk.json'
    exe = Path(sys.executable).with_name('mart-predict')
    res = _run([exe, video, '--checkpoint', run_dir, '--json', js], tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'its speech was transcribed offline (pocketsphinx: 2 lines)' in res.stderr
    d = json.loads(js.read_text())
    assert (d['srt'], d['transcript']) == (None, 'pocketsphinx: 2 lines')
    heard = ' '.join(d['texts']).split()
    assert {'happy', 'wonderful', 'surprise'} <= set(heard)
    assert 'happy' in [c['word'] for seg in d['cues'] for c in seg]            # a lexicon cue of the spoken text
    res = _run([exe, video, '--checkpoint', run_dir, '--json', js, '--no-transcribe'], tmp_path)
    assert res.returncode == 0 and 'transcribed' not in res.stderr
    d = json.loads(js.read_text())
    assert d['transcript'] is None and all(t == '' for t in d['texts'])
