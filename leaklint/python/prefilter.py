"""A byte-level test that keeps libcst away from files that cannot matter.

A file matters when it imports one of the modelled libraries (requests, httpx, aiohttp,
urllib3), names urlopen or an http.client connection class, or names a user-configured
model. `urllib` or `http` alone are not enough: urllib.parse and http.HTTPStatus are
everywhere and model nothing. The test may keep too much, never too little.
"""

from __future__ import annotations

import functools
import re

from leaklint.config import PythonModels

_IMPORTS = re.compile(
    rb"^[ \t]*(?:import|from)[ \t][^\n]*\b(?:requests|httpx|aiohttp|urllib3)\b", re.MULTILINE
)
_NAMES = (b"urlopen", b"HTTPConnection", b"HTTPSConnection")


@functools.lru_cache(maxsize=16)
def _user_needles(models: PythonModels) -> tuple[bytes, ...]:
    """The last component of each configured model: it appears wherever it is used."""
    return tuple(sorted({
        name.rsplit(".", 1)[-1].encode()
        for name in (*models.client_constructors, *models.response_functions)
    }))


def mentions_api(source: bytes, models: PythonModels) -> bool:
    if any(name in source for name in _NAMES):
        return True
    if any(needle in source for needle in _user_needles(models)):
        return True
    return _IMPORTS.search(source) is not None
