"""LL402 missing-request-timeout (Python).

requests, urlopen and http.client have no default timeout: a call must pass one
(`timeout=None` is no timeout). httpx and aiohttp have defaults: only an explicit
disabling counts (httpx `timeout=None` / `Timeout(None)`, aiohttp `ClientTimeout()`
with nothing set or `timeout=None` on a request).
"""

from __future__ import annotations

import libcst as cst

from leaklint.python import api
from leaklint.python.checks.args import (
    MISSING,
    is_none,
    keyword,
    offline_url,
    positional,
    star_kwargs,
)
from leaklint.python.checks.owner import connects
from leaklint.python.fixes import add_timeout
from leaklint.python.names import code

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
    from leaklint.python.checks.args import dict_has

    return dict_has(literal, name)


def _request(analysis, site) -> None:
    request, call = site.request, site.call
    if request.library in (api.REQUESTS,):
        if request.method not in api.REQUEST_METHODS:
            return
        if request.client is not None and request.client.has_default_timeout:
            return
        if _missing(analysis, call, site.fn, request.keywords):
            _report(analysis, call, site.fn, _what(call, request.keywords), request.keywords)
    elif request.library == api.URLLIB and not offline_url(call):
        position = api.TIMEOUT_POSITION.get(request.qname)
        if _missing(analysis, call, site.fn, request.keywords, position):
            _report(analysis, call, site.fn, _what(call, request.keywords), request.keywords)
    elif request.library in (api.HTTPX, api.AIOHTTP):
        value = keyword(call, "timeout", request.keywords)
        if is_none(value):
            _report(analysis, call, site.fn, f"{code(call.func)}(timeout=None)")


def _constructor(analysis, site) -> None:
    client, call = site.client, site.call
    if client.library == api.HTTP_CLIENT:
        bound = analysis.parent(call)
        if isinstance(bound, cst.Assign) and len(bound.targets) == 1 \
                and isinstance(bound.targets[0].target, cst.Name) \
                and not connects(analysis, site.fn, bound.targets[0].target.value):
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
        values = [positional(call, i) for i in range(len(api.AIOHTTP_TIMEOUT_FIELDS))]
        values += [keyword(call, f) for f in api.AIOHTTP_TIMEOUT_FIELDS]
        if all(v is MISSING or is_none(v) for v in values):
            _report(analysis, call, _fn_of(analysis, call), f"{code(call)}")


def _fn_of(analysis, node):
    fn = analysis.facts.enclosing(node, (cst.FunctionDef,))
    return fn if isinstance(fn, cst.FunctionDef) else None


def _what(call: cst.Call, extra) -> str:
    return f"{code(call.func)}()"
