"""Decode throughput of mart_nb's data layer on the planted sample: a benchmark that prints figures, not a test.

    python tests/benchmarks/bench_data.py [--root DIR] [--workers 0 2] [--repeat 2]

For the tiny and paper presets, for video files (mp4, PyAV) and for the official frame-folder layout (JPEG + mp3,
made from the sample with `export_frame_layout`), it iterates a DataLoader over the training split (random
windows, augmentation, SpecAugment) and the test split (deterministic) and reports videos/s and segments/s.
"""
import argparse, tempfile, time
from pathlib import Path

import torch

from mart_nb.data import DataConfig, VideoEmotionDataset, export_frame_layout, make_loader, sample_root


def throughput(ds, workers, repeat):
    "Videos and segments per second over `repeat` passes of a DataLoader (first batch excluded as warm-up)."
    loader = make_loader(ds, batch_size=4, shuffle=False, num_workers=workers)
    n_videos, n_segments, start = 0, 0, None
    for _ in range(repeat):
        for batch in loader:
            if start is None: start = time.perf_counter(); continue
            n_videos += batch['video'].shape[0]; n_segments += batch['video'].shape[0] * batch['video'].shape[1]
    secs = time.perf_counter() - start
    return n_videos / secs, n_segments / secs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--root', type=Path, default=None, help='dataset root (default: the shipped sample)')
    ap.add_argument('--workers', type=int, nargs='+', default=[0, 2])
    ap.add_argument('--repeat', type=int, default=2)
    args = ap.parse_args()
    torch.manual_seed(0); torch.set_num_threads(1)
    root = args.root or sample_root()
    frames_root = export_frame_layout(root, Path(tempfile.mkdtemp()) / 'frames')
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op thread(s); sample: {root}")
    print(f"{'preset':6} {'layout':13} {'split':5} {'workers':>7} {'videos/s':>9} {'segments/s':>11}")
    for preset in ('tiny', 'paper'):
        cfg = getattr(DataConfig, preset)()
        for layout, r in (('video files', root), ('frame folders', frames_root)):
            for subset in ('train', 'test'):
                ds = VideoEmotionDataset(r, 've8_01.json', subset, cfg)
                for w in args.workers:
                    v, s = throughput(ds, w, args.repeat)
                    print(f"{preset:6} {layout:13} {subset:5} {w:7d} {v:9.1f} {s:11.1f}", flush=True)


if __name__ == '__main__':
    main()
