"""Parse once, collect facts once, classify every call once, run the checks."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from leaklint.emit import FileReport
from leaklint.model import Scope, Span
from leaklint.python.api import Client
from leaklint.python.facts import Facts, Function, collect
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
    # Constructor calls LL301 reported, so LL102 does not report them twice.
    per_call: set[int] = field(default_factory=set)
    default_timeout: float = 30  # seconds, for the LL402 fix

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
    for node, fn in analysis.facts.calls:
        site = Site(node, fn)
        site.client = resolver.constructor(node)
        if site.client is None:
            site.request = resolver.request(node, fn)
        analysis.sites.append(site)


def analyse(file: SourceFile, module: cst.Module, report: FileReport, models,
            sliced: Sliced | None = None) -> None:
    from leaklint.python.checks import ALL_CHECKS

    facts = collect(module, sliced or Sliced(module.code))
    analysis = Analysis(file, facts, Resolver(facts, models), report,
                        default_timeout=models.default_timeout)
    classify(analysis)
    for rules, check in ALL_CHECKS:
        if any(report.wants(rule) for rule in rules):
            check(analysis)
