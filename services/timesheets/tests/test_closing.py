"""The deadline with its grace period, the closing job (once, however many
instances run it), what a closed month still accepts, and the month-end
reminder (SQLite, PostgreSQL)."""

import json
import threading
import time
import uuid
from datetime import datetime

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import sessionmaker

from extranet_common import clock
from extranet_common.errors import Closed, Conflict, InvalidInput, PermissionDenied
from timesheets import closing, directory, history, months, reminders
from timesheets.models import (
    MESSAGING,
    ClosedMonth,
    Entry,
    EntryHistory,
    ReminderSent,
)

AGENCY = "agency-1"
CAMILLE = "caregiver-camille"
INES = "caregiver-ines"
ME = {"id": CAMILLE, "role": "caregiver", "agency_id": AGENCY}
STAFF = {"id": "staff-1", "role": "staff", "agency_id": AGENCY}
LAST_OPEN_SECOND = "2026-03-31T21:59:59+00:00"
FIRST_CLOSED_INSTANT = "2026-03-31T22:00:00+00:00"
REFUSAL = {"status": "refused", "reason": "left_late", "declared_minutes": 300}


def at(text):
    return clock.frozen(datetime.fromisoformat(text))


def published(db_session, event_type):
    db_session.expire_all()
    return [
        json.loads(row.payload)
        for row in MESSAGING.pending(db_session)
        if row.event_type == event_type
    ]


def entry_id(db_session, shift_id):
    return db_session.scalars(select(Entry.id).where(Entry.shift_id == shift_id)).one()


def envelope(agency_id=AGENCY):
    return {"event_id": str(uuid.uuid4()), "agency_id": agency_id}


@pytest.fixture
def sessions(engine):
    return sessionmaker(bind=engine)


@pytest.fixture
def agency(db_session):
    directory.apply_agency_created(
        db_session,
        {
            "agency_id": AGENCY,
            "ref": "AG-1",
            "name": "Agence Lyon 6e",
            "timezone": "Europe/Paris",
        },
        envelope(),
    )
    for caregiver_id, first, last, ref in (
        (CAMILLE, "Camille", "Martin", "CG-001"),
        (INES, "Inès", "Haddad", "CG-002"),
    ):
        directory.apply_caregiver_invited(
            db_session,
            {
                "caregiver_id": caregiver_id,
                "first_name": first,
                "last_name": last,
                "email": f"{first.lower()}@example.org",
                "ref": ref,
            },
            envelope(),
        )
    db_session.commit()


@pytest.fixture
def march(db_session, schedule, agency):
    """Camille's March 2026: one accepted, one refused, one left pending, and
    a night shift starting on the last evening; Inès has one pending."""
    ids = {
        "accepted": schedule("2026-03-02T08:00:00+01:00", "2026-03-02T12:00:00+01:00"),
        "refused": schedule("2026-03-03T08:00:00+01:00", "2026-03-03T12:00:00+01:00"),
        "pending": schedule("2026-03-04T08:00:00+01:00", "2026-03-04T12:00:00+01:00"),
        "night": schedule("2026-03-31T22:00:00+02:00", "2026-04-01T06:00:00+02:00"),
        "ines": schedule(
            "2026-03-05T08:00:00+01:00", "2026-03-05T10:00:00+01:00", INES
        ),
    }
    ids = {name: entry_id(db_session, shift_id) for name, shift_id in ids.items()}
    with at("2026-03-20T12:00:00+00:00"):
        months.decide(
            db_session, ME, CAMILLE, "2026-03", ids["accepted"], {"status": "accepted"}
        )
        months.decide(db_session, ME, CAMILLE, "2026-03", ids["refused"], REFUSAL)
    db_session.commit()
    return ids


class TestDeadline:
    def test_march_2026_is_open_until_21_59_59_utc_and_due_from_22_00(
        self, db_session, march
    ):
        with at(LAST_OPEN_SECOND):
            due_before = closing.due_months(db_session, clock.now())
            view = months.month_view(db_session, ME, CAMILLE, "2026-03")
        with at(FIRST_CLOSED_INSTANT):
            due_after = closing.due_months(db_session, clock.now())

        assert view["status"] == "open"
        assert view["deadline"] == "2026-03-31T23:59:59+02:00"
        assert due_before == []
        assert due_after == [(AGENCY, "2026-03", "Europe/Paris")]

    def test_a_grace_period_moves_the_deadline(self, db_session, march):
        directory.set_settings(db_session, STAFF, {"grace_days": 2})
        db_session.commit()

        with at(FIRST_CLOSED_INSTANT):
            view = months.decide(
                db_session, ME, CAMILLE, "2026-03", march["pending"], REFUSAL
            )
            due_at_month_end = closing.due_months(db_session, clock.now())
        with at("2026-04-02T21:59:59+00:00"):
            due_before = closing.due_months(db_session, clock.now())
        with at("2026-04-02T22:00:00+00:00"):
            due_after = closing.due_months(db_session, clock.now())
            with pytest.raises(Closed):
                months.decide(
                    db_session, ME, CAMILLE, "2026-03", march["pending"], REFUSAL
                )

        assert view["status"] == "refused"
        assert due_at_month_end == due_before == []
        assert due_after == [(AGENCY, "2026-03", "Europe/Paris")]
        month = months.month_view(db_session, ME, CAMILLE, "2026-03")
        assert month["deadline"] == "2026-04-02T23:59:59+02:00"
        assert month["grace_days"] == 2

    @pytest.mark.parametrize("grace", [-1, 11, "2", True, None])
    def test_the_grace_period_is_0_to_10_whole_days(self, db_session, agency, grace):
        with pytest.raises(InvalidInput) as error:
            directory.set_settings(db_session, STAFF, {"grace_days": grace})

        assert "grace_days" in error.value.fields


