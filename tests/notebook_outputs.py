"""The outputs committed in the notebooks: regenerate them, or check that they belong to the sources beside them.

Every notebook is committed with its outputs (figures, tables, printed checks) so that a reader sees them on GitHub or
in JupyterLab before running anything. They are made the way the tests run the notebooks: nbdev's executor, the tiny
preset on CPU, `IN_TEST=1` (the notebooks' quick paths), cells marked `#| slow` or `#| gpu` not run. What a reader does
not need is dropped (stderr: warnings and progress bars; widget views, which need a live kernel), and the PNGs are
reduced to a 256-colour palette. `nbs/outputs.json` records, per notebook, a hash of its code cells' sources at the
time the outputs were made, and the number of figures; `--check` (run by the test suite) fails when a notebook's
sources changed after its outputs were made, or when it has lost figures.

Usage, from the project root:
    python tests/notebook_outputs.py                      # regenerate every notebook (about 4 minutes on 2 cores)
    python tests/notebook_outputs.py nbs/04a_masking.ipynb  # regenerate the ones named
    python tests/notebook_outputs.py --check              # only check (what CI does)
"""
from __future__ import annotations

import argparse, base64, hashlib, io, json, os, re, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'
STAMPS = NBS / 'outputs.json'
MAX_IMAGE_BYTES = 6_000_000          # all notebooks' images together, as committed


def notebooks() -> list[Path]:
    return sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.')))


def source_hash(path: Path) -> str:
    "SHA-256 of the notebook's code cells' sources, in order (what its outputs depend on)."
    nb = json.loads(path.read_text())
    code = [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'code']
    return hashlib.sha256('\n\x00\n'.join(code).encode()).hexdigest()[:16]


def images(path: Path) -> tuple[int, int]:
    "(number of PNG outputs, their bytes as committed)."
    nb = json.loads(path.read_text())
    pngs = [o['data']['image/png'] for c in nb['cells'] if c['cell_type'] == 'code'
            for o in c.get('outputs', []) if 'image/png' in o.get('data', {})]
    return len(pngs), sum(len(p) for p in pngs)


def _small_png(b64: str) -> str:
    "The PNG reduced to a 256-colour palette (a plot has far fewer colours), if that is smaller."
    from PIL import Image
    raw = base64.b64decode(b64)
    im = Image.open(io.BytesIO(raw))
    out = io.BytesIO()
    im.convert('RGB').quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, 'PNG', optimize=True)
    return base64.b64encode(out.getvalue()).decode() if out.tell() < len(raw) else b64


def _keep(o: dict) -> bool:
    if o.get('output_type') == 'stream' and o.get('name') == 'stderr': return False
    data = o.get('data', {})
    if 'application/vnd.jupyter.widget-view+json' in data: return False
    return True


def run_one(path: Path) -> None:
    "Execute `path` as the tests do and write it back with its outputs (in this process)."
    os.environ['IN_TEST'] = '1'
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    from nbdev.config import get_config
    from nbdev.process import extract_directives
    skip = set(get_config(path=ROOT).tst_flags.split())
    sys.path.insert(0, str(ROOT))
    nb = read_nb(path)
    skipped = set()

    def no_eval(cell):
        if cell.cell_type != 'code': return True
        if 'nbdev_export' + '(' in cell.source: return True
        d = extract_directives(cell, remove=False)
        if d.get('eval:', [''])[0].lower() == 'false' or skip & d.keys():
            skipped.add(cell.idx_); return True
        return False

    for i, c in enumerate(nb.cells): c.idx_ = i
    shell = CaptureShell(path, mpl_format='png')
    with working_directory(path.parent):
        shell.run_all(nb, exc_stop=True, preproc=no_eval)
    for c in nb.cells:
        if c.cell_type != 'code': continue
        if c.idx_ in skipped: c.outputs = []
        c.outputs = [o for o in c.get('outputs', []) if _keep(o)]
        for o in c.outputs:
            if 'image/png' in o.get('data', {}): o['data']['image/png'] = _small_png(o['data']['image/png'])
    for c in nb.cells: c.pop('idx_', None)
    write_nb(nb, path)


