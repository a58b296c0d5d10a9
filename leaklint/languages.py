"""The languages leaklint analyses, and the one interface the engine reaches them through.

Each language is a package with a `unit` module (leaklint.golang.unit,
leaklint.python.unit) that is cheap to import (no parser) and exposes:

    SUFFIXES: tuple[str, ...]                      file name endings it owns
    plan(candidates, planning) -> Iterator[(WorkUnit, cached outcome or None)]
    process(unit, ctx, out) -> None                analyse one unit into `out`
    preload() -> None                              import the parsers (before a fork)
    parses(text) -> bool                           whether text parses (checks a fix)

The engine names a language only by the strings below: adding a language is adding its
package and one line here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# name -> module implementing the interface; the order is the order units are planned
# (and so the order a small run analyses them in).
UNIT_MODULES = {"python": "leaklint.python.unit", "go": "leaklint.golang.unit"}
# name -> file name endings; kept here so discovery does not import a language module.
SUFFIXES = {"python": (".py", ".pyi"), "go": (".go",)}
BY_SUFFIX = {suffix: name for name, suffixes in SUFFIXES.items() for suffix in suffixes}


def language(name: str) -> ModuleType:
    """The unit module of language `name`."""
    return importlib.import_module(UNIT_MODULES[name])
