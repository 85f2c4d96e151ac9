"""Build the course site: every notebook in nbs/, with its committed outputs, as a static HTML site.

    python site/build.py [--out _site]

Two steps:

1. `stage`: every notebook through nbdev's own docs processing (`nbdev.processors`, as `nbdev_proc_nbs` does), then
   Quarto's cell options as myst-nb's cell tags, solutions collapsed (site/nbs_to_myst.py), into a temporary
   Sphinx source folder, with the navigation (the notebooks in file-name order) and nbs/images.
2. `sphinx-build -W` (Sphinx + myst-nb + sphinx-book-theme, MathJax bundled by sphinx-mathjax-offline; the
   configuration is site/conf.py), then `check_site.check_site`: no broken internal link, missing figure,
   unrendered equation, leftover directive or remote script, style or font.

The processed notebooks are staged in a temporary folder; only the HTML lands in `--out` (git-ignored `_site/`).
"""
from __future__ import annotations

import argparse, json, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

SITE = Path(__file__).resolve().parent            # this folder: conf.py, build.py, nbs_to_myst.py, check_site.py
ROOT = SITE.parent                                # the repository
NBS = ROOT / 'nbs'
sys.path.insert(0, str(SITE))
from check_site import check_site, expected_images   # noqa: E402  (the modules beside this one)
from nbs_to_myst import link_locally, process_notebook   # noqa: E402


def notebooks(nbs: Path = NBS) -> list[Path]:
    "The course's notebooks in reading order: `index.ipynb` (the front page), then the others in file-name order."
    nbs_ = sorted(p for p in nbs.glob('*.ipynb') if not p.name.startswith(('_', '.')))
    return sorted(nbs_, key=lambda p: p.name != 'index.ipynb')


def toctree(nbs: list[Path], staged: Path) -> str:
    "The navigation, in the notebooks' order: a hidden toctree on the front page, each entry `name · short title`."
    entries = []
    for nb in nbs[1:]:
        first = json.loads((staged / nb.name).read_text())['cells'][0]
        title = ''.join(first['source']).splitlines()[0].lstrip('# ').split(':')[0].strip()
        entries.append(f'{nb.stem} · {title} <{nb.stem}>')
    return '```{toctree}\n:hidden:\n:caption: Notebooks\n\n' + '\n'.join(entries) + '\n```'


def stage(dst: Path, nbs: list[Path], workers: int = 2) -> None:
    "Processed copies of `nbs` in `dst` (the Sphinx source folder), the front page's navigation, nbs/images."
    dst.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(workers, mp_context=get_context('spawn')) as pool:   # spawn: no torch state forked
        list(pool.map(process_notebook, nbs, [dst / p.name for p in nbs]))
    link_locally(dst, nbs)
    index = dst / nbs[0].name
    nb = json.loads(index.read_text())
    nb['cells'].append({'cell_type': 'markdown', 'id': 'site-toctree', 'metadata': {}, 'source': toctree(nbs, dst)})
    index.write_text(json.dumps(nb))
    if (NBS / 'images').is_dir(): shutil.copytree(NBS / 'images', dst / 'images')


def build(out: Path, workers: int = 2, quiet: bool = True) -> list[str]:
    "Build the site into `out` (replaced); return what `check_site` finds wrong (empty: a good site). Raises if Sphinx fails."
    out, nbs = Path(out).resolve(), notebooks()
    with tempfile.TemporaryDirectory(prefix='mart_site_') as tmp:
        src, doctrees, html = Path(tmp) / 'src', Path(tmp) / 'doctrees', Path(tmp) / 'html'
        stage(src, nbs, workers)
        cmd = [sys.executable, '-m', 'sphinx', '-b', 'html', '-W', '--keep-going', '-c', str(SITE), '-d', str(doctrees),
               '-j', str(workers)] + (['-q'] if quiet else []) + [str(src), str(html)]
        res = subprocess.run(cmd, cwd=ROOT, text=True, capture_output=quiet)
        if res.returncode:
            raise RuntimeError(f'sphinx-build failed ({res.returncode}):\n{(res.stdout or "")[-3000:]}{(res.stderr or "")[-6000:]}')
        expected = {f'{p.stem}.html': expected_images(json.loads((src / p.name).read_text())) for p in nbs}
        if out.exists(): shutil.rmtree(out)
        shutil.move(html, out)              # only the HTML: myst-nb's jupyter_execute/ (beside html/) stays in tmp
    return check_site(out, expected)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', default=str(ROOT / '_site'), help='the site folder (replaced); default: _site/')
    ap.add_argument('--workers', type=int, default=2, help='processes for nbdev and Sphinx (default 2)')
    ap.add_argument('-v', '--verbose', action='store_true', help="show Sphinx's progress")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    try: problems = build(Path(args.out), args.workers, quiet=not args.verbose)
    except RuntimeError as e:
        print(e, file=sys.stderr); return 1
    for p in problems: print(p, file=sys.stderr)
    if problems:
        print(f'{len(problems)} problem(s) in the site at {args.out}', file=sys.stderr); return 1
    print(f'site built in {time.monotonic() - t0:.0f} s: open {Path(args.out) / "index.html"}')
    return 0


if __name__ == '__main__': sys.exit(main())
