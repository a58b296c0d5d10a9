"""Parse once, collect facts once, classify every call once, run the checks."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from leaklint.emit import FileReport
from leaklint.model import Scope, Span
from leaklint.python.api import Client
from leaklint.python.facts import Facts, Function, collect
from leaklint.python.mocks import ANY, AWS, MockScopes
from leaklint.python.names import Request, Resolver
from leaklint.python.slicing import Sliced
from leaklint.sources import SourceFile


@dataclass
class Site:
    """One call the checks care about, classified once."""

    call: cst.Call
    fn: Function | None  # None: module or class level
    request: Request | None = None
    client: Client | None = None  # the call constructs a client


@dataclass
class Analysis:
    file: SourceFile
    facts: Facts
    resolver: Resolver
    report: FileReport
    sites: list[Site] = field(default_factory=list)
    default_timeout: float = 30  # seconds, for the LL402 fix
    # Tables a shared analysis builds once per file on first use, by name.
    tables: dict[str, object] = field(default_factory=dict)

    def span(self, node: cst.CSTNode) -> Span:
        pos = self.facts.positions[node]
        return self.file.lines.span_from_chars(
            pos.start.line, pos.start.column, pos.end.line, pos.end.column
        )

    def line(self, node: cst.CSTNode) -> int:
        return self.facts.positions[node].start.line

    def scope(self, fn: Function | None) -> Scope | None:
        if fn is None:
            return None
        parts = [fn.name.value]
        outer = self.facts.enclosing(fn, (cst.FunctionDef, cst.ClassDef))
        while outer is not None:
            parts.append(outer.name.value)  # type: ignore[union-attr]
            outer = self.facts.enclosing(outer, (cst.FunctionDef, cst.ClassDef))
        pos = self.facts.positions[fn]
        return Scope(".".join(reversed(parts)), pos.start.line, pos.end.line)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.facts.parents.get(node)


def classify(analysis: Analysis) -> None:
    resolver = analysis.resolver
    mocks = MockScopes(analysis.facts)
    for node, fn in analysis.facts.calls:
        site = Site(node, fn)
        mock = mocks.kind(node)
        if mock is ANY and not mocks.passthru:
            analysis.sites.append(site)  # no socket there: neither a client nor a request
            continue
        site.client = resolver.constructor(node)
        if site.client is not None and not site.client.pool:
            site.client = None  # an opener holds no connection: its open() calls do
        if site.client is None:
            site.request = resolver.request(node, fn)
            if mock is AWS and site.request is not None \
                    and mocks.moto_answers(analysis, site.request, node, fn):
                site.request = None
        if mock is ANY and not (site.request is not None
                                and mocks.passes_through(site.request, node)):
            site.client = site.request = None
        analysis.sites.append(site)
    _response_wrappers(analysis)


def _response_wrappers(analysis: Analysis) -> None:
    """A module-level function that returns a fresh response holding a connection
    (`return requests.get(u, stream=True)`, or a local bound to one) hands it to its
    callers: a call of it acquires that response, as a call of a user-configured
    response function does. Wrappers of wrappers too (two rounds)."""
    from leaklint.python.checks.ll101 import holds_connection

    facts = analysis.facts
    found: dict[str, Request] = {}
    for _ in range(2):
        holding = {id(s.call): s for s in analysis.sites if holds_connection(analysis, s)}
        for fn in facts.functions:
            if fn.name.value in found or not isinstance(facts.parents.get(fn), cst.Module):
                continue
            inner = _returned_holding(analysis, fn, holding)
            if inner is not None:
                found[fn.name.value] = Request(inner.library, inner.method, fn.name.value,
                                               None, user=True)
        if not found:
            return
        for site in analysis.sites:
            if site.request is None and site.client is None \
                    and isinstance(site.call.func, cst.Name) \
                    and site.call.func.value in found \
                    and facts.names(site.call.func) == frozenset({site.call.func.value}):
                site.request = found[site.call.func.value]


def _returned_holding(analysis: Analysis, fn: Function, holding: dict[int, Site]):
    """The request whose connection-holding response every `return` of fn returns."""
    facts = analysis.facts
    bound: dict[str, Site] = {}
    for node in facts.binds.get(fn, ()):
        if isinstance(node, cst.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0].target, cst.Name):
            value = node.value.expression if isinstance(node.value, cst.Await) else node.value
            site = holding.get(id(value))
            if site is not None:
                bound[node.targets[0].target.value] = site
    returns = facts.returns.get(fn, ())
    result = None
    for ret in returns:
        value = ret.value.expression if isinstance(ret.value, cst.Await) else ret.value
        site = holding.get(id(value)) if value is not None else None
        if site is None and isinstance(value, cst.Name):
            site = bound.get(value.value)
        if site is None or site.request is None:
            return None  # some path returns something else: not a plain wrapper
        result = site.request
    return result


def analyse(file: SourceFile, module: cst.Module, report: FileReport, models,
            sliced: Sliced | None = None) -> None:
    from leaklint.python.checks import ALL_CHECKS

    facts = collect(module, sliced or Sliced(module.code))
    facts.source = file.text
    analysis = Analysis(file, facts, Resolver(facts, models), report,
                        default_timeout=models.default_timeout)
    classify(analysis)
    for rules, check in ALL_CHECKS:
        if any(report.wants(rule) for rule in rules):
            check(analysis)
