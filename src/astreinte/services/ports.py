"""What services need from the outside world, as Protocols; adapters implement them
structurally, so neither side imports the other."""

from __future__ import annotations

from typing import Protocol

from astreinte.domain.notification import Notification


class DeliveryError(Exception):
    """A channel could not deliver a notification; the message says why (it is recorded)."""


class Notifier(Protocol):
    def send(self, notification: Notification) -> None:
        """Deliver one notification or raise an exception saying why not."""
