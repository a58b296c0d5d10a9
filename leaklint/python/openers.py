"""Whether an urllib opener's open() reaches the network.

`build_opener(...)` installs urllib's default handlers (HTTP, HTTPS, FTP...) next to the
ones it is given, so its open() connects. An `OpenerDirector` built directly has no
handler until `add_handler`: it connects once a network handler of urllib's is added
to it. A handler class of this file that defines its own `<scheme>_open` answers the
opens of its scheme itself (a test double, a transport of its own), so an opener built
with one is not known to connect unless a network handler is added to it later.
"""

from __future__ import annotations

import re

import libcst as cst

from leaklint.python import api
from leaklint.python.facts import Facts, dotted

# urllib's handlers that open sockets (their subclasses too, unless they open by
# themselves).
NETWORK_HANDLERS = frozenset({
    "urllib.request.HTTPHandler", "urllib.request.HTTPSHandler",
    "urllib.request.FTPHandler", "urllib.request.CacheFTPHandler",
})


_OPEN_METHOD = re.compile(r"(?:async[ \t]+)?def[ \t]+\w+_open[ \t]*\(")


def builds_connecting_opener(facts: Facts, call: cst.Call) -> bool:
    """An opener construction whose open() is known to connect."""
    if not facts.names(call.func) & {"urllib.request.build_opener"}:
        return False  # built directly (or a subclass): no handler yet
    return not any(_answers_itself(facts, arg.value, call) for arg in call.args)


def adds_network_handler(analysis, call: cst.Call, fn) -> bool:
    """`opener.add_handler(urllib.request.HTTPHandler())` on the receiver of the
    request `call`, in its function (for `self.x`, anywhere in the class)."""
    facts: Facts = analysis.facts
    func = call.func
    if not isinstance(func, cst.Attribute):
        return False
    receiver = dotted(func.value)
    if receiver is None:
        return False
    attribute = receiver.startswith(("self.", "cls."))
    cls = facts.enclosing(fn, (cst.ClassDef,)) if attribute and fn is not None else None
    for other, owner in _add_handler_calls(analysis).get(receiver, ()):
        if owner is not fn and not (cls is not None and owner is not None
                                    and facts.enclosing(owner, (cst.ClassDef,)) is cls):
            continue
        if _network_handler(facts, other.args[0].value, other):
            return True
    return False


def _add_handler_calls(analysis) -> dict[str, list]:
    """`X.add_handler(h)` calls by receiver text, collected once per file."""
    found = analysis.tables.get("add_handler")
    if found is None:
        found = {}
        for call, owner in analysis.facts.calls:
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "add_handler" \
                    and call.args:
                receiver = dotted(func.value)
                if receiver is not None:
                    found.setdefault(receiver, []).append((call, owner))
        analysis.tables["add_handler"] = found
    return found  # type: ignore[return-value]


def _handler_class(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode):
    """(qualified names, class of this file) of the handler an argument denotes: a
    class, an instance built in place, or a local name bound to one of those."""
    if isinstance(expr, cst.Name):
        built = _local_value(facts, expr.value, at)
        if built is not None:
            expr = built
    if isinstance(expr, cst.Call):
        expr = expr.func
    name = dotted(expr)
    if name is None:
        return frozenset(), None
    local = next((c for c in facts.classes if c.name.value == name), None)
    return facts.names(expr), local


def _local_value(facts: Facts, name: str, at: cst.CSTNode) -> cst.BaseExpression | None:
    fn = facts.enclosing(at, (cst.FunctionDef,))
    values = [node.value for node in facts.binds.get(fn, ())  # type: ignore[arg-type]
              if isinstance(node, cst.Assign) and len(node.targets) == 1
              and isinstance(node.targets[0].target, cst.Name)
              and node.targets[0].target.value == name]
    return values[0] if len(values) == 1 else None


def _opens_itself(facts: Facts, cls: cst.ClassDef) -> bool:
    """Does the class define a `<scheme>_open` method? Read in the file's text: the
    slicer drops the bodies of classes that name no HTTP API."""
    name = re.escape(cls.name.value)
    for header in re.finditer(rf"^([ \t]*)class[ \t]+{name}\b", facts.source, re.MULTILINE):
        indent = len(header.group(1))
        for line in facts.source[header.end():].split("\n")[1:]:
            stripped = line.lstrip()
            if stripped and not stripped.startswith("#") \
                    and len(line) - len(stripped) <= indent:
                break
            if _OPEN_METHOD.match(stripped):
                return True
    return False


def _answers_itself(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> bool:
    _, local = _handler_class(facts, expr, at)
    return local is not None and _opens_itself(facts, local)


def _network_handler(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> bool:
    names, local = _handler_class(facts, expr, at)
    if local is not None:
        if _opens_itself(facts, local):
            return False
        return any(facts.names(base.value) & NETWORK_HANDLERS for base in local.bases)
    return bool(names & NETWORK_HANDLERS)


def opens_network(analysis, site) -> bool:
    """A request of an opener: does it reach the network (see the module docstring)?"""
    client = site.request.client
    if client is None or client.name != api.OPENER:
        return True
    return client.connects or adds_network_handler(analysis, site.call, site.fn)
