"""Import cycles and private reaches among glassnet modules (measurement for issue 22;

Imports: every `import`/`from ... import` in a module, at module level or inside a function,
resolved to glassnet modules (a name imported from a package that is a submodule counts as
that submodule). Imports under `if TYPE_CHECKING:` are typing only and listed apart.
Cycles: strongly connected components of the module graph (runtime imports, lazy included).

Private reaches (one rule, applied the same way before and after):
  A. `from glassnet.X import _name` in a module other than X (a private name imported)
  B. `m._name` where m is bound to an imported glassnet module (private module attribute)
  C. `obj._name` where obj is anything but `self`/`cls` (another object's private member),
     counted only when `_name` is not defined as an attribute/method in the same file
     (a class reading its own private state on another instance of itself is not a reach).
  Dunders are never counted. Importing a private *module* (glassnet._checks) is counted apart.
"""
from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

# usage: python -m benchmarks.imports [SRC]   (SRC: the folder holding glassnet/, default src)
ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else "src") / "glassnet"
PKG = ROOT.parent


def modname(p: Path) -> str:
    parts = list(p.relative_to(PKG).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {modname(p): p for p in ROOT.rglob("*.py")}


def resolve(me: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    package = me if is_pkg else me.rsplit(".", 1)[0]
    if node.level:
        base = package.split(".")
        base = ".".join(base[: len(base) - (node.level - 1)])
        return f"{base}.{node.module}" if node.module else base
    return node.module or ""


def in_type_checking(parents, node) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def func_of(parents, node) -> str | None:
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node.name
    return None


edges = defaultdict(set)          # runtime
lazy = defaultdict(set)           # (a, b) -> functions
typing_only = defaultdict(set)
reaches = []
private_module_imports = []

for me, path in sorted(MODULES.items()):
    is_pkg = path.name == "__init__.py"
    tree = ast.parse(path.read_text())
    parents = {c: n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
    module_aliases = {}
    own_names = set()
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            own_names.add(n.name)
        elif isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and \
                n.value.id in ("self", "cls") and isinstance(n.ctx, ast.Store):
            own_names.add(n.attr)
        elif isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name):
            own_names.add(n.target.id)
        elif isinstance(n, ast.Assign):
            for t in n.targets:
                if isinstance(t, ast.Name):
                    own_names.add(t.id)
    for n in ast.walk(tree):
        targets = []
        if isinstance(n, ast.Import):
            for a in n.names:
                if a.name.startswith("glassnet"):
                    targets.append(a.name)
                    module_aliases[(a.asname or a.name).split(".")[0]] = a.name
        elif isinstance(n, ast.ImportFrom):
            base = resolve(me, is_pkg, n)
            if not base.startswith("glassnet"):
                continue
            for a in n.names:
                sub = f"{base}.{a.name}"
                if sub in MODULES:
                    targets.append(sub)
                    module_aliases[a.asname or a.name] = sub
                else:
                    targets.append(base)
                    if a.name.startswith("_") and not a.name.startswith("__") and base != me:
                        reaches.append(("A", me, n.lineno, f"{base}.{a.name}"))
        for t in targets:
            while t not in MODULES and "." in t:
                t = t.rsplit(".", 1)[0]
            if t == me or t not in MODULES:
                continue
            if any(p.startswith("_") and not p.startswith("__") for p in t.split(".")[1:]):
                private_module_imports.append((me, n.lineno, t))
            if in_type_checking(parents, n):
                typing_only[me].add(t)
            else:
                edges[me].add(t)
                f = func_of(parents, n)
                if f:
                    lazy[(me, t)].add(f)
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and n.attr.startswith("_") and \
                not n.attr.startswith("__"):
            v = n.value
            if isinstance(v, ast.Name) and v.id in module_aliases:
                reaches.append(("B", me, n.lineno, f"{module_aliases[v.id]}.{n.attr}"))
            elif isinstance(v, ast.Name) and v.id in ("self", "cls"):
                continue
            elif isinstance(v, ast.Call) and ast.unparse(v.func) == "super":
                continue
            elif n.attr not in own_names:
                reaches.append(("C", me, n.lineno, f"{ast.unparse(v)}.{n.attr}"))

# Tarjan SCC
index, low, stack, on, sccs, i = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)


def strong(v):
    index[v] = low[v] = i[0]
    i[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges.get(v, ()):
        if w not in index:
            strong(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))


for v in sorted(MODULES):
    if v not in index:
        strong(v)

# a package importing its own submodules (and submodules importing their package's
# __init__) is ordinary; report cycles outside that too
print("== import cycles (runtime imports, lazy included) ==")
for comp in sccs:
    print(f"SCC of {len(comp)}: {', '.join(comp)}")
    for a in comp:
        for b in sorted(edges[a] & set(comp)):
            how = f"lazy in {sorted(lazy[(a, b)])}" if (a, b) in lazy else "module level"
            print(f"   {a} -> {b}  ({how})")
print(f"cycles (SCCs with >1 module): {len(sccs)}")
core = {"glassnet.model", "glassnet.training", "glassnet.callbacks"}
print("model/training/callbacks edges:")
for a in sorted(core):
    for b in sorted(edges[a] & core):
        how = f"lazy in {sorted(lazy[(a, b)])}" if (a, b) in lazy else "module level"
        print(f"   {a} -> {b} ({how})")
    for b in sorted(typing_only[a] & core):
        print(f"   {a} -> {b} (TYPE_CHECKING only)")
print()
print("== private reaches ==")
bykind = defaultdict(list)
for r in reaches:
    bykind[r[0]].append(r)
for k in "ABC":
    print(f"{k}: {len(bykind[k])}")
    for _, me, line, what in bykind[k]:
        print(f"   {me}:{line} {what}")
print(f"total private reaches: {len(reaches)}")
print(f"imports of private modules: {len(private_module_imports)}")
pm = defaultdict(int)
for _me, _line, t in private_module_imports:
    pm[t] += 1
for t, c in sorted(pm.items()):
    print(f"   {t}: {c}")
