"""Speed and size of the MBT host: a benchmark that prints figures, not a test.

    python tests/benchmarks/bench_host.py [--device cpu|cuda] [--preset tiny paper] [--segments 12] [--batch 1] [--steps 5]

For each preset: parameter count, and the time of one training step (forward + PCCE + backward + Adam) and of one
evaluation forward, per video, on random inputs of the preset's sizes. On CUDA it also reports peak memory.
"""
import argparse, time

import torch

from mart_nb.host import HostConfig, build_mbt, pcce_loss


def step_times(cfg, device, batch, segments, steps):
    "Seconds per video of a training step and of an evaluation forward (median of `steps` after one warm-up)."
    torch.manual_seed(0)
    model = build_mbt(cfg).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    video = torch.randint(0, 256, (batch, segments, 3, cfg.frames, cfg.frame_size, cfg.frame_size), dtype=torch.uint8, device=device)
    audio = torch.randn(batch, segments, cfg.audio_frames, cfg.n_mels, device=device)
    y = torch.randint(0, cfg.n_classes, (batch,), device=device)
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)

    def train_step():
        out = model.train()(video, audio)
        loss = pcce_loss([out.logits_video, out.logits_audio], y, cfg.info.polarity, cfg.lambda_0)
        opt.zero_grad(); loss.backward(); opt.step()

    def eval_step():
        with torch.no_grad(): model.eval()(video, audio)

    res = {}
    for name, fn in (('train', train_step), ('eval', eval_step)):
        fn(); sync(); times = []
        for _ in range(steps):
            t = time.perf_counter(); fn(); sync(); times.append(time.perf_counter() - t)
        res[name] = sorted(times)[len(times) // 2] / batch
    n = sum(p.numel() for p in model.parameters())
    peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == 'cuda' else float('nan')
    return n, res, peak


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--preset', nargs='+', default=['tiny', 'paper'])
    ap.add_argument('--segments', type=int, default=12)
    ap.add_argument('--batch', type=int, default=1)
    ap.add_argument('--steps', type=int, default=5)
    args = ap.parse_args()
    device = torch.device(args.device)
    print(f"torch {torch.__version__} on {device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else f'{torch.get_num_threads()} threads'}); "
          f"batch {args.batch} x {args.segments} segments, random weights")
    print(f"{'preset':6} {'params (M)':>10} {'train s/video':>14} {'eval s/video':>13} {'peak GiB':>9}")
    for preset in args.preset:
        cfg = HostConfig.tiny() if preset == 'tiny' else HostConfig.paper(pretrained=False)
        n, res, peak = step_times(cfg, device, args.batch, args.segments, args.steps)
        print(f"{preset:6} {n / 1e6:10.2f} {res['train']:14.4f} {res['eval']:13.4f} {peak:9.2f}", flush=True)


if __name__ == '__main__':
    main()
