"""What the incident's timeline says about an execution: each decision with who and when, the
start, and the end with an excerpt of the (already redacted) output, in the incident's
language."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from astreinte.domain.execution.state import Execution, Preview, RunResult, Status
from astreinte.domain.incident.phrases import phrase
from astreinte.domain.incident.timeline import Event, EventKind, JsonValue

EXCERPT: Final = 1000  # characters of output kept in the event's data
GIST: Final = 300  # characters of it in the event's text, on one line


def preview_json(preview: Preview) -> dict[str, JsonValue]:
    """The preview as the API, the timeline and the database carry it."""
    return {
        "command": preview.command,
        "target": preview.target,
        "workdir": preview.workdir,
        "effect": list[JsonValue](preview.effect),
        "risk": preview.risk.value,
        "sensitive": preview.sensitive,
        "approval": preview.approval,
        "values": dict[str, JsonValue](preview.values),
        "environment": list[JsonValue](preview.environment),
        "condition": preview.condition,
    }


def requested(execution: Execution, language: str, *, at: datetime) -> Event:
    text = phrase(
        "step_requested",
        language,
        step=execution.step_id,
        risk=risk_words(execution),
        actor=execution.requested_by,
        command=execution.command,
    )
    data = {**_data(execution), "preview": preview_json(execution.preview)}
    return Event(at, EventKind.STEP_REQUESTED, execution.requested_by, text, data)


def refused(execution: Execution, language: str, *, reason: str, at: datetime, by: str) -> Event:
    """`reason`: in `language` already (see the `refusal_*` phrases)."""
    text = phrase(
        "step_refused",
        language,
        step=execution.step_id,
        actor=execution.requested_by,
        reason=reason,
    )
    return Event(at, EventKind.STEP_REFUSED, by, text, _data(execution))


def self_approval(execution: Execution, language: str, *, by: str, at: datetime) -> Event:
    text = phrase("step_self_approval", language, actor=by, step=execution.step_id)
    return Event(at, EventKind.STEP_APPROVAL_DENIED, by, text, _data(execution))


def approved(execution: Execution, language: str, *, by: str, at: datetime) -> Event:
    text = phrase(
        "step_approved",
        language,
        step=execution.step_id,
        actor=by,
        requester=execution.requested_by,
    )
    return Event(at, EventKind.STEP_APPROVED, by, text, _data(execution))


def cancelled(execution: Execution, language: str, *, by: str, at: datetime) -> Event:
    text = phrase("step_cancelled", language, step=execution.step_id, actor=by)
    return Event(at, EventKind.STEP_CANCELLED, by, text, _data(execution))


def started(execution: Execution, language: str, *, by: str, at: datetime) -> Event:
    text = phrase(
        "step_started",
        language,
        step=execution.step_id,
        target=execution.target,
        actor=by,
        command=execution.command,
    )
    # `command` in the data: what the post-mortem lists as the commands run.
    data = {**_data(execution), "command": execution.command}
    return Event(at, EventKind.STEP_STARTED, by, text, data)


def finished(execution: Execution, result: RunResult, language: str) -> Event:
    """The end of a run: how it ended, then the output's beginning (it says the most: the
    header of `df -h`, the first error), on one line in the text so that the timeline and the
    post-mortem stay one line per event, and with its lines in `data["output"]`."""
    step = execution.step_id
    if execution.status is Status.TIMED_OUT:
        text = phrase("step_timed_out", language, step=step, seconds=f"{result.seconds:.0f}")
    elif result.error and execution.exit_code is None:
        text = phrase("step_failed_to_start", language, step=step, error=result.error)
    else:
        key = "step_succeeded" if execution.status is Status.SUCCEEDED else "step_failed"
        text = phrase(key, language, step=step, code=execution.exit_code)
    excerpt = _excerpt(execution.output)
    data = {
        **_data(execution),
        "exit_code": execution.exit_code,
        "seconds": round(result.seconds, 3),
        "truncated": execution.truncated,
        "output": excerpt,
        "error": result.error,
    }
    at = execution.finished_at or execution.requested_at
    by = execution.history[-1].by
    gist = " ".join(excerpt.split())
    if len(gist) > GIST:
        gist = gist[: GIST - 1] + "…"
    return Event(at, EventKind.STEP_FINISHED, by, f"{text}: {gist}" if gist else text, data)


def risk_words(execution: Execution) -> str:
    return execution.risk.value + (", sensitive" if execution.sensitive else "")


def _excerpt(output: str) -> str:
    text = output.strip()
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _data(execution: Execution) -> dict[str, JsonValue]:
    return {
        "execution": execution.id,
        "step": execution.step_id,
        "status": execution.status.value,
        "risk": execution.risk.value,
        "sensitive": execution.sensitive,
        "target": execution.target,
    }
