"""Reading a program's arguments: its name, options, positional words and flags."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from astreinte.domain.commands.shell import Simple
from astreinte.domain.commands.verdict import Args


def words(text: str) -> tuple[str, ...]:
    """Tables list names in one string, as they would be typed."""
    return tuple(text.split())


def program_name(word: str) -> str:
    """`/usr/bin/psql` and `\\rm` are `psql` and `rm`."""
    return word.lstrip("\\").rsplit("/", 1)[-1]


def parse_options(
    args: Args, start: int, takes_value: frozenset[str]
) -> tuple[int, dict[str, str]]:
    """Skip the options from `start`; returns the index of the first operand and the options."""
    found: dict[str, str] = {}
    index = start
    while index < len(args):
        arg = args[index]
        if arg == "--":
            return index + 1, found
        if not arg.startswith("-") or arg == "-":
            break
        name, eq, value = arg.partition("=")
        if not eq and arg in takes_value and index + 1 < len(args):
            value = args[index + 1]
            index += 1
        found[name] = value
        index += 1
    return index, found


def positionals(args: Args, takes_value: frozenset[str]) -> list[str]:
    """The words that are not options (nor the values of `takes_value` options), up to `--`."""
    found: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            break
        if arg.startswith("-") and arg != "-":
            index += 2 if arg in takes_value else 1
            continue
        found.append(arg)
        index += 1
    return found


def has_flag(args: Args, flag: str) -> bool:
    """`flag` given alone, as `flag=…`, or (for `-x`) inside a bundle such as `-xvf`."""
    for arg in args:
        if arg == "--":
            return False
        if arg == flag or arg.startswith(flag + "="):
            return True
        single = len(flag) == 2 and flag[0] == "-" and flag[1] != "-"
        if single and arg.startswith("-") and not arg.startswith("--") and flag[1] in arg[1:]:
            return arg[1:].isalpha()
    return False


def nested(cmd: Simple, argv: Sequence[str], *, assignments: Sequence[str] = ()) -> Simple:
    """The command another one runs: new words, same redirections and stdin."""
    return replace(cmd, argv=tuple(argv), assignments=cmd.assignments + tuple(assignments))


def is_production(value: str) -> bool:
    return bool(re.search(r"(?i)(?<![a-z])prod(uction)?(?![a-z])", value))
