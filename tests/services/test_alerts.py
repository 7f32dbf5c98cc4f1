"""Alert ingestion on SQLite and PostgreSQL: dedup, grouping, resolution, flapping, silences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.alert import Alert, AlertStatus
from astreinte.domain.incident.model import Action, Status
from astreinte.domain.incident.timeline import EventKind
from astreinte.domain.silence import parse_matcher
from astreinte.errors import InputError
from astreinte.services import alerts, catalogue, incidents
from astreinte.services.alerts import AlertRules, Outcome
from astreinte.services.incidents import DEFAULT_RULES
from tests.conftest import SEEDS

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def catalogue_sessions(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    catalogue.import_paths(sessions, [SEEDS], now=T0)
    return sessions


def alert(
    fingerprint: str = "a1",
    status: AlertStatus = AlertStatus.FIRING,
    title: str = "RedisDown",
    description: str = "Error: connect ECONNREFUSED 127.0.0.1:6379, la queue BullMQ est bloquée",
    service: str | None = "sylion",
    severity: str | None = "critical",
) -> Alert:
    return Alert(
        source="alertmanager",
        fingerprint=fingerprint,
        status=status,
        title=title,
        description=description,
        labels={"alertname": title, "service": service or "", "severity": severity or ""},
        service=service,
        severity=severity,
        starts_at=T0,
    )


def ingest(
    sessions: sessionmaker[Session], *items: Alert, now: datetime = T0
) -> alerts.IngestReport:
    return alerts.ingest(sessions, alerts=items, now=now, rules=DEFAULT_RULES)


def test_a_new_alert_opens_an_incident_with_the_matched_procedure(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    report = ingest(catalogue_sessions, alert())
    assert [r.outcome for r in report.alerts] == [Outcome.NEW]
    (number,) = report.incidents
    view = incidents.get_incident(catalogue_sessions, incident_id=number)
    assert view.incident.procedure is not None
    assert "Redis" in view.incident.procedure.title
    assert view.incident.service == "sylion"
    assert view.incident.level is not None
    assert view.timeline[0].event.actor == "alert:alertmanager"


def test_the_same_alert_again_is_a_repeat_not_a_second_incident(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    first = ingest(catalogue_sessions, alert())
    again = ingest(catalogue_sessions, alert(), alert(), now=at(1))
    assert [r.outcome for r in again.alerts] == [Outcome.REPEAT, Outcome.REPEAT]
    assert again.alerts[-1].stored.repeats == 2
    assert again.alerts[-1].stored.incident_id == first.incidents[0]
    assert len(incidents.list_incidents(catalogue_sessions)) == 1


def test_alerts_of_one_procedure_and_service_group_into_one_incident(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    first = ingest(catalogue_sessions, alert("a1"))
    second = ingest(catalogue_sessions, alert("a2", title="RedisDown on worker 2"), now=at(2))
    assert second.alerts[0].outcome is Outcome.JOINED
    assert second.incidents == first.incidents
    late = ingest(catalogue_sessions, alert("a3"), now=at(30))  # past the grouping window
    assert late.alerts[0].outcome is Outcome.NEW
    assert late.incidents != first.incidents
    other = ingest(catalogue_sessions, alert("a4", service="billing"), now=at(3))
    assert other.incidents not in (first.incidents, late.incidents)


def test_when_every_alert_is_resolved_the_incident_is_mitigated(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    (number,) = ingest(catalogue_sessions, alert("a1"), alert("a2", title="RedisDown 2")).incidents
    ingest(catalogue_sessions, alert("a1", status=AlertStatus.RESOLVED), now=at(5))
    assert incidents.get_incident(catalogue_sessions, incident_id=number).incident.status is (
        Status.TRIGGERED
    )
    report = ingest(catalogue_sessions, alert("a2", status=AlertStatus.RESOLVED), now=at(6))
    assert report.alerts[0].outcome is Outcome.RESOLVED
    view = incidents.get_incident(catalogue_sessions, incident_id=number)
    assert view.incident.status is Status.MITIGATED
    assert view.timeline[-1].event.actor == "alert:alertmanager"


def test_resolving_can_be_configured_to_resolve(catalogue_sessions: sessionmaker[Session]) -> None:
    (number,) = ingest(catalogue_sessions, alert()).incidents
    alerts.ingest(
        catalogue_sessions,
        alerts=[alert(status=AlertStatus.RESOLVED)],
        now=at(4),
        rules=DEFAULT_RULES,
        alert_rules=AlertRules(when_all_resolved=Action.RESOLVE),
    )
    view = incidents.get_incident(catalogue_sessions, incident_id=number)
    assert view.incident.status is Status.RESOLVED


def test_a_resolved_resend_changes_nothing(catalogue_sessions: sessionmaker[Session]) -> None:
    ingest(catalogue_sessions, alert())
    ingest(catalogue_sessions, alert(status=AlertStatus.RESOLVED), now=at(1))
    again = ingest(catalogue_sessions, alert(status=AlertStatus.RESOLVED), now=at(2))
    assert again.alerts[0].outcome is Outcome.REPEAT
    assert again.incidents == ()


def test_a_flapping_alert_is_marked_and_stops_writing_on_the_timeline(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    rules = AlertRules(flap_changes=4, flap_minutes=10)
    (number,) = ingest(catalogue_sessions, alert(), alert("other", title="RedisDown 2")).incidents
    minute = 1.0
    outcome = None
    for _ in range(4):
        for status in (AlertStatus.RESOLVED, AlertStatus.FIRING):
            outcome = alerts.ingest(
                catalogue_sessions,
                alerts=[alert(status=status)],
                now=at(minute),
                rules=DEFAULT_RULES,
                alert_rules=rules,
            ).alerts[0]
            minute += 0.5
    assert outcome is not None
    assert outcome.stored.flapping
    view = incidents.get_incident(catalogue_sessions, incident_id=number)
    notes = [s.event.text for s in view.timeline if s.event.kind is EventKind.NOTE]
    assert any("flapping" in text for text in notes)
    # Once flapping, its changes are no longer noted: fewer notes than refirings.
    assert len(notes) < 4
    assert len(incidents.list_incidents(catalogue_sessions)) == 1


def test_a_silenced_alert_is_recorded_but_opens_nothing(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    silence = alerts.add_silence(
        catalogue_sessions,
        matchers=[parse_matcher('service="sylion"'), parse_matcher('alertname=~"Redis.*"')],
        starts_at=T0,
        ends_at=at(60),
        created_by="alice",
        comment="Redis migration tonight",
        now=T0,
    )
    report = ingest(catalogue_sessions, alert(), now=at(5))
    assert report.alerts[0].outcome is Outcome.SILENCED
    assert report.alerts[0].stored.silence_id == silence.id
    assert report.incidents == ()
    assert incidents.list_incidents(catalogue_sessions) == []
    after = ingest(catalogue_sessions, alert("a9"), now=at(61))  # the window is over
    assert after.alerts[0].outcome is Outcome.NEW
    alerts.expire_silence(catalogue_sessions, silence_id=silence.id, now=at(62))
    assert alerts.list_silences(catalogue_sessions, now=at(62)) == []


@pytest.mark.parametrize(
    ("matchers", "ends", "comment", "says"),
    [
        ([], 60, "why", "at least one matcher"),
        (['service="x"'], -5, "why", "before it starts"),
        (['service="x"'], 60, " ", "needs a comment"),
    ],
)
def test_bad_silences_are_refused(
    catalogue_sessions: sessionmaker[Session],
    matchers: list[str],
    ends: int,
    comment: str,
    says: str,
) -> None:
    with pytest.raises(InputError, match=says):
        alerts.add_silence(
            catalogue_sessions,
            matchers=[parse_matcher(m) for m in matchers],
            starts_at=T0,
            ends_at=at(ends),
            created_by="alice",
            comment=comment,
            now=T0,
        )


def test_an_acknowledging_sender_acknowledges_the_incident(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    (number,) = ingest(catalogue_sessions, alert()).incidents
    report = ingest(catalogue_sessions, alert(status=AlertStatus.ACKNOWLEDGED), now=at(2))
    assert report.alerts[0].outcome is Outcome.ACKNOWLEDGED
    view = incidents.get_incident(catalogue_sessions, incident_id=number)
    assert view.incident.status is Status.ACKNOWLEDGED
    assert view.incident.acknowledged_at == at(2)


def test_a_resolved_alert_nobody_knew_is_only_recorded(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    report = ingest(catalogue_sessions, alert(status=AlertStatus.RESOLVED))
    assert report.alerts[0].outcome is Outcome.RECORDED
    assert incidents.list_incidents(catalogue_sessions) == []


def test_an_alert_of_an_ended_incident_opens_a_new_one(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    (number,) = ingest(catalogue_sessions, alert()).incidents
    ingest(catalogue_sessions, alert(status=AlertStatus.RESOLVED), now=at(1))
    incidents.act(
        catalogue_sessions, incident_id=number, action=Action.RESOLVE, actor="bob", now=at(2)
    )
    report = ingest(catalogue_sessions, alert(), now=at(40))
    assert report.alerts[0].outcome is Outcome.NEW
    assert report.incidents != (number,)


def test_alerts_joining_at_once_all_land_in_one_incident(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    # On PostgreSQL this deadlocked (each transaction held the incident's key lock through
    # its alert row, then asked for the row lock), and grouping raced into several incidents.
    import threading

    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def send(n: int) -> None:
        barrier.wait()
        try:
            ingest(catalogue_sessions, alert(f"burst-{n}", title=f"RedisDown {n}"), now=at(1))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(incidents.list_incidents(catalogue_sessions)) == 1
    assert len(alerts.list_alerts(catalogue_sessions)) == 6
