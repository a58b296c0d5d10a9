"""LL402 missing-request-timeout (Python).

requests, urlopen (an OpenerDirector's open too) and http.client have no default
timeout: a call must pass one (`timeout=None` is no timeout). httpx and aiohttp have
defaults: only an explicit disabling counts (httpx `timeout=None` / `Timeout(None)`,
aiohttp `ClientTimeout()` with nothing set or `timeout=None` on a request).
"""

from __future__ import annotations

import libcst as cst

from leaklint.python import api
from leaklint.python.args import (
    MISSING,
    is_none,
    keyword,
    offline_url,
    positional,
    star_kwargs,
)
from leaklint.python.fixes import add_timeout
from leaklint.python.names import code
from leaklint.python.openers import opens_network
from leaklint.python.owner import connects, injects_socket_into_attribute
from leaklint.python.values import bindings

RULES = ("LL402",)


def check(analysis) -> None:
    for site in analysis.sites:
        call = site.call
        if site.request is not None:
            _request(analysis, site)
        elif site.client is not None:
            _constructor(analysis, site)
        else:
            _timeout_object(analysis, call)


def _report(analysis, site_call: cst.Call, fn, what: str, extra=None) -> None:
    """extra: for a call that takes `timeout=` and may get one as a fix, the keywords a
    partial carries (None: no fix; a disabled default is not ours to set)."""
    fix = None
    if extra is not None and keyword(site_call, "timeout", extra) is MISSING:
        # Not when it passes timeout=None: that was written on purpose.
        fix = add_timeout(analysis, site_call, analysis.default_timeout)
    analysis.report.report("LL402", analysis.span(site_call), scope=analysis.scope(fn),
                           what=what, fix=fix)


def _missing(analysis, call: cst.Call, fn, extra=(), position: int | None = None) -> bool:
    """True when the call certainly passes no timeout (or passes None)."""
    value = keyword(call, "timeout", extra)
    if value is MISSING and position is not None:
        value = positional(call, position)
        if value is None:
            return False
    if value is not MISSING:
        return is_none(value) or _none_constant(analysis, value)
    for kwargs in star_kwargs(call):
        if isinstance(kwargs, cst.Name):
            literal = analysis.resolver.dict_literal(kwargs.value, fn)
            if literal is not None and not _dict_sets(literal, "timeout"):
                continue
        if isinstance(kwargs, cst.Dict):
            continue  # keyword() already looked inside
        return False  # the timeout may be inside **kwargs
    return True


def _none_constant(analysis, value) -> bool:
    """`timeout=TIMEOUT` where the module binds TIMEOUT once, to None."""
    if not isinstance(value, cst.Name):
        return False
    bound = [
        node for node in analysis.facts.binds.get(None, ())
        if isinstance(node, (cst.Assign, cst.AnnAssign))
        and any(isinstance(t, cst.Name) and t.value == value.value for t in _targets(node))
    ]
    return len(bound) == 1 and is_none(bound[0].value)


def _targets(node) -> list:
    if isinstance(node, cst.Assign):
        return [t.target for t in node.targets]
    return [node.target]


def _dict_sets(literal: cst.Dict, name: str) -> bool:
    from leaklint.python.args import dict_has

    return dict_has(literal, name)


def _request(analysis, site) -> None:
    request, call = site.request, site.call
    if request.user:
        return  # a response function: its own request is judged where it is made
    if request.library in (api.REQUESTS,):
        if request.method not in api.REQUEST_METHODS and request.method != "send":
            return  # Session.send(prepared) takes a timeout like the verbs
        if request.client is not None and (request.client.has_default_timeout
                                           or request.method in request.client.bounded_methods):
            return
        if _missing(analysis, call, site.fn, request.keywords) \
                and not _mounted_with_timeout(analysis, call, site.fn):
            _report(analysis, call, site.fn, _what(call, request.keywords), request.keywords)
    elif request.library == api.URLLIB \
            and not offline_url(call, bindings(analysis, site.fn)) \
            and opens_network(analysis, site):
        position = api.TIMEOUT_POSITION.get(request.qname)
        if _missing(analysis, call, site.fn, request.keywords, position):
            _report(analysis, call, site.fn, _what(call, request.keywords), request.keywords)
    elif request.library == api.URLLIB3:
        if request.method not in api.CLIENT_REQUEST_METHODS[api.URLLIB3]:
            return
        client = request.client
        if client is None and request.qname != "urllib3.request":
            return  # a response function of urllib3's, not a request
        if client is not None and (client.has_default_timeout or not client.seen_built):
            return  # the pool's own timeout applies, or it was built where we cannot see
        if _missing(analysis, call, site.fn, request.keywords):
            _report(analysis, call, site.fn, _what(call, request.keywords))
    elif request.library in (api.HTTPX, api.AIOHTTP):
        value = keyword(call, "timeout", request.keywords)
        if is_none(value):
            _report(analysis, call, site.fn, f"{code(call.func)}(timeout=None)")


