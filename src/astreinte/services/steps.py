"""An incident's steps with their placeholders filled from what is known about the incident.

A placeholder's value comes, first found first: from the request (`values`), the labels of the
incident's alerts (newest alert first), the incident's service (`service`), the configured values
of its service, then of every service (`execution.values`), and for `$VARIABLES` from
astreinte's environment. Names match whatever their spelling (`TENANT_UUID`, `tenant-uuid`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Final

from sqlalchemy.orm import Session

from astreinte.domain.execution import policy, redact
from astreinte.domain.execution.policy import BackupDecision, Gate
from astreinte.domain.execution.state import Preview
from astreinte.domain.execution.step import Step, find, steps_of, variable_of
from astreinte.domain.execution.values import Filled, Value, fill, is_secret, key
from astreinte.domain.runbook.model import Procedure, SectionKind
from astreinte.errors import InputError, NotFound
from astreinte.services import snapshots
from astreinte.storage import alerts as alert_store
from astreinte.storage.incidents import IncidentRecord

MAX_VALUE = 2000
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
# Sections whose read steps run by themselves when an incident opens (if configured).
AUTO_SECTIONS: Final = frozenset({SectionKind.DIAGNOSIS, SectionKind.SYMPTOMS})


@dataclass(frozen=True, slots=True)
class ExecutionRules:
    """What configuration decides about running steps (built by the entry points)."""

    kill_switch: bool = False  # True refuses every run, with a sentence saying so
    auto_read: bool = False  # run the diagnosis' read steps when an incident opens
    timeout_seconds: float = 60.0
    output_limit: int = 64 * 1024  # bytes of output kept per run
    rate_limit: int = 3  # runs per hour of one destructive step on one target
    # service ("*": every service) → placeholder name → value
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    secret_names: frozenset[str] = frozenset()  # placeholders declared secret
    # What `$VARIABLES` may be read from: astreinte's environment when it started. Neither it
    # nor the secrets below are in the repr, which a log line or a traceback could print.
    environment: Mapping[str, str] = field(default_factory=dict, repr=False)
    known_secrets: frozenset[str] = field(default=frozenset(), repr=False)  # the configuration's

    def masked(self, extra: Iterable[str] = ()) -> frozenset[str]:
        """Every value to mask in what a run shows and stores."""
        found = redact.known_secrets(self.environment, self.secret_names)
        return found | self.known_secrets | frozenset(extra)


DEFAULT_EXECUTION_RULES = ExecutionRules()


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A placeholder of a step and the value found for it (`shown`: masked when secret)."""

    token: str
    name: str
    secret: bool
    shown: str | None
    source: str | None


@dataclass(frozen=True, slots=True)
class StepView:
    step: Step
    gate: Gate
    placeholders: tuple[Placeholder, ...]
    filled: str | None  # the command as it would run (secrets as $NAME), None while values miss
    backup: BackupDecision | None  # set when running the step restores a backup
    auto: bool  # runs by itself when an incident opens, if configured


@dataclass(frozen=True, slots=True)
class Plan:
    """A step ready to request: the command as it runs, as it is shown, and its preview."""

    procedure_id: str
    step: Step
    gate: Gate
    values: dict[str, Value]  # by key
    filled: Filled
    shown: str
    sha256: str
    preview: Preview
    restore: bool  # the backup-restore decision governs it


def procedure_of(session: Session, record: IncidentRecord) -> tuple[str, Procedure]:
    ref = record.incident.procedure
    if ref is None:
        raise NotFound(
            f"incident {record.id} follows no procedure, so it has no steps; choose one with "
            f"'astreinte incidents procedure {record.id} PROCEDURE'"
        )
    stored = snapshots.procedure(session, ref.id)
    if stored is None:
        raise NotFound(
            f"the procedure '{ref.id}' of incident {record.id} is no longer in the catalogue; "
            "re-import its runbook or choose another procedure"
        )
    return ref.id, stored.procedure


def step_views(session: Session, record: IncidentRecord, rules: ExecutionRules) -> list[StepView]:
    _, procedure = procedure_of(session, record)
    sources = known_values(session, record, rules)
    decision = policy.backup_decision(procedure.backup)
    masked = rules.masked()
    views = []
    for step in steps_of(procedure):
        values = resolve(step, sources, {}, rules)
        filled = fill(step.command, values, step.placeholders) if _fillable(step, values) else None
        gate = policy.gate_of(step)
        views.append(
            StepView(
                step=step,
                gate=gate,
                placeholders=tuple(
                    _placeholder(t, values, rules, masked) for t in step.placeholders
                ),
                filled=redact.mask(filled.command, masked) if filled else None,
                backup=decision if policy.restores(step, decision) else None,
                auto=gate is Gate.AUTO and step.kind in AUTO_SECTIONS,
            )
        )
    return views


