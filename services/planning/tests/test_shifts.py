"""Shifts pushed one by one: idempotent puts, overlaps, cancellations."""

import pytest
from sqlalchemy import select

from extranet_common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from planning import agencies, shifts
from planning.models import CANCELLED, Agency, Shift


def shift_request(caregiver_id, start, end, family_ref="FA-LEF", **extra):
    return {
        "caregiver_id": caregiver_id,
        "family_ref": family_ref,
        "start": start,
        "end": end,
        "activity": "Sortie d'école",
        "car_transport": False,
        "notes": "",
        **extra,
    }


@pytest.fixture
def put(db_session, sample_families, staff, sample):
    """Put a shift as the sample agency's staff, then commit."""

    def run(external_id, request):
        view = shifts.put_shift(
            db_session, staff, external_id, request, set(sample.caregivers.values())
        )
        db_session.commit()
        return view

    return run


def test_putting_the_same_shift_twice_creates_it_once(db_session, put, sample):
    request = shift_request(
        sample.camille, "2026-10-01T16:30:00+02:00", "2026-10-01T19:00:00+02:00"
    )

    first = put("EXT-1", request)
    second = put("EXT-1", request)

    assert (first["created"], first["changed"]) == (True, True)
    assert (second["created"], second["changed"]) == (False, False)
    assert second["id"] == first["id"]
    assert second["start"] == "2026-10-01T16:30:00+02:00"
    assert second["minutes"] == 150
    assert second["family"]["name"] == "Famille Lefèvre"
    assert len(sample.events(db_session)) == 1


def test_a_changed_put_publishes_what_changed(db_session, put, sample):
    put(
        "EXT-1",
        shift_request(
            sample.camille, "2026-10-01T16:30:00+02:00", "2026-10-01T19:00:00+02:00"
        ),
    )

    view = put(
        "EXT-1",
        shift_request(
            sample.camille,
            "2026-10-01T16:30:00+02:00",
            "2026-10-01T19:30:00+02:00",
            notes="Piscine",
        ),
    )

    assert (view["created"], view["changed"]) == (False, True)
    (event,) = sample.events(db_session, "shift_changed")
    assert event["data"]["changes"] == {
        "end": ["2026-10-01T17:00:00+00:00", "2026-10-01T17:30:00+00:00"],
        "notes": ["", "Piscine"],
    }


def test_a_shift_may_start_when_the_previous_one_ends(put, sample):
    put(
        "AFTERNOON",
        shift_request(
            sample.camille, "2026-10-01T14:00:00+02:00", "2026-10-01T18:00:00+02:00"
        ),
    )

    evening = put(
        "EVENING",
        shift_request(
            sample.camille,
            "2026-10-01T18:00:00+02:00",
            "2026-10-01T20:00:00+02:00",
            family_ref="FA-ROY",
        ),
    )

    assert evening["created"] is True


def test_a_night_shift_overlapping_the_next_morning_is_refused(db_session, put, sample):
    put(
        "NIGHT",
        shift_request(
            sample.camille, "2026-10-10T22:00:00+02:00", "2026-10-11T04:00:00+02:00"
        ),
    )

    with pytest.raises(Conflict) as error:
        put(
            "MORNING",
            shift_request(
                sample.camille,
                "2026-10-11T02:00:00+02:00",
                "2026-10-11T08:00:00+02:00",
                family_ref="FA-ROY",
            ),
        )

    assert error.value.data == {"overlaps": ["NIGHT"]}
    assert db_session.scalars(select(Shift.external_id)).all() == ["NIGHT"]


def test_another_caregiver_may_work_at_the_same_time(put, sample):
    put(
        "CAMILLE",
        shift_request(
            sample.camille, "2026-10-10T22:00:00+02:00", "2026-10-11T04:00:00+02:00"
        ),
    )

    view = put(
        "INES",
        shift_request(
            sample.ines, "2026-10-10T22:00:00+02:00", "2026-10-11T04:00:00+02:00"
        ),
    )

    assert view["created"] is True


def test_a_put_names_each_bad_field(put, sample):
    request = shift_request(
        "someone-else",
        "2026-10-01 16:30",
        "2026-10-01T19:00:00+02:00",
        family_ref="FA-NONE",
        car_transport="oui",
    )

    with pytest.raises(InvalidInput) as error:
        put("EXT-1", request)

    assert set(error.value.fields) == {
        "caregiver_id",
        "family_ref",
        "start",
        "car_transport",
    }


def test_cancelling_twice_publishes_one_cancellation(db_session, put, staff, sample):
    put(
        "EXT-1",
        shift_request(
            sample.camille, "2026-10-01T16:30:00+02:00", "2026-10-01T19:00:00+02:00"
        ),
    )

    first = shifts.cancel_shift(db_session, staff, "EXT-1")
    db_session.commit()
    second = shifts.cancel_shift(db_session, staff, "EXT-1")
    db_session.commit()

    assert (first["status"], first["changed"]) == (CANCELLED, True)
    assert (second["status"], second["changed"]) == (CANCELLED, False)
    (event,) = sample.events(db_session, "shift_cancelled")
    assert event["data"]["external_id"] == "EXT-1"
    assert event["data"]["minutes"] == 150


def test_a_cancelled_shift_frees_its_time_and_can_be_put_back(
    db_session, put, staff, sample
):
    request = shift_request(
        sample.camille, "2026-10-01T16:30:00+02:00", "2026-10-01T19:00:00+02:00"
    )
    put("EXT-1", request)
    shifts.cancel_shift(db_session, staff, "EXT-1")
    db_session.commit()
    put("OTHER", request)
    shifts.cancel_shift(db_session, staff, "OTHER")

    view = put("EXT-1", request)

    assert (view["status"], view["changed"]) == ("scheduled", True)
    assert len(sample.events(db_session, "shift_scheduled")) == 3


def test_staff_of_another_agency_cannot_cancel(db_session, put, sample):
    put(
        "EXT-1",
        shift_request(
            sample.camille, "2026-10-01T16:30:00+02:00", "2026-10-01T19:00:00+02:00"
        ),
    )
    other_staff = sample.actor("staff", sample.other_agency_id)

    with pytest.raises(NotFound):
        shifts.cancel_shift(db_session, other_staff, "EXT-1")
    with pytest.raises(PermissionDenied):
        shifts.cancel_shift(
            db_session, other_staff, "EXT-1", agency_id=sample.agency_id
        )

    assert sample.events(db_session, "shift_cancelled") == []


def test_agency_created_event_fills_the_local_copy(db_session):
    data = {
        "agency_id": "a-new",
        "ref": "AG-NEW",
        "name": "Nouvelle agence",
        "timezone": "America/Martinique",
    }

    agencies.apply_agency_created(db_session, data, {"data": data})
    db_session.commit()

    agency = db_session.get(Agency, "a-new")
    assert (agency.name, agency.timezone) == ("Nouvelle agence", "America/Martinique")


@pytest.mark.parametrize(
    "hours, problem",
    [(24, None), (25, "une garde dure au plus 24 heures"), (0, "la fin doit")],
)
def test_a_shift_lasts_at_most_a_day(hours, problem):
    from datetime import UTC, datetime, timedelta

    from planning.shifts import duration_problem

    start = datetime(2026, 10, 24, 18, tzinfo=UTC)

    found = duration_problem(start, start + timedelta(hours=hours))

    assert (found is None) if problem is None else found.startswith(problem)
