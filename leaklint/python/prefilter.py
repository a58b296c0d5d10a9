"""A byte-level test that keeps libcst away from files that cannot matter."""

from __future__ import annotations

import re

from leaklint.config import PythonModels
from leaklint.python.api import PREFILTER_NEEDLES

_HTTP_CLIENT_IMPORT = re.compile(rb"from\s+http\s+import[^\n]*\bclient\b")


def needles(models: PythonModels) -> tuple[bytes, ...]:
    """The library names plus the top-level module of every user-configured model."""
    user = {
        name.split(".", 1)[0].encode()
        for name in (*models.client_constructors, *models.response_functions)
    }
    return PREFILTER_NEEDLES + tuple(sorted(user))


def mentions_api(source: bytes, models: PythonModels) -> bool:
    if any(needle in source for needle in needles(models)):
        return True
    return b"http" in source and _HTTP_CLIENT_IMPORT.search(source) is not None