def plan(
    session: Session,
    record: IncidentRecord,
    *,
    step_id: str,
    given: Mapping[str, str],
    condition: str | None,
    rules: ExecutionRules,
    target: str,
    held: Mapping[str, Value] | None = None,
    check_backup: bool = True,
) -> Plan:
    """Find the step and fill it. Raises NotFound for an unknown step, InputError for values
    that are missing, unknown or unusable and for a restore without its condition ticked;
    RestoreRefused when the runbook says not to restore (unless `check_backup` is False: the
    plan of a refusal, to record it)."""
    procedure_id, procedure = procedure_of(session, record)
    steps = steps_of(procedure)
    step = find(steps, step_id)
    if step is None:
        ids = ", ".join(s.id for s in steps) or "none"
        raise NotFound(
            f"incident {record.id} has no step '{step_id}' (its steps: {ids}); "
            f"'astreinte steps {record.id}' lists them"
        )
    checked = checked_values(given, step)
    values = resolve(step, known_values(session, record, rules), checked, rules)
    values = {**values, **(held or {})}
    filled = fill(step.command, values, step.placeholders)
    if filled.missing:
        names = ", ".join(filled.missing)
        raise InputError(
            f"step {step.id} needs a value for {names}; give it with --value NAME=VALUE "
            '(API: "values": {"NAME": "VALUE"}), or as a label of the incident\'s alert'
        )
    decision = policy.backup_decision(procedure.backup)
    restore = policy.restores(step, decision)
    check = restore and decision is not None and check_backup
    ticked = policy.tick(step, decision, condition) if check and decision else None
    masked = rules.masked(v.text for v in values.values() if v.secret)
    shown = redact.mask(filled.command, masked)
    gate = policy.gate_of(step)
    shown_values = {
        t: redact.MASK if values[key(t)].secret else redact.mask(values[key(t)].text, masked)
        for t in step.placeholders
        if key(t) in values
    }
    preview = Preview(
        command=shown,
        target=target,
        effect=step.effect,
        risk=step.risk,
        sensitive=step.sensitive,
        approval=gate is Gate.APPROVAL,
        workdir=step.workdir,
        values=shown_values,
        environment=tuple(sorted(filled.environment)),
        condition=ticked,
    )
    digest = hashlib.sha256(
        "\x00".join((filled.command, step.workdir or "", target)).encode("utf-8")
    ).hexdigest()
    return Plan(procedure_id, step, gate, values, filled, shown, digest, preview, restore)


def checked_values(given: Mapping[str, str], step: Step) -> dict[str, Value]:
    """The values a person gave, by key; InputError for one that is not a placeholder of the
    step (a typo would otherwise be silently ignored) or not a single line."""
    keys = {key(t): t for t in step.placeholders}
    checked: dict[str, Value] = {}
    for name, text in given.items():
        if key(name) not in keys:
            listed = ", ".join(step.placeholders) or "none"
            raise InputError(
                f"'{name}' is not a placeholder of step {step.id} (its placeholders: {listed}); "
                "check the name"
            )
        if len(text) > MAX_VALUE:
            raise InputError(f"the value of {name} has {len(text)} characters; at most {MAX_VALUE}")
        if _CONTROL.search(text):
            raise InputError(
                f"the value of {name} contains a line break or a control character; "
                "give it on one line"
            )
        checked[key(name)] = Value(text, source="given")
    return checked


def known_values(
    session: Session, record: IncidentRecord, rules: ExecutionRules
) -> dict[str, Value]:
    """Values known without asking, by key: alert labels, the service, configured values."""
    found: dict[str, Value] = {}
    service = record.incident.service
    for scope in ("*", service):
        for name, text in (rules.values.get(scope, {}) if scope else {}).items():
            found[key(name)] = Value(text, source="config")
    if service:
        found["service"] = Value(service, source="service")
    # Oldest first, so that the newest alert's labels win.
    for stored in sorted(alert_store.for_incident(session, record.id), key=lambda a: a.id):
        for name, text in stored.alert.labels.items():
            if not _CONTROL.search(text):
                found[key(name)] = Value(text, source="label")
    return found


def resolve(
    step: Step, known: Mapping[str, Value], given: Mapping[str, Value], rules: ExecutionRules
) -> dict[str, Value]:
    """The values of the step's placeholders that can be found, marked secret or not."""
    values: dict[str, Value] = {}
    for token in step.placeholders:
        name = key(token)
        secret = is_secret(token, rules.secret_names)
        variable = variable_of(token)
        if name in given:
            found = given[name]
        elif name in known:
            found = known[name]
        elif variable and variable in rules.environment and not variable.startswith("ASTREINTE_"):
            found = Value(rules.environment[variable], source="environment")
        else:
            continue
        values[name] = replace(found, secret=secret)
    return values


def _fillable(step: Step, values: Mapping[str, Value]) -> bool:
    try:
        return not fill(step.command, values, step.placeholders).missing
    except InputError:
        return False


def _placeholder(
    token: str, values: Mapping[str, Value], rules: ExecutionRules, masked: frozenset[str]
) -> Placeholder:
    value = values.get(key(token))
    secret = is_secret(token, rules.secret_names)
    if value is None:
        return Placeholder(token, key(token), secret, None, None)
    shown = redact.MASK if secret else redact.mask(value.text, masked)
    return Placeholder(token, key(token), secret, shown, value.source)
