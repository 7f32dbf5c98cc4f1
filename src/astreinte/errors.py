"""Errors a user can act on. Interfaces translate them into one line and an exit code or a status.

    AstreinteError
     ├── InputError   the input (a file, an option, a setting) is wrong
     ├── NotFound     the thing named does not exist
     ├── Forbidden    the caller may not do this (a rule such as "no self-approval")
     ├── Conflict     the request clashes with what is stored
     │    ├── ApprovalRequired  the step waits for a second person's approval
     │    └── Refused           a rule refused to run the step (kill switch, rate limit…)
     └── Busy         the database could not take the change now; the same request may succeed

Every message names the input and says what to do next.
"""

from __future__ import annotations

from collections.abc import Mapping


class AstreinteError(Exception):
    """Base of the errors astreinte reports to its user."""


class InputError(AstreinteError):
    """An input is malformed or unusable."""


class NotFound(AstreinteError):
    """The named runbook, procedure or record does not exist."""


class Forbidden(AstreinteError):
    """The caller may not do this, whatever their input: a role or a rule forbids it."""


class Conflict(AstreinteError):
    """The request contradicts what is already stored."""


class ApprovalRequired(Conflict):
    """A destructive or sensitive step was requested: it runs once a second person with the
    approver role approves `execution`; `preview` is what they approve (JSON-ready)."""

    def __init__(self, message: str, *, execution: int, preview: Mapping[str, object]) -> None:
        super().__init__(message)
        self.execution = execution
        self.preview = preview


class Refused(Conflict):
    """A rule refused to run a step; the refusal is recorded on the incident's timeline."""

    def __init__(self, message: str, *, execution: int | None = None) -> None:
        super().__init__(message)
        self.execution = execution


class Busy(AstreinteError):
    """A transient refusal (lock timeout, deadlock): retrying the same request is right, which
    is why the API answers 503 — senders such as Alertmanager retry those, not 4xx."""
