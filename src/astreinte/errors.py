"""Errors a user can act on. Interfaces translate them into one line and an exit code or a status.

    AstreinteError
     ├── InputError   the input (a file, an option, a setting) is wrong
     ├── NotFound     the thing named does not exist
     ├── Conflict     the request clashes with what is stored
     └── Busy         the database could not take the change now; the same request may succeed

Every message names the input and says what to do next.
"""

from __future__ import annotations


class AstreinteError(Exception):
    """Base of the errors astreinte reports to its user."""


class InputError(AstreinteError):
    """An input is malformed or unusable."""


class NotFound(AstreinteError):
    """The named runbook, procedure or record does not exist."""


class Conflict(AstreinteError):
    """The request contradicts what is already stored."""


class Busy(AstreinteError):
    """A transient refusal (lock timeout, deadlock): retrying the same request is right, which
    is why the API answers 503 — senders such as Alertmanager retry those, not 4xx."""