def regenerate(paths: list[Path], jobs: int) -> None:
    def one(p):
        r = subprocess.run([sys.executable, __file__, '--one', str(p)], capture_output=True, text=True)
        print(f"{p.name}: {'ok' if r.returncode == 0 else 'FAILED'}", flush=True)
        if r.returncode: print(r.stdout[-3000:], r.stderr[-3000:], file=sys.stderr)
        return r.returncode
    with ThreadPoolExecutor(jobs) as ex: rcs = list(ex.map(one, paths))
    subprocess.run(['nbdev_clean'], cwd=ROOT, check=True)
    stamps = json.loads(STAMPS.read_text()) if STAMPS.exists() else {}
    for p, rc in zip(paths, rcs):
        if rc == 0: stamps[p.name] = dict(source=source_hash(p), figures=images(p)[0])
    STAMPS.write_text(json.dumps(dict(sorted(stamps.items())), indent=1) + '\n')
    if any(rcs): sys.exit(f"{sum(1 for r in rcs if r)} notebook(s) failed; their outputs were not recorded")


MACHINE_PATH = re.compile(r'(?<![\w.~])/(?:tmp|home|root|Users|work|var/folders)/[^\s\'"]*')


def machine_paths(path: Path) -> list[str]:
    "The absolute paths of one machine (temporary folders, home folders, a checkout's location) in the stored outputs."
    nb = json.loads(path.read_text())
    found = []
    for i, c in enumerate(nb['cells']):
        for o in c.get('outputs', []):
            text = ''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', '')) + \
                   ''.join(o.get('data', {}).get('text/html', '')) + str(o.get('evalue', ''))
            found += [f"cell {i}: {m.group(0)[:80]}" for m in MACHINE_PATH.finditer(text)]
    return found


def check() -> list[str]:
    "What is wrong with the committed outputs (empty: nothing)."
    if not STAMPS.exists(): return [f"{STAMPS.relative_to(ROOT)} is missing: run python tests/notebook_outputs.py"]
    stamps, problems, total = json.loads(STAMPS.read_text()), [], 0
    for p in notebooks():
        s = stamps.get(p.name)
        n, size = images(p); total += size
        if s is None: problems.append(f"{p.name}: no outputs recorded"); continue
        if s['source'] != source_hash(p): problems.append(f"{p.name}: its code changed after its outputs were made")
        if n < s['figures']: problems.append(f"{p.name}: {n} figures, {s['figures']} when its outputs were made")
        problems += [f"{p.name}: a machine path in a stored output, {where} (show it relative, or through "
                     "mart_nb.testing.portable)" for where in machine_paths(p)]
    for name in set(stamps) - {p.name for p in notebooks()}: problems.append(f"{name}: recorded but not in nbs/")
    if total > MAX_IMAGE_BYTES: problems.append(f"the notebooks' images take {total / 1e6:.1f} MB (at most {MAX_IMAGE_BYTES / 1e6:.0f})")
    return problems


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to regenerate (default: every notebook in nbs/)')
    ap.add_argument('--check', action='store_true', help='only check that the committed outputs match the sources')
    ap.add_argument('--jobs', type=int, default=2, help='notebooks executed at once (default 2)')
    ap.add_argument('--one', help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one: run_one(Path(a.one).resolve())
    elif a.check:
        problems = check()
        print('\n'.join(problems) or 'the committed outputs match the notebooks')
        sys.exit(1 if problems else 0)
    else:
        paths = [Path(p).resolve() for p in a.notebooks] or notebooks()
        if len(paths) > 1: os.environ.setdefault('OMP_NUM_THREADS', '1')
        regenerate(paths, a.jobs)
