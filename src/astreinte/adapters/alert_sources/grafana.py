"""Grafana unified alerting webhook (formats README §3): Alertmanager's envelope with `version`
"1", plus per alert `values` (refId → number), `valueString`, `silenceURL`, `dashboardURL`,
`panelURL` and `imageURL`.

Each element of `alerts` is its own `Alert`, keyed by Grafana's `fingerprint` (its own hash,
not Alertmanager's: Grafana hashes labels it strips before sending). The link is the rule's
`generatorURL`, else the panel, else the dashboard. `values` and the other Grafana-only fields
stay in `raw`. The legacy envelope fields (`state`, `title`, `message`) are not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from astreinte.adapters.alert_sources._payload import load_object, to_utc
from astreinte.adapters.alert_sources.alertmanager import read_webhook
from astreinte.domain.alert import Parsed, label_fingerprint

SOURCE = "grafana"
SEND = "Grafana's webhook contact point JSON (an object with an 'alerts' list)"


def parse(body: bytes, *, received_at: datetime) -> Parsed:
    """The alerts of one Grafana notification; a bad alert is skipped and named in
    `problems`."""
    data = load_object(body, send=SEND)
    return read_webhook(
        data,
        source=SOURCE,
        send=SEND,
        now=to_utc(received_at),
        fingerprint_of=_fingerprint,
        url_keys=("generatorURL", "panelURL", "dashboardURL"),
    )


def _fingerprint(labels: Mapping[str, str]) -> str:
    return label_fingerprint(SOURCE, labels)
