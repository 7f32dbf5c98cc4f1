"""Maintenance windows on SQLite and PostgreSQL: alerts during a run are kept and open nothing,
alerts outside a run open incidents; names, ending, and bad plans refused in one sentence."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.alert import Alert, AlertStatus
from astreinte.domain.maintenance import Recurrence, recurrence
from astreinte.domain.silence import SilenceState, parse_matcher
from astreinte.errors import Conflict, InputError, NotFound
from astreinte.services import alerts, catalogue, incidents, maintenance
from astreinte.services.alerts import Outcome
from astreinte.services.incidents import DEFAULT_RULES
from astreinte.services.maintenance import Window
from tests.conftest import SEEDS

# A Monday. The window below runs on Sundays 02:00–04:00 Paris time until the end of April,
# across the night of 29 March when the clock jumps from 02:00 to 03:00.
T0 = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
END = datetime(2026, 4, 30, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def catalogue_sessions(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    catalogue.import_paths(sessions, [SEEDS], now=T0)
    return sessions


def sundays() -> Recurrence:
    return recurrence(
        days=["sun"], at="02:00", duration=timedelta(hours=2), timezone="Europe/Paris"
    )


def plan(
    sessions: sessionmaker[Session],
    name: str = "pg-upgrade",
    *,
    matchers: tuple[str, ...] = ('service="sylion"',),
    starts_at: datetime = T0,
    ends_at: datetime = END,
    every: Recurrence | None = None,
    comment: str = "PostgreSQL 17, une étape par dimanche",
    now: datetime = T0,
) -> Window:
    return maintenance.add_window(
        sessions,
        name=name,
        matchers=[parse_matcher(m) for m in matchers],
        starts_at=starts_at,
        ends_at=ends_at,
        created_by="alice",
        comment=comment,
        now=now,
        recurrence=every,
    )


def redis_down(fingerprint: str) -> Alert:
    return Alert(
        source="alertmanager",
        fingerprint=fingerprint,
        status=AlertStatus.FIRING,
        title="RedisDown",
        description="Error: connect ECONNREFUSED 127.0.0.1:6379, la queue BullMQ est bloquée",
        labels={"alertname": "RedisDown", "service": "sylion", "severity": "critical"},
        service="sylion",
        severity="critical",
        starts_at=T0,
    )


def ingest(sessions: sessionmaker[Session], alert: Alert, now: datetime) -> alerts.Ingested:
    report = alerts.ingest(sessions, alerts=[alert], now=now, rules=DEFAULT_RULES)
    (result,) = report.alerts
    return result


@pytest.mark.parametrize(
    ("at", "outcome"),
    [
        (datetime(2026, 3, 22, 1, 30, tzinfo=UTC), Outcome.SILENCED),  # Sun 02:30 CET
        (datetime(2026, 3, 22, 3, 30, tzinfo=UTC), Outcome.NEW),  # Sun 04:30 CET
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), Outcome.SILENCED),  # Sun 03:30 CEST (jump)
        (datetime(2026, 3, 29, 2, 30, tzinfo=UTC), Outcome.NEW),  # Sun 04:30 CEST
        (datetime(2026, 4, 5, 0, 30, tzinfo=UTC), Outcome.SILENCED),  # Sun 02:30 CEST
        (datetime(2026, 4, 6, 0, 30, tzinfo=UTC), Outcome.NEW),  # a Monday
    ],
)
def test_an_alert_is_silenced_only_during_a_run_of_a_weekly_window(
    catalogue_sessions: sessionmaker[Session], at: datetime, outcome: Outcome
) -> None:
    planned = plan(catalogue_sessions, every=sundays())

    result = ingest(catalogue_sessions, redis_down("r1"), now=at)

    assert result.outcome is outcome
    if outcome is Outcome.SILENCED:
        assert result.stored.silence_id == planned.silence.id
        assert incidents.list_incidents(catalogue_sessions) == []
    else:
        assert result.stored.silence_id is None
        assert len(incidents.list_incidents(catalogue_sessions)) == 1


def test_a_silenced_alert_is_kept_and_counted_on_its_window(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    planned = plan(catalogue_sessions, every=sundays())
    sunday = datetime(2026, 3, 22, 1, 30, tzinfo=UTC)
    ingest(catalogue_sessions, redis_down("r1"), now=sunday)
    ingest(catalogue_sessions, redis_down("r2"), now=sunday)

    kept = alerts.list_alerts(catalogue_sessions)
    assert [a.silence_id for a in kept] == [planned.silence.id] * 2
    assert incidents.list_incidents(catalogue_sessions) == []
    shown = maintenance.get_window(catalogue_sessions, name="pg-upgrade", now=sunday)
    assert shown.silenced_alerts == 2
    assert shown.silence.state(sunday) is SilenceState.ACTIVE


def test_windows_are_listed_next_run_first_and_ended_ones_only_on_request(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    plan(catalogue_sessions, "weekly", every=sundays())  # next run Sunday 22 March
    plan(catalogue_sessions, "tomorrow", starts_at=T0 + DAY, ends_at=END)
    plan(catalogue_sessions, "short", starts_at=T0, ends_at=T0 + timedelta(hours=1))
    later = T0 + timedelta(hours=2)

    assert [w.name for w in maintenance.list_windows(catalogue_sessions, now=later)] == [
        "tomorrow",
        "weekly",
    ]
    every = maintenance.list_windows(catalogue_sessions, now=later, include_ended=True)
    assert [(w.name, w.silence.state(later)) for w in every] == [
        ("tomorrow", SilenceState.UPCOMING),
        ("weekly", SilenceState.UPCOMING),
        ("short", SilenceState.ENDED),
    ]


def test_a_name_is_unique_until_its_window_ends(catalogue_sessions: sessionmaker[Session]) -> None:
    first = plan(catalogue_sessions)

    with pytest.raises(Conflict, match="'pg-upgrade' is already planned until 2026-04-30"):
        plan(catalogue_sessions)

    later = T0 + timedelta(hours=1)
    ended = maintenance.end_window(catalogue_sessions, name="pg-upgrade", now=later)
    assert ended.silence.expired_at == later
    again = plan(catalogue_sessions, now=later, starts_at=later)
    assert again.silence.id != first.silence.id
    assert maintenance.get_window(catalogue_sessions, name="pg-upgrade", now=later) == again
    names = maintenance.list_windows(catalogue_sessions, now=later, include_ended=True)
    assert [w.silence.id for w in names] == [again.silence.id, first.silence.id]


def test_ending_a_window_keeps_its_record_and_alerts_page_again(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    plan(catalogue_sessions)
    silenced = ingest(catalogue_sessions, redis_down("r1"), now=T0 + timedelta(minutes=5))
    assert silenced.outcome is Outcome.SILENCED

    ended = maintenance.end_window(catalogue_sessions, name="pg-upgrade", now=T0 + DAY)
    again = maintenance.end_window(catalogue_sessions, name="pg-upgrade", now=T0 + 2 * DAY)

    assert again == ended  # ending twice changes nothing
    assert ended.silenced_alerts == 1
    assert ingest(catalogue_sessions, redis_down("r2"), now=T0 + 3 * DAY).outcome is Outcome.NEW
    assert maintenance.list_windows(catalogue_sessions, now=T0 + 3 * DAY) == []
    assert alerts.list_alerts(catalogue_sessions)[-1].silence_id == ended.silence.id


def test_an_upcoming_window_ended_is_cancelled(catalogue_sessions: sessionmaker[Session]) -> None:
    plan(catalogue_sessions, every=sundays())
    maintenance.end_window(catalogue_sessions, name="pg-upgrade", now=T0)

    during = ingest(catalogue_sessions, redis_down("r1"), now=datetime(2026, 3, 22, 1, tzinfo=UTC))

    assert during.outcome is Outcome.NEW


def test_an_unknown_name_is_not_found(catalogue_sessions: sessionmaker[Session]) -> None:
    with pytest.raises(NotFound, match="no maintenance window named 'nope'"):
        maintenance.get_window(catalogue_sessions, name="nope", now=T0)
    with pytest.raises(NotFound, match="maintenance list --all"):
        maintenance.end_window(catalogue_sessions, name="nope", now=T0)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"name": "db upgrade"}, "letters, digits"),
        ({"matchers": ()}, "at least one matcher"),
        ({"ends_at": T0 - timedelta(hours=1)}, "before it starts"),
        (
            {"starts_at": T0 - timedelta(days=3), "ends_at": T0 - timedelta(days=2)},
            "ends in the past",
        ),
        ({"ends_at": T0 + timedelta(days=3660 * 2)}, "more than 10 years"),
        ({"comment": "  "}, "needs a reason"),
        ({"ends_at": T0 + 2 * DAY}, "never falls between"),  # Mon–Wed, no Sunday
    ],
)
def test_bad_plans_are_refused_in_one_sentence(
    catalogue_sessions: sessionmaker[Session], change: dict[str, object], says: str
) -> None:
    with pytest.raises(InputError, match=says) as refused:
        plan(catalogue_sessions, every=sundays(), **change)  # type: ignore[arg-type]

    assert "\n" not in str(refused.value)
    assert maintenance.list_windows(catalogue_sessions, now=T0, include_ended=True) == []


def test_two_people_planning_the_same_name_at_once_get_one_window(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def add(n: int) -> None:
        barrier.wait()
        try:
            plan(catalogue_sessions, comment=f"from terminal {n}")
            outcomes.append("planned")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=add, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict"] * 7 + ["planned"]
    assert len(maintenance.list_windows(catalogue_sessions, now=T0)) == 1


def test_plain_silences_and_windows_share_ingestion_and_the_silence_list(
    catalogue_sessions: sessionmaker[Session],
) -> None:
    planned = plan(catalogue_sessions)

    (listed,) = alerts.list_silences(catalogue_sessions, now=T0)

    assert (listed.id, listed.name, listed.kind.value) == (
        planned.silence.id,
        "pg-upgrade",
        "maintenance",
    )
