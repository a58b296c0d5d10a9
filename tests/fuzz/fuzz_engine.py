"""A long fuzzing run of the engine's properties (not run in CI).

    python tests/fuzz/fuzz_engine.py --minutes 10 [--save DIR] [--only NAME]

Runs the hypothesis properties of tests/test_properties.py with many more examples, in
rounds with fresh seeds until the time is up, plus two properties only worth fuzzing:
the guarded runner never reports an internal error, and bracket soup up to a few hundred
levels deep is handled (analysed, or refused as too deep) without crashing the process.
The generated text holds form feeds and Unicode line separators (props.SEPARATORS), and
"names" runs the file-name round trip on many more names.
Prints examples run and failures per property; with --save, each failing input is written
to DIR so it can become a regression fixture (fixtures/regressions/).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))

import test_properties as props  # noqa: E402  (the strategies and checks are shared)

from leaklint.config import Settings  # noqa: E402
from leaklint.context import RunContext  # noqa: E402
from leaklint.engine.discovery import Candidate  # noqa: E402
from leaklint.engine.plan import WorkUnit  # noqa: E402
from leaklint.engine.runner import process_unit  # noqa: E402

EXAMPLES: Counter[str] = Counter()
SAVE: Path | None = None


def _save(name: str, suffix: str, data: bytes) -> None:
    if SAVE is None:
        return
    SAVE.mkdir(parents=True, exist_ok=True)
    (SAVE / f"{name}-{len(list(SAVE.iterdir())):04d}{suffix}").write_bytes(data)


def _checked(name: str, suffix: str, raw: bytes, check) -> None:
    EXAMPLES[name] += 1
    try:
        check()
    except Exception:
        _save(name, suffix, raw)
        raise


def arbitrary(suffix: str):
    @given(text=props.arbitrary_text(suffix))
    def prop(text: str) -> None:
        raw = text.encode("utf-8", "surrogatepass")
        path = Path("/nonexistent/fuzz") / f"arbitrary{suffix}"

        def check() -> None:
            findings, problems = props.analyse({path: raw})
            props.assert_spans_sane(findings, raw)
            props.assert_sarif_valid(findings, problems)

        _checked(f"arbitrary{suffix}", suffix, raw, check)

    return prop


def mutated():
    files = props.fixture_snapshot()

    @given(case=props.mutated(files))
    def prop(case) -> None:
        path, raw = case
        package = {p: p.read_bytes() for p in path.parent.glob("*.go")} \
            if path.suffix == ".go" else {}
        package[path] = raw

        def check() -> None:
            findings, problems = props.analyse(package)
            props.assert_spans_sane([f for f in findings if f.path == path.name], raw)
            props.assert_sarif_valid(findings, problems)

        _checked("mutated", path.suffix, raw, check)

    return prop


def soup(suffix: str):
    """Brackets, blocks and API calls nested at random, up to a few hundred levels."""
    opens = {".go": ["(", "[", "{", "func() {", "if x {", "for {", "go func() {"],
             ".py": ["(", "[", "{", "f(", "lambda: (", "[x for x in ("]}
    atoms = {".go": ["http.Get(u)", "resp.Body.Close()", "x", "1,", ";\n", "\n"],
             ".py": ["requests.get(u)", "s.close()", "x", "1,", "\n", " "]}
    closes = {"(": ")", "[": "]", "{": "}"}

    @given(depth=st.integers(1, 400), seed=st.integers(0, 2**32 - 1),
           balanced=st.booleans())
    def prop(depth: int, seed: int, balanced: bool) -> None:
        rnd = random.Random(seed)
        stack, out = [], [props.HEADERS[suffix][1]]
        for _ in range(depth):
            opener = rnd.choice(opens[suffix])
            out.append(opener + rnd.choice(atoms[suffix]))
            stack.append(closes[opener.rstrip()[-1]])
        while stack and (balanced or rnd.random() < 0.9):
            out.append(rnd.choice(atoms[suffix]) + stack.pop())
        text = "".join(out)
        raw = text.encode()

        def check() -> None:
            _guarded_run(raw, suffix)

        _checked(f"soup{suffix}", suffix, raw, check)

    return prop


def _guarded_run(raw: bytes, suffix: str) -> None:
    """Through the runner as the CLI does it: an internal error is a failure here."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(raw)
        language = props.LANGUAGE[suffix]
        ctx = RunContext(settings=Settings(), enabled=props.all_rules_context().enabled)
        unit = WorkUnit(language, (Candidate(path, path.name, language),))
        outcome = process_unit(unit, ctx)
        crashes = [p for p in outcome["problems"] if "internal error" in p.reason]
        assert not crashes, crashes


def guarded():
    files = props.fixture_snapshot()

    @given(case=props.mutated(files))
    def prop(case) -> None:
        path, raw = case

        def check() -> None:
            _guarded_run(raw, path.suffix)

        _checked("guarded", path.suffix, raw, check)

    return prop


def names():
    """Any file name (bytes that are not UTF-8, quotes, controls, line separators) is
    analysed under its own name and shown in every report in a form that gives it back."""
    import os
    import tempfile

    @given(stem=props.NAMES, suffix=st.sampled_from([".go", ".py"]))
    def prop(stem: bytes, suffix: str) -> None:
        name = stem + suffix.encode()

        def check() -> None:
            with tempfile.TemporaryDirectory() as tmp:
                directory = Path(tmp)
                with open(os.path.join(os.fsencode(directory), name), "w",
                          encoding="utf-8") as fh:
                    fh.write(props.LEAKS[suffix])
                cwd = os.getcwd()
                os.chdir(directory)
                try:
                    props._round_trip(name, suffix, directory)
                finally:
                    os.chdir(cwd)

        _checked("names", suffix, name, check)

    return prop


PROPERTIES = {
    "arbitrary.go": lambda: arbitrary(".go"),
    "arbitrary.py": lambda: arbitrary(".py"),
    "mutated": mutated,
    "soup.go": lambda: soup(".go"),
    "soup.py": lambda: soup(".py"),
    "guarded": guarded,
    "names": names,
}


def main() -> int:
    global SAVE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--round", type=int, default=200, help="examples per round")
    parser.add_argument("--save", type=Path, help="write failing inputs here")
    parser.add_argument("--only", action="append", choices=sorted(PROPERTIES))
    args = parser.parse_args()
    SAVE = args.save
    names = args.only or list(PROPERTIES)
    failures: Counter[str] = Counter()
    messages: dict[str, str] = {}
    end = time.monotonic() + args.minutes * 60
    rounds = 0
    while time.monotonic() < end:
        rounds += 1
        for name in names:
            if time.monotonic() >= end:
                break
            test = settings(max_examples=args.round, deadline=None, database=None,
                            derandomize=False, print_blob=True,
                            suppress_health_check=list(HealthCheck))(PROPERTIES[name]())
            try:
                test()
            except Exception as exc:  # a property failed: record it, keep fuzzing
                failures[name] += 1
                text = "".join(traceback.format_exception_only(type(exc), exc))
                messages.setdefault(name, text if len(text) < 3000
                                    else f"{text[:1500]}\n[...]\n{text[-1500:]}")
    print(f"rounds: {rounds}")
    for name in names:
        print(f"{name:14} examples {EXAMPLES[name]:>7}"
              f"  failing rounds {failures[name]}")
    print(f"total examples: {sum(EXAMPLES.values())}")
    for name, message in messages.items():
        print(f"\n--- {name} ---\n{message}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
