"""Shifts changed since the caregiver's last visit stand out."""

from datetime import UTC, datetime

import pytest

from extranet_common import clock
from planning import shifts, views

IMPORT = datetime(2026, 9, 30, 8, 0, tzinfo=UTC)
FIRST_VISIT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
CHANGE = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)
SECOND_VISIT = datetime(2026, 10, 2, 20, 0, tzinfo=UTC)
THIRD_VISIT = datetime(2026, 10, 3, 20, 0, tzinfo=UTC)


@pytest.fixture
def planning_of_september_30(sample_families, import_shifts, sample):
    with clock.frozen(IMPORT):
        import_shifts(sample.text("planning-2026-10.csv"))


def week_of(db_session, reader, caregiver_id, mark_seen=True):
    return views.caregiver_planning(
        db_session, reader, caregiver_id, "week", "2026-10-07", mark_seen
    )


def marked(week) -> list[str]:
    return [s["external_id"] for s in week["shifts"] if s["changed_since_last_visit"]]


def test_what_changed_since_her_last_visit_is_marked_once(
    db_session, planning_of_september_30, staff, sample
):
    camille = sample.actor("caregiver", user_id=sample.camille)
    with clock.frozen(FIRST_VISIT):
        first = week_of(db_session, camille, sample.camille)
    with clock.frozen(CHANGE):
        shifts.put_shift(
            db_session,
            staff,
            "SH-2026-10-0011",
            {
                "caregiver_id": sample.camille,
                "family_ref": "FA-LEF",
                "start": "2026-10-06T16:30:00+02:00",
                "end": "2026-10-06T19:30:00+02:00",
                "activity": "Sortie d'école",
            },
            set(sample.caregivers.values()),
        )
        shifts.cancel_shift(db_session, staff, "SH-2026-10-0017")
    with clock.frozen(SECOND_VISIT):
        staff_view = week_of(db_session, staff, sample.camille)
        second = week_of(db_session, camille, sample.camille)
    with clock.frozen(THIRD_VISIT):
        third = week_of(db_session, camille, sample.camille)

    assert first["last_visit_at"] is None
    assert marked(first) == []
    assert marked(staff_view) == ["SH-2026-10-0011"]
    assert second["last_visit_at"] == FIRST_VISIT.isoformat()
    assert marked(second) == ["SH-2026-10-0011"]
    assert [s["external_id"] for s in second["cancelled_since_last_visit"]] == [
        "SH-2026-10-0017"
    ]
    assert "SH-2026-10-0017" not in [s["external_id"] for s in second["shifts"]]
    assert marked(third) == []
    assert third["cancelled_since_last_visit"] == []


def test_the_print_page_does_not_count_as_a_visit(db_session, sample_planning, sample):
    camille = sample.actor("caregiver", user_id=sample.camille)
    with clock.frozen(FIRST_VISIT):
        week_of(db_session, camille, sample.camille)

    with clock.frozen(SECOND_VISIT):
        printed = week_of(db_session, camille, sample.camille, mark_seen=False)
        seen = week_of(db_session, camille, sample.camille)

    assert printed["last_visit_at"] == seen["last_visit_at"]
    assert seen["last_visit_at"] == FIRST_VISIT.isoformat()