class TestClosing:
    def test_it_closes_the_month_and_publishes_the_final_figures(
        self, db_session, sessions, march
    ):
        with at(FIRST_CLOSED_INSTANT):
            closed = closing.close_due_months(sessions)

        assert closed == 1
        (event,) = published(db_session, "month_closed")
        assert event["agency_id"] == AGENCY
        data = event["data"]
        assert data["month"] == "2026-03"
        assert data["deadline"] == "2026-03-31T23:59:59+02:00"
        figures = {line["entry_id"]: line for line in data["entries"]}
        assert set(figures) == set(march.values())
        assert figures[march["accepted"]]["status"] == "accepted"
        assert figures[march["refused"]]["counted_minutes"] == 300
        assert figures[march["pending"]] == {
            "entry_id": march["pending"],
            "shift_id": db_session.get(Entry, march["pending"]).shift_id,
            "caregiver_id": CAMILLE,
            "status": "not_validated",
            "planned_minutes": 240,
            "counted_minutes": 240,
            "km": None,
        }
        assert figures[march["night"]]["status"] == "not_validated"
        assert figures[march["night"]]["counted_minutes"] == 480
        assert data["totals"] == {
            "entries": 5,
            "not_validated": 3,
            "counted_minutes": 240 + 300 + 240 + 480 + 120,
        }
        actions = [row["action"] for row in history.rows(db_session, march["pending"])]
        assert actions == ["created", "not_validated"]

    def test_a_second_round_closes_nothing_more(self, db_session, sessions, march):
        with at(FIRST_CLOSED_INSTANT):
            first = closing.close_due_months(sessions)
        with at("2026-04-01T10:00:00+00:00"):
            second = closing.close_due_months(sessions)

        assert (first, second) == (1, 0)
        assert len(published(db_session, "month_closed")) == 1

    def test_two_instances_closing_at_once_close_it_once(
        self, db_session, engine, march
    ):
        """Two threads, two connections, the same database: the first to
        insert the closed_months row holds its transaction open a while, the
        second must wait for it and then lose on the key."""
        held = sessionmaker(bind=engine)

        def slow_sessions():
            session = held()
            event.listen(session, "after_flush", lambda *_: time.sleep(0.3))
            return session

        start = threading.Barrier(2)
        results = []

        def instance():
            start.wait()
            try:
                results.append(closing.close_due_months(slow_sessions))
            except Exception as error:  # noqa: BLE001 - reported below
                results.append(error)

        with at(FIRST_CLOSED_INSTANT):
            threads = [threading.Thread(target=instance) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)

        assert sorted(results) == [0, 1]
        assert len(published(db_session, "month_closed")) == 1
        assert db_session.scalar(select(func.count()).select_from(ClosedMonth)) == 1
        not_validated = db_session.scalar(
            select(func.count())
            .select_from(EntryHistory)
            .where(EntryHistory.action == "not_validated")
        )
        assert not_validated == 3

    def test_a_month_not_due_any_more_is_left_open(self, db_session, sessions, march):
        directory.set_settings(db_session, STAFF, {"grace_days": 1})
        db_session.commit()

        with at(FIRST_CLOSED_INSTANT):
            closed = closing.close_month(sessions, AGENCY, "2026-03")

        assert closed is False
        assert db_session.scalar(select(func.count()).select_from(ClosedMonth)) == 0
        assert published(db_session, "month_closed") == []


