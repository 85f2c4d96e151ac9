"""Throughput of mart_nb's data layer on the planted sample: a benchmark that prints figures, not a test.

    python tests/benchmarks/bench_data.py [--root DIR] [--workers 0 2] [--epochs 3] [--presets tiny paper] [--share-only]

1. Items per second of a DataLoader over the training split (random windows, augmentation, SpecAugment) and the
   test split (deterministic), for video files (mp4, PyAV) and the official frame-folder layout (JPEG + mp3, made
   from the sample with `export_frame_layout`), per epoch: the first epoch decodes, later ones may hit the caches.
2. Loader time as a share of a tiny-preset training step: a training loop (tiny MBT host, PCCE, Adam, batch 8, one torch
   thread for the steps so that the two loader workers have a core) over the training split of the planted training
   set (`mart_nb.synth.planted_training_set`, what `05_train` trains on) with `num_workers=2`; the time spent waiting
   for the next batch against the time of the steps, per epoch.
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


def loader_share(root, epochs, workers=2, batch_size=8, threads=1, stream=True):
    """Per epoch: (videos/s, seconds waiting for batches, seconds in training steps) of a tiny-host training loop.
    `stream`: one loader iterator over all epochs (EpochBatchSampler, as 05_train does), else a new iterator per epoch."""
    from mart_nb.data import EpochBatchSampler
    from mart_nb.host import HostConfig, build_mbt, pcce_loss
    torch.manual_seed(0); torch.set_num_threads(threads)
    ds = VideoEmotionDataset(root, 've8_01.json', 'train', DataConfig.tiny())
    cfg = HostConfig.tiny(); model = build_mbt(cfg); opt = torch.optim.Adam(model.parameters(), 1e-4)
    sampler = EpochBatchSampler(len(ds), batch_size, epochs=epochs if stream else 1)
    loader, out = make_loader(ds, batch_size=batch_size, batch_sampler=sampler, num_workers=workers), []
    it = iter(loader) if stream else None
    for ep in range(epochs):
        if not stream: sampler.set_epoch(ep); it = iter(loader)
        wait = step = 0.0; n = 0; start = time.perf_counter()
        for _ in range(sampler.per_epoch):
            t = time.perf_counter(); batch = next(it); t1 = time.perf_counter(); wait += t1 - t
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
    ap.add_argument('--share-root', type=Path, default=None, help='dataset of the loader-share loop (default: the planted training set)')
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
    from mart_nb.synth import planted_training_set
    share_root = args.share_root or planted_training_set()
    for stream in (False, True):
        how = 'one iterator for all epochs (EpochBatchSampler, as 05_train)' if stream else 'a new loader iterator every epoch'
        print(f"\nloader share of a tiny-preset training step (batch 8, num_workers=2, 1 thread for the steps), {how}; {share_root}:")
        for ep, (rate, wait, step) in enumerate(loader_share(share_root, args.epochs, stream=stream)):
            print(f"epoch {ep}: {rate:6.1f} videos/s, waiting {wait:6.2f} s, steps {step:6.2f} s, loader share {wait / (wait + step):6.1%}", flush=True)


if __name__ == '__main__':
    main()
