"""The caregiver's planning by week and by month."""

import pytest

from extranet_common.errors import InvalidInput, NotFound, PermissionDenied
from planning import views


def planning_of(db_session, caregiver_id, view, day, reader=None):
    reader = reader or {"id": caregiver_id, "role": "caregiver"}
    reader.setdefault("agency_id", "a0000000-0000-4000-8000-000000000001")
    return views.caregiver_planning(db_session, reader, caregiver_id, view, day)


def test_camille_works_13_shifts_and_50_hours_in_october(
    db_session, sample_planning, sample
):
    month = planning_of(db_session, sample.camille, "month", "2026-10-21")

    assert (month["from"], month["to"]) == ("2026-10-01", "2026-10-31")
    assert len(month["shifts"]) == 13
    assert month["total_minutes"] == 3000
    starts = [shift["start"] for shift in month["shifts"]]
    assert starts == sorted(starts)


def test_the_night_the_clocks_go_back_lasts_nine_hours(
    db_session, sample_planning, sample
):
    week = planning_of(db_session, sample.eloise, "week", "2026-10-24")

    (night,) = [s for s in week["shifts"] if s["external_id"] == "SH-2026-10-0047"]
    assert night["minutes"] == 540
    assert night["start"] == "2026-10-24T20:00:00+02:00"
    assert night["end"] == "2026-10-25T04:00:00+01:00"
    assert night["local_date"] == "2026-10-24"
    assert night["family"] == {
        "ref": "FA-MOR",
        "name": "Famille Moreau-Petit",
        "address": "27 cours Vitton, 69006 Lyon",
        "children": "Jules (4 ans), Zoé (4 ans)",
    }


def test_a_week_runs_from_monday_to_sunday(db_session, sample_planning, sample):
    week = planning_of(db_session, sample.camille, "week", "2026-10-07")

    assert (week["from"], week["to"]) == ("2026-10-05", "2026-10-11")
    assert week["timezone"] == "Europe/Paris"
    assert [shift["local_date"] for shift in week["shifts"]] == [
        "2026-10-05",
        "2026-10-06",
        "2026-10-07",
        "2026-10-08",
        "2026-10-09",
        "2026-10-10",
    ]


def test_a_shift_belongs_to_the_week_it_starts_in(db_session, sample_planning, sample):
    week = planning_of(db_session, sample.camille, "week", "2026-10-11")
    next_week = planning_of(db_session, sample.camille, "week", "2026-10-12")

    saturday_night = week["shifts"][-1]

    assert saturday_night["external_id"] == "SH-2026-10-0022"
    assert saturday_night["end"] == "2026-10-11T00:30:00+02:00"
    assert next_week["shifts"][0]["local_date"] == "2026-10-12"


def test_a_caregiver_cannot_read_another_caregivers_planning(
    db_session, sample_planning, sample
):
    camille = {"id": sample.camille, "role": "caregiver"}

    with pytest.raises(PermissionDenied):
        planning_of(db_session, sample.eloise, "month", "2026-10-01", reader=camille)


def test_staff_read_only_their_own_agency(db_session, sample_planning, sample):
    own_staff = sample.actor("staff")
    other_staff = sample.actor("staff", sample.other_agency_id)

    seen = planning_of(db_session, sample.camille, "month", "2026-10-01", own_staff)
    hidden = planning_of(db_session, sample.camille, "month", "2026-10-01", other_staff)

    assert len(seen["shifts"]) == 13
    assert hidden["shifts"] == []


def test_the_network_admin_reads_every_agency(db_session, sample_planning, sample):
    admin = sample.actor("admin", None)

    month = planning_of(db_session, sample.camille, "month", "2026-10-01", admin)

    assert month["total_minutes"] == 3000


def test_an_unknown_view_or_a_bad_date_is_refused(db_session, sample_planning, sample):
    with pytest.raises(InvalidInput) as bad_view:
        planning_of(db_session, sample.camille, "year", "2026-10-01")
    with pytest.raises(InvalidInput) as bad_day:
        planning_of(db_session, sample.camille, "week", "21/10/2026")

    assert "view" in bad_view.value.fields
    assert "date" in bad_day.value.fields


def test_her_shift_by_its_reference_or_its_id(db_session, sample_planning, sample):
    eloise = sample.actor("caregiver", user_id=sample.eloise)

    by_reference = views.caregiver_shift(db_session, eloise, " SH-2026-10-0047 ")
    by_id = views.caregiver_shift(db_session, eloise, by_reference["id"])

    assert by_id == by_reference
    assert by_reference["start"] == "2026-10-24T20:00:00+02:00"
    assert by_reference["family"]["name"] == "Famille Moreau-Petit"


@pytest.mark.parametrize("who", ["camille", "staff"])
def test_a_shift_that_is_not_hers_is_not_found(
    db_session, sample_planning, sample, who
):
    reader = (
        sample.actor("caregiver", user_id=sample.camille)
        if who == "camille"
        else sample.actor("staff")
    )

    with pytest.raises(NotFound):
        views.caregiver_shift(db_session, reader, "SH-2026-10-0047")


@pytest.mark.parametrize("reference", ["", "   ", None, 47, "x" * 101])
def test_a_shift_reference_must_be_one(db_session, sample_planning, sample, reference):
    eloise = sample.actor("caregiver", user_id=sample.eloise)

    with pytest.raises(InvalidInput) as refused:
        views.caregiver_shift(db_session, eloise, reference)

    assert "shift_id" in refused.value.fields
