"""The one place where source offsets become user-facing columns."""

from __future__ import annotations

from leaklint.model import Span


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class LineTable:
    """Maps (row, byte column) and (line, code-point column) positions of one file
    to Spans with both column units. Decodes a line only when asked."""

    def __init__(self, source: bytes) -> None:
        self._lines = source.split(b"\n")

    def line_bytes(self, row: int) -> bytes:
        return self._lines[row] if 0 <= row < len(self._lines) else b""

    def line_text(self, line: int) -> str:
        """1-based line number; decoding errors are replaced, never raised."""
        return self.line_bytes(line - 1).decode("utf-8", "replace").rstrip("\r")

    def _cols_from_bytes(self, row: int, byte_col: int) -> tuple[int, int]:
        prefix = self.line_bytes(row)[:byte_col].decode("utf-8", "replace")
        return len(prefix) + 1, utf16_len(prefix) + 1

    def span_from_points(
        self, start: tuple[int, int], end: tuple[int, int]
    ) -> Span:
        """tree-sitter points: 0-based rows, 0-based byte columns."""
        (srow, sbyte), (erow, ebyte) = start, end
        scol, scol16 = self._cols_from_bytes(srow, sbyte)
        ecol, ecol16 = self._cols_from_bytes(erow, ebyte)
        return Span(srow + 1, scol, erow + 1, ecol, scol16, ecol16)

    def span_from_chars(
        self, line: int, column0: int, end_line: int, end_column0: int
    ) -> Span:
        """libcst positions: 1-based lines, 0-based code-point columns."""
        start_text = self.line_text(line)[:column0]
        end_text = self.line_text(end_line)[:end_column0]
        return Span(
            line,
            column0 + 1,
            end_line,
            end_column0 + 1,
            utf16_len(start_text) + 1,
            utf16_len(end_text) + 1,
        )
