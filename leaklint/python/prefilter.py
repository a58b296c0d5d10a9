"""A byte-level test that keeps libcst away from files that cannot matter.

A file matters when it imports one of the modelled libraries (requests, httpx, aiohttp,
urllib3), names urlopen, an opener (build_opener, OpenerDirector) or an http.client
connection class, or names a user-configured model. `urllib` or `http` alone are not
enough: urllib.parse and http.HTTPStatus are everywhere and model nothing. The test may
keep too much, never too little.
"""

from __future__ import annotations

import functools
import re

from leaklint.config import PythonModels

_LIBRARIES = ("requests", "httpx", "aiohttp", "urllib3")
_IMPORTS = re.compile(
    rb"^[ \t]*(?:import|from)[ \t][^\n]*\b(?:" + "|".join(_LIBRARIES).encode() + rb")\b",
    re.MULTILINE,
)
_LIBRARY_BYTES = tuple(library.encode() for library in _LIBRARIES)
_NAMES = (b"urlopen", b"HTTPConnection", b"HTTPSConnection", b"build_opener",
          b"OpenerDirector")


@functools.lru_cache(maxsize=16)
def _user_needles(models: PythonModels) -> tuple[bytes, ...]:
    """The last component of each configured model: it appears wherever it is used."""
    return tuple(sorted({
        name.rsplit(".", 1)[-1].encode()
        for name in (*models.client_constructors, *models.response_functions)
    }))


# An OpenerDirector built directly connects only once one of urllib's network handlers
# is added (leaklint.python.openers): code that names neither it nor build_opener
# cannot open a connection through it.
_OPENER_NAMES = ("build_opener", "HTTPHandler", "HTTPSHandler", "FTPHandler",
                 "CacheFTPHandler")


def api_names(models: PythonModels) -> tuple[str, ...]:
    """Names whose mention makes a function worth parsing (leaklint.python.slicing)."""
    return (*_LIBRARIES, "urlopen", "HTTPConnection", "HTTPSConnection", *_OPENER_NAMES,
            *(n.decode() for n in _user_needles(models)))


def mentions_api(source: bytes, models: PythonModels) -> bool:
    if any(name in source for name in _NAMES):
        return True
    if any(needle in source for needle in _user_needles(models)):
        return True
    # Substring tests are memchr-fast; the line-anchored regex runs only when one hits.
    if not any(library in source for library in _LIBRARY_BYTES):
        return False
    return _IMPORTS.search(source) is not None
