"""The GPU check of mart_nb, one JSON: the paper preset's training steps in bf16, the data loader's share of a step, and
a two-process NCCL run when there are two GPUs. Run by tests/benchmarks/gpu_check.sh (at most about 5 minutes on one
GPU); `--device cpu --preset tiny` runs the same code path on a CPU, as a smoke test.

    python tests/benchmarks/gpu_check.py --out gpu_check.json [--device cuda] [--preset paper] [--peak-tflops 989]

1. Steps: `bench_train.measure` (each case in a fresh process) for the supervised step and the MART step with random
   weights, bf16 autocast on CUDA: videos/s (median and best of the timed epochs), peak memory, and the achieved
   TFLOP/s (the step's FLOPs counted by `bench_train.step_flops` on the CPU, times videos/s) over the device's dense
   bf16 peak (MFU). The peak comes from --peak-tflops, else from a table of known devices, else is left out.
2. Loader share: the paper host trained on the planted benchmark through the real `DataLoader` (`num_workers` 8,
   the preset's resolution and segments): the share of wall time spent waiting for the next batch.
3. NCCL: with 2 or more GPUs, `torchrun --nproc_per_node 2 -m mart_nb.runner` for one epoch of each stage on a few
   planted videos (paper preset, random weights): the exit status and the seconds.
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_train  # noqa: E402  (the measurement functions of the training benchmark)

PEAK_BF16_TFLOPS = {'H100': 989.0, 'H200': 989.0, 'A100': 312.0, 'L40S': 362.0, 'A10': 125.0, 'L4': 121.0}   # dense, no sparsity


def device_peak(name:str, given=None):
    "The dense bf16 peak (TFLOP/s) of the device called `name`: `given`, else the first key of the table found in the name, else None."
    if given: return float(given)
    return next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), None)


def steps(preset, device, batches, repeats, peak):
    "Videos/s, memory and MFU of the supervised and the MART step."
    flops = {k: bench_train.step_flops(bench_train.train_config(preset), k, 2 if preset == 'paper' else 4)[1] for k in ('supervised', 'mart')}
    scale = 6 if preset == 'paper' else 1                                   # counted at 2 of the 12 training segments (linear)
    out = {}
    for kind in ('supervised', 'mart'):
        r = bench_train.in_fresh_process(preset, kind, device, batches, None, None, repeats)
        tflops = flops[kind] * scale * r['videos_per_s'] / 1e12
        out[kind] = dict(r, train_flops_per_video=flops[kind] * scale, achieved_tflops=tflops, mfu=tflops / peak if peak else None)
    out['mart_over_supervised'] = dict(time_per_video=out['supervised']['videos_per_s'] / out['mart']['videos_per_s'],
                                       flops_per_video=out['mart']['train_flops_per_video'] / out['supervised']['train_flops_per_video'])
    return out


def loader_share(preset, device, workers, batches):
    "Seconds waiting for batches against seconds in steps, for the host trained on the planted benchmark through the real loader."
    from mart_nb.data import VideoEmotionDataset, make_loader
    from mart_nb.host import build_mbt, pcce_loss
    from mart_nb.synth import planted_benchmark_set
    tc = bench_train.train_config(preset, device)
    ds = VideoEmotionDataset(planted_benchmark_set(progress=False), 've8_01.json', 'train', tc.data_config(), train=True)
    loader = make_loader(ds, batch_size=tc.batch_size, num_workers=workers)
    torch.manual_seed(0)
    host = build_mbt(tc.host_config()).to(device)
    opt = torch.optim.Adam(host.parameters(), lr=tc.lr)
    it, wait, step, n = iter(loader), 0.0, 0.0, 0
    for k in range(batches + 1):
        t = time.perf_counter(); batch = next(it); t1 = time.perf_counter()
        with torch.autocast('cuda', dtype=torch.bfloat16, enabled=device.startswith('cuda')):
            o = host(batch['video'].to(device), batch['audio'].to(device))
            loss = pcce_loss([o.logits_video, o.logits_audio], batch['label'].to(device), tc.info.polarity)
        opt.zero_grad(); loss.backward(); opt.step()
        if device.startswith('cuda'): torch.cuda.synchronize()
        if k: wait += t1 - t; step += time.perf_counter() - t1; n += len(batch['label'])   # the first batch starts the workers
    return dict(workers=workers, batches=batches, videos=n, wait_s=wait, step_s=step, loader_share=wait / (wait + step))


def nccl(preset, timeout):
    "A two-process torchrun of mart_nb.runner on a few planted videos (one epoch per stage)."
    if not torch.cuda.is_available() or torch.cuda.device_count() < 2:
        return dict(ran=False, reason=f"{torch.cuda.device_count() if torch.cuda.is_available() else 0} GPU(s): needs 2")
    out = Path(os.environ.get('TMPDIR', '/tmp')) / 'gpu_check_ddp'
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2', '-m', 'mart_nb.runner', '--preset', preset,
           '--no-pretrained', '--device', 'cuda', '--epochs-teacher', '1', '--epochs-mart', '1', '--epochs-finetune', '1',
           '--max-videos', '8', '--batch-size', '1', '--accumulation', '1', '--num-workers', '2', '--no-resume', '--no-progress', '--out-dir', str(out)]
    t0 = time.time()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return dict(ran=True, returncode=res.returncode, seconds=time.time() - t0, stderr_tail=res.stderr[-1500:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default='gpu_check.json', help="the JSON to write (default gpu_check.json)")
    ap.add_argument('--device', default='cuda', help="'cuda' (default) or 'cpu' for a smoke test")
    ap.add_argument('--preset', default=None, help="default: paper on CUDA, tiny on a CPU")
    ap.add_argument('--batches', type=int, default=None, help="timed batches per step case (default: paper 8, tiny 2)")
    ap.add_argument('--repeats', type=int, default=3, help="timed epochs per step case (default 3)")
    ap.add_argument('--workers', type=int, default=8, help="loader processes of the loader-share loop (default 8)")
    ap.add_argument('--loader-batches', type=int, default=16, help="batches of the loader-share loop (default 16)")
    ap.add_argument('--peak-tflops', type=float, default=None, help="the device's dense bf16 peak (default: from its name)")
    ap.add_argument('--nccl-timeout', type=int, default=120, help="seconds allowed to the two-process run (default 120)")
    a = ap.parse_args()
    if a.device.startswith('cuda') and not torch.cuda.is_available(): sys.exit("gpu_check: torch sees no CUDA GPU; pass --device cpu for a smoke test")
    preset = a.preset or ('paper' if a.device.startswith('cuda') else 'tiny')
    name = torch.cuda.get_device_name() if a.device.startswith('cuda') else 'cpu'
    peak = device_peak(name, a.peak_tflops) if a.device.startswith('cuda') else a.peak_tflops
    report = dict(device=name, torch=torch.__version__, cuda=torch.version.cuda, preset=preset, peak_bf16_tflops=peak,
                  gpus=torch.cuda.device_count() if torch.cuda.is_available() else 0)
    t0 = time.time()
    for key, fn in (('steps', lambda: steps(preset, a.device, a.batches or (8 if preset == 'paper' else 2), a.repeats, peak)),
                    ('loader', lambda: loader_share(preset, a.device, a.workers, a.loader_batches)),
                    ('nccl', lambda: nccl(preset, a.nccl_timeout))):
        t = time.time()
        try: report[key] = fn()
        except Exception as e: report[key] = dict(error=f"{type(e).__name__}: {e}")
        report[key + '_seconds'] = round(time.time() - t, 1)
        print(f"gpu_check: {key} done in {report[key + '_seconds']} s", flush=True)
        Path(a.out).write_text(json.dumps(report, indent=1, default=float))   # written after each part: a stopped check keeps what it measured
    report['seconds'] = round(time.time() - t0, 1)
    Path(a.out).write_text(json.dumps(report, indent=1, default=float))
    print(json.dumps(report, indent=1, default=float))


if __name__ == '__main__':
    main()