class TestClosingEarly:
    """Staff close the month during its grace period, once it is over."""

    @pytest.fixture
    def graced(self, db_session, march):
        directory.set_settings(db_session, STAFF, {"grace_days": 3})
        db_session.commit()
        return march

    def test_staff_close_it_in_the_grace_period(self, db_session, sessions, graced):
        with at("2026-04-01T08:00:00+00:00"):
            view = closing.close_now(sessions, STAFF, "2026-03")

        assert view["status"] == "closed"
        assert view["closed_at"] == "2026-04-01T08:00:00+00:00"
        assert view["totals"]["not_validated"] == 3
        [event] = published(db_session, "month_closed")
        assert event["data"]["closed_by"] == STAFF["id"]
        assert event["data"]["grace_days"] == 3
        mark = db_session.get(ClosedMonth, (AGENCY, "2026-03"))
        assert mark.closing_at == datetime.fromisoformat("2026-04-01T08:00:00+00:00")

    def test_not_before_the_last_day_is_over(self, db_session, sessions, graced):
        with at(LAST_OPEN_SECOND), pytest.raises(Conflict) as refused:
            closing.close_now(sessions, STAFF, "2026-03")

        assert "month" in refused.value.fields
        assert db_session.scalar(select(func.count()).select_from(ClosedMonth)) == 0
        with at(LAST_OPEN_SECOND):
            view = months.month_view(db_session, ME, CAMILLE, "2026-03")
        assert view["status"] == "open"

    def test_closing_again_changes_nothing(self, db_session, sessions, graced):
        with at("2026-04-01T08:00:00+00:00"):
            first = closing.close_now(sessions, STAFF, "2026-03")
        with at("2026-04-02T08:00:00+00:00"):
            again = closing.close_now(sessions, STAFF, "2026-03")
            closing.close_due_months(sessions)

        assert again == first
        assert len(published(db_session, "month_closed")) == 1

    def test_after_it_the_caregiver_cannot_decide(self, db_session, sessions, graced):
        with at("2026-04-01T08:00:00+00:00"):
            closing.close_now(sessions, STAFF, "2026-03")
        db_session.expire_all()

        with at("2026-04-01T09:00:00+00:00"), pytest.raises(Closed):
            months.decide(
                db_session, ME, CAMILLE, "2026-03", graced["refused"], REFUSAL
            )

    def test_a_caregiver_cannot_close_it(self, db_session, sessions, graced):
        with at("2026-04-01T08:00:00+00:00"), pytest.raises(PermissionDenied):
            closing.close_now(sessions, ME, "2026-03")

        assert db_session.scalar(select(func.count()).select_from(ClosedMonth)) == 0

    def test_another_agency_closes_nothing_of_this_one(
        self, db_session, sessions, graced
    ):
        other = {"id": "staff-2", "role": "staff", "agency_id": "agency-2"}
        with at("2026-04-01T08:00:00+00:00"), pytest.raises(Conflict) as refused:
            closing.close_now(sessions, other, "2026-03")

        assert "month" in refused.value.fields
        assert db_session.scalar(select(func.count()).select_from(ClosedMonth)) == 0

    @pytest.mark.parametrize("month", ["2026-13", "mars", None, "2026-3-1"])
    def test_a_month_that_is_not_one_is_refused(self, sessions, agency, month):
        with pytest.raises(InvalidInput) as refused:
            closing.close_now(sessions, STAFF, month)

        assert "month" in refused.value.fields


