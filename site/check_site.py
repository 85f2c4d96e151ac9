"""Checks of a built site, with no browser: what a reader would find broken.

    python site/check_site.py [_site]

`check_site(root)` returns one line per problem (an empty list: nothing found):

* a broken internal link: an `href` or `src` to a file of the site that does not exist, or to an anchor (`#id`) that
  the target page does not have;
* a missing figure: an `<img>` whose file does not exist (or an empty `data:` image), or a page with fewer output
  images than its notebook has (`expected_images`);
* an unrendered equation: `$$` or `$...$` left in a page's text outside its math elements (MyST's dollarmath turns
  each equation into a `math` element that MathJax typesets; a `$` left over was never parsed as math);
* a leftover nbdev directive: a `#| ...` line in a code block;
* a remote resource: a script, style sheet, font, image or frame loaded from another host (the site works offline).

The browser test (tests/test_site_browser.py) checks the rest in chromium: images decode, MathJax typesets without
errors, a solution is a collapsed toggle, and every resource the page loads comes from the site itself.
"""
from __future__ import annotations

import base64, os, re, sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'}
NO_MATH_TEXT = {'script', 'style', 'pre', 'code', 'kbd', 'samp', 'textarea', 'math', 'svg', 'mjx-container'}
LOADS = {('script', 'src'), ('link', 'href'), ('img', 'src'), ('iframe', 'src'), ('source', 'src'),
         ('video', 'src'), ('audio', 'src'), ('embed', 'src'), ('object', 'data')}
IMAGE_MIMES = ('image/svg+xml', 'image/png', 'image/jpeg', 'image/gif')
# myst-nb's order of preference for an output's representation in HTML (its default `nb_mime_priority_overrides`)
MIME_PRIORITY = ('application/vnd.jupyter.widget-view+json', 'application/javascript', 'text/html',
                 'image/svg+xml', 'image/png', 'image/jpeg', 'text/markdown', 'text/latex', 'text/plain')
_re_display = re.compile(r'\$\$(?:.{0,500}?\$\$)?', re.DOTALL)   # a pair, or a lone $$
_re_inline = re.compile(r'(?<![\\$\w])\$(?=[^\s$])[^$\n]{1,300}?(?<=[^\s$\\])\$(?![\w$])')
_re_directive = re.compile(r'^\s*#\|', re.MULTILINE)


def _remote(url: str) -> bool: return bool(re.match(r'^([a-z][a-z0-9+.-]*:)?//', url, re.I))
def _skip(url: str) -> bool: return url == '' or url == '#' or re.match(r'^(mailto|javascript|tel|about):', url, re.I) is not None


