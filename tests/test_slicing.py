"""The Python slicer and CPython-aligned positions: faster, never different.

Every Python file in the fixtures is analysed three ways: as shipped (irrelevant bodies
dropped, positions from CPython's parser), without the slicer, and with every position
from libcst's PositionProvider. The findings, spans and related locations must be equal.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from conftest import FIXTURES
from libcst.metadata import MetadataWrapper, PositionProvider

from leaklint import catalogue
from leaklint.config import Settings
from leaklint.context import RunContext
from leaklint.python import analysis, positions, slicing
from leaklint.python.analysis import analyse_file
from leaklint.python.positions import Positions
from leaklint.python.slicing import Sliced, relevant_source
from leaklint.sources import read

ALL_RULES = frozenset(catalogue.load())
PY_FILES = sorted(p for p in FIXTURES.rglob("*.py") if "deep" not in p.name)
API = ("requests", "httpx", "aiohttp", "urllib3", "urlopen", "HTTPConnection",
       "HTTPSConnection")


def _findings(path: Path) -> list[tuple]:
    result = analyse_file(read(path, path.name), RunContext(Settings(), ALL_RULES))
    return sorted((f.rule_id, f.span, f.message, f.related, f.scope) for f in result.findings)


def test_the_fixtures_have_python_files_with_findings():
    assert len(PY_FILES) > 15
    assert sum(len(_findings(p)) for p in PY_FILES) > 50


def test_the_fixtures_exercise_the_slicer():
    # Otherwise the equivalence below would hold vacuously.
    dropped = sum(len(relevant_source(p.read_text(encoding="utf-8", errors="replace"), API)
                      .dropped) for p in PY_FILES)
    assert dropped >= 10


@pytest.mark.parametrize("path", PY_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_slicing_and_aligned_positions_change_nothing(path, monkeypatch):
    shipped = _findings(path)
    with monkeypatch.context() as m:
        m.setattr(slicing, "relevant_source", lambda text, names: Sliced(text))
        assert _findings(path) == shipped, "slicing changed the findings"
    with monkeypatch.context() as m:
        m.setattr(Positions, "align", lambda self, *args: None)
        assert _findings(path) == shipped, "CPython positions differ from libcst's"


def _sliced(source: str) -> str:
    # Module-level statements are sliced only when large: small examples ask for it.
    return relevant_source(textwrap.dedent(source), API, module_level_bytes=0).text


def test_an_unrelated_body_becomes_pass_and_lines_keep_their_numbers():
    source = """\
        import requests

        def unrelated(x):
            y = x + 1
            return y * 2

        def fetch(url):
            return requests.get(url)
        """
    out = _sliced(source)
    assert out.splitlines() == [
        "import requests", "", "def unrelated(x):", "    pass\\", "", "",
        "def fetch(url):", "    return requests.get(url)"]


@pytest.mark.parametrize("source", [
    # an import alias
    """
    from requests import get as fetch_it
    def f(u):
        return fetch_it(u)
    """,
    # a module-level client used in a function
    """
    import requests
    SESSION = requests.Session()
    def f(u):
        return SESSION.get(u)
    """,
    # an attribute of self set in another method
    """
    from http.client import HTTPConnection
    class C:
        def __init__(self, host):
            self.conn = HTTPConnection(host)
        def f(self):
            self.conn.request("GET", "/")
    """,
    # a module-level wrapper that returns a client
    """
    import httpx
    def make():
        client = httpx.Client()
        return client
    def f(u):
        return make().get(u)
    """,
    # a global assigned in one function, used in another
    """
    import urllib3
    POOL = None
    def setup():
        global POOL
        POOL = urllib3.PoolManager()
    def f(u):
        return POOL.request("GET", u)
    """,
    # a class attribute read through self
    """
    import requests
    class C:
        session = requests.Session()
        def f(self, u):
            return self.session.get(u)
    """,
])
def test_a_function_reached_through_a_name_is_kept(source):
    out = _sliced(source)
    assert out.rstrip().endswith(textwrap.dedent(source).rstrip().splitlines()[-1])
    assert "pass" not in out


def test_a_client_subclass_keeps_every_method():
    source = """\
        import requests
        class Mine(requests.Session):
            def helper(self):
                return 1
        """
    assert "return 1" in _sliced(source)


def test_a_local_name_does_not_leak_into_other_functions():
    source = """\
        import requests
        def f(u):
            conn = requests.get(u)
            return conn
        def g(conn):
            return conn + 1
        """
    out = _sliced(source)
    assert "return conn + 1" not in out
    assert "return conn\n" in out


@pytest.mark.parametrize("text", [
    "def f(:\n    pass\n",  # CPython refuses it: libcst reports it
    "import requests\rdef f():\r    return 1\r",  # lone carriage returns
])
def test_doubtful_text_is_kept_whole(text):
    assert relevant_source(text, API).text == text


def test_a_one_line_body_is_kept_as_written():
    source = "import requests\ndef f(): return 1\n"
    assert relevant_source(source, API).text == source


def test_a_body_that_starts_with_a_decorated_definition_is_cut_before_its_decorators():
    source = """\
        import functools
        import requests

        class Unrelated:
            @functools.cache
            def f(self):
                return 1

        def outer():
            @functools.cache
            def inner():
                return 2
            return inner

        def fetch(url):
            return requests.get(url)  # want LL402
        """
    out = _sliced(source)
    assert "@functools" not in out and "return 2" not in out
    lines = out.splitlines()
    assert lines[3:7] == ["pass\\", "\\", "\\", ""]  # a class nothing names goes whole
    assert lines[9] == "    pass\\" and lines[15].strip().startswith("return requests.get")
    compile(out, "sliced", "exec")


def test_a_class_with_one_relevant_method_keeps_it_and_drops_the_others():
    source = """\
        import requests

        class T:
            def unrelated(self):
                return 1

            def fetch(self, url):
                return requests.get(url)
        """
    out = _sliced(source)
    assert "return 1" not in out and "requests.get(url)" in out


def test_module_and_class_level_statements_nothing_reads_are_replaced():
    source = textwrap.dedent('''\
        import requests

        TABLE = [
            1, 2, 3,
        ]
        NO_TIMEOUT = None
        UNUSED = NO_TIMEOUT


        class Plain:
            NAMES = ("a", "b")


        def fetch(url):
            return requests.get(url, timeout=NO_TIMEOUT)
        ''')
    sliced = relevant_source(source, API, module_level_bytes=0).text
    assert sliced.split("\n") == [
        "import requests", "", "pass\\", "\\", "", "NO_TIMEOUT = None", "pass", "", "",
        "pass\\", "", "", "", "def fetch(url):",
        "    return requests.get(url, timeout=NO_TIMEOUT)", ""]


def test_small_module_level_statements_are_left_as_they_are():
    """Below MODULE_LEVEL_BYTES the scan would cost more than libcst's nodes do."""
    source = ("import requests\nTABLE = {'a': 1}\n\n"
              "def f():\n    return requests.get('u', timeout=3)\n")
    assert relevant_source(source, API).text == source
    assert "TABLE" not in relevant_source(source, API, module_level_bytes=0).text


