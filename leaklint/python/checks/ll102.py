"""LL102 unclosed-client (Python): a Session / Client / ClientSession / PoolManager /
HTTPConnection built in a function and neither closed nor handed over."""

from __future__ import annotations

import libcst as cst

from leaklint.python import api
from leaklint.python.checks.owner import fate, injects_socket, leaks, related, where
from leaklint.python.names import code

RULES = ("LL102",)

_KIND = {
    api.REQUESTS: "session",
    api.HTTPX: "client",
    api.AIOHTTP: "client session",
    api.URLLIB3: "connection pool",
    api.HTTP_CLIENT: "connection",
    api.USER: "client",
}


# http.client opens its socket on the first of these; before that there is nothing to close.
_CONNECTING = frozenset({"request", "connect", "putrequest", "endheaders", "send"})


def _connects(analysis, site, result) -> bool:
    """Does the function make the connection open a socket of its own? Not when it
    never sends, nor when it hands the connection a socket (`conn.sock = ...`) whose
    life the caller manages."""
    uses = analysis.facts.uses(site.fn, result.var)
    if injects_socket(analysis, site.fn, result.var):
        return False
    for name in uses:
        parent = analysis.parent(name)
        if isinstance(parent, cst.AssignTarget):
            continue
        if not isinstance(parent, cst.Attribute) or parent.value is not name:
            return True  # passed somewhere: it may be used to connect there
        if parent.attr.value in _CONNECTING:
            return True
    return False


def check(analysis) -> None:
    for site in analysis.sites:
        if site.client is None or site.fn is None or id(site.call) in analysis.per_call:
            continue
        result = fate(analysis, site.call, site.fn, api.CLIENT_CLOSERS, frozenset())
        args = {"kind": _KIND[site.client.library], "callee": code(site.call.func)}
        if result.kind == "discarded":
            analysis.report.report("LL102", analysis.span(site.call),
                                   scope=analysis.scope(site.fn), where="", **args)
        elif result.kind == "local":
            if site.client.library == api.HTTP_CLIENT and not _connects(analysis, site, result):
                continue
            flow = leaks(analysis, site.fn, result, api.CLIENT_CLOSERS, frozenset())
            if flow is not None:
                analysis.report.report(
                    "LL102", analysis.span(site.call), scope=analysis.scope(site.fn),
                    related=related(analysis, site.fn, flow), where=where(analysis, flow),
                    **args,
                )