def _mounted_with_timeout(analysis, call: cst.Call, fn) -> bool:
    """`session.mount(prefix, Adapter(...))` where the adapter bounds every request it
    sends: built with `timeout=`, or of a class of this file that overrides `send` (to
    add its default timeout, as the subclass rule assumes for sessions)."""
    if not isinstance(call.func, cst.Attribute):
        return False
    receiver = call.func.value
    key = code(receiver)
    local = isinstance(receiver, cst.Name)  # a local or a global: look in its function first
    for node, owner in analysis.facts.calls:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "mount"):
            continue
        if code(func.value) != key or (local and owner is not fn and owner is not None):
            continue
        adapter = keyword(node, "adapter")
        if adapter is MISSING:
            adapter = positional(node, 1)
        if adapter is not MISSING and _bounding_adapter(analysis, adapter, owner):
            return True
    return False


def _bounding_adapter(analysis, adapter, fn) -> bool:
    if isinstance(adapter, cst.Name):  # adapter = TimeoutAdapter(...); s.mount(p, adapter)
        for node in analysis.facts.binds.get(fn, ()):
            if isinstance(node, cst.Assign) and any(
                    isinstance(t.target, cst.Name) and t.target.value == adapter.value
                    for t in node.targets) and isinstance(node.value, cst.Call):
                return _bounding_adapter(analysis, node.value, fn)
        return False
    if not isinstance(adapter, cst.Call):
        return False
    timeout = keyword(adapter, "timeout")
    if timeout is not MISSING and not is_none(timeout):
        return True
    name = code(adapter.func).rsplit(".", 1)[-1]
    return any(cls.name.value == name and any(
        isinstance(stmt, cst.FunctionDef) and stmt.name.value == "send"
        for stmt in cls.body.body) for cls in analysis.facts.classes)


def _handed_to_do_open(analysis, call: cst.Call) -> bool:
    """`handler.do_open(Connection(...), req)`: urllib's handler builds the real
    connection from this factory with `timeout=req.timeout`."""
    arg = analysis.parent(call)
    outer = analysis.parent(arg) if isinstance(arg, cst.Arg) else None
    return isinstance(outer, cst.Call) and isinstance(outer.func, cst.Attribute) \
        and outer.func.attr.value == "do_open" and outer.args and outer.args[0] is arg


def _constructor(analysis, site) -> None:
    client, call = site.client, site.call
    if client.library == api.HTTP_CLIENT:
        if _handed_to_do_open(analysis, call) or client.has_default_timeout \
                or client.own_socket:
            return
        bound = analysis.parent(call)
        target = bound.targets[0].target \
            if isinstance(bound, cst.Assign) and len(bound.targets) == 1 else None
        if isinstance(target, cst.Name) and not connects(analysis, site.fn, target.value):
            return
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) \
                and target.value.value == "self" \
                and injects_socket_into_attribute(analysis, site.fn, target.attr.value):
            return
        position = api.TIMEOUT_POSITION.get(client.name)
        if _missing(analysis, call, site.fn, (), position):
            # The fix only for the library's own constructor: a subclass may take
            # other arguments.
            own = analysis.facts.names(call.func) & api.CLIENT_CONSTRUCTORS.keys()
            _report(analysis, call, site.fn, _what(call, ()), () if own else None)
    elif client.library == api.HTTPX and is_none(keyword(call, "timeout")):
        _report(analysis, call, site.fn, f"{code(call.func)}(timeout=None)")


def _timeout_object(analysis, call: cst.Call) -> None:
    names = analysis.facts.names(call.func)
    if names & api.HTTPX_TIMEOUT:
        # httpx.Timeout(None) disables every timeout; Timeout(None, connect=5) does not.
        first = positional(call, 0)
        value = first if first is not MISSING else keyword(call, "timeout")
        others = [a for a in call.args if a.keyword is not None and a.keyword.value != "timeout"]
        if is_none(value) and not others:
            fn = _fn_of(analysis, call)
            _report(analysis, call, fn, "httpx.Timeout(None)")
    elif names & api.AIOHTTP_TIMEOUT:
        if any(a.star for a in call.args):
            return
        # Only `total` and `sock_read` bound a stalled peer: connect and sock_connect
        # end with the handshake, after which a silent server holds the call forever.
        bounding = [i for i, f in enumerate(api.AIOHTTP_TIMEOUT_FIELDS)
                    if f in ("total", "sock_read")]
        values = [positional(call, i) for i in bounding]
        values += [keyword(call, api.AIOHTTP_TIMEOUT_FIELDS[i]) for i in bounding]
        if all(v is MISSING or is_none(v) for v in values):
            _report(analysis, call, _fn_of(analysis, call), f"{code(call)}")


def _fn_of(analysis, node):
    fn = analysis.facts.enclosing(node, (cst.FunctionDef,))
    return fn if isinstance(fn, cst.FunctionDef) else None


def _what(call: cst.Call, extra) -> str:
    return f"{code(call.func)}()"
