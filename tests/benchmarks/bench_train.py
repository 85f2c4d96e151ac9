"""Training throughput, peak memory and FLOPs of mart_nb's two training steps: a benchmark that prints figures, not a test.

    python tests/benchmarks/bench_train.py [--device cpu|cuda] [--preset tiny paper] [--batches 2] [--batch 8] [--threads 2]
                                           [--repeats 5] [--no-flops]

Throughput: real training batches of the shipped sample (`mart_nb.data`, the preset's sizes: tiny 4 segments at 32 px,
paper 12 segments at 112 px), decoded once before any timing, go through `mart_nb.runner.train_one_epoch` with the
trainer's own steps: `supervised_step` (PCCE on both heads, EMA of the weights, as in the baseline and the
fine-tuning stage) and `mart_step` (a teacher's D_tcam under no gradient, then the whole MART objective at the
largest masking ratio, r = 0.5). Adam over `param_groups`, with the preset's batch size and accumulation (paper:
batch 1 x 36, so the optimiser step is amortised as in a real run). One warm-up epoch of one batch, then several timed
epochs (--repeats, default 5); the figures are videos per second of the median epoch and of the best one (data loading
excluded; on a shared machine the best is the nearer to what the hardware can do). Weights are random:
`TrainConfig.paper(pretrained=False)`, and a random BERT-base-sized text encoder for the paper preset (nothing is
downloaded). Each case runs in a fresh process, so that its peak memory is its own: on a CPU the peak resident set
of that process (`resource.getrusage(...).ru_maxrss`: Python, torch, the data and the models included; the figure
before training is printed beside it), on CUDA `torch.cuda.max_memory_allocated` over the timed epochs. On CUDA
`train_one_epoch` runs under bf16 autocast (`TrainConfig.amp`).

FLOPs (counted on the CPU whatever --device says): `torch.utils.flop_counter.FlopCounterMode` over one forward and one
forward + backward of one real video, for the host (the supervised step) and for MART (the MART step, the teacher's
forward included), tiny and paper presets. The counter sees matrix products, convolutions and attention only
(elementwise work is not counted; 1 multiply-add = 2 FLOPs); PyTorch does not register the CPU kernel of
`scaled_dot_product_attention`, so this script registers the same formula for it, and checks it against the
`attn_implementation='eager'` host. The tiny preset is counted at its own 4 training segments. The paper preset is
counted at 2 segments and scaled to 12 (training) and 16 (evaluation): every part of the model works per segment
(segments are folded into the batch axis), so the count is linear in the number of segments; the script measures that
on the tiny preset (2, 4 and 8 segments) and on the paper host (1 and 2 segments) and prints the ratios.
"""
import argparse, concurrent.futures, multiprocessing, resource, sys, time
from dataclasses import replace

import torch
from torch.utils import flop_counter

ATEN = torch.ops.aten


def _cpu_sdpa(q, k, v, *args, out_shape=None, **kwargs): return flop_counter.sdpa_flop_count(q, k, v)
def _cpu_sdpa_backward(g, q, k, v, *args, out_shape=None, **kwargs): return flop_counter.sdpa_backward_flop_count(g, q, k, v)
CPU_ATTENTION = {ATEN._scaled_dot_product_flash_attention_for_cpu: _cpu_sdpa,
                 ATEN._scaled_dot_product_flash_attention_for_cpu_backward: _cpu_sdpa_backward}


def train_config(preset, device="cpu", batch=None):
    "The run configuration of `preset`, random weights, on `device` (and another batch size)."
    from mart_nb.train import TrainConfig
    tc = TrainConfig.paper(pretrained=False) if preset == 'paper' else TrainConfig.tiny()
    return replace(tc, device=device, progress=False, num_workers=0, **({'batch_size': batch} if batch else {}))


