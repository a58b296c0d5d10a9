"""Python analysis beyond the fixtures: user API models, wrappers, prefilter, robustness."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from leaklint import catalogue
from leaklint.config import PythonModels, Settings
from leaklint.context import RunContext
from leaklint.python.analysis import analyse_file
from leaklint.python.prefilter import mentions_api
from leaklint.sources import SourceFile

ALL = frozenset(catalogue.load())


def findings(code: str, models: PythonModels | None = None, enabled=ALL):
    source = textwrap.dedent(code).encode()
    settings = Settings(python=models or PythonModels())
    result = analyse_file(SourceFile(Path("m.py"), "m.py", source), RunContext(settings, enabled))
    return result, sorted((f.span.line, f.rule_id) for f in result.findings)


def test_user_client_constructor_is_a_client() -> None:
    code = """
        from acme.http import make_session

        def sync(urls):
            session = make_session()
            for url in urls:
                session.get(url)

        def fetch(url):
            with make_session() as session:
                return session.get(url)
    """
    models = PythonModels(client_constructors=("acme.http.make_session",))
    assert findings(code, models)[1] == [(5, "LL102"), (10, "LL301")]
    assert findings(code)[1] == []  # without the model, nothing is known about it


def test_user_response_function_must_be_closed() -> None:
    code = """
        import acme.http

        def status(url):
            resp = acme.http.fetch(url)
            return resp.status

        def body(url):
            with acme.http.fetch(url) as resp:
                return resp.read()
    """
    models = PythonModels(response_functions=("acme.http.fetch",))
    assert findings(code, models)[1] == [(5, "LL101")]


def test_local_wrapper_returning_a_session_is_a_constructor() -> None:
    code = """
        import requests

        def make_session():
            session = requests.Session()
            session.headers["User-Agent"] = "x"
            return session

        def fetch(url):
            return make_session().get(url, timeout=5)

        def no_timeout(session_factory=make_session):
            s = make_session()
            try:
                return [s.get(u) for u in ("a", "b")]
            finally:
                s.close()
    """
    assert findings(code)[1] == [(10, "LL102"), (10, "LL301"), (15, "LL402")]


def test_syntax_error_is_one_ll000_and_no_exception() -> None:
    result, found = findings("import requests\ndef f(:\n    pass\n")
    assert found == [(2, "LL000")]
    assert result.problems and result.problems[0].kind == "unparsable"


def test_columns_count_code_points() -> None:
    code = 'import requests\nx = "é€"; requests.get("u")\n'
    result, _ = findings(code)
    (finding,) = result.findings
    assert (finding.span.line, finding.span.column) == (2, 11)
    assert finding.span.column_utf16 == 11


def test_prefilter_keeps_libcst_away_from_unrelated_files() -> None:
    script = textwrap.dedent("""
        import sys
        from pathlib import Path
        from leaklint import catalogue
        from leaklint.config import Settings
        from leaklint.context import RunContext
        from leaklint.python.analysis import analyse_file
        from leaklint.sources import SourceFile
        src = b"from urllib.parse import urljoin\\nimport http\\nprint(urljoin('a', 'b'))\\n"
        ctx = RunContext(Settings(), frozenset(catalogue.load()))
        analyse_file(SourceFile(Path("m.py"), "m.py", src), ctx)
        print("libcst" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_prefilter_needles() -> None:
    models = PythonModels()
    assert mentions_api(b"import requests\n", models)
    assert mentions_api(b"from httpx import AsyncClient as C\n", models)
    assert mentions_api(b"    import aiohttp, json\n", models)
    assert mentions_api(b"from urllib.request import urlopen\n", models)
    assert mentions_api(b"from http import client\nclient.HTTPConnection('h')\n", models)
    assert not mentions_api(b"# requests are queued\nfrom urllib.parse import quote\n", models)
    user = PythonModels(client_constructors=("acme.net.build_client",))
    assert mentions_api(b"from acme.net import build_client\n", user)


def test_modern_syntax_does_not_crash() -> None:
    code = """
        import requests

        def route(cmd, url):
            match cmd:
                case "get":
                    resp = requests.get(url, stream=True, timeout=3)
                    return resp.status_code
                case _:
                    return None

        def group(url):
            try:
                return requests.get(url, timeout=3)
            except* ValueError:
                pass

        type Alias = list[int]
    """
    assert findings(code)[1] == [(7, "LL101")]


def test_disabled_rules_are_not_reported() -> None:
    code = "import requests\n\ndef f(u):\n    return requests.get(u, stream=True)\n"
    assert findings(code, enabled=frozenset({"LL101"}))[1] == []
    assert findings(code, enabled=frozenset({"LL402"}))[1] == [(4, "LL402")]


def test_ll102_does_not_depend_on_ll301() -> None:
    """Each rule stands on its own: an unclosed client built per call is LL102 whether
    LL301 runs or not, and LL301 whether LL102 runs or not."""
    code = """
        import requests

        def fetch(url):
            session = requests.Session()
            return session.get(url, timeout=5).text
    """
    assert findings(code)[1] == [(5, "LL102"), (5, "LL301")]
    assert findings(code, enabled=frozenset({"LL102"}))[1] == [(5, "LL102")]
    assert findings(code, enabled=frozenset({"LL301"}))[1] == [(5, "LL301")]


def test_helper_under_a_tests_directory_is_not_per_call() -> None:
    code = textwrap.dedent("""
        import requests

        def fetch_json(url):
            with requests.Session() as session:
                return session.get(url, timeout=5).json()
    """).encode()

    def rules(display: str) -> list[str]:
        source = SourceFile(Path(display), display, code)
        return [f.rule_id for f in analyse_file(source, RunContext(Settings(), ALL)).findings]

    assert rules("pkg/tests/helpers.py") == []
    assert rules("pkg/client/helpers.py") == ["LL301"]
    assert rules("pkg/contests/helpers.py") == ["LL301"]
