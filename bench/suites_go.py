"""Go peer suites: bodyclose, go vet httpresponse, gosec G107/G112/G114, go-critic deferInLoop.

Each builder writes the peer's test inputs into `root`, and returns the expectations mapped
to leaklint rule ids plus a scope function that keeps only the findings the peer speaks to.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from common import GO_FUNC, Clone, Finding, enclosing
from suite import Built, Suite

WANT = re.compile(r'//\s*want\s+"([^"]*)"')


def _write(root: Path, rel: str, text: str) -> list[str]:
    dest = root / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text, encoding="utf-8")
    return text.splitlines()


def _line_scope(rules: set[str]):
    def scope(f: Finding):
        return (f.path, f.line, f.rule) if f.rule in rules or f.rule == "LL000" else None
    return scope


# --- bodyclose: `// want "response body must be closed[ and consumed]"` at the acquisition.
BODYCLOSE_DIR = "passes/bodyclose/testdata/src"


def build_bodyclose(clone: Clone, root: Path, package: str) -> Built:
    expected: Counter = Counter()
    functions = {}
    for rel in clone.list(f"{BODYCLOSE_DIR}/{package}"):
        if not rel.endswith(".go"):
            continue
        out = rel.removeprefix(BODYCLOSE_DIR + "/")
        lines = _write(root, out, clone.read(rel))
        for i, line in enumerate(lines):
            functions[(out, i + 1)] = enclosing(lines, i, GO_FUNC)
            m = WANT.search(line)
            if not m:
                continue
            rule = "LL101"
            if "consumed" in m.group(1):
                # closed but not read to EOF is our LL103; neither closed nor read is LL101
                func_end = next((j for j in range(i + 1, len(lines)) if lines[j] == "}"),
                                len(lines))
                if any(".Body.Close()" in x for x in lines[i:func_end]):
                    rule = "LL103"
            # LL103 points at the Close call, bodyclose at the acquisition: key it by function
            line_or_func = enclosing(lines, i, GO_FUNC) if rule == "LL103" else i + 1
            expected[(out, line_or_func, rule)] += 1
    # the package the consumption tests import is written alongside (no expectations)
    if package == "a":
        for rel in clone.list(f"{BODYCLOSE_DIR}/handledresponse"):
            _write(root, rel.removeprefix(BODYCLOSE_DIR + "/"), clone.read(rel))
    rules = {"LL101", "LL103"} if package == "consumption" else {"LL101"}
    line_scope = _line_scope(rules)
    written = {rel: (root / rel).read_text(encoding="utf-8").splitlines()
               for rel in {p for p, _ in functions}}

    def scope(f: Finding):
        if f.rule == "LL103" and f.path in written:
            return (f.path, enclosing(written[f.path], f.line - 1, GO_FUNC), f.rule)
        return line_scope(f)

    return Built(expected, scope, functions,
                 extend="LL103" if package == "consumption" else None)


# --- go vet httpresponse: `// want "using resp before checking for errors"` at the use.
VET_DIR = "go/analysis/passes/httpresponse/testdata/src"


def build_httpresponse(clone: Clone, root: Path) -> Built:
    expected: Counter = Counter()
    functions = {}
    for rel in clone.list(VET_DIR):
        if not rel.endswith(".go"):
            continue
        out = rel.removeprefix(VET_DIR + "/")
        lines = _write(root, out, clone.read(rel))
        for i, line in enumerate(lines):
            functions[(out, i + 1)] = enclosing(lines, i, GO_FUNC)
            if WANT.search(line):
                expected[(out, i + 1, "LL201")] += 1
    return Built(expected, _line_scope({"LL201"}), functions)


# --- go-critic deferInLoop: `/*! ... */` marks the defer on the next line.
CRITIC_DIR = "checkers/testdata/deferInLoop"
_DEFER = re.compile(r"\bdefer\s+(println\([^)]*\)|func\(\)\s*\{\}\(\))")


def build_defer_in_loop(clone: Clone, root: Path, close_variant: bool) -> Built:
    """As is, no defer in the suite is Close-like, so LL202 must stay silent. The Close
    variant rewrites every deferred call to `conn.Close()` so the loop structure of the
    peer's cases (nested loops, closures, goroutines) measures our recall."""
    expected: Counter = Counter()
    functions = {}
    disagreements = {}
    for rel in clone.list(CRITIC_DIR):
        if not rel.endswith(".go"):
            continue
        text = clone.read(rel)
        if close_variant:
            # a real connection, so the package mentions an API leaklint looks at
            text = _DEFER.sub("defer conn.Close()", text)
            text = re.sub(r"^(package \w+)$", "\\1\n\nimport \"net\"\n\nvar conn net.Conn",
                          text, count=1, flags=re.M)
        out = "critic/" + Path(rel).name
        lines = _write(root, out, text)
        for i, line in enumerate(lines):
            functions[(out, i + 1)] = enclosing(lines, i, GO_FUNC)
            if line.strip().startswith("/*!") and close_variant:
                key = (out, i + 2, "LL202")
                expected[key] += 1
                if _leaves_loop_next(lines, i + 1):
                    disagreements[key] = (
                        "the defer is followed at once by break/return: the loop body runs it "
                        "once, so no Close piles up (go-critic flags every defer in a loop)")
    return Built(expected, _line_scope({"LL202"}), functions,
                 preset_disagreements=disagreements)