def real_batches(tc, n_batches, segments=None):
    "The first `n_batches` training batches of the shipped sample at the preset's sizes (or `segments` segments), decoded now."
    from mart_nb.data import VideoEmotionDataset, make_loader, sample_root
    dcfg = tc.data_config() if segments is None else replace(tc.data_config(), n_segments=segments)
    ds = VideoEmotionDataset(sample_root(), 've8_01.json', 'train', dcfg, train=True)
    loader = iter(make_loader(ds, batch_size=tc.batch_size, num_workers=0))
    return [next(loader) for _ in range(min(n_batches, len(ds) // tc.batch_size))]


def build_case(tc, kind, device):
    "(model, step, ema) of a supervised or a MART step for `tc`, random weights, seeded."
    from mart_nb.host import build_mbt
    from mart_nb.train import ema_model, mart_step, supervised_step
    torch.manual_seed(0)
    host = build_mbt(tc.host_config()).to(device)
    if kind == 'supervised':
        ema = ema_model(host, tc.ema_decay, tc.ema_ramp) if tc.ema_decay > 0 else None
        return host, supervised_step(device, tc.info, host.cfg.lambda_0), ema
    teacher = build_mbt(tc.host_config()).to(device).eval()
    return mart_module(tc, host).to(device), mart_step(teacher, device, 1, 2), None   # epoch 1 of 2: r = 0.5, the largest ratio


def mart_module(tc, host):
    "MART around `host`; the paper preset gets a random text encoder of BERT-base's size (no checkpoint is read)."
    from mart_nb.complementary import TACLConfig
    from mart_nb.mart import build_mart
    if tc.preset == 'tiny': return build_mart(host, 'tiny')
    text = TACLConfig.paper(dataset=tc.dataset, text_source=None, text_layers=12, text_heads=12, text_mlp=3072, freeze_text=False)
    return build_mart(host, 'paper', tacl=text)


def rss_mb():
    "Peak resident memory of this process so far, in MB (Linux reports KiB)."
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(preset, kind, device_name, n_batches, batch, threads, repeats):
    "One case in this (fresh) process: videos/s of `repeats` timed epochs of `train_one_epoch` (median, best), and peak memory."
    if threads: torch.set_num_threads(threads)
    from mart_nb.runner import param_groups, train_one_epoch
    device = torch.device(device_name)
    tc = train_config(preset, device_name, batch)
    batches = real_batches(tc, n_batches + 1)
    warm, timed = batches[:1], batches[1:] or batches[:1]
    model, step, ema = build_case(tc, kind, device)
    opt = torch.optim.Adam(param_groups(model), lr=tc.lr, weight_decay=tc.weight_decay)
    cuda = device.type == 'cuda'
    before = rss_mb()
    train_one_epoch(model, warm, opt, tc, device, 0, step, ema)            # warm-up; the optimiser state now exists
    if cuda: torch.cuda.synchronize(device); torch.cuda.reset_peak_memory_stats(device); held = torch.cuda.memory_allocated(device)
    times = []
    for r in range(repeats):
        t0 = time.perf_counter()
        logs = train_one_epoch(model, timed, opt, tc, device, 1 + r, step, ema)
        if cuda: torch.cuda.synchronize(device)
        times.append(time.perf_counter() - t0)
    seconds, best = sorted(times)[len(times) // 2], min(times)
    videos = sum(len(b['label']) for b in timed)
    mem = (dict(before=held / 2**30, peak=torch.cuda.max_memory_allocated(device) / 2**30, unit='GiB') if cuda
           else dict(before=before, peak=rss_mb(), unit='MB'))
    return dict(preset=preset, kind=kind, videos=videos, batch=tc.batch_size, segments=timed[0]['video'].shape[1], seconds=seconds,
                videos_per_s=videos / seconds, best_videos_per_s=videos / best, params=sum(p.numel() for p in model.parameters()), loss=logs['loss'], threads=torch.get_num_threads(), **mem)


def in_fresh_process(*args):
    "`measure(*args)` in a new process (spawned), so that its peak memory is not the earlier cases'."
    ctx = multiprocessing.get_context('spawn')
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool: return pool.submit(measure, *args).result()


def count(fn):
    "FLOPs of `fn()` (matrix products, convolutions and attention, the CPU attention kernel included)."
    with flop_counter.FlopCounterMode(display=False, custom_mapping=CPU_ATTENTION) as fc: fn()
    return fc.get_total_flops()


def step_flops(tc, kind, segments, eager=False):
    "(forward, forward + backward) FLOPs of one video through the `kind` step of `tc` at `segments` segments."
    device = torch.device('cpu')
    tc = replace(tc, batch_size=1)
    batch = real_batches(tc, 1, segments)[0]
    if eager:
        from mart_nb.host import build_mbt
        from mart_nb.train import supervised_step
        torch.manual_seed(0)
        model = build_mbt(replace(tc.host_config(), attn_implementation='eager'))
        step = supervised_step(device, tc.info, model.cfg.lambda_0)
    else: model, step, _ = build_case(tc, kind, device)
    model.train()
    fwd = count(lambda: step(model, batch))
    def fwd_bwd():
        loss, _ = step(model, batch); loss.backward()
    both = count(fwd_bwd)
    model.zero_grad(set_to_none=True)
    return fwd, both


TEACHER = dict(supervised='', mart="; the teacher's forward included")

def flops_report():
    "Print FLOPs per video for host and MART, tiny and paper presets, and the checks behind the scaling."
    print("\nFLOPs per video (FlopCounterMode on the CPU; matmuls, convolutions and attention; GFLOP = 1e9)")
    tiny = train_config('tiny')
    t = {(k, s): step_flops(tiny, k, s) for k in ('supervised', 'mart') for s in (2, 4, 8)}
    eager = step_flops(tiny, 'supervised', 4, eager=True)
    print(f"  checks: tiny host with eager attention {eager[0]:.4g} / {eager[1]:.4g} FLOPs vs sdpa counted here "
          f"{t['supervised', 4][0]:.4g} / {t['supervised', 4][1]:.4g} (forward / forward+backward; the fused attention's "
          "backward formula counts the recomputed scores too)")
    for k in ('supervised', 'mart'):
        print(f"  checks: tiny {k} step, forward at 4 and 8 segments over 2 segments: "
              f"{t[k, 4][0] / t[k, 2][0]:.3f} and {t[k, 8][0] / t[k, 2][0]:.3f} (linear: 2 and 4)")
    paper = train_config('paper')
    p1 = step_flops(paper, 'supervised', 1)
    p = {k: step_flops(paper, k, 2) for k in ('supervised', 'mart')}
    print(f"  checks: paper host forward at 2 segments over 1 segment: {p['supervised'][0] / p1[0]:.3f} (linear: 2)")
    print(f"  {'preset':6} {'step':10} {'segments':>8} {'forward GFLOP':>14} {'fwd+bwd GFLOP':>14}   how")
    for k, name in (('supervised', 'host'), ('mart', 'MART')):
        fwd, both = t[k, 4]
        print(f"  {'tiny':6} {name:10} {4:8d} {fwd / 1e9:14.4f} {both / 1e9:14.4f}   counted at 4 segments{TEACHER[k]}")
    for k, name in (('supervised', 'host'), ('mart', 'MART')):
        fwd, both = p[k]
        print(f"  {'paper':6} {name:10} {12:8d} {6 * fwd / 1e9:14.1f} {6 * both / 1e9:14.1f}   counted at 2 segments, x 6{TEACHER[k]}")
    print(f"  {'paper':6} {'host eval':10} {16:8d} {8 * p['supervised'][0] / 1e9:14.1f} {'':>14}   counted at 2 segments, x 8")
    return dict(tiny={k: t[k, 4] for k in ('supervised', 'mart')}, paper={k: (6 * a, 6 * b) for k, (a, b) in p.items()})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', default='cpu', help="'cpu' (default) or 'cuda' / 'cuda:1'")
    ap.add_argument('--preset', nargs='+', default=None, help="default: tiny on a CPU, paper on CUDA")
    ap.add_argument('--batches', type=int, default=None, help="timed batches per case (default: tiny 2, paper 8)")
    ap.add_argument('--batch', type=int, default=None, help="batch size (default: the preset's, tiny 8, paper 1)")
    ap.add_argument('--threads', type=int, default=None, help="torch CPU threads in each case (default: torch's)")
    ap.add_argument('--repeats', type=int, default=5, help="timed epochs per case; the median and the best are printed")
    ap.add_argument('--no-flops', action='store_true', help="skip the FLOP counts")
    args = ap.parse_args()
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        sys.exit(f"bench_train: --device {args.device}, but torch sees no CUDA GPU here; run it on a GPU machine or pass --device cpu.")
    presets = args.preset or (['paper'] if args.device.startswith('cuda') else ['tiny'])
    where = torch.cuda.get_device_name(torch.device(args.device)) if args.device.startswith('cuda') else f"{torch.get_num_threads()} CPU threads"
    print(f"torch {torch.__version__} on {args.device} ({where}); random weights; real batches of the shipped sample; "
          f"{'bf16 autocast' if args.device.startswith('cuda') else 'float32'}")
    print(f"timed: {args.repeats} epochs per case after one warm-up epoch; videos/s of the median epoch (and of the best)")
    print(f"{'preset':6} {'step':10} {'batch':>5} {'segs':>4} {'videos':>6} {'videos/s':>9} {'(best)':>8} {'s/video':>8} {'params (M)':>10} "
          f"{'memory before':>13} {'peak':>11}")
    results = []
    for preset in presets:
        n = args.batches or (8 if preset == 'paper' else 2)
        for kind in ('supervised', 'mart'):
            r = in_fresh_process(preset, kind, args.device, n, args.batch, args.threads, args.repeats)
            results.append(r)
            print(f"{r['preset']:6} {r['kind']:10} {r['batch']:5d} {r['segments']:4d} {r['videos']:6d} {r['videos_per_s']:9.2f} {r['best_videos_per_s']:8.2f} "
                  f"{1 / r['videos_per_s']:8.3f} {r['params'] / 1e6:10.2f} {r['before']:9.2f} {r['unit']:3} {r['peak']:8.2f} {r['unit']}", flush=True)
    print("memory: on a CPU the process's peak resident set (before: after decoding and building; peak: after the timed epochs); "
          "on CUDA allocated tensors (before: after warm-up; peak: during the timed epochs)")
    if args.no_flops: return
    flops = flops_report()
    for r in results:                                           # achieved rate: counted FLOPs of a training step x videos/s
        f = flops[r['preset']]['supervised' if r['kind'] == 'supervised' else 'mart'][1]
        scale = r['segments'] / (4 if r['preset'] == 'tiny' else 12)
        print(f"  {r['preset']} {r['kind']}: {f * scale * r['videos_per_s'] / 1e12:.4f} TFLOP/s achieved (counted FLOPs x median videos/s)")
    for preset in presets:                                      # MART's overhead: its time per video over its FLOPs, both against supervised
        sup, mart = (next(r for r in results if r['preset'] == preset and r['kind'] == k) for k in ('supervised', 'mart'))
        fr = flops[preset]['mart'][1] / flops[preset]['supervised'][1]
        for how, key in (('median', 'videos_per_s'), ('best', 'best_videos_per_s')):
            tr = sup[key] / mart[key]
            print(f"  {preset} MART / supervised ({how} epochs): time per video x{tr:.2f}, FLOPs per video x{fr:.2f}: "
                  f"time is {tr / fr:.2f}x its FLOPs ratio")


if __name__ == '__main__':
    main()