class Page(HTMLParser):
    "One HTML page, parsed: its ids, the URLs it links or loads, its text outside math and code, its code blocks."
    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.ids, self.urls, self.text, self.code, self.output_imgs = set(), [], [], [], 0
        self._stack = []                                    # (tag, classes) of the open elements
        self.feed(text); self.close()

    def _inside(self, tags=(), cls=None) -> bool:
        return any(t in tags or (cls and cls in c) for t, c in self._stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ('id', 'name'):
            if a.get(k) and (k == 'id' or tag == 'a'): self.ids.add(a[k])
        for t, attr in LOADS | {('a', 'href')}:
            if tag == t and a.get(attr) is not None: self.urls.append((tag, attr, a[attr].strip(), a.get('rel', '')))
        classes = (a.get('class') or '').split()
        if tag == 'img' and self._inside(cls='cell_output'): self.output_imgs += 1
        if tag not in VOID: self._stack.append((tag, classes))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self._stack and self._stack[-1][0] == tag: self._stack.pop()

    def handle_endtag(self, tag):
        if any(t == tag for t, _ in self._stack):          # pop to the matching element (tolerates unclosed <p>, <li>)
            while self._stack and self._stack.pop()[0] != tag: pass

    def handle_data(self, data):
        if self._inside(('pre',)): self.code.append(data)
        if not self._inside(NO_MATH_TEXT, cls='math'): self.text.append(data)


def expected_images(nb: dict) -> int:
    "How many image outputs a staged notebook (JSON) shows: outputs of kept cells whose shown representation is an image."
    n = 0
    for cell in nb['cells']:
        tags = cell.get('metadata', {}).get('tags', [])
        if cell['cell_type'] != 'code' or {'remove-cell', 'remove-output', 'remove_output'} & set(tags): continue
        for out in cell.get('outputs', []):
            shown = next((m for m in MIME_PRIORITY if m in out.get('data', {})), None)
            n += shown in IMAGE_MIMES
    return n


def _css_problems(root: Path) -> list[str]:
    "Style sheets that load fonts or other files from another host (`url(https://...)`, `@import` of a remote sheet)."
    bad = re.compile(r'''(url\(\s*['"]?|@import\s+['"])((https?:)?//[^'")\s]+)''', re.I)
    return [f'{css.relative_to(root)}: remote resource in a style sheet: {m[2]}'
            for css in sorted(root.rglob('*.css')) for m in bad.finditer(css.read_text(errors='replace'))]


def check_site(root, expected: dict[str, int] | None = None, pages=None) -> list[str]:
    """Everything wrong with the site in `root` (see the module's docstring); `expected` maps a page to its number of
    output images; `pages` limits the check to those pages (paths relative to `root`; default: every page but those
    in `_static/`, and the style sheets)."""
    root = Path(os.path.abspath(root))                      # not resolve(): a mirror of symlinks stays inside
    if not (root / 'index.html').is_file(): return [f'{root}: no index.html (was the site built?)']
    problems = [f'{p}: page missing' for p in (expected or {}) if not (root / p).is_file()]
    checked = ({root / p for p in pages} if pages is not None else
               {f for f in root.rglob('*.html') if '_static' not in f.relative_to(root).parts})
    parsed: dict[Path, Page] = {}
    def page(f: Path) -> Page:
        if f not in parsed: parsed[f] = Page(f.read_text(encoding='utf-8', errors='replace'))
        return parsed[f]
    for f in sorted(checked):
        name, p = f.relative_to(root).as_posix(), page(f)
        for tag, attr, url, rel in p.urls:
            what = 'missing figure' if tag == 'img' else 'broken link'
            if url.startswith('data:'):
                if tag == 'img' and not _data_ok(url): problems.append(f'{name}: missing figure: empty or undecodable data: image')
                continue
            if _skip(url): continue
            if _remote(url):
                if (tag, attr) in LOADS and 'canonical' not in rel:
                    problems.append(f'{name}: remote resource <{tag} {attr}="{url}">')
                continue
            parts = urlsplit(url)
            target = f if not parts.path else Path(os.path.normpath(f.parent / unquote(parts.path)))
            if target.is_dir(): target = target / 'index.html'
            if root not in target.parents and target != root:
                problems.append(f'{name}: {what}: {url} (outside the site)'); continue
            if not target.is_file():
                problems.append(f'{name}: {what}: {url} (no file {target.relative_to(root)})'); continue
            if parts.fragment and target.suffix == '.html' and unquote(parts.fragment) not in page(target).ids:
                problems.append(f'{name}: broken link: {url} (no anchor #{parts.fragment} in {target.relative_to(root)})')
        text = ' '.join(p.text)
        for m in _re_display.finditer(text):
            problems.append(f'{name}: unrendered equation: ...{text[max(0, m.start() - 60):m.end() + 60]!r}...')
        for m in _re_inline.finditer(_re_display.sub(' ', text)):
            problems.append(f'{name}: unrendered equation: {m[0]!r}')
        for m in _re_directive.finditer(''.join(p.code)):
            line = ''.join(p.code)[m.start():].split('\n', 1)[0]
            problems.append(f'{name}: leftover nbdev directive in a code block: {line.strip()!r}')
        if expected and name in expected and p.output_imgs < expected[name]:
            problems.append(f'{name}: missing figure: {p.output_imgs} output image(s) on the page, '
                            f'{expected[name]} in the notebook')
    return problems + (_css_problems(root) if pages is None else [])


def _data_ok(url: str) -> bool:
    head, _, data = url.partition(',')
    try: return len(base64.b64decode(data) if head.endswith(';base64') else unquote(data)) > 0
    except ValueError: return False


if __name__ == '__main__':
    site = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / '_site')
    found = check_site(site)
    print('\n'.join(found) or f'{site}: no problems found')
    sys.exit(1 if found else 0)