def _leaves_loop_next(lines: list[str], index: int) -> bool:
    """The statement after line `index` (skipping blanks) is a bare break or a return."""
    for text in lines[index + 1:]:
        stripped = text.strip()
        if stripped:
            return stripped == "break" or stripped.startswith("return")
    return False


# --- gosec: samples are Go raw strings with an expected issue count per sample.
SAMPLE = re.compile(r"\{\[\]string\{((?:\s*`[^`]*`\s*,?)+)\},\s*(\d+),")
RAW = re.compile(r"`([^`]*)`")
GOSEC_SCOPE = {
    # rule -> the source-line pattern a leaklint LL402 finding must sit on to be in scope
    "G107": re.compile(r"\bhttp\.(Get|Head|Post|PostForm)\("),
    "G112": re.compile(r"\bServer\s*\{"),
    "G114": re.compile(r"\bhttp\.(ListenAndServe|ListenAndServeTLS|Serve|ServeTLS)\("),
}
GOSEC_DIRECTIVE = re.compile(r"#nosec|gosec:disable")


def build_gosec(clone: Clone, root: Path, rule: str) -> Built:
    """G112/G114: gosec's count per sample is the expected LL402 count on matching lines.
    G107 is an SSRF check: its samples serve as a corpus of default-client calls, each of
    which lacks a timeout (our oracle: one LL402 per matching call, whatever gosec says)."""
    text = clone.read(f"testutils/{rule.lower()}_samples.go")
    pattern = GOSEC_SCOPE[rule]
    expected: Counter = Counter()
    functions = {}
    lines_of: dict[str, list[str]] = {}
    disagreements = {}
    for n, m in enumerate(SAMPLE.finditer(text)):
        sample = f"gosec/{rule.lower()}/s{n:02d}"
        sources = RAW.findall(m.group(1))
        count = 0
        for k, src in enumerate(sources):
            rel = f"{sample}/f{k}.go"
            lines = _write(root, rel, src)
            lines_of[rel] = lines
            count += sum(1 for x in lines if pattern.search(x))
            for i in range(len(lines)):
                functions[(rel, i + 1)] = enclosing(lines, i, GO_FUNC)
        want = count if rule == "G107" else int(m.group(2))
        if want:
            expected[(sample, "LL402")] += want
        if rule != "G107" and any(GOSEC_DIRECTIVE.search(s) for s in sources):
            disagreements[(sample, "LL402")] = (
                "gosec counts 0 because of its own #nosec / gosec:disable directive; "
                "leaklint honours only its own suppressions")

    def scope(f: Finding):
        if f.rule == "LL000":
            return (f.path, f.line, f.rule)
        if f.rule != "LL402":
            return None
        lines = lines_of.get(f.path, [])
        if 0 < f.line <= len(lines) and pattern.search(lines[f.line - 1]):
            return (f.path.rsplit("/", 1)[0], "LL402")
        return None

    return Built(expected, scope, functions, preset_disagreements=disagreements)


SUITES = [
    Suite("bodyclose (a)", "bodyclose", lambda c, r: build_bodyclose(c, r, "a")),
    Suite("bodyclose (consumption)", "bodyclose",
          lambda c, r: build_bodyclose(c, r, "consumption")),
    Suite("vet httpresponse", "tools", build_httpresponse),
    Suite("gosec G107 (corpus)", "gosec", lambda c, r: build_gosec(c, r, "G107")),
    Suite("gosec G112", "gosec", lambda c, r: build_gosec(c, r, "G112")),
    Suite("gosec G114", "gosec", lambda c, r: build_gosec(c, r, "G114")),
    Suite("go-critic deferInLoop (as is)", "gocritic",
          lambda c, r: build_defer_in_loop(c, r, False)),
    Suite("go-critic deferInLoop (Close variant)", "gocritic",
          lambda c, r: build_defer_in_loop(c, r, True)),
]
