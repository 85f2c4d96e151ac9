"""No import circle between mart_nb's modules: every `import` of the package (at the top of a module, inside a function,
under `if __name__ == '__main__'`) is an edge, and the graph of modules has no cycle. A cycle makes the order in which
modules may be imported matter, and sends a reader of one module into another and back."""
from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / 'mart_nb'


def imports_of(path: Path) -> set[str]:
    "The mart_nb modules that the module at `path` imports anywhere in its source."
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1: base = node.module or ''
            elif (node.module or '').startswith('mart_nb.'): base = node.module[len('mart_nb.'):]
            elif node.module == 'mart_nb': base = ''
            else: continue
            names = [base] if base else [a.name for a in node.names]
            out.update(n.split('.')[0] for n in names)
        elif isinstance(node, ast.Import):
            out.update(a.name.split('.')[1] for a in node.names if a.name.startswith('mart_nb.'))
        elif isinstance(node, ast.Call) and getattr(node.func, 'attr', getattr(node.func, 'id', '')) == 'import_module':
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and str(arg.value).startswith('mart_nb.'):
                out.add(arg.value.split('.')[1])
    return out - {path.stem}


def graph() -> dict[str, set[str]]:
    mods = {p.stem for p in PKG.glob('*.py') if p.stem != '__init__'}
    return {p.stem: imports_of(p) & mods for p in PKG.glob('*.py') if p.stem in mods}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    "One cycle per strongly connected component with more than one module (Tarjan)."
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = n[0]; n[0] += 1
        stack.append(v); on.add(v)
        for w in g.get(v, ()):
            if w not in index: visit(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: out.append(sorted(comp))
    for v in sorted(g):
        if v not in index: visit(v)
    return out


def test_finds_a_cycle():
    assert cycles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}) == [['a', 'b', 'c']]
    assert cycles({'a': {'b'}, 'b': set()}) == []


def test_reads_every_kind_of_import(tmp_path):
    f = tmp_path / 'm.py'
    f.write_text("from .host import MBT\nimport mart_nb.train\ndef g():\n    from mart_nb.runner import main\n"
                 "if __name__ == '__main__':\n    from mart_nb import labels\n"
                 "importlib.import_module('mart_nb.explorer')\n")
    assert imports_of(f) == {'host', 'train', 'runner', 'labels', 'explorer'}


def test_no_import_circle():
    g = graph()
    assert {'train', 'runner', 'checkpoint', 'labels'} <= set(g)
    assert 'runner' not in g['train'] and 'train' in g['runner']
    assert cycles(g) == [], f"import circles between mart_nb modules: {cycles(g)}"