def test_statements_sharing_a_line_or_holding_a_definition_stay():
    source = textwrap.dedent('''\
        import requests
        A = 1; B = 2
        if A:
            def helper():
                return 1
        for i in range(3): C = i
        ''')
    sliced = relevant_source(source, API, module_level_bytes=0).text
    assert "A = 1; B = 2" in sliced and "if A:" in sliced
    assert "C = i" not in sliced and len(sliced.split("\n")) == len(source.split("\n"))


@pytest.mark.parametrize("annotation", ["", ": requests.Session"])
def test_a_rebinding_is_located_without_libcsts_position_pass(annotation, tmp_path,
                                                              monkeypatch):
    # The position pass regenerates the whole file's code: a rebinding that loses an
    # open client (plain or annotated) is located from CPython's parse instead.
    path = tmp_path / "rebind.py"
    path.write_text(textwrap.dedent(f"""\
        import requests


        def fetch(urls):
            session = requests.Session()
            session.get(urls[0], timeout=5)
            session{annotation} = requests.Session()
            session.get(urls[1], timeout=5)
            session.close()
        """), encoding="utf-8")

    def no_position_pass(*args, **kwargs):
        raise AssertionError("libcst's position pass ran")

    monkeypatch.setattr(positions, "MetadataWrapper", no_position_pass)
    found = [(rule, span.line, message) for rule, span, message, *_ in _findings(path)]
    assert found == [("LL102", 5, "session from requests.Session is never closed "
                                  "(lost when it is bound again on line 7)")]


def test_blanked_rows_are_one_continued_line_that_keeps_every_line_number():
    """libcst makes a node of each blank line, one token of continued rows."""
    source = textwrap.dedent("""\
        import requests

        def unrelated(x):
            y = x + 1

            return y * 2

        def fetch(url):
            return requests.get(url)
        """)
    sliced = relevant_source(source, API, module_level_bytes=0)
    assert sliced.text.split("\n")[3:7] == ["    pass\\", "\\", "", ""]
    assert sliced.continuations == 2
    tree = ast.parse(sliced.text)
    assert [node.lineno for node in tree.body] == [1, 3, 8]
    module = cst.parse_module(sliced.text)
    assert module.code == sliced.text
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert positions[module.body[2]].start.line == 8


def test_a_body_that_ends_the_text_without_a_line_break_stays_blank_rows():
    """A continuation with nothing after it would be a syntax error."""
    source = "import requests\ndef unrelated(x):\n    y = x\n\n    return y"
    sliced = relevant_source(source, API, module_level_bytes=0)
    assert sliced.text.split("\n") == ["import requests", "def unrelated(x):", "    pass",
                                        "", ""]
    assert sliced.continuations == 0
    compile(sliced.text, "sliced", "exec")


def test_the_token_budget_does_not_count_the_slicers_backslashes():
    text = "pass\\\n\\\n\nx = 1\n"  # pass, two added backslashes, x, =, 1
    assert not analysis._over(text, 4, added=2)
    assert analysis._over(text, 3, added=2)
    assert not analysis._over("a b c", 3) and analysis._over("a b c d", 3)
