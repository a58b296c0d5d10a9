"""Turns what a check saw into Findings, with messages from the catalogue."""

from __future__ import annotations

import dataclasses

from leaklint import catalogue
from leaklint.model import Finding, Fix, Related, Scope, Span
from leaklint.sources import SourceFile


class FileReport:
    """Collects the findings of one file. Checks call report(); they never build
    message strings themselves."""

    def __init__(self, file: SourceFile, language: str, enabled: frozenset[str]) -> None:
        self.file = file
        self.language = language
        self.enabled = enabled
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, int, int]] = set()

    def wants(self, rule_id: str) -> bool:
        return rule_id in self.enabled

    def report(
        self,
        rule_id: str,
        span: Span,
        *,
        related: tuple[Related, ...] = (),
        fix: Fix | None = None,
        scope: Scope | None = None,
        **message_args: object,
    ) -> None:
        if rule_id not in self.enabled:
            return
        key = (rule_id, span.line, span.column)
        if key in self._seen:  # one result per problem
            return
        self._seen.add(key)
        rule = catalogue.rule(rule_id)
        message = rule.message(self.language, **message_args)
        if fix is not None:
            offered = rule.fix_for(self.language)
            # The catalogue says which fixes exist and how safe each is.
            fix = None if offered is None else dataclasses.replace(fix, safe=offered.safe)
        self.findings.append(
            Finding(
                rule_id=rule_id,
                path=self.file.display,
                span=span,
                message=message,
                related=related,
                fix=fix,
                scope=scope,
                snippet=self.file.lines.line_text(span.line).strip(),
            )
        )
