"""Entries follow planning's shift events, once per event (SQLite, PostgreSQL)."""

import json
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from extranet_common import clock
from extranet_common.db import consume_event
from extranet_common.migrations import differences, upgrade
from timesheets import months, shifts
from timesheets.models import MESSAGING, Base, Entry, EntryHistory

CAMILLE = "caregiver-camille"
INES = "caregiver-ines"
ME = {"id": CAMILLE, "role": "caregiver", "agency_id": "agency-1"}
CONSUMER = "timesheets.handle_shift_scheduled"


def entry_of(db_session, shift_id):
    db_session.expire_all()
    return db_session.scalars(select(Entry).where(Entry.shift_id == shift_id)).first()


def actions(db_session, entry_id):
    return list(
        db_session.scalars(
            select(EntryHistory.action)
            .where(EntryHistory.entry_id == entry_id)
            .order_by(EntryHistory.id)
        )
    )


def accept(db_session, entry, when="2026-10-20T12:00:00+00:00"):
    with clock.frozen(datetime.fromisoformat(when)):
        months.decide(
            db_session, ME, CAMILLE, entry.month, entry.id, {"status": "accepted"}
        )
    db_session.commit()


def test_models_and_migrations_agree(database_url):
    upgrade(database_url, "timesheets")

    found = differences(database_url, Base.metadata)

    assert found == []


def test_a_scheduled_shift_adds_a_pending_entry(db_session, schedule):
    shift_id = schedule("2026-10-12T14:00:00+00:00", "2026-10-12T17:30:00+00:00")

    entry = entry_of(db_session, shift_id)
    assert entry.status == "pending"
    assert entry.month == "2026-10"
    assert entry.local_date == date(2026, 10, 12)
    assert entry.planned_minutes == 210
    assert entry.agency_id == "agency-1"
    assert actions(db_session, entry.id) == ["created"]


def test_a_night_shift_starting_on_the_last_evening_belongs_to_that_month(
    db_session, schedule
):
    shift_id = schedule("2026-10-31T22:00:00+01:00", "2026-11-01T07:00:00+01:00")

    entry = entry_of(db_session, shift_id)
    assert entry.month == "2026-10"
    assert entry.local_date == date(2026, 10, 31)
    assert entry.start_at == datetime(2026, 10, 31, 21, 0, tzinfo=UTC)


def test_the_night_the_clocks_go_back_counts_nine_hours(db_session, schedule):
    shift_id = schedule("2026-10-24T20:00:00+02:00", "2026-10-25T04:00:00+01:00")

    entry = entry_of(db_session, shift_id)
    assert entry.planned_minutes == 540
    assert entry.local_date == date(2026, 10, 24)


def test_the_same_event_twice_changes_nothing(db_session, db, shift_event):
    payload = shift_event(
        "shift_scheduled",
        "9d7f4d0c-2f4e-4f2e-8a53-3c1f7c1f0001",
        "2026-10-12T14:00:00+00:00",
        "2026-10-12T17:00:00+00:00",
    )

    for _ in range(2):
        consume_event(db, MESSAGING, payload, CONSUMER, shifts.apply_shift_scheduled)

    count = db_session.scalar(select(func.count()).select_from(Entry))
    history_rows = db_session.scalar(select(func.count()).select_from(EntryHistory))
    assert count == 1
    assert history_rows == 1


def test_the_same_change_twice_notes_it_once(db_session, db, schedule, shift_event):
    shift_id = schedule("2026-10-12T14:00:00+00:00", "2026-10-12T17:00:00+00:00")
    change = shift_event(
        "shift_changed",
        shift_id,
        "2026-10-12T14:00:00+00:00",
        "2026-10-12T18:00:00+00:00",
        changes={"end": ["2026-10-12T17:00:00+00:00", "2026-10-12T18:00:00+00:00"]},
    )
    consumer = "timesheets.handle_shift_changed"

    for _ in range(2):
        consume_event(db, MESSAGING, change, consumer, shifts.apply_shift_changed)

    entry = entry_of(db_session, shift_id)
    assert entry.planned_minutes == 240
    assert (
        entry.change_note
        == "Modifiée par l'agence : horaires 16:00–19:00 → 16:00–20:00."
    )
    assert actions(db_session, entry.id) == ["created", "changed"]


