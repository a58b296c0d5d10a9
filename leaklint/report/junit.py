"""JUnit XML, laid out as ruff writes it: one test suite per file with findings, one
failed test case per finding; a run without findings is one passing test case."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby
from pathlib import Path

from leaklint.ci.fingerprint import stable_path
from leaklint.model import Finding
from leaklint.report.names import as_text, shown

# Characters XML 1.0 cannot carry at all, not even escaped (a message may quote source).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _name(path: str) -> str:
    """A file name as XML can carry it: as it is, else C-quoted (lossless)."""
    text = as_text(path)
    return shown(path) if _NOT_XML.search(text) else text


def render(findings: list[Finding], base: Path) -> str:
    total = len(findings)
    root = ET.Element("testsuites", name="leaklint", tests=str(max(total, 1)),
                      failures=str(total), errors="0")
    if not findings:
        suite = ET.SubElement(root, "testsuite", name="leaklint", tests="1", failures="0",
                              errors="0", package="leaklint")
        ET.SubElement(suite, "testcase", name="No errors found", classname="leaklint")
    paths = [_name(stable_path(f.path, base)) for f in findings]
    ordered = sorted(zip(paths, findings, strict=True), key=lambda pf: pf[0])
    for path, group in groupby(ordered, key=lambda pf: pf[0]):
        cases = [f for _, f in group]
        suite = ET.SubElement(root, "testsuite", name=path, tests=str(len(cases)),
                              failures=str(len(cases)), errors="0", package="leaklint")
        classname = str(Path(path).with_suffix("").as_posix())
        for f in cases:
            case = ET.SubElement(suite, "testcase", name=f"leaklint.{f.rule_id}",
                                 classname=classname, file=path, line=str(f.span.line),
                                 column=str(f.span.column))
            failure = ET.SubElement(case, "failure", message=_text(f.message),
                                    type=f.rule_id)
            failure.text = _text(f"line {f.span.line}, col {f.span.column}, {f.message}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
