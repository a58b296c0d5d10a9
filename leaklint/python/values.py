"""What a local name holds, when every binding of it is visible.

Used to read a value through one level of naming (`url = "file://%s" % path;
urlopen(url)`). Any binding the analysis cannot read (a parameter, a loop target,
unpacking, augmented assignment, a name from an outer scope) makes the answer None:
unknown, never a guess. Attributes are not read: the methods that bind them may be
bodies the slicer left out.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from leaklint.python.facts import Function

# Parents under which a name (or attribute) is rebound in a way not read here.
_OTHER_STORES = (cst.For, cst.CompFor, cst.AugAssign, cst.NamedExpr, cst.Param, cst.AsName,
                 cst.Element, cst.Global, cst.Nonlocal, cst.Del, cst.StarredElement)


def bindings(analysis, fn: Function | None) -> Callable[[cst.BaseExpression], list | None]:
    def values(expr: cst.BaseExpression) -> list | None:
        if fn is None:
            return None
        if isinstance(expr, cst.Name):
            return _local(analysis, fn, expr.value)
        return None
    return values


def _assigned(node: cst.CSTNode, matches: Callable[[cst.BaseExpression], bool]):
    if isinstance(node, cst.Assign) and len(node.targets) == 1 \
            and matches(node.targets[0].target):
        return node.value
    if isinstance(node, cst.AnnAssign) and node.value is not None and matches(node.target):
        return node.value
    return None


def _local(analysis, fn: Function, name: str) -> list | None:
    params = (*fn.params.posonly_params, *fn.params.params, *fn.params.kwonly_params)
    if any(p.name.value == name for p in params):
        return None
    if name in analysis.facts.globals_of.get(fn, ()):
        return None
    found = []
    for node in analysis.facts.binds.get(fn, ()):
        value = _assigned(node, lambda t: isinstance(t, cst.Name) and t.value == name)
        if value is not None:
            found.append(value)
    for use in analysis.facts.uses(fn, name):
        if isinstance(analysis.parent(use), _OTHER_STORES):
            return None
    if any(analysis.facts.uses(inner, name) for inner in analysis.facts.functions
           if inner is not fn and analysis.facts.inside(inner, fn)):
        return None  # a nested function may rebind it (nonlocal)
    return found or None
