"""Steps: the commands of a procedure a responder may run, in document order, with stable ids.

A step's id is its section's kind and its rank among the steps of that kind (`diagnosis-1`,
`mitigation-3`): short enough to type (`astreinte run 12 mitigation-3`), and unchanged as long
as the procedure's text is. A line that is only `cd DIR` is not a step: it is the working
directory of the steps after it in the same code block, as a reader pasting them would have it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from astreinte.domain.commands.placeholders import placeholders as find_placeholders
from astreinte.domain.commands.shell import parse_simples, prepare, strip_prompt
from astreinte.domain.runbook.model import LineKind, Procedure, Risk, SectionKind

_CD: Final = re.compile(r"^\s*cd\s+(?P<dir>[^\s;&|<>$`'\"]+)\s*$")
_VARIABLE: Final = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)")
# Names a command gives a value itself: `for f in …`, `X=1 …`, `read -r line`.
_ASSIGNED: Final = (
    re.compile(r"\bfor\s+([A-Za-z_]\w*)\s+in\b"),
    re.compile(r"(?:^|[\s;&|(])(?:export\s+|local\s+)?([A-Za-z_]\w*)="),
    re.compile(r"\bread\s+(?:-\w+\s+)*([A-Za-z_]\w*)"),
)
# Set by every shell or login: nothing for a responder to fill in.
SHELL_VARIABLES: Final = frozenset(
    {
        "HOME", "PATH", "USER", "LOGNAME", "PWD", "OLDPWD", "SHELL", "HOSTNAME", "LANG",
        "TERM", "TMPDIR", "RANDOM", "UID", "EUID", "PPID", "IFS", "LINENO", "SECONDS",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Step:
    """One command of a procedure, as the catalogue assessed it.

    `effect` is what running it does, in the classifier's words; `placeholders` are the values
    to fill before it can run (`TENANT_UUID`, `<deployment-id>`, `$DATABASE_URL`).
    """

    id: str
    section: str  # the section's title, as the runbook writes it
    kind: SectionKind
    command: str
    risk: Risk
    sensitive: bool
    placeholders: tuple[str, ...] = ()
    effect: tuple[str, ...] = ()
    workdir: str | None = None
    line: int = 0

    @property
    def needs_approval(self) -> bool:
        """Destructive and sensitive steps need a second person's approval before they run."""
        return self.risk is Risk.DESTRUCTIVE or self.sensitive


def steps_of(procedure: Procedure) -> tuple[Step, ...]:
    """The runnable shell commands of `procedure`, in order (SQL statements typed in a session
    and prose lines are not steps)."""
    steps: list[Step] = []
    ranks: dict[SectionKind, int] = {}
    for section in procedure.sections:
        for block in section.code_blocks:
            workdir: str | None = None
            for line in block.lines:
                if line.kind is not LineKind.COMMAND or line.assessment is None:
                    continue
                cd = _CD.match(line.text)
                if cd:
                    workdir = cd.group("dir")
                    continue
                ranks[section.kind] = ranks.get(section.kind, 0) + 1
                steps.append(
                    Step(
                        id=f"{section.kind.value}-{ranks[section.kind]}",
                        section=section.title,
                        kind=section.kind,
                        command=line.text,
                        risk=line.assessment.risk,
                        sensitive=line.assessment.sensitive,
                        placeholders=placeholders_of(line.text),
                        effect=line.assessment.reasons,
                        workdir=workdir,
                        line=line.line_no,
                    )
                )
    return tuple(steps)


def find(steps: Sequence[Step], step_id: str) -> Step | None:
    wanted = step_id.strip().casefold()
    return next((step for step in steps if step.id == wanted), None)


def placeholders_of(command: str) -> tuple[str, ...]:
    """The placeholders a responder must fill: those `find_placeholders` sees, minus the
    variables the command sets itself and those every shell sets (`$HOME`)."""
    assigned = {match.group(1) for pattern in _ASSIGNED for match in pattern.finditer(command)}
    kept = []
    for token in find_placeholders(command):
        variable = _VARIABLE.match(token)
        if variable and (variable.group(1) in assigned or variable.group(1) in SHELL_VARIABLES):
            continue
        kept.append(token)
    return tuple(kept)


def variable_of(token: str) -> str | None:
    """`DATABASE_URL` for `$DATABASE_URL` and `${DATABASE_URL:-x}`; None for other tokens."""
    match = _VARIABLE.match(token)
    return match.group(1) if match else None


def programs(command: str) -> tuple[str, ...]:
    """The programs the shell itself starts for `command` (the first word of each simple
    command, `$(…)` included), in order; a wrapper's inner program (`docker exec c redis-cli`)
    runs elsewhere and is not listed. Words built from variables are left out."""
    try:
        simples = parse_simples(prepare(strip_prompt(command)))
    except Exception:  # parse_simples never raises by contract; stay safe if it ever does
        return ()
    names: list[str] = []
    for simple in simples:
        if simple.argv and not any(c in simple.argv[0] for c in "$`"):
            names.append(simple.argv[0])
    return tuple(dict.fromkeys(names))
