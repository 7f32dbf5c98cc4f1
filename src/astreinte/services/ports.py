"""What services need from the outside world, as Protocols; adapters implement them
structurally, so neither side imports the other."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from astreinte.domain.notification import Notification
from astreinte.domain.probe import ProbeResult, ProbeSpec


class DeliveryError(Exception):
    """A channel could not deliver a notification; the message says why (it is recorded)."""


class Notifier(Protocol):
    def send(self, notification: Notification) -> None:
        """Deliver one notification or raise an exception saying why not."""


class ProbeCheck(Protocol):
    """Runs one probe once (`adapters.probes.check`): never raises, a failure is a result with
    ok=False saying what was seen."""

    async def __call__(self, spec: ProbeSpec, *, clock: Callable[[], datetime]) -> ProbeResult: ...
