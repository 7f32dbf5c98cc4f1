"""Incident services on SQLite and PostgreSQL: lifecycle, SLA clocks and escalation driven by an
injected clock, restarts, concurrent responders, closing rules, the audit chain and delivery."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.incident.model import Action, Status
from astreinte.domain.incident.timeline import EventKind
from astreinte.domain.notification import Delivery, Notification
from astreinte.errors import Conflict, InputError, NotFound
from astreinte.services import audit, catalogue, clocks, incidents, notifications
from astreinte.services.incidents import IncidentView
from astreinte.storage.db import make_engine, make_session_factory
from astreinte.storage.tables import OutboxRow, TimelineEventRow
from tests.conftest import SEEDS

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.fixture
def catalogue_sessions(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    report = catalogue.import_paths(sessions, [SEEDS], now=T0)
    assert all(f.error is None for f in report.files)
    return sessions


def procedure_id(sessions: sessionmaker[Session], seed: str, key_start: str) -> str:
    with sessions() as session:
        runbook_id = next(s.id for s in catalogue.list_runbooks(session) if s.id.startswith(seed))
        stored = catalogue.show_runbook(session, runbook_id=runbook_id)
    return next(
        pid
        for pid, p in zip(stored.procedure_ids, stored.runbook.procedures, strict=True)
        if p.id.startswith(key_start)
    )


def open_004_p1(sessions: sessionmaker[Session], at: datetime = T0) -> IncidentView:
    """A P1 of seed 004: its scale says respond < 5 min, resolve < 30 min, and its tiers
    are Tier 1 < 5 min, Tier 2 < 15 min, Tier 3 < 1 h."""
    return incidents.open_incident(
        sessions,
        title="Base de données indisponible",
        procedure_id=procedure_id(sessions, "004", "rb-p1-003"),
        actor="alice",
        now=at,
    )


def kinds(view: IncidentView) -> list[EventKind]:
    return [sealed.event.kind for sealed in view.timeline]


def escalations(view: IncidentView) -> list[int]:
    return [
        int(str(s.event.data["tier"]))
        for s in view.timeline
        if s.event.kind is EventKind.ESCALATION
    ]


def outbox_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxRow)) or 0)


# --- opening ---------------------------------------------------------------------------------


def test_open_matches_the_procedure_and_takes_its_runbook_terms(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    view = incidents.open_incident(
        catalogue_sessions,
        title="Redis down: la queue BullMQ est bloquée",
        actor="alice",
        now=T0,
    )
    incident = view.incident
    assert incident.procedure is not None
    assert "Redis" in incident.procedure.title
    assert incident.status is Status.TRIGGERED
    assert incident.level is not None  # 002 marks its incidents 🔴/🟠
    # The runbook's own post-incident checklist comes with the incident.
    assert any("post-incident" in c.title.lower() for c in view.checklists)
    assert kinds(view)[:3] == [EventKind.OPENED, EventKind.PROCEDURE, EventKind.ESCALATION]
    reasons = view.timeline[1].event.data["reasons"]
    assert isinstance(reasons, list)
    assert reasons


def test_open_takes_the_sla_and_tiers_of_the_runbook_scale(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    view = open_004_p1(catalogue_sessions)
    incident = view.incident
    assert incident.severity == "P1"
    assert incident.respond_by == minutes(5)
    assert incident.resolve_by == minutes(30)
    assert escalations(view) == [1]
    paged = {n.notification.recipient for n in view.notifications if n.status is Delivery.PENDING}
    unreachable = {
        n.notification.recipient for n in view.notifications if n.status is Delivery.UNDELIVERABLE
    }
    with catalogue_sessions() as session:
        runbook_id = next(
            s.id for s in catalogue.list_runbooks(session) if s.source.startswith("004")
        )
        contacts = catalogue.show_runbook(session, runbook_id=runbook_id).runbook.escalation
    tier1 = {c.contact for c in contacts if c.tier == 1 and not c.placeholder}
    assert tier1
    assert paged == tier1  # tier 1's reachable contacts, and only them
    assert unreachable == {c.contact for c in contacts if c.tier == 1 and c.placeholder}
    assert view.record.next_due_at == minutes(4)  # 80% of the respond clock


def test_placeholder_contacts_are_reported_not_skipped(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    view = incidents.open_incident(
        catalogue_sessions,
        title="PostgreSQL inaccessible",
        procedure_id=procedure_id(catalogue_sessions, "002", "incident-4"),
        actor="alice",
        now=T0,
    )
    missing = [s.event for s in view.timeline if s.event.kind is EventKind.CONTACT_MISSING]
    assert missing
    assert "À définir" in missing[0].text
    assert {n.status for n in view.notifications} == {Delivery.UNDELIVERABLE}


def test_without_a_matching_procedure_the_incident_opens_with_configured_clocks(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    view = incidents.open_incident(
        catalogue_sessions, title="zzqx wvvk", severity="critical", actor="alice", now=T0
    )
    assert view.incident.procedure is None
    assert view.incident.respond_by == minutes(5)  # the default for critical
    assert "No procedure" in view.timeline[1].event.text


@pytest.mark.parametrize(
    ("title", "severity", "error"),
    [
        ("", None, InputError),
        ("API down", "P9", InputError),
        ("API down", "urgentissime", InputError),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    catalogue_sessions: sessionmaker[Session],
    title: str,
    severity: str | None,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        incidents.open_incident(
            catalogue_sessions, title=title, severity=severity, actor="alice", now=T0
        )
    assert incidents.list_incidents(catalogue_sessions) == []


def test_unknown_procedure_is_not_found(catalogue_sessions: sessionmaker[Session]) -> None:
    with pytest.raises(NotFound, match="no procedure 'nope/nope'"):
        incidents.open_incident(
            catalogue_sessions, title="x", procedure_id="nope/nope", actor="a", now=T0
        )


# --- the clocks ------------------------------------------------------------------------------


def test_escalation_follows_the_runbook_tiers_until_acknowledged(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    view = open_004_p1(catalogue_sessions)
    number = view.id
    for at in (3, 4.9):
        clocks.run_due(catalogue_sessions, now=minutes(at))
    assert escalations(incidents.get_incident(catalogue_sessions, incident_id=number)) == [1]
    clocks.run_due(catalogue_sessions, now=minutes(5))
    assert escalations(incidents.get_incident(catalogue_sessions, incident_id=number)) == [1, 2]
    clocks.run_due(catalogue_sessions, now=minutes(19))
    assert escalations(incidents.get_incident(catalogue_sessions, incident_id=number)) == [1, 2]
    clocks.run_due(catalogue_sessions, now=minutes(20))
    assert escalations(incidents.get_incident(catalogue_sessions, incident_id=number)) == [1, 2, 3]
    incidents.act(
        catalogue_sessions,
        incident_id=number,
        action=Action.ACKNOWLEDGE,
        actor="bob",
        now=minutes(21),
    )
    clocks.run_due(catalogue_sessions, now=minutes(200))
    view = incidents.get_incident(catalogue_sessions, incident_id=number)
    assert escalations(view) == [1, 2, 3]  # acknowledged: no more tiers


def test_sla_warning_at_80_percent_then_breach(catalogue_sessions: sessionmaker[Session]) -> None:
    number = open_004_p1(catalogue_sessions).id
    clocks.run_due(catalogue_sessions, now=minutes(4))
    view = incidents.get_incident(catalogue_sessions, incident_id=number)
    assert kinds(view).count(EventKind.SLA_WARNING) == 1
    assert EventKind.SLA_BREACH not in kinds(view)
    clocks.run_due(catalogue_sessions, now=minutes(5))
    view = incidents.get_incident(catalogue_sessions, incident_id=number)
    breaches = [s.event for s in view.timeline if s.event.kind is EventKind.SLA_BREACH]
    assert len(breaches) == 1
    assert breaches[0].data["clock"] == "respond"
    assert any(n.notification.kind == "sla_breach" for n in view.notifications)


def test_a_late_worker_catches_up_once(catalogue_sessions: sessionmaker[Session]) -> None:
    number = open_004_p1(catalogue_sessions).id
    clocks.run_due(catalogue_sessions, now=minutes(45))  # the worker was down 45 minutes
    view = incidents.get_incident(catalogue_sessions, incident_id=number)
    assert escalations(view) == [1, 2, 3]
    # Both clocks breached; their warnings, overtaken, are not sent after the fact.
    assert kinds(view).count(EventKind.SLA_BREACH) == 2
    assert EventKind.SLA_WARNING not in kinds(view)
    before = outbox_count(catalogue_sessions)
    clocks.run_due(catalogue_sessions, now=minutes(45))
    assert outbox_count(catalogue_sessions) == before


def test_a_restart_in_the_middle_of_an_escalation_resumes_without_duplicates(
    database_url: str,
) -> None:
    from astreinte.storage.db import migrate

    first = make_engine(database_url)
    migrate(first)
    sessions = make_session_factory(first)
    catalogue.import_paths(sessions, [SEEDS], now=T0)
    number = open_004_p1(sessions).id
    clocks.run_due(sessions, now=minutes(5))  # tier 2 paged
    first.dispose()  # the process dies

    for _ in range(2):  # two restarts, each running the due work at the same instant
        engine = make_engine(database_url)
        again = make_session_factory(engine)
        clocks.run_due(again, now=minutes(20))
        view = incidents.get_incident(again, incident_id=number)
        engine.dispose()
        assert escalations(view) == [1, 2, 3]
        keys = [n.notification.dedup_key for n in view.notifications]
        assert len(keys) == len(set(keys))


def test_reopening_pages_again_with_fresh_clocks(catalogue_sessions: sessionmaker[Session]) -> None:
    number = open_004_p1(catalogue_sessions).id
    incidents.act(
        catalogue_sessions, incident_id=number, action=Action.RESOLVE, actor="bob", now=minutes(10)
    )
    view = incidents.act(
        catalogue_sessions, incident_id=number, action=Action.REOPEN, actor="bob", now=minutes(60)
    )
    assert view.incident.status is Status.TRIGGERED
    assert view.incident.respond_by == minutes(65)
    assert escalations(view) == [1, 1]  # tier 1 paged again, as a new cycle
    assert view.incident.acknowledged_at is None


# --- acting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "status"),
    [
        ([Action.ACKNOWLEDGE], Status.ACKNOWLEDGED),
        ([Action.MITIGATE], Status.MITIGATED),
        ([Action.ACKNOWLEDGE, Action.MITIGATE, Action.RESOLVE], Status.RESOLVED),
        ([Action.RESOLVE, Action.REOPEN, Action.ACKNOWLEDGE], Status.ACKNOWLEDGED),
    ],
)
def test_lifecycle_records_each_transition_with_its_actor(
    catalogue_sessions: sessionmaker[Session], steps: list[Action], status: Status
) -> None:
    number = open_004_p1(catalogue_sessions).id
    view = None
    for offset, action in enumerate(steps, start=1):
        view = incidents.act(
            catalogue_sessions,
            incident_id=number,
            action=action,
            actor=f"user{offset}",
            now=minutes(offset),
            note="checked the logs",
        )
    assert view is not None
    assert view.incident.status is status
    done = [s.event for s in view.timeline if s.event.actor.startswith("user")]
    assert [e.actor for e in done] == [f"user{n}" for n in range(1, len(steps) + 1)]
    assert all("checked the logs" in e.text for e in done)


def test_an_action_that_does_not_apply_is_a_conflict_and_changes_nothing(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    number = open_004_p1(catalogue_sessions).id
    before = incidents.get_incident(catalogue_sessions, incident_id=number)
    with pytest.raises(Conflict, match="is triggered; it cannot be closed"):
        incidents.act(
            catalogue_sessions, incident_id=number, action=Action.CLOSE, actor="b", now=minutes(1)
        )
    after = incidents.get_incident(catalogue_sessions, incident_id=number)
    assert after.timeline == before.timeline


def test_closing_a_critical_incident_needs_its_checklist_and_post_mortem(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    number = open_004_p1(catalogue_sessions).id
    view = incidents.act(
        catalogue_sessions, incident_id=number, action=Action.RESOLVE, actor="bob", now=minutes(20)
    )
    with pytest.raises(Conflict, match="post-incident checklist") as refused:
        incidents.act(
            catalogue_sessions, incident_id=number, action=Action.CLOSE, actor="b", now=minutes(30)
        )
    assert "post-mortem" in str(refused.value)
    for checklist in view.checklists:
        if checklist.phase.value != "after":
            continue
        for position in range(1, len(checklist.items) + 1):
            incidents.set_checklist_item(
                catalogue_sessions,
                incident_id=number,
                title=checklist.title,
                item=str(position),
                done=True,
                actor="bob",
                now=minutes(40),
            )
    incidents.write_postmortem(
        catalogue_sessions,
        incident_id=number,
        actor="bob",
        now=minutes(50),
        root_cause="the primary's disk filled up",
    )
    closed = incidents.act(
        catalogue_sessions, incident_id=number, action=Action.CLOSE, actor="bob", now=minutes(60)
    )
    assert closed.incident.status is Status.CLOSED


def test_closing_with_an_override_records_the_reason(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    number = open_004_p1(catalogue_sessions).id
    incidents.act(
        catalogue_sessions, incident_id=number, action=Action.RESOLVE, actor="bob", now=minutes(9)
    )
    view = incidents.act(
        catalogue_sessions,
        incident_id=number,
        action=Action.CLOSE,
        actor="bob",
        now=minutes(10),
        override="false alarm, the monitoring was wrong",
    )
    overrides = [s.event for s in view.timeline if s.event.kind is EventKind.OVERRIDE]
    assert len(overrides) == 1
    assert "false alarm" in overrides[0].text
    assert overrides[0].actor == "bob"


def test_checklist_ticks_record_who_and_when(catalogue_sessions: sessionmaker[Session]) -> None:
    number = open_004_p1(catalogue_sessions).id
    view = incidents.set_checklist_item(
        catalogue_sessions,
        incident_id=number,
        title="POST-INCIDENT CHECKLIST — Immédiat",
        item="1",
        done=True,
        actor="carol",
        now=minutes(3),
    )
    item = next(c for c in view.checklists if c.title.startswith("POST-INCIDENT")).items[0]
    assert (item.done, item.by, item.at) == (True, "carol", minutes(3))
    with pytest.raises(NotFound, match="no item"):
        incidents.set_checklist_item(
            catalogue_sessions,
            incident_id=number,
            title="POST-INCIDENT CHECKLIST — Immédiat",
            item="does not exist",
            done=True,
            actor="carol",
            now=minutes(3),
        )


def test_changing_the_procedure_is_recorded(catalogue_sessions: sessionmaker[Session]) -> None:
    number = open_004_p1(catalogue_sessions).id
    other = procedure_id(catalogue_sessions, "004", "rb-p2-002")
    view = incidents.change_procedure(
        catalogue_sessions, incident_id=number, procedure_id=other, actor="bob", now=minutes(2)
    )
    assert view.incident.procedure is not None
    assert view.incident.procedure.id == other
    last = view.timeline[-1].event
    assert last.kind is EventKind.PROCEDURE
    assert "changée" in last.text  # seed 004 is French: so is its timeline
    assert last.data["previous"] == procedure_id(catalogue_sessions, "004", "rb-p1-003")


def test_concurrent_acknowledgements_one_wins_the_other_gets_a_conflict(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    number = open_004_p1(catalogue_sessions).id
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def respond(name: str) -> None:
        barrier.wait()
        try:
            incidents.act(
                catalogue_sessions,
                incident_id=number,
                action=Action.ACKNOWLEDGE,
                actor=name,
                now=minutes(1),
            )
            result = "ok"
        except Conflict:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=respond, args=(f"r{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    view = incidents.get_incident(catalogue_sessions, incident_id=number)
    assert kinds(view).count(EventKind.ACKNOWLEDGED) == 1
    assert audit.verify_timelines(catalogue_sessions).intact


def test_concurrent_notes_all_land_in_one_intact_chain(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    number = open_004_p1(catalogue_sessions).id
    barrier = threading.Barrier(6)
    failures: list[Exception] = []

    def note(n: int) -> None:
        barrier.wait()
        for attempt in range(20):  # a Conflict asks the caller to retry: do so, as a client would
            try:
                incidents.add_note(
                    catalogue_sessions,
                    incident_id=number,
                    text=f"note {n}",
                    actor=f"r{n}",
                    now=minutes(1),
                )
                return
            except Conflict as exc:
                if attempt == 19:
                    failures.append(exc)

    threads = [threading.Thread(target=note, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    view = incidents.get_incident(catalogue_sessions, incident_id=number)
    notes = sorted(s.event.text for s in view.timeline if s.event.kind is EventKind.NOTE)
    assert notes == [f"note {n}" for n in range(6)]
    assert [s.seq for s in view.timeline] == list(range(1, len(view.timeline) + 1))
    assert audit.verify_timelines(catalogue_sessions).intact


# --- the audit chain -------------------------------------------------------------------------


@pytest.fixture
def audited(
    catalogue_sessions: sessionmaker[Session],
) -> tuple[sessionmaker[Session], int]:
    number = open_004_p1(catalogue_sessions).id
    incidents.add_note(catalogue_sessions, incident_id=number, text="a", actor="x", now=minutes(1))
    incidents.add_note(catalogue_sessions, incident_id=number, text="b", actor="x", now=minutes(2))
    assert audit.verify_timelines(catalogue_sessions).intact
    return catalogue_sessions, number


def test_audit_finds_an_edited_event(audited: tuple[sessionmaker[Session], int]) -> None:
    sessions, number = audited
    with sessions.begin() as session:
        session.execute(
            update(TimelineEventRow)
            .where(TimelineEventRow.incident_id == number, TimelineEventRow.text == "a")
            .values(text="nothing happened")
        )
    report = audit.verify_timelines(sessions)
    assert not report.intact
    assert any("changed" in b.reason for b in report.breaks)


def test_audit_finds_a_deleted_last_event(audited: tuple[sessionmaker[Session], int]) -> None:
    sessions, number = audited
    with sessions.begin() as session:
        last = session.scalar(
            select(func.max(TimelineEventRow.seq)).where(TimelineEventRow.incident_id == number)
        )
        session.execute(
            delete(TimelineEventRow).where(
                TimelineEventRow.incident_id == number, TimelineEventRow.seq == last
            )
        )
    report = audit.verify_timelines(sessions)
    assert [b.reason for b in report.breaks] == [
        "the incident's last event hash differs: events were removed or added"
    ]


def test_audit_finds_a_rewritten_time(audited: tuple[sessionmaker[Session], int]) -> None:
    sessions, number = audited
    with sessions.begin() as session:
        session.execute(
            update(TimelineEventRow)
            .where(TimelineEventRow.incident_id == number, TimelineEventRow.seq == 1)
            .values(at=T0 - timedelta(hours=1))
        )
    assert not audit.verify_timelines(sessions).intact


# --- delivery --------------------------------------------------------------------------------


class Recorder:
    """A notifier that keeps what it is given, or fails while `down`."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self.down = False

    def send(self, notification: Notification) -> None:
        if self.down:
            raise ConnectionError("channel unreachable")
        self.sent.append(notification)


