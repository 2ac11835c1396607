"""The month view, decisions, "accept all" and the deadline (SQLite, PostgreSQL)."""

import json
from datetime import datetime

import pytest
from sqlalchemy import func, select

from extranet_common import clock
from extranet_common.errors import (
    Closed,
    ConfirmationRequired,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from timesheets import months
from timesheets.models import MESSAGING, Entry, EntryHistory

CAMILLE = "caregiver-camille"
INES = "caregiver-ines"
ME = {"id": CAMILLE, "role": "caregiver", "agency_id": "agency-1"}
INES_ACTOR = {"id": INES, "role": "caregiver", "agency_id": "agency-1"}
STAFF = {"id": "staff-1", "role": "staff", "agency_id": "agency-1"}
OTHER_STAFF = {"id": "staff-9", "role": "staff", "agency_id": "agency-2"}
LATE_OCTOBER = datetime.fromisoformat("2026-10-30T12:00:00+00:00")
REFUSAL = {
    "status": "refused",
    "reason": "left_late",
    "declared_minutes": 240,
    "comment": "La maman est rentrée à 20h.",
}


def at(text):
    return clock.frozen(datetime.fromisoformat(text))


def entry_id(db_session, shift_id):
    return db_session.scalars(select(Entry.id).where(Entry.shift_id == shift_id)).one()


def count(db_session, model):
    return db_session.scalar(select(func.count()).select_from(model))


def published(db_session, event_type):
    return [
        json.loads(row.payload)
        for row in MESSAGING.pending(db_session)
        if row.event_type == event_type
    ]


@pytest.fixture
def october(db_session, schedule):
    """Three ended shifts of Camille in October 2026 and one of Inès."""
    ids = {
        "first": schedule("2026-10-05T16:00:00+02:00", "2026-10-05T19:00:00+02:00"),
        "second": schedule("2026-10-06T16:00:00+02:00", "2026-10-06T19:00:00+02:00"),
        "night": schedule("2026-10-24T20:00:00+02:00", "2026-10-25T04:00:00+01:00"),
        "ines": schedule(
            "2026-10-05T08:00:00+02:00", "2026-10-05T12:00:00+02:00", INES
        ),
    }
    return {name: entry_id(db_session, shift_id) for name, shift_id in ids.items()}


def test_the_month_shows_entries_day_by_day_with_totals(db_session, october):
    with clock.frozen(LATE_OCTOBER):
        view = months.month_view(db_session, ME, CAMILLE, "2026-10")

    assert view["status"] == "open"
    assert view["deadline"] == "2026-10-31T23:59:59+01:00"
    assert [day["date"] for day in view["days"]] == [
        "2026-10-05",
        "2026-10-06",
        "2026-10-24",
    ]
    night = view["days"][2]["entries"][0]
    assert night["start"] == "2026-10-24T20:00:00+02:00"
    assert night["end"] == "2026-10-25T04:00:00+01:00"
    assert night["planned_minutes"] == 540
    assert night["ended"] is True
    assert night["can_decide"] is True
    assert view["totals"] == {
        "planned_minutes": 900,
        "counted_minutes": 900,
        "km": "0.0",
        "entries": 3,
        "pending": 3,
        "accepted": 0,
        "refused": 0,
        "settled": 0,
        "not_validated": 0,
        "cancelled": 0,
    }


def test_a_refusal_counts_the_declared_minutes_and_km_are_summed(db_session, october):
    with clock.frozen(LATE_OCTOBER):
        months.decide(
            db_session, ME, CAMILLE, "2026-10", october["first"], REFUSAL | {"km": 3.3}
        )
        months.decide(
            db_session,
            ME,
            CAMILLE,
            "2026-10",
            october["second"],
            {"status": "accepted", "km": "12,4"},
        )
        view = months.month_view(db_session, ME, CAMILLE, "2026-10")

    lines = [entry for day in view["days"] for entry in day["entries"]]
    assert [line["km"] for line in lines] == ["3.3", "12.4", None]
    assert [line["counted_minutes"] for line in lines] == [240, 180, 540]
    assert view["totals"]["counted_minutes"] == 960
    assert view["totals"]["km"] == "15.7"
    assert lines[0]["reason_label"] == "Départ plus tard que prévu"
    assert (view["totals"]["accepted"], view["totals"]["refused"]) == (1, 1)


def test_a_decision_is_kept_in_the_history_and_published(db_session, october):
    with clock.frozen(LATE_OCTOBER):
        months.decide(db_session, ME, CAMILLE, "2026-10", october["first"], REFUSAL)
    db_session.commit()

    history = months.entry_history(db_session, ME, CAMILLE, october["first"])
    assert [row["action"] for row in history] == ["created", "refused"]
    assert history[1]["actor_id"] == CAMILLE
    assert history[1]["before"]["status"] == "pending"
    assert history[1]["after"]["declared_minutes"] == 240
    (event,) = published(db_session, "entry_validated")
    assert event["agency_id"] == "agency-1"
    assert event["data"] == {
        "entry_id": october["first"],
        "shift_id": event["data"]["shift_id"],
        "caregiver_id": CAMILLE,
        "month": "2026-10",
        "status": "refused",
        "planned_minutes": 180,
        "counted_minutes": 240,
        "reason": "left_late",
        "km": None,
    }


def test_deciding_the_same_way_twice_writes_nothing_more(db_session, october):
    with clock.frozen(LATE_OCTOBER):
        for _ in range(2):
            months.decide(
                db_session,
                ME,
                CAMILLE,
                "2026-10",
                october["first"],
                {"status": "accepted"},
            )
    db_session.commit()

    assert len(published(db_session, "entry_validated")) == 1
    assert count(db_session, EntryHistory) == 5


def test_the_caregiver_can_change_her_decision_before_the_deadline(db_session, october):
    with clock.frozen(LATE_OCTOBER):
        months.decide(db_session, ME, CAMILLE, "2026-10", october["first"], REFUSAL)

        view = months.decide(
            db_session,
            ME,
            CAMILLE,
            "2026-10",
            october["first"],
            {"status": "accepted"},
        )

    assert view["status"] == "accepted"
    assert view["reason"] is None
    assert view["declared_minutes"] is None
    assert view["counted_minutes"] == 180


@pytest.mark.parametrize(
    ("decision", "field"),
    [
        ({"status": "maybe"}, "status"),
        ({"status": "refused", "declared_minutes": 60}, "reason"),
        ({"status": "refused", "reason": "arrived_late"}, "declared_minutes"),
        (
            {"status": "refused", "reason": "arrived_late", "declared_minutes": 1441},
            "declared_minutes",
        ),
        (
            {"status": "refused", "reason": "arrived_late", "declared_minutes": "60"},
            "declared_minutes",
        ),
        ({"status": "refused", "reason": "other", "declared_minutes": 60}, "comment"),
        ({"status": "accepted", "km": "1000.1"}, "km"),
        ({"status": "accepted", "km": "-1"}, "km"),
        ({"status": "accepted", "km": "beaucoup"}, "km"),
    ],
)
def test_a_bad_decision_is_refused_field_by_field(db_session, october, decision, field):
    with clock.frozen(LATE_OCTOBER), pytest.raises(InvalidInput) as error:
        months.decide(db_session, ME, CAMILLE, "2026-10", october["first"], decision)

    assert field in error.value.fields
    assert count(db_session, EntryHistory) == 4


def test_other_reason_with_a_comment_is_accepted(db_session, october):
    decision = {
        "status": "refused",
        "reason": "other",
        "declared_minutes": 200,
        "comment": "Bouchons au retour du parc.",
    }

    with clock.frozen(LATE_OCTOBER):
        view = months.decide(
            db_session, ME, CAMILLE, "2026-10", october["first"], decision
        )

    assert view["reason"] == "other"
    assert view["comment"] == "Bouchons au retour du parc."


def test_an_entry_that_has_not_ended_cannot_be_decided(db_session, october):
    with at("2026-10-05T16:59:59+00:00"), pytest.raises(InvalidInput) as error:
        months.decide(
            db_session, ME, CAMILLE, "2026-10", october["first"], {"status": "accepted"}
        )

    assert "entry_id" in error.value.fields


def test_an_entry_can_be_decided_from_the_instant_it_ends(db_session, october):
    with at("2026-10-05T17:00:00+00:00"):
        view = months.decide(
            db_session, ME, CAMILLE, "2026-10", october["first"], {"status": "accepted"}
        )

    assert view["status"] == "accepted"


def test_a_caregiver_cannot_decide_another_caregivers_entry(db_session, october):
    with clock.frozen(LATE_OCTOBER):
        with pytest.raises(PermissionDenied):
            months.decide(
                db_session,
                INES_ACTOR,
                CAMILLE,
                "2026-10",
                october["first"],
                {"status": "accepted"},
            )
        with pytest.raises(NotFound):
            months.decide(
                db_session,
                INES_ACTOR,
                INES,
                "2026-10",
                october["first"],
                {"status": "accepted"},
            )

    assert db_session.get(Entry, october["first"]).status == "pending"


def test_an_entry_is_found_only_in_its_own_month(db_session, october):
    with clock.frozen(LATE_OCTOBER), pytest.raises(NotFound):
        months.decide(
            db_session, ME, CAMILLE, "2026-09", october["first"], {"status": "accepted"}
        )


def test_staff_reach_only_their_own_agency(db_session, october):
    with clock.frozen(LATE_OCTOBER):
        view = months.month_view(db_session, STAFF, CAMILLE, "2026-10")
        with pytest.raises(PermissionDenied):
            months.month_view(db_session, OTHER_STAFF, CAMILLE, "2026-10")

    assert view["totals"]["entries"] == 3


def test_a_caregiver_cannot_read_another_month_view(db_session, october):
    with pytest.raises(PermissionDenied):
        months.month_view(db_session, INES_ACTOR, CAMILLE, "2026-10")


def test_a_bad_month_is_invalid_input(db_session, october):
    with pytest.raises(InvalidInput) as error:
        months.month_view(db_session, ME, CAMILLE, "2026-13")

    assert "month" in error.value.fields


def test_a_cancelled_entry_cannot_be_decided(
    db_session, october, shift_event, apply_event
):
    with clock.frozen(LATE_OCTOBER):
        months.decide(
            db_session, ME, CAMILLE, "2026-10", october["first"], {"status": "accepted"}
        )
    db_session.commit()
    entry = db_session.get(Entry, october["first"])
    apply_event(
        shift_event(
            "shift_cancelled",
            entry.shift_id,
            "2026-10-05T16:00:00+02:00",
            "2026-10-05T19:00:00+02:00",
        )
    )

    with clock.frozen(LATE_OCTOBER), pytest.raises(Conflict):
        months.decide(
            db_session, ME, CAMILLE, "2026-10", october["first"], {"status": "accepted"}
        )


class TestDeadline:
    """March 2026 in Paris closes at 2026-04-01 00:00 local, 2026-03-31 22:00 UTC."""

    @pytest.fixture
    def march(self, db_session, schedule):
        shift_id = schedule("2026-03-31T08:00:00+02:00", "2026-03-31T12:00:00+02:00")
        return entry_id(db_session, shift_id)

    def test_the_deadline_is_the_last_second_of_the_month_local(
        self, db_session, march
    ):
        with at("2026-03-31T21:59:59+00:00"):
            view = months.month_view(db_session, ME, CAMILLE, "2026-03")

        assert view["deadline"] == "2026-03-31T23:59:59+02:00"
        assert view["status"] == "open"

    def test_a_decision_at_the_last_second_is_taken(self, db_session, march):
        with at("2026-03-31T21:59:59+00:00"):
            view = months.decide(
                db_session, ME, CAMILLE, "2026-03", march, {"status": "accepted"}
            )

        assert view["status"] == "accepted"

    def test_the_month_is_closed_from_midnight_local(self, db_session, march):
        with at("2026-03-31T22:00:00+00:00"):
            view = months.month_view(db_session, ME, CAMILLE, "2026-03")
            with pytest.raises(Closed):
                months.decide(
                    db_session, ME, CAMILLE, "2026-03", march, {"status": "accepted"}
                )
            with pytest.raises(Closed):
                months.accept_all(db_session, ME, CAMILLE, "2026-03", confirm=True)

        assert view["status"] == "closed"
        assert view["days"][0]["entries"][0]["can_decide"] is False
        assert db_session.get(Entry, march).status == "pending"

    def test_an_empty_month_still_has_a_deadline(self, db_session):
        with at("2026-03-31T22:00:00+00:00"):
            view = months.month_view(db_session, ME, CAMILLE, "2026-03")

        assert view["days"] == []
        assert view["status"] == "closed"
        assert view["timezone"] == "Europe/Paris"


class TestAcceptAll:
    @pytest.fixture
    def refused_first(self, db_session, october, schedule):
        """October with the first shift refused and one shift still to come."""
        schedule("2026-10-31T22:00:00+01:00", "2026-11-01T07:00:00+01:00")
        with clock.frozen(LATE_OCTOBER):
            months.decide(db_session, ME, CAMILLE, "2026-10", october["first"], REFUSAL)
        db_session.commit()
        return october

    def test_without_confirmation_it_lists_what_would_be_lost_and_changes_nothing(
        self, db_session, refused_first
    ):
        history_before = count(db_session, EntryHistory)

        with clock.frozen(LATE_OCTOBER), pytest.raises(ConfirmationRequired) as error:
            months.accept_all(db_session, ME, CAMILLE, "2026-10")

        assert error.value.data == {
            "dropped": [
                {
                    "entry_id": refused_first["first"],
                    "date": "2026-10-05",
                    "reason": "left_late",
                    "declared_minutes": 240,
                    "planned_minutes": 180,
                }
            ],
            "minutes_at_stake": 60,
        }
        assert "Tout accepter" in error.value.message
        assert count(db_session, EntryHistory) == history_before
        statuses = db_session.scalars(
            select(Entry.status).where(Entry.caregiver_id == CAMILLE)
        ).all()
        assert sorted(statuses) == ["pending", "pending", "pending", "refused"]

    def test_with_confirmation_it_accepts_every_ended_entry_as_planned(
        self, db_session, refused_first
    ):
        with clock.frozen(LATE_OCTOBER):
            view = months.accept_all(db_session, ME, CAMILLE, "2026-10", confirm=True)
        db_session.commit()

        lines = [entry for day in view["days"] for entry in day["entries"]]
        assert [line["status"] for line in lines] == [
            "accepted",
            "accepted",
            "accepted",
            "pending",
        ]
        assert lines[0]["counted_minutes"] == 180
        assert lines[0]["reason"] is None
        assert view["totals"]["counted_minutes"] == 900 + 540
        assert len(published(db_session, "entry_validated")) == 1 + 3
        history = months.entry_history(db_session, ME, CAMILLE, refused_first["first"])
        assert [row["action"] for row in history] == [
            "created",
            "refused",
            "accepted_all",
        ]

    def test_with_nothing_to_lose_it_needs_no_confirmation(self, db_session, october):
        with clock.frozen(LATE_OCTOBER):
            view = months.accept_all(db_session, ME, CAMILLE, "2026-10")

        assert view["totals"]["accepted"] == 3
        assert view["totals"]["pending"] == 0

    def test_it_keeps_the_kilometres(self, db_session, october):
        with clock.frozen(LATE_OCTOBER):
            months.decide(
                db_session,
                ME,
                CAMILLE,
                "2026-10",
                october["first"],
                REFUSAL | {"km": "8"},
            )
            view = months.accept_all(db_session, ME, CAMILLE, "2026-10", confirm=True)

        assert view["totals"]["km"] == "8.0"


def test_the_agency_month_gives_totals_and_refusals_per_caregiver(db_session, october):
    with clock.frozen(LATE_OCTOBER):
        months.decide(db_session, ME, CAMILLE, "2026-10", october["first"], REFUSAL)
        view = months.agency_month(db_session, STAFF, "2026-10")

    by_caregiver = {row["caregiver_id"]: row for row in view["caregivers"]}
    assert set(by_caregiver) == {CAMILLE, INES}
    assert by_caregiver[CAMILLE]["totals"]["counted_minutes"] == 240 + 180 + 540
    assert by_caregiver[CAMILLE]["refused"][0]["reason"] == "left_late"
    assert by_caregiver[INES]["refused"] == []
    assert view["totals"]["entries"] == 4


def test_the_agency_month_is_for_the_agency_only(db_session, october):
    with pytest.raises(PermissionDenied):
        months.agency_month(db_session, ME, "2026-10")
    with pytest.raises(PermissionDenied):
        months.agency_month(db_session, OTHER_STAFF, "2026-10", "agency-1")
