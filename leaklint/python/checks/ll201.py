"""LL201 close-before-error-check (Python): cleanup in `except`/`finally` of a name bound
inside the `try` by an acquisition that may have raised. If it raised, the name is
unbound (UnboundLocalError) or still None (AttributeError), and that new exception
hides the original one. A guard (`if resp is not None:`, `if resp:`) makes it fine."""

from __future__ import annotations

import libcst as cst

from leaklint.python.checks.ll101 import holds_connection
from leaklint.python.names import code, walk

RULES = ("LL201",)


def check(analysis) -> None:
    acquiring: dict[int, object] = {}  # calls whose result holds a connection
    requesting: dict[int, object] = {}  # every call that may raise before binding
    for site in analysis.sites:
        if site.fn is None:
            continue
        if site.client is not None or holds_connection(analysis, site):
            acquiring[id(site.call)] = site
        if site.client is not None or site.request is not None:
            requesting[id(site.call)] = site
    if not requesting:
        return
    for node, fn in analysis.facts.tries:
        if fn is not None:
            _check_try(analysis, fn, node, acquiring, requesting)


def _acquisitions(analysis, fn, stmt, acquiring) -> dict[str, cst.Call]:
    found: dict[str, cst.Call] = {}
    for node in analysis.facts.binds.get(fn, ()):
        if not isinstance(node, cst.Assign) or len(node.targets) != 1:
            continue
        if not analysis.facts.inside(node, stmt.body):
            continue
        target = node.targets[0].target
        value = node.value.expression if isinstance(node.value, cst.Await) else node.value
        if isinstance(target, cst.Name) and isinstance(value, cst.Call) \
                and id(value) in acquiring:
            found.setdefault(target.value, value)
    return found


def _check_try(analysis, fn, stmt, acquiring, requesting) -> None:
    """Cleanup in a handler or `finally` of a name an acquisition binds in the try; and,
    when a handler swallows the failure, any use of a name a request binds there (the
    code after the try then runs with the name unbound)."""
    names = _acquisitions(analysis, fn, stmt, requesting)
    if not names:
        return
    cleanups: list[cst.CSTNode] = [h.body for h in stmt.handlers]
    if stmt.finalbody is not None:
        cleanups.append(stmt.finalbody.body)
    swallowing = [h for h in stmt.handlers if _falls_through(h)]
    for name, call in names.items():
        use = None
        for block in cleanups if id(call) in acquiring else ():
            use = _unguarded_use(analysis, fn, block, name)
            if use is not None:
                break
        if use is None and swallowing and not any(
                _assigns(analysis, fn, h.body, name) for h in swallowing):
            use = _use_after(analysis, fn, stmt, name)
        if use is not None:
            analysis.report.report("LL201", analysis.span(use), scope=analysis.scope(fn),
                                   var=name, callee=code(call.func))


_LEAVING = (cst.Return, cst.Raise, cst.Continue, cst.Break)


def _falls_through(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """The handler can end normally, so the code after the try runs with the name
    unbound (or as it was before the try)."""
    for line in handler.body.body:
        if isinstance(line, cst.SimpleStatementLine) and any(
                isinstance(small, _LEAVING) for small in line.body):
            return False
    return True


def _assigns(analysis, fn, block: cst.CSTNode, name: str) -> bool:
    return any(isinstance(bind, cst.Assign) and analysis.facts.inside(bind, block) and any(
        isinstance(t.target, cst.Name) and t.target.value == name for t in bind.targets)
        for bind in analysis.facts.binds.get(fn, ()))


def _use_after(analysis, fn, stmt: cst.CSTNode, name: str) -> cst.CSTNode | None:
    """The first use of the name after the try, in the block that holds it, when it is
    a member access or a cleanup call and nothing guards or rebinds the name first."""
    facts = analysis.facts
    block = analysis.parent(stmt)
    end = max((facts.order.get(n, 0) for n in facts.uses(fn, name)
               if facts.inside(n, stmt)), default=facts.order.get(stmt, 0))
    later = sorted((n for n in facts.uses(fn, name)
                    if facts.order.get(n, 0) > end and block is not None
                    and facts.inside(n, block) and not facts.inside(n, stmt)),
                   key=lambda n: facts.order.get(n, 0))
    if not later:
        return None
    first = later[0]
    parent = analysis.parent(first)
    if isinstance(parent, cst.AssignTarget) or _guarded(analysis, first, block, name):
        return None
    if isinstance(parent, cst.Attribute) and parent.value is first:
        return parent
    if isinstance(parent, cst.WithItem):
        return first
    return None


def _unguarded_use(analysis, fn, block: cst.CSTNode, name: str) -> cst.CSTNode | None:
    for node in analysis.facts.uses(fn, name):
        if not analysis.facts.inside(node, block):
            continue
        parent = analysis.parent(node)
        is_member = isinstance(parent, cst.Attribute) and parent.value is node
        is_closed = isinstance(parent, (cst.WithItem, cst.Arg)) and not (
            isinstance(parent, cst.Arg) and parent.keyword is node)
        if not (is_member or is_closed):
            continue
        if isinstance(parent, cst.AssignTarget) or _guarded(analysis, node, block, name):
            continue
        if _rebound_before(analysis, fn, block, name, node):
            continue  # `except HTTPError as e: resp = Wrapper(e); resp.headers[...]`
        return parent if is_member else node
    return None


def _rebound_before(analysis, fn, block: cst.CSTNode, name: str, use: cst.CSTNode) -> bool:
    """The cleanup block assigns the name before this use: it no longer refers to the
    acquisition that may have raised."""
    facts = analysis.facts
    where = facts.order.get(use)
    if where is None:
        return False
    for bind in facts.binds.get(fn, ()):
        if not isinstance(bind, cst.Assign) or not facts.inside(bind, block):
            continue
        if not any(isinstance(t.target, cst.Name) and t.target.value == name
                   for t in bind.targets):
            continue
        # A statement that starts before the use and does not contain it ends before it.
        if facts.order.get(bind, where) < where and not facts.inside(use, bind):
            return True
    return False


def _guarded(analysis, node: cst.CSTNode, block: cst.CSTNode, name: str) -> bool:
    """Inside an `if`/`and`/conditional testing the name, or a nested try."""
    current = analysis.parent(node)
    while current is not None and current is not block:
        if isinstance(current, (cst.If, cst.While, cst.IfExp)) and _mentions(current.test, name):
            return True
        if isinstance(current, cst.BooleanOperation) and _mentions(current.left, name):
            return True
        if isinstance(current, (cst.Try, cst.TryStar)) and current.handlers:
            return True
        if isinstance(current, cst.With) and any(
            "suppress" in code(item.item) for item in current.items
        ):
            return True
        current = analysis.parent(current)
    return False


def _mentions(test: cst.CSTNode, name: str) -> bool:
    for node in walk(test):
        if isinstance(node, cst.Name) and node.value == name:
            return True
        if isinstance(node, cst.SimpleString) and node.evaluated_value == name:
            return True  # `if "resp" in locals():`
    return False
