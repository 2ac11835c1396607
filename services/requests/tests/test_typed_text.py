"""Dates far off and text holding a NUL character are refused with their
field named, on SQLite and PostgreSQL alike (PostgreSQL cannot keep a NUL,
and date arithmetic overflows near year 1 or 9999)."""

from datetime import UTC, datetime

import pytest

from agency_requests import approvals, threads
from agency_requests.categories import HAS_NUL, YEARS, check_details
from extranet_common import clock
from extranet_common.errors import InvalidInput, NotFound

PARIS = "Europe/Paris"
EVENING = {"date": "2026-10-21", "start": "18:30", "end": "21:00", "family": "Durand"}


def submit(db_session, actor, subject="Garde", body="Bonjour", details=None, tz=None):
    return threads.submit(
        db_session,
        actor,
        "unplanned_intervention",
        subject,
        body,
        EVENING if details is None else details,
        tz,
    )


@pytest.mark.parametrize(
    "day", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"]
)
def test_a_date_outside_2000_2100_is_refused_with_the_date(day):
    _, problems = check_details("unplanned_intervention", {**EVENING, "date": day})

    assert problems == {"date": YEARS}


@pytest.mark.parametrize("tz", [None, PARIS])
def test_a_submission_far_off_is_refused_on_every_engine(db_session, camille, tz):
    overnight = {**EVENING, "date": "9999-12-31", "start": "22:00", "end": "06:00"}

    with pytest.raises(InvalidInput) as refused:
        submit(db_session, camille, details=overnight, tz=tz)

    assert refused.value.fields == {"date": YEARS}


def test_the_last_night_of_2100_ends_outside_the_years_and_says_so(db_session, camille):
    overnight = {**EVENING, "date": "2100-12-31", "start": "22:00", "end": "06:00"}

    with pytest.raises(InvalidInput) as refused:
        submit(db_session, camille, details=overnight, tz=PARIS)

    assert refused.value.fields == {"end": YEARS}


def test_an_approval_cannot_move_the_date_far_off(db_session, camille, staff):
    request = submit(db_session, camille)
    db_session.commit()

    with pytest.raises(InvalidInput) as refused:
        approvals.prepare(
            db_session, staff, request["id"], {"family_ref": "FA", "date": "0001-01-01"}
        )

    assert refused.value.fields == {"date": YEARS}


@pytest.mark.parametrize(
    ("subject", "body", "details", "field"),
    [
        ("Garde\x00", "Bonjour", EVENING, "subject"),
        ("Garde", "Bon\x00jour", EVENING, "body"),
        ("Garde", "Bonjour", {**EVENING, "family": "Du\x00rand"}, "family"),
        ("Garde", "Bonjour", {**EVENING, "comment": "\x00"}, "comment"),
    ],
)
def test_a_nul_character_is_refused_with_its_field(
    db_session, camille, subject, body, details, field
):
    with pytest.raises(InvalidInput) as refused:
        submit(db_session, camille, subject, body, details)

    assert refused.value.fields == {field: HAS_NUL}


def test_a_message_or_an_answer_with_a_nul_is_refused(db_session, camille, staff):
    request = submit(db_session, camille)
    db_session.commit()

    with pytest.raises(InvalidInput) as hers:
        threads.add_message(db_session, camille, request["id"], "Merci\x00")
    with pytest.raises(InvalidInput) as theirs:
        threads.reply(db_session, staff, request["id"], "\x00 Vu.")

    assert hers.value.fields == theirs.value.fields == {"body": HAS_NUL}


@pytest.mark.parametrize("field", ["family_ref", "activity", "message"])
def test_an_approval_with_a_nul_names_its_field(db_session, camille, staff, field):
    request = submit(db_session, camille)
    db_session.commit()
    decision = {"family_ref": "FA-DUR", field: "FA-\x00DUR"}

    with pytest.raises(InvalidInput) as refused:
        approvals.prepare(db_session, staff, request["id"], decision)

    assert refused.value.fields == {field: HAS_NUL}


def test_a_planning_change_about_a_reference_with_a_nul_is_refused():
    _, problems = check_details("planning_change", {"shift_id": "SH-\x001"})

    assert list(problems) == ["shift_id"]


def test_a_request_id_with_a_nul_is_unknown(db_session, camille):
    with pytest.raises(NotFound):
        threads.get(db_session, camille, "req\x00")


def test_an_unplanned_intervention_that_has_not_started_is_refused(db_session, camille):
    tomorrow = {**EVENING, "date": "2026-10-22"}

    with clock.frozen(datetime(2026, 10, 21, 21, 0, tzinfo=UTC)):
        done = submit(db_session, camille, tz=PARIS)
        with pytest.raises(InvalidInput) as refused:
            submit(db_session, camille, details=tomorrow, tz=PARIS)

    assert done["details"]["date"] == "2026-10-21"
    assert list(refused.value.fields) == ["date"]
    assert "pas encore commencé" in refused.value.fields["date"]