def test_delivery_sends_each_page_once(catalogue_sessions: sessionmaker[Session]) -> None:
    open_004_p1(catalogue_sessions)
    recorder = Recorder()
    first = notifications.deliver(catalogue_sessions, recorder, now=minutes(0))
    again = notifications.deliver(catalogue_sessions, recorder, now=minutes(1))
    assert first.sent >= 1
    assert again.sent == 0
    assert len({n.dedup_key for n in recorder.sent}) == len(recorder.sent)
    assert all("Base de données indisponible" in n.subject for n in recorder.sent)


def test_delivery_retries_with_backoff_then_gives_up(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    open_004_p1(catalogue_sessions)
    recorder = Recorder()
    recorder.down = True
    at = minutes(0)
    report = notifications.deliver(catalogue_sessions, recorder, now=at)
    assert report.retrying >= 1
    assert notifications.deliver(catalogue_sessions, recorder, now=at).retrying == 0  # not yet due
    failed = 0
    for _ in range(notifications.MAX_ATTEMPTS):
        at += timedelta(minutes=10)
        failed += notifications.deliver(catalogue_sessions, recorder, now=at).failed
    assert failed == report.retrying  # every notification used its attempts, then gave up
    with catalogue_sessions() as session:
        statuses = set(session.scalars(select(OutboxRow.status)))
        errors = set(session.scalars(select(OutboxRow.last_error)))
    assert "failed" in statuses
    assert any(e and "channel unreachable" in e for e in errors)


def test_incident_survives_a_reopened_database(database_url: str, tmp_path: Path) -> None:
    del tmp_path
    from astreinte.storage.db import migrate

    engine = make_engine(database_url)
    migrate(engine)
    sessions = make_session_factory(engine)
    catalogue.import_paths(sessions, [SEEDS], now=T0)
    number = open_004_p1(sessions).id
    engine.dispose()
    engine = make_engine(database_url)
    view = incidents.get_incident(make_session_factory(engine), incident_id=number)
    engine.dispose()
    assert view.incident.title == "Base de données indisponible"
    assert view.record.policy is not None
    assert [t.number for t in view.record.policy.tiers] == [1, 2, 3]


def test_two_workers_at_once_page_each_step_once(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    numbers = [open_004_p1(catalogue_sessions).id for _ in range(4)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        barrier.wait()
        try:
            clocks.run_due(catalogue_sessions, now=minutes(20))
        except BaseException as exc:  # a worker that crashes is a failure of the test too
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    for number in numbers:
        view = incidents.get_incident(catalogue_sessions, incident_id=number)
        assert escalations(view) == [1, 2, 3]
        keys = [n.notification.dedup_key for n in view.notifications]
        assert len(keys) == len(set(keys))


def test_a_reimported_runbook_is_what_the_next_incident_follows(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    # Procedures are kept in memory per runbook version: a new version must replace them.
    path = tmp_path / "cache.md"
    text = (
        "# Cache\n\n## Severity levels\n\n| Severity | Meaning | Response | Resolution |\n"
        "|---|---|---|---|\n| P1 | Down | {r} min | 1h |\n\n"
        "## Incident: Redis down (P1)\n\n### Symptoms\n- redis-cli PING times out\n"
    )
    path.write_text(text.format(r=5), encoding="utf-8")
    catalogue.import_paths(sessions, [path], now=T0)
    with sessions() as session:
        (summary,) = catalogue.list_runbooks(session)
        pid = catalogue.show_runbook(session, runbook_id=summary.id).procedure_ids[0]
    first = incidents.open_incident(sessions, title="x", procedure_id=pid, actor="a", now=T0)
    path.write_text(text.format(r=9), encoding="utf-8")
    catalogue.import_paths(sessions, [path], now=minutes(1))
    second = incidents.open_incident(sessions, title="y", procedure_id=pid, actor="a", now=T0)
    assert first.incident.sla.respond_minutes == 5
    assert second.incident.sla.respond_minutes == 9
