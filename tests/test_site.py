"""The course site (site/): built once per test run, exactly as the README says (`python site/build.py --out DIR`),
from the notebooks' committed outputs, into a temporary folder; then checked: no broken internal link, missing figure,
unrendered equation, leftover nbdev directive or remote resource (site/check_site.py), one page per notebook with the
course path as its front page and the notebooks' order as its navigation, solutions collapsed, nbdev's directives
processed; and the checker itself must catch a planted broken link, missing image and raw equation.

With pytest-xdist the tests of this module (and of test_site_browser.py) can land on different workers: the build runs
once, under a file lock, in the folder that the run's workers share; the others wait for it and reuse it."""
import importlib.util, json, os, re, subprocess, sys, time
from pathlib import Path

import pytest
from filelock import FileLock                                   # a dependency of torch

ROOT = Path(__file__).resolve().parents[1]
SITE_SRC, NBS = ROOT / 'site', ROOT / 'nbs'
BUILD_TIMEOUT = 900


def _load(name: str, path: Path):
    "A module of site/ by its path (the folder is not a package, and `site` is a standard library module)."
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

check = _load('mart_site_check', SITE_SRC / 'check_site.py')


def notebook_stems() -> list[str]:
    "The pages the site must have, in its navigation's order: index, then the notebooks of nbs/ by file name."
    stems = sorted(p.stem for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.')))
    return ['index'] + [s for s in stems if s != 'index']


def build_site_once(tmp_path_factory) -> tuple[Path, dict]:
    """Build the site once per test run (all xdist workers together) with the documented command; return its folder
    and what the build said: {'rc', 'stdout', 'stderr', 'seconds'}."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get('PYTEST_XDIST_WORKER'): shared = shared.parent          # the run's folder, above each worker's
    out, record = shared / 'mart_site', shared / 'mart_site_build.json'
    with FileLock(str(shared / 'mart_site.lock')):
        if not record.exists():                                                 # first to come builds; a failure is kept too
            t0 = time.monotonic()
            res = subprocess.run([sys.executable, str(SITE_SRC / 'build.py'), '--out', str(out)], cwd=ROOT,
                                 capture_output=True, text=True, timeout=BUILD_TIMEOUT)
            record.write_text(json.dumps({'rc': res.returncode, 'stdout': res.stdout[-5000:],
                                          'stderr': res.stderr[-20000:], 'seconds': round(time.monotonic() - t0, 1)}))
    return out, json.loads(record.read_text())


@pytest.fixture(scope='module')
def built_site(tmp_path_factory) -> Path:
    "The built site's folder; fails (in every test that needs it) with the build's own messages if the build failed."
    out, rec = build_site_once(tmp_path_factory)
    if rec['rc'] != 0 or not (out / 'index.html').is_file():
        pytest.fail(f"python site/build.py failed (exit {rec['rc']}):\n{rec['stderr'][-6000:]}", pytrace=False)
    return out


def _page(site: Path, stem: str) -> str: return (site / f'{stem}.html').read_text(encoding='utf-8')


def test_site_builds_and_checks_clean(built_site, tmp_path_factory):
    "The documented command builds the site with no Sphinx warning (-W) and the checker finds nothing wrong."
    _, rec = build_site_once(tmp_path_factory)
    assert rec['rc'] == 0, rec['stderr'][-6000:]
    problems = check.check_site(built_site)
    assert problems == [], '\n'.join(problems[:40])
    print(f"site built in {rec['seconds']} s: {len(list(built_site.glob('*.html')))} pages; {rec['stdout'].strip()}")


def test_every_notebook_is_a_page_in_course_order(built_site):
    "One page per notebook; the front page is index.ipynb's course path; the navigation and prev/next follow the files."
    stems = notebook_stems()
    assert [s for s in stems if not (built_site / f'{s}.html').is_file()] == []
    index = _page(built_site, 'index')
    assert 'A course in four sessions' in index and 'Session 1' in index
    nav = re.search(r'<nav class="bd-links bd-docs-nav".*?</nav>', _page(built_site, '05_train'), re.DOTALL)[0]
    order = [h[:-5] if h != '#' else '05_train' for h in re.findall(r'href="([\w.-]+\.html|#)"', nav)]   # '#': this page
    assert order == stems, order
    for prev, here, nxt in zip(stems, stems[1:], stems[2:]):
        page = _page(built_site, here)
        assert re.search(rf'<link rel="prev"[^>]*href="{prev}\.html"', page), here
        assert re.search(rf'<link rel="next"[^>]*href="{nxt}\.html"', page), here


def test_equations_and_figures(built_site):
    "Equations are math elements typeset by the bundled MathJax (no CDN); the notebooks' figures are on the pages."
    assert (built_site / '_static' / 'mathjax' / 'tex-chtml.js').is_file()
    for stem in ('index', '04a_masking', '05_train'):
        page = _page(built_site, stem)
        assert 'src="_static/mathjax/tex-chtml.js"' in page, stem
        assert page.count('class="math notranslate nohighlight"') > 0, stem
    masking = _page(built_site, '04a_masking')
    assert masking.count('class="math notranslate nohighlight"') > 50
    imgs = re.findall(r'<img [^>]*src="(_images/[^"]+)"', masking)
    assert len(imgs) >= 5 and all((built_site / i).stat().st_size > 1000 for i in imgs)


def _solution_cells(stem: str) -> int:
    nb = json.loads((NBS / f'{stem}.ipynb').read_text())
    return sum('solution' in c['metadata'].get('tags', []) for c in nb['cells'])


def test_solutions_are_collapsed(built_site):
    "Every solution cell of a notebook is a collapsed 'Show solution' toggle (a closed <details>) on its page."
    with_solutions = [s for s in notebook_stems() if s != 'index' and _solution_cells(s)]
    assert '04a_masking' in with_solutions
    for stem in with_solutions:
        page = _page(built_site, stem)
        toggles = re.findall(r'<div class="cell tag_solution[^"]*">\s*<details([^>]*)>\s*<summary[^>]*>\s*'
                             r'<p class="collapsed admonition-title">Show solution</p>', page)
        assert len(toggles) == _solution_cells(stem), stem
        assert not any('open' in attrs for attrs in toggles), stem


def test_nbdev_directives_processed(built_site):
    "nbdev's directives are processed as for nbdev's docs: hidden and exported cells gone, show_doc rendered."
    pages = {s: _page(built_site, s) for s in notebook_stems()}
    for stem, page in pages.items():
        assert not re.search(r'#\|\s*(export|hide|default_exp|exporti|slow|gpu|eval)', page), stem
        assert 'from nbdev.showdoc import' not in page and 'nbdev_export()' not in page, stem   # `#| hide` cells
    masking = pages['04a_masking']
    assert 'id="patchify"' in masking and 'tag_nbdev-show-doc' in masking                   # show_doc's heading
    assert '<span class="k">def</span><span class="w"> </span><span class="nf">patchify</span>' in masking


def test_quarto_options_become_myst_nb_tags():
    "What nbdev leaves for Quarto (front matter, `#| option: value` lines, solution cells) as myst-nb understands it."
    from execnb.nbio import dict2nb
    to_myst = _load('mart_site_nbs_to_myst', SITE_SRC / 'nbs_to_myst.py')
    code = lambda src, **meta: {'cell_type': 'code', 'source': src, 'metadata': meta, 'outputs': []}
    nb = dict2nb({'metadata': {'widgets': {'state': {}}}, 'cells': [
        {'cell_type': 'raw', 'source': '---\ndescription: What it is about.\ntitle: A notebook\n---\n', 'metadata': {}},
        code('#| echo: false\n#| output: asis\nshow_doc(f)'),
        code('#| include: false\nsecret = 1'),
        code('#| output: false\nquiet = 2'),
        code('#| code-fold: true\n#| code-summary: "Exported source"\ndef g(): pass'),
        code('#| eval: false\nnever_run()'),
        code('answer = 42', tags=['solution'], jupyter={'source_hidden': True}),
        code('plain = 3', jupyter={'source_hidden': True}),
    ]})
    nb.cells[1]['outputs'] = [{'output_type': 'display_data', 'metadata': {},
                               'data': {'text/markdown': '---\n\n[source](https://github.com/x/y.py#L1){target="_blank"}\n\n### f\n'}}]
    to_myst.to_myst_nb(nb)
    cells = nb.cells
    assert cells[0].cell_type == 'markdown' and cells[0].source == '# A notebook\n\n> What it is about.'
    assert [c.source for c in cells[1:]] == ['show_doc(f)', 'secret = 1', 'quiet = 2', 'def g(): pass', 'never_run()',
                                             'answer = 42', 'plain = 3']          # every `#|` line stripped
    tags = [c.metadata.get('tags', []) for c in cells[1:]]
    assert tags[:4] == [['remove-input', 'nbdev-show-doc'], ['remove-cell'], ['remove-output'], ['hide-input']]
    assert tags[4] == [] and tags[5] == ['solution', 'hide-cell'] and tags[6] == ['hide-input']
    assert cells[4].metadata['mystnb']['code_prompt_show'] == 'Exported source'
    assert cells[6].metadata['mystnb'] == {'code_prompt_show': 'Show solution', 'code_prompt_hide': 'Hide solution'}
    assert cells[1].outputs[0]['data']['text/markdown'] == '### f\n'                # no rule, no GitHub source link
    assert 'widgets' not in nb.metadata


# --- controls: the checker must fail on what it is there to catch -----------------------------------------------------

PLANTS = {
    'broken link': ('<a href="no_such_notebook.html">a page that is not there</a>', 'broken link: no_such_notebook.html'),
    'broken anchor': ('<a href="05_train.html#no-such-section">a section that is not there</a>', 'no anchor #no-such-section'),
    'missing image': ('<img src="_images/no_such_figure.png" alt="">', 'missing figure: _images/no_such_figure.png'),
    'raw display equation': ('<p>The loss is $$L = \\sum_i \\ell_i$$ here.</p>', 'unrendered equation'),
    'raw inline equation': ('<p>with a ratio $r_t$ that grows</p>', "unrendered equation: '$r_t$'"),
    'leftover directive': ('<div class="highlight"><pre>#| export\ndef f(): pass</pre></div>', 'leftover nbdev directive'),
    'remote script': ('<script src="https://cdn.example.org/mathjax.js"></script>', 'remote resource'),
}


@pytest.fixture
def mirror(built_site, tmp_path) -> Path:
    "A copy of the site made of symbolic links, in which a test may plant pages without touching the shared build."
    for entry in built_site.iterdir(): (tmp_path / entry.name).symlink_to(entry)
    return tmp_path


def test_checker_passes_a_real_page_unchanged(mirror):
    "Control of the controls: the real page, copied under a new name, gives no problem (so each plant below is the cause)."
    (mirror / 'planted.html').write_text(_page(mirror, '04a_masking'))
    assert check.check_site(mirror, pages=['planted.html']) == []


@pytest.mark.parametrize('kind', list(PLANTS))
def test_checker_fails_on_planted_problem(mirror, kind):
    "A real page (04a_masking) with one planted problem: the checker reports exactly that problem."
    html, expected = PLANTS[kind]
    page = _page(mirror, '04a_masking').replace('</article>', html + '</article>', 1)
    (mirror / 'planted.html').write_text(page)
    problems = check.check_site(mirror, pages=['planted.html'])
    assert len(problems) == 1 and expected in problems[0], problems


def test_checker_fails_on_a_lost_output_image(mirror):
    "A page that shows fewer output images than its notebook has (a figure that did not make it) is reported."
    html = _page(mirror, '04a_masking')
    shown = check.Page(html).output_imgs
    assert check.check_site(mirror, {'04a_masking.html': shown}, pages=['04a_masking.html']) == []
    problems = check.check_site(mirror, {'04a_masking.html': shown + 1}, pages=['04a_masking.html'])
    assert len(problems) == 1 and 'missing figure' in problems[0], problems
