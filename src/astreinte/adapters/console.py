"""The log channel: every notification is written to the `astreinte.notifications` logger
(and so to the console of `astreinte serve` or `astreinte worker`). Real channels (email,
Slack, SMS, webhooks) arrive with the alerts-and-notifications work; until then this is where
pages go, so nothing is silently dropped."""

from __future__ import annotations

import logging

from astreinte.domain.notification import Notification

log = logging.getLogger("astreinte.notifications")


class LogNotifier:
    def send(self, notification: Notification) -> None:
        log.warning(
            "%s to %s (%s): %s\n%s",
            notification.kind,
            notification.recipient,
            notification.channel,
            notification.subject,
            notification.body.rstrip(),
        )
