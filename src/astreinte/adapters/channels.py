"""Delivery channels: Apprise URLs (Slack, Teams, e-mail, Telegram, ntfy, SMS gateways…) and
our own signed webhook, behind one `send(notification)`.

    notifier = ChannelNotifier(
        {"email": AppriseChannel("mailtos://user:pass@smtp.example.org?to={recipient}"),
         "ops": WebhookChannel("https://ops.example.org/hook", secret="whsec_…")},
        routes={"email": "email", "webhook": "ops"},
    )

A notification names either a channel (routing decides it when the notification is queued) or
the kind of its contact (`email`, `slack`, `sms`, `webhook`, `person`), which `routes` maps to a
channel. `{recipient}` in an Apprise URL is replaced by the contact (URL-quoted), so one SMTP
channel mails every address a runbook lists; a URL without it always goes to the same place (a
Slack webhook, an on-call phone). A `short` channel (an SMS gateway) sends the notification's
short form alone, without a title: gateways bill each 160 characters, title included.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote

import apprise
import httpx

from astreinte import __version__
from astreinte.adapters.signatures import sign_generic
from astreinte.domain.notification import SMS_LIMIT, Notification

# Apprise schemes of SMS gateways (from apprise.Apprise().details(), Apprise 2.2): a channel
# with one of them carries the short form unless configured otherwise.
SMS_SCHEMES = frozenset(
    {
        "46elks", "atalk", "bulksms", "bulkvs", "burstsms", "clickatell", "clicksend", "d7sms",
        "elks", "freemobile", "httpsms", "kavenegar", "msg91", "msgbird", "nexmo", "plivo",
        "serwersms", "seven", "sinch", "smsc", "smseagle", "smseagles", "smsmanager", "smsmgr",
        "smstunnel", "sns", "twilio", "voipms", "vonage",
    }
)  # fmt: skip


def is_sms_url(url: str) -> bool:
    return url.split("://", 1)[0].casefold() in SMS_SCHEMES


class ChannelError(Exception):
    """The channel did not take the message; the text says what it answered."""


class Channel(Protocol):
    def deliver(self, notification: Notification) -> None: ...


@dataclass(frozen=True, slots=True)
class AppriseChannel:
    url: str
    short: bool = False  # an SMS gateway: the short form, no title

    def deliver(self, notification: Notification) -> None:
        url = self.url.replace("{recipient}", quote(notification.recipient, safe="@+"))
        sender = apprise.Apprise()
        if not sender.add(url):
            raise ChannelError(
                f"Apprise does not understand the channel URL (scheme of {url.split(':')[0]!r})"
            )
        title, body = notification.subject, notification.body
        if self.short:
            title, body = "", notification.short_body or body[:SMS_LIMIT]
        if not sender.notify(title=title, body=body):
            raise ChannelError("Apprise reported a failed delivery (see the astreinte log)")


@dataclass(frozen=True, slots=True)
class WebhookChannel:
    """Our generic webhook (formats README §O3): JSON body, Standard Webhooks and GitHub-style
    HMAC-SHA256 signatures, the same `webhook-id` on every retry of one notification."""

    url: str
    secret: str | None = None
    timeout: float = 10.0
    clock: Callable[[], float] = time.time
    # One pooled client per channel: a new TCP connection per page costs more than the page.
    client: httpx.Client = field(default_factory=httpx.Client, compare=False, repr=False)

    def deliver(self, notification: Notification) -> None:
        details = dict(notification.details)
        body = json.dumps(
            {
                "id": notification.dedup_key,
                "type": f"incident.{notification.kind}",
                "version": "1",
                "incident": {"id": notification.incident_id, **details},
                "recipient": notification.recipient,
                "subject": notification.subject,
                "text": notification.body,
                "short_text": notification.short_body or None,
                "link": details.get("url"),
                "channel": notification.channel,
                "reason": notification.reason or None,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        headers = {"Content-Type": "application/json", "User-Agent": f"astreinte/{__version__}"}
        if self.secret:
            headers = sign_generic(
                body,
                self.secret,
                event_id=notification.dedup_key,
                timestamp=int(self.clock()),
                user_agent=f"astreinte/{__version__}",
            )
        try:
            response = self.client.post(
                self.url, content=body, headers=headers, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise ChannelError(f"{self.url}: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 300:
            raise ChannelError(f"{self.url} answered {response.status_code}")


class ChannelNotifier:
    """Sends each notification through the channel it names or its contact's kind routes to."""

    def __init__(self, channels: Mapping[str, Channel], routes: Mapping[str, str]) -> None:
        self.channels = dict(channels)
        self.routes = dict(routes)

    def channel_for(self, notification: Notification) -> str | None:
        if notification.channel in self.channels:
            return notification.channel
        return self.routes.get(notification.channel)

    def send(self, notification: Notification) -> None:
        name = self.channel_for(notification)
        if name is None or name not in self.channels:
            raise ChannelError(
                f"no channel for {notification.channel} contacts; add "
                f'[routes] {notification.channel} = "<channel>" to astreinte.toml'
            )
        self.channels[name].deliver(notification)
