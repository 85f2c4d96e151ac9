"""One notebook, from nbs/ to the site: nbdev's own docs processing, then Quarto's cell options as myst-nb's cell tags.

`process_notebook(src, dst)` (run by site/build.py, in worker processes) does:

1. nbdev's docs processing (`nbdev.processors.FilterDefaults`, what `nbdev_proc_nbs` and `nbdev_preview` run before
   Quarto): `#| hide`, `#| export`, `#| exporti`, `#| default_exp` cells dropped, nbdev's non-Quarto directives
   (`#| slow`, `#| gpu` ...) stripped, a `show_doc` cell added after each exported definition and rendered, the
   library's names in backticks linked, the title cell turned into front matter. Nothing in a notebook is executed:
   the `show_doc` cells are rendered from the exported module (`mart_nb.<default_exp>`), see `show_docs_from_library`.
2. `to_myst_nb`: what Quarto would do with the cell options nbdev leaves (`#| echo: false`, `#| output: asis`,
   `#| include: false` ...), done with myst-nb's cell tags (remove-input, remove-cell ...), the option lines stripped
   as Quarto strips them; the exercises' solutions (cell tag `solution`) become collapsed "Show solution" toggles.

Then `link_locally(staged, notebooks)` points nbdev's links to the library's docs (on `doc_host`) at this site's pages.
"""
from __future__ import annotations

import importlib, os, re
from pathlib import Path

SOLUTION_TAG = 'solution'
# Quarto cell options that nbdev leaves in a processed notebook, and the myst-nb cell tag that does the same
QUARTO_TAGS = {('include', 'false'): 'remove-cell', ('echo', 'false'): 'remove-input',
               ('output', 'false'): 'remove-output', ('code-fold', 'true'): 'hide-input',
               ('warning', 'false'): 'remove-stderr'}
SHOW_DOC_TAG = 'nbdev-show-doc'                  # myst-nb gives the cell the class `tag_nbdev-show-doc`
_re_option = re.compile(r'^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')
# show_doc's markdown starts with a rule (`---`, which docutils refuses inside a cell) and a link to the source on
# GitHub with Quarto attributes (`{target="_blank" ...}`, which MyST does not read): both go
_re_rule = re.compile(r'\A\s*---\s*\n')
_re_source_link = re.compile(r'^\[source\]\(https?://[^)]*\)(\{[^}]*\})?\s*$', re.MULTILINE)


def split_title_cell(nb) -> None:
    """Put the rest of the first markdown cell after its `# Title` and `> description` into a cell of its own.
    nbdev's front-matter processor turns the whole title cell into front matter, which would drop that text."""
    from execnb.nbio import mk_cell
    md = [c for c in nb.cells if c.cell_type == 'markdown']
    if not md or not md[0].source.lstrip().startswith('# '): return
    cell, lines = md[0], md[0].source.strip().splitlines()
    i = 1
    while i < len(lines) and not lines[i].strip(): i += 1
    if i < len(lines) and lines[i].startswith('>'): i += 1             # the description: the one line nbdev reads
    head, rest = '\n'.join(lines[:i]).strip(), '\n'.join(lines[i:]).strip()
    if not rest: return
    cell.source = head
    nb.cells.insert(nb.cells.index(cell) + 1, mk_cell(rest, 'markdown'))


def _is_showdoc(cell) -> bool:
    "A show_doc cell, once its `#|` lines are gone."
    return cell.get('cell_type') == 'code' and cell.get('source', '').lstrip().startswith('show_doc(')


def _show_docs_from_library():
    "nbdev's `exec_show_docs`, but with the definitions imported from the exported module instead of run from the cells."
    from nbdev.process import Processor
    from nbdev.processors import _default_exp, _is_showdoc as nbdev_is_showdoc   # its directive lines still on
    from execnb.shell import CaptureShell

    class show_docs_from_library(Processor):
        """Render every `show_doc(...)` cell (nbdev adds one after each exported definition) in a shell that holds
        the names of `mart_nb.<default_exp>`. nbdev's own `exec_show_docs` runs the notebook's exported cells and
        every cell with an import, and such a cell may need names that only unexported cells define."""
        def begin(self):
            self.k = CaptureShell()
            self.k.run_cell('from nbdev.showdoc import show_doc')
            mod = _default_exp(self.nb)
            if mod: self.k.user_ns.update(vars(importlib.import_module(f'mart_nb.{mod}')))

        def __call__(self, cell):
            if cell.cell_type != 'code' or not nbdev_is_showdoc(cell): return
            self.k.cell(cell)
            if self.k.exc: raise RuntimeError(f'{self.nb.path_}: show_doc failed:\n{cell.source}') from self.k.exc
    return show_docs_from_library


def nbdev_processors():
    "nbdev's docs processors (settings.ini's `procs` and `skip_procs` included), `exec_show_docs` replaced as above."
    from nbdev.processors import FilterDefaults, exec_show_docs
    shown = _show_docs_from_library()
    class SiteFilter(FilterDefaults):
        def base_procs(self): return [shown if p is exec_show_docs else p for p in super().base_procs()]
    return SiteFilter()


