"""Availability: weekly slots in local time, dated exceptions, who is free."""

from datetime import UTC, datetime

import pytest

from extranet_common.errors import InvalidInput, PermissionDenied
from planning import availability, shifts
from planning.models import DatedAvailability, WeeklySlot

MONDAY_AFTER_SCHOOL = {"weekday": "monday", "start": "16:00", "end": "19:30"}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def declare(db_session, agency, sample):
    """Replace a caregiver's availability as herself, then commit."""

    def run(caregiver_id, weekly=(), exceptions=()):
        me = sample.actor("caregiver", user_id=caregiver_id)
        view = availability.put_availability(
            db_session,
            me,
            {"weekly": list(weekly), "exceptions": list(exceptions)},
            sample.timezone,
        )
        db_session.commit()
        return view

    return run


def status_of(db_session, sample, caregiver_id, start, end):
    found = availability.statuses_for(
        db_session,
        sample.agency_id,
        [caregiver_id],
        utc(start),
        utc(end),
        sample.timezone,
    )
    return found[caregiver_id][0]


def test_a_monday_slot_stays_at_16_00_local_across_the_october_change(
    db_session, declare, sample
):
    declare(sample.camille, weekly=[MONDAY_AFTER_SCHOOL])

    before = status_of(
        db_session, sample, sample.camille, "2026-10-19T14:00Z", "2026-10-19T17:30Z"
    )
    after = status_of(
        db_session, sample, sample.camille, "2026-10-26T15:00Z", "2026-10-26T18:30Z"
    )
    same_utc_hour_after = status_of(
        db_session, sample, sample.camille, "2026-10-26T14:00Z", "2026-10-26T17:30Z"
    )

    assert before == after == "available"
    assert same_utc_hour_after == "not_declared"
    occurrences = list(
        availability.weekly_occurrences(
            [availability.Slot(0, 16 * 60, 19 * 60 + 30)],
            utc("2026-10-19T00:00Z"),
            utc("2026-10-27T00:00Z"),
            sample.timezone,
        )
    )
    assert [start.isoformat() for start, _ in occurrences] == [
        "2026-10-19T14:00:00+00:00",
        "2026-10-26T15:00:00+00:00",
    ]


def test_unavailability_wins_over_a_weekly_slot_and_a_dated_availability(
    db_session, declare, sample
):
    declare(
        sample.camille,
        weekly=[MONDAY_AFTER_SCHOOL],
        exceptions=[
            {"kind": "available", "start": "2026-10-26", "end": "2026-10-26"},
            {
                "kind": "unavailable",
                "start": "2026-10-26T17:00",
                "end": "2026-10-26T18:00",
            },
        ],
    )

    touching = status_of(
        db_session,
        sample,
        sample.camille,
        "2026-10-26T16:00+01:00",
        "2026-10-26T17:30+01:00",
    )
    morning = status_of(
        db_session,
        sample,
        sample.camille,
        "2026-10-26T09:00+01:00",
        "2026-10-26T12:00+01:00",
    )

    assert touching == "busy"
    assert morning == "available"


def test_staff_learn_who_is_free_for_a_slot(
    db_session, declare, sample_families, staff, sample
):
    declare(sample.camille, weekly=[MONDAY_AFTER_SCHOOL])
    declare(
        sample.ines,
        exceptions=[
            {
                "kind": "available",
                "start": "2026-10-26T14:00",
                "end": "2026-10-26T20:00",
            }
        ],
    )
    declare(sample.eloise, weekly=[MONDAY_AFTER_SCHOOL])
    shifts.put_shift(
        db_session,
        staff,
        "EXT-ELOISE",
        {
            "caregiver_id": sample.eloise,
            "family_ref": "FA-LEF",
            "start": "2026-10-26T18:00:00+01:00",
            "end": "2026-10-26T20:00:00+01:00",
        },
        set(sample.caregivers.values()),
    )
    db_session.commit()
    caregivers = [
        {"id": sample.camille, "first_name": "Camille", "last_name": "Martin"},
        {"id": sample.ines, "first_name": "Inès", "last_name": "Haddad"},
        {"id": sample.eloise, "first_name": "Éloïse", "last_name": "Girard"},
        {"id": "c-nobody", "first_name": "Lucas", "last_name": "Bernard"},
    ]

    answer = availability.who_is_available(
        db_session,
        staff,
        caregivers,
        "2026-10-26T16:30",
        "2026-10-26T19:00",
        sample.timezone,
    )

    assert answer["from"] == "2026-10-26T16:30:00+01:00"
    assert [item["first_name"] for item in answer["available"]] == [
        "Camille",
        "Inès",
    ]
    assert {item["first_name"]: item["status"] for item in answer["others"]} == {
        "Éloïse": "busy",
        "Lucas": "not_declared",
    }


