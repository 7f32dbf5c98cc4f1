"""`astreinte probes list|run|suggest`: the probes of astreinte.toml, one run now, and the
probes a runbook already describes, as `[[probes]]` blocks to paste.

    astreinte probes list --json
    astreinte probes run redis
    astreinte probes suggest docs/runbooks/sylion.md >> astreinte.toml
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from astreinte.cli import render
from astreinte.cli.runtime import ConfigOption, Runtime, runtime

if TYPE_CHECKING:  # SQLAlchemy, pydantic and the probe drivers load when a command runs
    from astreinte.domain.incident.timeline import JsonValue
    from astreinte.domain.probe import ProbeSpec
    from astreinte.domain.probe_suggestion import Suggestion
    from astreinte.services.probes import Observed

app = typer.Typer(
    name="probes",
    help="Checks astreinte runs itself: list them, run one now, suggest some from a runbook.",
    no_args_is_help=True,
)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON (the API's shape).")]


def _now() -> datetime:
    return datetime.now(UTC)


def _specs(rt: Runtime) -> list[ProbeSpec]:
    from astreinte.wiring import probe_specs

    return probe_specs(rt.settings())


@app.command("list")
def list_command(ctx: typer.Context, as_json: AsJson = False, config: ConfigOption = None) -> None:
    """The configured probes: status, last result, next run, uptime over 24 h."""
    from astreinte.api.schemas import probe_out
    from astreinte.services import probes

    rt = runtime(ctx)
    rt.choose_config(config)
    specs = _specs(rt)
    views = probes.list_probes(rt.sessions(), specs=specs, now=_now())
    if as_json:
        render.echo_json([probe_out(v).model_dump(mode="json") for v in views])
        return
    if not views:
        typer.echo(
            f"no probes in {rt.settings().config_file}; add [[probes]] tables "
            "('astreinte probes suggest RUNBOOK' prints some from a runbook)"
        )
        return
    table = Table("name", "kind", "status", "since", "last result", "uptime 24 h", "incident")
    for view in views:
        out = probe_out(view)
        last = out.last
        table.add_row(
            out.name,
            out.kind,
            out.status,
            f"{out.since:%Y-%m-%d %H:%M:%S}" if out.since else "",
            f"{'ok' if last.ok else 'failed'}: {last.detail}" if last else "never run",
            f"{out.uptime_24h:.2f} %" if out.uptime_24h is not None else "",
            f"#{out.incident_id}" if out.incident_id else "",
        )
    render.console().print(table)


@app.command("run")
def run_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The probe's name in astreinte.toml.")],
    as_json: AsJson = False,
    config: ConfigOption = None,
) -> None:
    """Run one probe now, record its result, and say the state it leads to (exit 1 when the
    check failed)."""
    from astreinte.adapters import probes as kinds
    from astreinte.errors import NotFound
    from astreinte.services import probes
    from astreinte.wiring import probe_rules

    rt = runtime(ctx)
    rt.choose_config(config)
    specs = {s.name: s for s in _specs(rt)}
    if name not in specs:
        known = ", ".join(specs) or "none"
        raise NotFound(
            f"no probe '{name}' in {rt.settings().config_file} (configured: {known}); "
            "check the name or --config"
        )
    observed = probes.run_now(
        rt.sessions(),
        spec=specs[name],
        check=kinds.check,
        clock=_now,
        rules=probe_rules(rt.settings()),
        close=kinds.close,
    )
    if as_json:
        render.echo_json(_observed_json(observed))
    else:
        typer.echo(_observed_text(observed))
    if not observed.result.ok:
        raise typer.Exit(1)


def _observed_json(observed: Observed) -> dict[str, JsonValue]:
    from astreinte.api.schemas import probe_result_out

    state = observed.state
    return {
        "name": observed.spec.name,
        "result": probe_result_out(observed.result).model_dump(mode="json"),
        "status": state.status.value,
        "failures": state.failures,
        "successes": state.successes,
        "flapping": state.flapping,
        "change": observed.change.value if observed.change else None,
        "incident_id": observed.incident_id,
    }


def _observed_text(observed: Observed) -> str:
    from astreinte.domain.probe import Change, ProbeStatus

    result, state, spec = observed.result, observed.state, observed.spec
    latency = f" in {result.latency_ms:.0f} ms" if result.latency_ms is not None else ""
    lines = [f"{spec.name}: {'ok' if result.ok else 'failed'}{latency}: {result.detail}"]
    if observed.change is Change.WENT_DOWN:
        incident = f"; incident #{observed.incident_id}" if observed.incident_id else ""
        lines.append(f"the probe is now down{incident}")
    elif observed.change is Change.CAME_BACK:
        lines.append("the probe is up again; its alert is resolved")
    elif state.status is ProbeStatus.DOWN:
        lines.append(
            f"still down ({state.successes} of {spec.rise} successes needed to come back"
            + (", flapping" if state.flapping else "")
            + ")"
        )
    elif state.status is ProbeStatus.UP and not result.ok:
        lines.append(f"still up ({state.failures} of {spec.fall} failures before it goes down)")
    else:
        lines.append(f"status: {state.status.value}")
    return "\n".join(lines)


@app.command("suggest")
def suggest_command(
    ctx: typer.Context,
    runbook: Annotated[
        str, typer.Argument(help="A runbook id of the catalogue, or a runbook file.")
    ],
    as_json: AsJson = False,
) -> None:
    """Print [[probes]] blocks for the runbook's read-only diagnostic commands that state their
    expected result (# Attendu : PONG, # Expected: accepting connections), ready to paste into
    astreinte.toml."""
    from astreinte.domain.probe_suggestion import suggest
    from astreinte.domain.runbook.parse import parse
    from astreinte.errors import InputError
    from astreinte.services import probes

    path = Path(runbook)
    if path.is_file():
        try:
            found = suggest(parse(path.read_bytes(), source=path.name)[0])
        except OSError as exc:
            raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    else:
        found = probes.suggest(runtime(ctx).sessions(), runbook_id=runbook)
    if as_json:
        render.echo_json([_suggestion_json(s) for s in found])
        return
    if not found:
        typer.echo(
            f"# no read-only command of {runbook} states its expected result "
            "(a comment such as '# Expected: PONG' after it); nothing to suggest"
        )
        return
    typer.echo("\n\n".join(toml_block(s) for s in found))


def _suggestion_json(found: Suggestion) -> dict[str, JsonValue]:
    return {
        "name": found.name,
        "kind": found.kind.value,
        "target": found.target,
        "options": found.options,
        "symptom": found.symptom,
        "procedure": found.procedure_id,
        "procedure_title": found.procedure_title,
        "command": found.command,
        "line": found.line,
        "expected": found.expected,
        "notes": list(found.notes),
        "toml": toml_block(found),
    }


def toml_block(found: Suggestion) -> str:
    """One `[[probes]]` table, with where it comes from and what to check as comments."""
    lines = [
        f"# {found.procedure_title}, line {found.line}: {_one_line(found.command)}",
        f"# expected: {_one_line(found.expected)}",
        *(f"# note: {note}" for note in found.notes),
        "[[probes]]",
        f"name = {_toml(found.name)}",
        f"kind = {_toml(found.kind.value)}",
        f"target = {_toml(found.target)}",
        'interval = "30s"',
    ]
    if found.procedure_id:
        lines.append(f"procedure = {_toml(found.procedure_id)}")
    lines.append(f"symptom = {_toml(found.symptom)}")
    lines.extend(f"{_key(key)} = {_toml(value)}" for key, value in found.options.items())
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key)


def _toml(value: JsonValue) -> str:
    """A TOML value: JSON's spelling of strings and numbers is TOML's too (basic strings take
    the same escapes); tables are written inline."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items())
        return f"{{ {inner} }}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if value is None:
        return '""'
    return json.dumps(value, ensure_ascii=False)