def to_myst_nb(nb) -> None:
    """Turn a notebook processed by nbdev for Quarto into one for myst-nb, in place: the front matter becomes the
    page's title and description, Quarto's cell options become myst-nb's cell tags (and the option lines go, as Quarto
    strips them), solutions collapse, show_doc's output loses its rule and source link, and no ipywidgets state asks for
    a widget manager. Links to the library's docs are made local later, by `link_locally`, once every page is known."""
    import yaml
    from execnb.nbio import mk_cell
    cells = []
    for cell in nb.cells:
        src = cell.get('source') or ''
        if cell.cell_type == 'raw' and src.startswith('---'):                     # nbdev's front matter
            fm = yaml.safe_load(src.strip().strip('-')) or {}
            head = f"# {fm.get('title') or Path(nb.get('path_', 'untitled')).stem}"
            if fm.get('description'): head += f"\n\n> {fm['description']}"
            cells.append(mk_cell(head, 'markdown')); continue
        meta = cell.setdefault('metadata', {})
        tags = list(meta.get('tags', []))
        if cell.cell_type == 'code':
            lines = src.splitlines()
            opts = {}
            while lines and (m := _re_option.match(lines[0])):
                opts[m[1]] = m[2].strip('"\'').lower() if m[1] != 'code-summary' else m[2].strip('"\'')
                lines.pop(0)
            cell.source = '\n'.join(lines)
            tags += [t for (k, v), t in QUARTO_TAGS.items() if opts.get(k) == v]
            if 'code-summary' in opts and 'hide-input' in tags:
                meta['mystnb'] = {'code_prompt_show': opts['code-summary'], 'code_prompt_hide': opts['code-summary']}
            hidden = meta.get('jupyter', {})
            if SOLUTION_TAG in tags:                     # the whole solution, code and output, behind one toggle
                tags.append('hide-cell')
                meta['mystnb'] = {'code_prompt_show': 'Show solution', 'code_prompt_hide': 'Hide solution'}
            elif hidden.get('source_hidden'): tags.append('hide-input')
            if hidden.get('outputs_hidden') and SOLUTION_TAG not in tags: tags.append('hide-output')
            for out in cell.get('outputs', []):
                data = out.get('data', {})
                data.pop('application/vnd.jupyter.widget-view+json', None)      # no widget manager offline
                if 'text/markdown' in data and _is_showdoc(cell):              # show_doc's output: its leading rule
                    md = _re_rule.sub('', _re_source_link.sub('', ''.join(data['text/markdown'])))   # is a CSS border
                    data['text/markdown'] = md.strip() + '\n'; tags.append(SHOW_DOC_TAG)         # (site/_static)
        if tags: meta['tags'] = list(dict.fromkeys(tags))
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop('widgets', None)


def process_notebook(src: Path, dst: Path) -> Path:
    "nbdev's docs processing, then `to_myst_nb`, of notebook `src`, written to `dst` (run in a worker process)."
    from execnb.nbio import read_nb, write_nb
    os.environ['IN_TEST'] = '1'                      # as nbdev's docs processing sets it
    os.chdir(src.parent)                             # nbdev finds settings.ini from here, as `nbdev_proc_nbs` does
    nb = read_nb(src)
    split_title_cell(nb)
    nbdev_processors()(nb)
    to_myst_nb(nb)
    write_nb(nb, dst)
    return dst


def _headings(nb: dict) -> set[str]:
    "The ids a page's headings get (docutils' and MyST's), from its markdown cells and show_doc's markdown outputs."
    from docutils.nodes import make_id
    from myst_parser.slugs import github_slugify
    texts = [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown']
    texts += [''.join(o['data']['text/markdown']) for c in nb['cells'] for o in c.get('outputs', [])
              if 'text/markdown' in o.get('data', {})]
    found = set()
    for t in texts:
        t = re.sub(r'^```.*?^```', '', t, flags=re.MULTILINE | re.DOTALL)            # not the comments in code
        for h in re.findall(r'^#{1,6}\s+(.+?)\s*$', t, re.MULTILINE):
            h = h.replace('`', '')
            found |= {make_id(h), github_slugify(h)}
    return found


def link_locally(staged: Path, notebooks: list[Path]) -> None:
    """nbdev links each name in backticks to its docs page on `doc_host` (`https://.../mart_nb/masking.html#patchify`).
    Here the page is the notebook's own (`04a_masking.ipynb`, which MyST resolves to the page) and the anchor is the
    name's show_doc heading where it has one, else its class's (`Arm.parameters` -> `arm`), else the top of the page."""
    import json
    from docutils.nodes import make_id
    from nbdev.config import get_config
    from nbdev.doclinks import _nbpath2html
    cfg = get_config(path=notebooks[0].parent)
    host = re.escape(f"{cfg.doc_host.rstrip('/')}{cfg.doc_baseurl.rstrip('/')}/")
    pages = {_nbpath2html(p).name: p.stem for p in notebooks}                   # nbdev's page name -> notebook
    nbs = {p.stem: json.loads((staged / p.name).read_text()) for p in notebooks}
    ids = {stem: _headings(nb) for stem, nb in nbs.items()}
    def local(m):
        stem = pages.get(m[1])
        if stem is None: return m[0]
        name = m[2] or ''
        anchor = next((a for a in (make_id(name), make_id(name.split('.')[0])) if a and a in ids[stem]), '')
        return f'{stem}.ipynb' + (f'#{anchor}' if anchor else '')
    link = lambda s: re.sub(host + r'([\w.-]+\.html)(?:#([^)\s"]+))?', local, s)
    for stem, nb in nbs.items():
        for i, c in enumerate(nb['cells']):
            c.setdefault('id', f'cell-{i}')                                        # nbformat 4.5 wants ids
            if c['cell_type'] == 'markdown': c['source'] = link(''.join(c['source']))
            for o in c.get('outputs', []):
                if 'text/markdown' in o.get('data', {}): o['data']['text/markdown'] = link(''.join(o['data']['text/markdown']))
        (staged / f'{stem}.ipynb').write_text(json.dumps(nb))