def test_a_slot_covered_by_two_adjacent_slots_is_covered(db_session, declare, sample):
    declare(
        sample.camille,
        weekly=[
            {"weekday": "friday", "start": "20:00", "end": "24:00"},
            {"weekday": "saturday", "start": "00:00", "end": "08:00"},
        ],
    )

    night = status_of(
        db_session,
        sample,
        sample.camille,
        "2026-10-23T21:00+02:00",
        "2026-10-24T07:00+02:00",
    )

    assert night == "available"


def test_a_bad_availability_names_each_field_and_writes_nothing(
    db_session, declare, sample
):
    declare(sample.camille, weekly=[MONDAY_AFTER_SCHOOL])

    with pytest.raises(InvalidInput) as refused:
        declare(
            sample.camille,
            weekly=[
                {"weekday": "monday", "start": "16:00", "end": "19:30"},
                {"weekday": "monday", "start": "19:00", "end": "20:00"},
                {"weekday": "lundi", "start": "9h", "end": "08:00"},
                {"weekday": "tuesday", "start": "18:00", "end": "17:00"},
            ],
            exceptions=[
                {"kind": "unavailable", "start": "2026-13-01", "end": "2026-13-02"},
                {"kind": "holiday", "start": "2026-10-20", "end": "2026-10-19"},
                {
                    "kind": "unavailable",
                    "start": "2026-10-25T02:30",
                    "end": "2026-10-25T05:00",
                },
            ],
        )

    assert refused.value.fields == {
        "weekly.1.start": "chevauche le créneau n° 1 du même jour",
        "weekly.2.weekday": (
            "jour attendu : monday, tuesday, wednesday, thursday, friday, "
            "saturday, sunday"
        ),
        "weekly.2.start": "heure attendue au format HH:MM",
        "weekly.3.end": "la fin doit être après le début",
        "exceptions.0.start": refused.value.fields["exceptions.0.start"],
        "exceptions.0.end": refused.value.fields["exceptions.0.end"],
        "exceptions.1.kind": "available ou unavailable attendu",
        "exceptions.1.end": "le dernier jour doit suivre le premier",
        "exceptions.2.start": refused.value.fields["exceptions.2.start"],
    }
    assert "changement d'heure" in refused.value.fields["exceptions.2.start"]
    db_session.rollback()
    assert db_session.query(WeeklySlot).count() == 1
    assert db_session.query(DatedAvailability).count() == 0


def test_the_same_availability_twice_publishes_one_change(db_session, declare, sample):
    wanted = {
        "weekly": [MONDAY_AFTER_SCHOOL],
        "exceptions": [
            {
                "kind": "unavailable",
                "start": "2026-10-26",
                "end": "2026-10-30",
                "comment": "vacances",
            }
        ],
    }

    first = declare(sample.camille, **wanted)
    second = declare(sample.camille, **wanted)
    read = availability.get_availability(
        db_session,
        sample.actor("caregiver", user_id=sample.camille),
        sample.camille,
        sample.timezone,
    )

    assert (first["changed"], second["changed"]) == (True, False)
    (event,) = sample.events(db_session, "availability_changed")
    assert event["data"] == {"caregiver_id": sample.camille}
    assert read["weekly"] == [MONDAY_AFTER_SCHOOL]
    assert read["exceptions"] == [
        {
            "kind": "unavailable",
            "start": "2026-10-26",
            "end": "2026-10-30",
            "whole_days": True,
            "comment": "vacances",
        }
    ]


def test_only_the_caregiver_declares_her_availability(db_session, agency, staff):
    with pytest.raises(PermissionDenied):
        availability.put_availability(
            db_session, staff, {"weekly": [MONDAY_AFTER_SCHOOL]}, "Europe/Paris"
        )


def test_a_shift_over_an_unavailability_warns_and_tells_the_caregiver(
    db_session, declare, sample_families, staff, sample
):
    declare(
        sample.camille,
        exceptions=[
            {
                "kind": "unavailable",
                "start": "2026-10-26",
                "end": "2026-10-26",
                "comment": "rendez-vous médical",
            }
        ],
    )

    view = shifts.put_shift(
        db_session,
        staff,
        "EXT-OVER",
        {
            "caregiver_id": sample.camille,
            "family_ref": "FA-LEF",
            "start": "2026-10-26T16:30:00+01:00",
            "end": "2026-10-26T19:00:00+01:00",
        },
        set(sample.caregivers.values()),
    )

    (warning,) = view["warnings"]
    assert warning["code"] == "CAREGIVER_UNAVAILABLE"
    assert "rendez-vous médical" in warning["message"]
    (event,) = sample.events(db_session, "shift_scheduled")
    assert event["data"]["over_unavailability"] is True


@pytest.mark.parametrize(
    "start, end",
    [
        ("9999-12-31", "9999-12-31"),
        ("0001-01-01", "0001-01-02"),
        ("9999-12-31T10:00", "9999-12-31T12:00"),
    ],
)
def test_dates_far_off_are_refused_with_the_field(declare, start, end):
    far_off = {"kind": "unavailable", "start": start, "end": end}

    with pytest.raises(InvalidInput) as error:
        declare("c-far", exceptions=[far_off])

    assert any("année" in why for why in error.value.fields.values())
