"""LL102 unclosed-client (Python): a Session / Client / ClientSession / PoolManager /
HTTPConnection built in a function and neither closed nor handed over."""

from __future__ import annotations

from leaklint.python import api
from leaklint.python.fixes import wrap_in_with
from leaklint.python.names import code
from leaklint.python.owner import connects, fate, leaks, related, where

RULES = ("LL102",)

_KIND = {
    api.REQUESTS: "session",
    api.HTTPX: "client",
    api.AIOHTTP: "client session",
    api.URLLIB3: "connection pool",
    api.HTTP_CLIENT: "connection",
    api.USER: "client",
}


# Methods besides the request methods that open a connection.
_OPENING = frozenset({"stream", "ws_connect", "urlopen", "connection_from_url",
                      "connection_from_host"})


def check(analysis) -> None:
    for site in analysis.sites:
        # Reported whatever LL301 says of the same client: each rule stands on its own.
        if site.client is None or site.fn is None or site.client.own_socket:
            continue  # own_socket: the socket it uses is made (and owned) by its caller
        result = fate(analysis, site.call, site.fn, api.CLIENT_CLOSERS, frozenset())
        args = {"kind": _KIND[site.client.library], "callee": code(site.call.func)}
        if result.kind == "discarded":
            analysis.report.report("LL102", analysis.span(site.call),
                                   scope=analysis.scope(site.fn), where="", **args)
        elif result.kind == "local":
            library = site.client.library
            if library == api.HTTP_CLIENT:
                if not connects(analysis, site.fn, result.var):
                    continue
            elif not connects(analysis, site.fn, result.var,
                              api.CLIENT_REQUEST_METHODS[library] | _OPENING):
                continue  # never sends a request: it owns no socket
            flow = leaks(analysis, site.fn, result, api.CLIENT_CLOSERS, frozenset())
            if flow is not None:
                analysis.report.report(
                    "LL102", analysis.span(site.call), scope=analysis.scope(site.fn),
                    related=related(analysis, site.fn, flow), where=where(analysis, flow),
                    fix=wrap_in_with(analysis, site, result.statement, result.var, "client"),
                    **args,
                )