class TestClosedMonth:
    @pytest.fixture
    def closed(self, db_session, sessions, march):
        with at(FIRST_CLOSED_INSTANT):
            closing.close_due_months(sessions)
        db_session.expire_all()
        return march

    def test_nothing_but_staff_changes_it(self, db_session, closed):
        def later():
            return at("2026-04-03T09:00:00+00:00")

        with later(), pytest.raises(Closed):
            months.decide(
                db_session, ME, CAMILLE, "2026-03", closed["pending"], REFUSAL
            )
        with later(), pytest.raises(Closed):
            months.accept_all(db_session, ME, CAMILLE, "2026-03", confirm=True)
        with later():
            view = months.correct(
                db_session,
                STAFF,
                "2026-03",
                closed["pending"],
                {"counted_minutes": 0, "km": "4,3", "comment": "Garde non faite."},
            )
        db_session.commit()

        assert view["status"] == "not_validated"
        assert view["counted_minutes"] == 0
        assert view["km"] == "4.3"
        (event,) = published(db_session, "entry_corrected")
        assert event["data"]["action"] == "corrected"
        assert event["data"]["counted_minutes"] == 0
        assert event["data"]["month_closed"] is True
        assert event["data"]["by"] == "staff-1"
        last = months.agency_entry_history(
            db_session, STAFF, "2026-03", closed["pending"]
        )[-1]
        assert last["action"] == "corrected"
        assert last["actor_id"] == "staff-1"
        assert last["before"]["counted_override"] is None
        assert last["after"]["counted_override"] == 0
        assert last["after"]["staff_comment"] == "Garde non faite."

    def test_a_correction_needs_a_comment(self, db_session, closed):
        with pytest.raises(InvalidInput) as error:
            months.correct(
                db_session, STAFF, "2026-03", closed["pending"], {"counted_minutes": 0}
            )

        assert "comment" in error.value.fields

    def test_an_open_month_is_not_corrected(self, db_session, schedule, agency):
        shift_id = schedule("2026-04-02T08:00:00+02:00", "2026-04-02T12:00:00+02:00")

        with at("2026-04-10T08:00:00+00:00"), pytest.raises(Conflict):
            months.correct(
                db_session,
                STAFF,
                "2026-04",
                entry_id(db_session, shift_id),
                {"counted_minutes": 0, "comment": "Non."},
            )

    def test_planning_changes_are_kept_in_the_history_but_not_applied(
        self, db_session, closed, shift_event, apply_event
    ):
        entry = db_session.get(Entry, closed["accepted"])

        apply_event(
            shift_event(
                "shift_changed",
                entry.shift_id,
                "2026-03-02T09:00:00+01:00",
                "2026-03-02T12:00:00+01:00",
            )
        )

        db_session.expire_all()
        entry = db_session.get(Entry, closed["accepted"])
        assert entry.status == "accepted"
        assert entry.planned_minutes == 240
        last = history.rows(db_session, entry.id)[-1]
        assert last["action"] == "ignored_after_closing"
        assert last["after"]["planned_minutes"] == 180
        assert last["after"]["status"] == "accepted"

    def test_a_shift_planned_late_into_it_counts_as_planned_and_is_published(
        self, db_session, closed, schedule
    ):
        shift_id = schedule("2026-03-20T14:00:00+01:00", "2026-03-20T17:00:00+01:00")

        entry = db_session.get(Entry, entry_id(db_session, shift_id))
        assert entry.status == "not_validated"
        (event,) = published(db_session, "entry_corrected")
        assert event["data"]["action"] == "added_after_closing"
        assert event["data"]["counted_minutes"] == 180


class TestReminders:
    URL = "https://extranet.example.org"

    def test_it_is_due_three_days_before_the_local_deadline(self, db_session, march):
        with at("2026-03-28T22:59:58+00:00"):
            early = reminders.due_reminders(db_session, clock.now(), self.URL)
        with at("2026-03-28T22:59:59+00:00"):
            due = reminders.due_reminders(db_session, clock.now(), self.URL)

        assert early == []
        by_caregiver = {reminder.caregiver_id: reminder for reminder in due}
        assert set(by_caregiver) == {CAMILLE, INES}
        camille = by_caregiver[CAMILLE]
        assert camille.email == "camille@example.org"
        assert camille.context == {
            "first_name": "Camille",
            "last_name": "Martin",
            "agency_name": "Agence Lyon 6e",
            "month": "2026-03",
            "month_label": "mars 2026",
            "deadline": "mardi 31 mars 2026 à 23:59",
            "undecided": 2,
            "link": "https://extranet.example.org/heures/2026-03",
        }

    def test_it_is_sent_once_whatever_the_rounds(self, db_session, sessions, march):
        sent = []

        def send(template, to, context):
            sent.append((template, to))

        with at("2026-03-29T08:00:00+00:00"):
            first = reminders.send_due_reminders(sessions, send, self.URL)
            second = reminders.send_due_reminders(sessions, send, self.URL)

        assert (first, second) == (2, 0)
        assert sorted(sent) == [
            ("month_end_reminder", "camille@example.org"),
            ("month_end_reminder", "inès@example.org"),
        ]
        stamped = db_session.scalars(select(ReminderSent.sent_at)).all()
        assert len(stamped) == 2 and all(stamped)

    def test_a_failed_send_is_tried_again(self, db_session, sessions, march):
        def away(template, to, context):
            raise TimeoutError("notifications away")

        sent = []
        with at("2026-03-29T08:00:00+00:00"):
            failed = reminders.send_due_reminders(sessions, away, self.URL)
            later = reminders.send_due_reminders(
                sessions, lambda *args: sent.append(args), self.URL
            )

        assert (failed, later) == (0, 2)

    def test_nobody_with_everything_decided_is_reminded(self, db_session, march):
        with at("2026-03-29T08:00:00+00:00"):
            months.accept_all(db_session, ME, CAMILLE, "2026-03", confirm=True)
            months.decide(
                db_session,
                {"id": INES, "role": "caregiver", "agency_id": AGENCY},
                INES,
                "2026-03",
                march["ines"],
                {"status": "accepted"},
            )
            db_session.commit()
            due = reminders.due_reminders(db_session, clock.now(), self.URL)

        assert [reminder.caregiver_id for reminder in due] == [CAMILLE]
        assert due[0].context["undecided"] == 1

    def test_no_reminder_once_the_month_is_closed(self, db_session, march):
        with at(FIRST_CLOSED_INSTANT):
            due = reminders.due_reminders(db_session, clock.now(), self.URL)

        assert due == []
