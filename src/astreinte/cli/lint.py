"""`astreinte lint PATH…`: what to fix in the runbooks before the next night on call.

Reads files, or folders recursively (.md, .markdown, .txt), without any database. Prints a table
per file (text), an array of findings (json) or a SARIF 2.1.0 log for code-scanning tools (sarif).
Exit code 1 when any error or warning is found, 0 when only notes or nothing, 2 on a usage error.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Final
from urllib.parse import quote

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from astreinte import __version__
from astreinte.domain.lint import RULES, Finding, Rule, lint_source

FORMATS: Final = ("text", "json", "sarif")
SUFFIXES: Final = frozenset({".md", ".markdown", ".txt"})
SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
UNREADABLE: Final = Rule("unreadable", "error", "The file could not be read")
ALL_RULES: Final = (*RULES, UNREADABLE)
SEVERITY_STYLE: Final = {"error": "bold red", "warning": "yellow", "note": "cyan"}


@dataclass(frozen=True, slots=True)
class FileFindings:
    path: Path
    findings: list[Finding]


def lint_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...",
            show_default=False,
            help="Runbook files, or folders to search for .md, .markdown, .txt.",
        ),
    ],
    format: Annotated[
        str, typer.Option("--format", "-f", help="Output: text, json or sarif.")
    ] = "text",
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            metavar="YYYY-MM-DD",
            help="Date to check review dates against (default: today).",
        ),
    ] = None,
) -> None:
    """Report what an on-call engineer would want fixed: placeholder contacts, overdue reviews,
    procedures without rollback or validation, unguarded destructive commands, printed secrets,
    dead links, duplicate procedures."""
    if format not in FORMATS:
        raise typer.BadParameter(
            f"unknown format '{format}' (use text, json or sarif)", param_hint="--format"
        )
    day = _today(today)
    files = _runbook_files(paths)
    results = [_lint_file(path, day) for path in files]
    if format == "json":
        typer.echo(json.dumps(findings_json(results), ensure_ascii=False, indent=2))
    elif format == "sarif":
        typer.echo(json.dumps(sarif(results), ensure_ascii=False, indent=2))
    else:
        print_text(Console(highlight=False), results)
    if any(f.severity != "note" for result in results for f in result.findings):
        raise typer.Exit(1)


def _today(value: str | None) -> date:
    if value is None:
        return datetime.now(UTC).astimezone().date()  # the user's local day
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"'{value}' is not a date; write it as YYYY-MM-DD (e.g. 2026-05-16)",
            param_hint="--today",
        ) from None


def _runbook_files(paths: list[Path]) -> list[Path]:
    """The files to lint, in order: each file given, then each folder's runbooks sorted by path."""
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise typer.BadParameter(
                f"{path} does not exist; give a runbook file or a folder of runbooks",
                param_hint="PATH",
            )
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise typer.BadParameter(
                    f"{path} holds no .md, .markdown or .txt file; point at your runbooks folder",
                    param_hint="PATH",
                )
            files.extend(found)
        else:
            files.append(path)
    return list(dict.fromkeys(files))


def _lint_file(path: Path, today: date) -> FileFindings:
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        message = f"Cannot read {path} ({reason}): check that it is a readable file."
        return FileFindings(path, [Finding(UNREADABLE.id, "error", message, 0)])
    folder = path.parent
    _, findings = lint_source(
        data, source=path.name, today=today, exists=lambda target: (folder / target).exists()
    )
    return FileFindings(path, findings)


# -- output ----------------------------------------------------------------------------------------
def findings_json(results: list[FileFindings]) -> list[dict[str, object]]:
    return [
        {
            "file": str(result.path),
            "rule": finding.rule,
            "severity": finding.severity,
            "line": finding.line,
            "procedure": finding.procedure,
            "message": finding.message,
        }
        for result in results
        for finding in result.findings
    ]


def sarif(results: list[FileFindings]) -> dict[str, object]:
    """A SARIF 2.1.0 log: one run, every rule described, one result per finding."""
    index = {rule.id: position for position, rule in enumerate(ALL_RULES)}
    sarif_results: list[dict[str, object]] = []
    for result in results:
        uri = _uri(result.path)
        for finding in result.findings:
            entry: dict[str, object] = {
                "ruleId": finding.rule,
                "ruleIndex": index[finding.rule],
                "level": finding.severity,
                "message": {"text": finding.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri},
                            "region": {"startLine": max(finding.line, 1)},
                        }
                    }
                ],
            }
            if finding.procedure is not None:
                entry["properties"] = {"procedure": finding.procedure}
            sarif_results.append(entry)
    return {
        "version": "2.1.0",
        "$schema": SARIF_SCHEMA,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "astreinte",
                        "version": __version__,
                        "rules": [
                            {
                                "id": rule.id,
                                "shortDescription": {"text": rule.summary},
                                "defaultConfiguration": {"level": rule.severity},
                            }
                            for rule in ALL_RULES
                        ],
                    }
                },
                "results": sarif_results,
            }
        ],
    }


def _uri(path: Path) -> str:
    # SARIF wants a URI: relative paths stay relative (code-scanning resolves them from the root).
    return path.resolve().as_uri() if path.is_absolute() else quote(path.as_posix())


def print_text(console: Console, results: list[FileFindings]) -> None:
    totals: Counter[str] = Counter()
    for result in results:
        totals.update(f.severity for f in result.findings)
        if not result.findings:
            console.print(
                Text.assemble(("✓ ", "green"), str(result.path), (": no findings", "dim"))
            )
            continue
        table = Table(title=str(result.path), title_justify="left", expand=False)
        table.add_column("line", justify="right")
        table.add_column("severity")
        table.add_column("rule")
        table.add_column("message", overflow="fold")
        for finding in result.findings:
            table.add_row(
                str(finding.line) if finding.line else "–",
                Text(finding.severity, style=SEVERITY_STYLE[finding.severity]),
                finding.rule,
                finding.message,
            )
        console.print(table)
    files = len(results)
    console.print(
        f"{files} file{'s' if files != 1 else ''} checked: "
        f"{_plural(totals['error'], 'error')}, {_plural(totals['warning'], 'warning')}, "
        f"{_plural(totals['note'], 'note')}."
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"
