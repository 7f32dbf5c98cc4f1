"""What services need from the outside world, as Protocols; adapters implement them
structurally, so neither side imports the other."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

from astreinte.domain.execution.state import RunResult
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


class Runner(Protocol):
    """Runs a step's shell command on one target (this machine, a host over SSH…)."""

    @property
    def target(self) -> str:
        """Where commands run, as the preview and the rate limit name it ("local", a host)."""
        ...

    def run(
        self,
        command: str,
        *,
        environment: Mapping[str, str],
        workdir: str | None,
        timeout: float,
        output_limit: int,
    ) -> RunResult:
        """Run `command` with `/bin/sh -c` and these extra environment variables, killing it
        (and whatever it started) after `timeout` seconds and keeping at most `output_limit`
        bytes of its interleaved stdout and stderr. Never raises for the command's sake: a
        missing program or directory is a result whose `error` says so."""
        ...
