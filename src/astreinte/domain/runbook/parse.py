"""Markdown runbook → Runbook. (Temporary stub while the real parser is written.)"""

from __future__ import annotations

from astreinte.domain.runbook.model import Diagnostic, Repair, Runbook


def parse(data: bytes | str, *, source: str) -> tuple[Runbook, list[Diagnostic]]:
    """Read one document; never raises on bad content, problems come back as diagnostics."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    title = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), source)
    return Runbook(source=source, title=title, encoding=Repair(repaired=False, method="none")), []
