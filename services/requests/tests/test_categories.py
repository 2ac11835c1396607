"""Each category checks its own details and names the field at fault."""

import pytest

from agency_requests import threads
from agency_requests.categories import check_details
from extranet_common.errors import InvalidInput

EVENING = {"date": "2026-10-21", "start": "18:30", "end": "21:00", "family": "Durand"}


def test_an_unplanned_intervention_keeps_its_fields_in_a_fixed_shape():
    details, problems = check_details(
        "unplanned_intervention", {**EVENING, "start": "8:05", "extra": "x"}
    )

    assert problems == {}
    assert details == {
        "date": "2026-10-21",
        "start": "08:05",
        "end": "21:00",
        "ends_next_day": False,
        "family": "Durand",
        "comment": None,
    }


def test_an_unplanned_intervention_may_end_the_next_day():
    details, problems = check_details(
        "unplanned_intervention", {**EVENING, "start": "22:00", "end": "06:00"}
    )

    assert problems == {}
    assert details["ends_next_day"] is True


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", None),
        ("date", "21/10/2026"),
        ("date", "2026-02-30"),
        ("start", "25:00"),
        ("start", None),
        ("end", "21h"),
        ("end", "18:30"),
        ("family", "   "),
        ("family", "x" * 201),
        ("comment", 12),
        ("comment", "x" * 1001),
    ],
)
def test_an_unplanned_intervention_names_its_bad_field(field, value):
    _, problems = check_details("unplanned_intervention", {**EVENING, field: value})

    assert list(problems) == [field]


def test_a_planning_change_needs_the_shift_it_is_about():
    _, missing = check_details("planning_change", {})
    _, not_text = check_details("planning_change", {"shift_id": 42})
    details, problems = check_details("planning_change", {"shift_id": " S-123 "})

    assert list(missing) == ["shift_id"]
    assert list(not_text) == ["shift_id"]
    assert problems == {}
    assert details == {"shift_id": "S-123"}


@pytest.mark.parametrize("category", ["pay", "other"])
def test_pay_and_other_carry_no_details(category):
    details, problems = check_details(category, {"shift_id": "S-1"})

    assert details == {}
    assert problems == {}


def test_details_that_are_not_an_object_are_refused():
    _, problems = check_details("pay", ["not", "a", "dict"])

    assert list(problems) == ["details"]


def test_submit_reports_every_bad_field_at_once(db_session, camille):
    with pytest.raises(InvalidInput) as error:
        threads.submit(
            db_session,
            camille,
            "unplanned_intervention",
            "",
            "x" * 5001,
            {"date": "demain", "start": "18:00", "end": "20:00", "family": "Durand"},
        )

    assert set(error.value.fields) == {"subject", "body", "date"}


def test_submit_refuses_an_unknown_category(db_session, camille):
    with pytest.raises(InvalidInput) as error:
        threads.submit(db_session, camille, "holidays", "Congés", "Bonjour")

    assert list(error.value.fields) == ["category"]


def test_submit_refuses_a_subject_too_long(db_session, camille):
    with pytest.raises(InvalidInput) as error:
        threads.submit(db_session, camille, "other", "x" * 201, "Bonjour")

    assert list(error.value.fields) == ["subject"]


def test_submit_refuses_a_planning_change_without_shift(db_session, camille):
    with pytest.raises(InvalidInput) as error:
        threads.submit(db_session, camille, "planning_change", "Garde", "Bonjour", {})

    assert "shift_id" in error.value.fields


SHIFT = {
    "id": "5f0c2b1e-0000-4000-8000-000000000047",
    "external_id": "SH-2026-10-0047",
    "local_date": "2026-10-24",
    "start": "2026-10-24T20:00:00+02:00",
    "end": "2026-10-25T04:00:00+01:00",
    "family": {"ref": "FA-MOR", "name": "Famille Moreau-Petit"},
}


def test_a_planning_change_keeps_the_shift_planning_found(db_session, camille):
    made = threads.submit(
        db_session,
        camille,
        "planning_change",
        "Échange",
        "Puis-je finir à 23 h ?",
        {"shift_id": "SH-2026-10-0047"},
        shift=SHIFT,
    )

    assert made["details"] == {
        "shift_id": SHIFT["id"],
        "shift_ref": "SH-2026-10-0047",
        "date": "2026-10-24",
        "start": "2026-10-24T20:00:00+02:00",
        "end": "2026-10-25T04:00:00+01:00",
        "family": "Famille Moreau-Petit",
    }


def test_a_planning_change_about_a_shift_not_hers_is_refused(db_session, camille):
    with pytest.raises(InvalidInput) as error:
        threads.submit(
            db_session,
            camille,
            "planning_change",
            "Échange",
            "Bonjour",
            {"shift_id": "SH-2026-10-0001"},
            shift={},
        )

    assert list(error.value.fields) == ["shift_id"]
