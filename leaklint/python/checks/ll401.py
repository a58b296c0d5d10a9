"""LL401 missing-idle-timeout (Python): idle expiry explicitly disabled.

httpx.Limits(keepalive_expiry=None) and aiohttp.TCPConnector(keepalive_timeout=None)
keep idle keep-alive connections open forever; both libraries expire them by default.
"""

from __future__ import annotations

from leaklint.python import api
from leaklint.python.args import is_none, keyword
from leaklint.python.names import code

RULES = ("LL401",)

_DISABLING = (
    (api.HTTPX_LIMITS, "keepalive_expiry"),
    (api.AIOHTTP_CONNECTORS, "keepalive_timeout"),
)


def check(analysis) -> None:
    for site in analysis.sites:
        if site.request is not None or site.client is not None:
            continue
        names = analysis.facts.names(site.call.func)
        for qualified, argument in _DISABLING:
            if names & qualified and is_none(keyword(site.call, argument)):
                analysis.report.report(
                    "LL401", analysis.span(site.call), scope=analysis.scope(site.fn),
                    what=f"{code(site.call.func)}()", detail=f"{argument}=None",
                )
