"""Tools with subcommands (`docker`, `git`, `kubectl`…): a table from positional words to verdicts.

`git push --force` is looked up as `push` after the options are skipped; the longest known prefix
of the positional words wins (`compose down` before `compose`), and flag entries add verdicts
(`compose down` + `-v` deletes the volumes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from astreinte.domain.commands.arguments import has_flag, positionals
from astreinte.domain.commands.shell import Simple
from astreinte.domain.commands.verdict import (
    CHANGE,
    DESTRUCTIVE,
    READ,
    Args,
    Context,
    Judge,
    Verdict,
)
from astreinte.domain.runbook.model import Risk


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    table: Mapping[str, Verdict | Judge]
    takes_value: frozenset[str] = frozenset()
    flags: Mapping[tuple[str, str], Verdict] = field(default_factory=dict)


def judge_tool(tool: Tool, cmd: Simple, args: Args, ctx: Context) -> list[Verdict]:
    found = [w.lower() for w in positionals(args, tool.takes_value)]
    for size in (3, 2, 1, 0):
        if len(found) < size:
            continue
        key = " ".join(found[:size])
        entry = tool.table.get(key)
        if entry is None:
            continue
        verdicts = [entry] if isinstance(entry, Verdict) else entry(cmd, args, ctx)
        extra = [v for (sub, flag), v in tool.flags.items() if sub == key and has_flag(args, flag)]
        return verdicts + extra
    sub = f"{tool.name} {found[0]}" if found else tool.name
    return [Verdict(CHANGE, f"{sub}: unknown subcommand, treated as a change")]


def entries(risk: Risk, keys: str, why: str, *, tool: str = "") -> dict[str, Verdict]:
    """Keys separated by `|`, each a space-separated prefix; the reason reads `tool key why`."""
    normalised = (" ".join(key.split()) for key in keys.split("|"))
    return {key: Verdict(risk, " ".join(f"{tool} {key} {why}".split())) for key in normalised}


def table(
    tool: str, *, read: str = "", change: str = "", destructive: str = "",
    read_why: str = "only reads state", change_why: str = "changes state (reversible)",
    destructive_why: str = "deletes data (irreversible)",
) -> dict[str, Verdict]:  # fmt: skip
    """The subcommands of `tool` at each risk, with one reason per risk."""
    found: dict[str, Verdict] = {}
    for keys, risk, why in (
        (read, READ, read_why),
        (change, CHANGE, change_why),
        (destructive, DESTRUCTIVE, destructive_why),
    ):
        if keys:
            found.update(entries(risk, keys, why, tool=tool))
    return found
