"""Sphinx configuration of the course site (used by site/build.py as `sphinx-build -c site`).

Sphinx with myst-nb reads the notebooks that build.py staged, with their stored outputs (nothing is executed);
sphinx-book-theme (the theme of Jupyter Book) lays them out as a book; sphinx-mathjax-offline ships MathJax with the
site, so equations render with no network. Project name, author and year come from settings.ini.
"""
import importlib
from configparser import ConfigParser
from pathlib import Path

_cfg = ConfigParser(delimiters=['='])
_cfg.read(Path(__file__).resolve().parents[1] / 'settings.ini', encoding='utf-8')
_cfg = _cfg['DEFAULT']

project = _cfg['title']
author = _cfg['author']
copyright = _cfg['copyright']
release = version = _cfg['version']

extensions = ['myst_nb']
root_doc = 'index'                                      # the front page: nbs/index.ipynb and its course path
exclude_patterns = ['**.ipynb_checkpoints']
# show_doc prints a signature with its parameters' comments; a comment that nbdev wraps over two lines is not valid
# Python, and Pygments then highlights it "in relaxed mode" (a warning, which -W would make fatal)
suppress_warnings = ['misc.highlighting_failure']

# MyST: $...$ and $$...$$ in markdown cells (and in show_doc's markdown), \begin{cases} inside them
myst_enable_extensions = ['dollarmath', 'amsmath']
myst_heading_anchors = 4                                # show_doc's headings (### name, #### Class.method)

# MathJax 3 from sphinx-mathjax-offline, copied into _static/mathjax (no CDN); see `setup` below
mathjax_path = 'mathjax/tex-chtml.js'

# myst-nb: the committed outputs as they are
nb_execution_mode = 'off'
nb_render_markdown_format = 'myst'                      # show_doc's markdown, with its math
nb_merge_streams = True
nb_ipywidgets_js = {}                                   # no widget manager (require.js, jupyter-widgets) from a CDN

html_theme = 'sphinx_book_theme'
html_title = f'{project}: a course on MART'
html_static_path = ['_static']                          # site/_static/site.css
html_css_files = ['site.css']
html_copy_source = False                                # the notebooks stay in nbs/; no second copy in the site
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    'home_page_in_toc': True,                           # the course path is the first entry of the navigation
    'show_navbar_depth': 1,
    'show_toc_level': 2,
    'use_download_button': False,
    'use_fullscreen_button': False,
    'use_repository_button': False,
    'navigation_with_keys': False,
}


def setup(app):
    """Copy sphinx-mathjax-offline's MathJax into the site at the end of the build. (Listed in `extensions`, the
    package would make Sphinx read serially, as it does not say that it is safe in parallel; it only copies files.)"""
    offline = importlib.import_module('sphinx-mathjax-offline')          # the package's name has hyphens
    app.connect('build-finished', offline.copy_mathjax_files)
