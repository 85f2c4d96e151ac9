"""Throughput of mart_nb's data layer on the planted sample: a benchmark that prints figures, not a test.

    python tests/benchmarks/bench_data.py [--root DIR] [--workers 0 2] [--epochs 3] [--presets tiny paper] [--share-only]

1. Items per second of a DataLoader over the training split (random windows, augmentation, SpecAugment) and the
   test split (deterministic), for video files (mp4, PyAV) and the official frame-folder layout (JPEG + mp3, made
   from the sample with `export_frame_layout`), per epoch: the first epoch decodes, later ones may hit the caches.
2. Loader time as a share of a tiny-preset training step: a training loop (tiny MBT host, PCCE, Adam, batch 4) over
   the training split with `num_workers=2`; the time spent waiting for the next batch against the time of the steps.
"""
import argparse, tempfile, time
from pathlib import Path

import torch

from mart_nb.data import DataConfig, VideoEmotionDataset, export_frame_layout, make_loader, sample_root


def epoch_rates(ds, workers, epochs, batch_size=4):
    "Items per second of each of `epochs` passes over one DataLoader (its workers persist across passes)."
    loader = make_loader(ds, batch_size=batch_size, shuffle=False, num_workers=workers)
    rates = []
    for _ in range(epochs):
        n, start = 0, time.perf_counter()
        for batch in loader: n += batch['video'].shape[0]
        rates.append(n / (time.perf_counter() - start))
    return rates


def loader_share(root, epochs, workers=2, batch_size=4):
    "Per epoch: (videos/s, seconds waiting for batches, seconds in training steps) of a tiny-host training loop."
    from mart_nb.host import HostConfig, build_mbt, pcce_loss
    torch.manual_seed(0)
    ds = VideoEmotionDataset(root, 've8_01.json', 'train', DataConfig.tiny())
    cfg = HostConfig.tiny(); model = build_mbt(cfg); opt = torch.optim.Adam(model.parameters(), 1e-4)
    loader, out = make_loader(ds, batch_size=batch_size, num_workers=workers), []
    for _ in range(epochs):
        wait = step = 0.0; n = 0; start = time.perf_counter(); it = iter(loader)
        while True:
            t = time.perf_counter()
            try: batch = next(it)
            except StopIteration: break
            t1 = time.perf_counter(); wait += t1 - t
            o = model(batch['video'], batch['audio'])
            loss = pcce_loss([o.logits_video, o.logits_audio], batch['label'], cfg.info.polarity)
            opt.zero_grad(); loss.backward(); opt.step()
            step += time.perf_counter() - t1; n += len(batch['label'])
        out.append((n / (time.perf_counter() - start), wait, step))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--root', type=Path, default=None, help='dataset root (default: the shipped sample)')
    ap.add_argument('--workers', type=int, nargs='+', default=[0, 2])
    ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--presets', nargs='+', default=['tiny', 'paper'])
    ap.add_argument('--share-only', action='store_true', help='only the loader share of a training step')
    args = ap.parse_args()
    root = args.root or sample_root()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op thread(s); data: {root}")
    if not args.share_only:
        torch.manual_seed(0)
        frames_root = export_frame_layout(root, Path(tempfile.mkdtemp()) / 'frames')
        print(f"{'preset':6} {'layout':13} {'split':5} {'workers':>7}  items/s per epoch")
        for preset in args.presets:
            cfg = getattr(DataConfig, preset)()
            for layout, r in (('video files', root), ('frame folders', frames_root)):
                for subset in ('train', 'test'):
                    ds = VideoEmotionDataset(r, 've8_01.json', subset, cfg)
                    for w in args.workers:
                        rates = epoch_rates(ds, w, args.epochs)
                        print(f"{preset:6} {layout:13} {subset:5} {w:7d}  " + ' '.join(f"{x:7.1f}" for x in rates), flush=True)
    print("\nloader share of a tiny-preset training step (batch 4, num_workers=2):")
    for ep, (rate, wait, step) in enumerate(loader_share(root, args.epochs)):
        print(f"epoch {ep}: {rate:6.1f} videos/s, waiting {wait:6.2f} s, steps {step:6.2f} s, loader share {wait / (wait + step):6.1%}", flush=True)


if __name__ == '__main__':
    main()