def test_a_change_updates_a_pending_entry(
    db_session, schedule, shift_event, apply_event
):
    shift_id = schedule("2026-10-12T14:00:00+00:00", "2026-10-12T17:00:00+00:00")

    apply_event(
        shift_event(
            "shift_changed",
            shift_id,
            "2026-10-13T14:00:00+00:00",
            "2026-10-13T17:00:00+00:00",
            family_name="Martin",
        )
    )

    entry = entry_of(db_session, shift_id)
    assert entry.status == "pending"
    assert entry.local_date == date(2026, 10, 13)
    assert entry.family_name == "Martin"
    assert "12/10 16:00–19:00 → 13/10 16:00–19:00" in entry.change_note
    assert "famille Dupont → Martin" in entry.change_note


def test_a_change_reopens_an_accepted_entry_visibly(
    db_session, schedule, shift_event, apply_event
):
    shift_id = schedule("2026-10-12T14:00:00+00:00", "2026-10-12T17:00:00+00:00")
    accept(db_session, entry_of(db_session, shift_id))

    apply_event(
        shift_event(
            "shift_changed",
            shift_id,
            "2026-10-12T14:00:00+00:00",
            "2026-10-12T18:00:00+00:00",
        )
    )

    entry = entry_of(db_session, shift_id)
    assert entry.status == "pending"
    assert entry.decided_at is None
    assert entry.change_note == (
        "Modifiée par l'agence : horaires 16:00–19:00 → 16:00–20:00. "
        "Votre décision « acceptée » est à refaire."
    )
    assert actions(db_session, entry.id) == ["created", "accepted", "reopened"]


def test_a_change_that_does_not_touch_the_hours_leaves_a_decision_alone(
    db_session, schedule, shift_event, apply_event
):
    shift_id = schedule("2026-10-12T14:00:00+00:00", "2026-10-12T17:00:00+00:00")
    accept(db_session, entry_of(db_session, shift_id))

    apply_event(
        shift_event(
            "shift_changed",
            shift_id,
            "2026-10-12T14:00:00+00:00",
            "2026-10-12T17:00:00+00:00",
            family_address="3 place Bellecour, Lyon",
            changes={"family_address": ["12 rue des Lilas", "3 place Bellecour"]},
        )
    )

    entry = entry_of(db_session, shift_id)
    assert entry.status == "accepted"
    assert entry.change_note is None
    assert actions(db_session, entry.id) == ["created", "accepted"]


def test_a_cancelled_shift_removes_a_pending_entry_but_keeps_its_history(
    db_session, schedule, shift_event, apply_event
):
    shift_id = schedule("2026-10-12T14:00:00+00:00", "2026-10-12T17:00:00+00:00")
    entry_id = entry_of(db_session, shift_id).id

    apply_event(
        shift_event(
            "shift_cancelled",
            shift_id,
            "2026-10-12T14:00:00+00:00",
            "2026-10-12T17:00:00+00:00",
        )
    )

    assert entry_of(db_session, shift_id) is None
    assert actions(db_session, entry_id) == ["created", "removed"]


def test_a_cancelled_shift_marks_a_decided_entry_cancelled(
    db_session, schedule, shift_event, apply_event
):
    shift_id = schedule("2026-10-12T14:00:00+00:00", "2026-10-12T17:00:00+00:00")
    accept(db_session, entry_of(db_session, shift_id))

    apply_event(
        shift_event(
            "shift_cancelled",
            shift_id,
            "2026-10-12T14:00:00+00:00",
            "2026-10-12T17:00:00+00:00",
        )
    )

    entry = entry_of(db_session, shift_id)
    assert entry.status == "cancelled"
    assert months.counted_minutes(entry) == 0
    last = db_session.scalars(
        select(EntryHistory).order_by(EntryHistory.id.desc()).limit(1)
    ).one()
    assert last.actor_role == "planning"
    assert json.loads(last.before)["status"] == "accepted"
    assert json.loads(last.after)["status"] == "cancelled"


def test_a_shift_given_to_another_caregiver_starts_over_for_her(
    db_session, schedule, shift_event, apply_event
):
    shift_id = schedule("2026-10-12T14:00:00+00:00", "2026-10-12T17:00:00+00:00")
    accept(db_session, entry_of(db_session, shift_id))

    apply_event(
        shift_event(
            "shift_changed",
            shift_id,
            "2026-10-12T14:00:00+00:00",
            "2026-10-12T17:00:00+00:00",
            caregiver_id=INES,
        )
    )

    entry = entry_of(db_session, shift_id)
    assert entry.caregiver_id == INES
    assert entry.status == "pending"
    assert actions(db_session, entry.id)[-1] == "reassigned"
