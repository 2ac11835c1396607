"""What people type and who they are, read right (SQLite, PostgreSQL): km
with one decimal at most, durations up to a day, months of sane years, ids
and comments PostgreSQL can hold, an unknown caregiver, and the early close
told as what it was (by whom, on which day, in French months)."""

import uuid
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from extranet_common import clock
from extranet_common.errors import Closed, Conflict, InvalidInput, NotFound
from timesheets import closing, deadlines, directory, history, months
from timesheets.models import Entry

AGENCY = "agency-1"
CAMILLE = "caregiver-camille"
INES = "caregiver-ines"
ME = {"id": CAMILLE, "role": "caregiver", "agency_id": AGENCY}
STAFF = {"id": "staff-1", "role": "staff", "agency_id": AGENCY}
ADMIN = {"id": "admin-1", "role": "admin", "agency_id": None}
LATE_OCTOBER = "2026-10-30T12:00:00+00:00"
KM_EXPECTED = "nombre de km avec au plus une décimale, ex. 12,5"
DAY_LIMIT = "24 h au plus (1440 minutes)"


def at(text):
    return clock.frozen(datetime.fromisoformat(text))


def envelope():
    return {"event_id": str(uuid.uuid4()), "agency_id": AGENCY}


@pytest.fixture
def agency(db_session):
    directory.apply_agency_created(
        db_session,
        {
            "agency_id": AGENCY,
            "ref": "AG-1",
            "name": "Agence",
            "timezone": "Europe/Paris",
        },
        envelope(),
    )
    for caregiver_id, first, last in (
        (CAMILLE, "Camille", "Martin"),
        (INES, "Inès", "Haddad"),
    ):
        directory.apply_caregiver_invited(
            db_session,
            {
                "caregiver_id": caregiver_id,
                "first_name": first,
                "last_name": last,
                "email": f"{first.lower()}@example.org",
                "ref": None,
            },
            envelope(),
        )
    db_session.commit()


@pytest.fixture
def october(db_session, schedule, agency):
    """Two ended shifts of Camille in October 2026: one to refuse, one to
    accept with km."""
    shift_ids = [
        schedule("2026-10-05T16:00:00+02:00", "2026-10-05T19:00:00+02:00"),
        schedule("2026-10-06T16:00:00+02:00", "2026-10-06T19:00:00+02:00"),
    ]
    return [
        db_session.scalars(select(Entry.id).where(Entry.shift_id == shift_id)).one()
        for shift_id in shift_ids
    ]


def decide(db_session, entry_id, decision):
    with at(LATE_OCTOBER):
        return months.decide(db_session, ME, CAMILLE, "2026-10", entry_id, decision)


class TestKilometres:
    @pytest.mark.parametrize(
        ("typed", "kept"),
        [
            ("12,5", "12.5"),
            ("12.5", "12.5"),
            (" 8 ", "8.0"),
            (7, "7.0"),
            ("1000", "1000.0"),
            (12.5, "12.5"),
            ("0", "0.0"),
        ],
    )
    def test_a_plain_number_with_one_decimal_at_most_is_kept_as_typed(
        self, db_session, october, typed, kept
    ):
        view = decide(db_session, october[1], {"status": "accepted", "km": typed})

        assert view["km"] == kept

    @pytest.mark.parametrize(
        "typed",
        [
            "1e3",
            "0.001",
            "12,35",
            "1.",
            ",5",
            "-1",
            "+3",
            "1 000",
            "12,5 km",
            "nan",
            "Infinity",
            1e3 / 7,
            "٣",
        ],
    )
    def test_anything_else_is_refused_with_an_example(self, db_session, october, typed):
        with pytest.raises(InvalidInput) as refused:
            decide(db_session, october[1], {"status": "accepted", "km": typed})

        assert refused.value.fields == {"km": KM_EXPECTED}

    def test_more_than_1000_km_is_refused(self, db_session, october):
        with pytest.raises(InvalidInput) as refused:
            decide(db_session, october[1], {"status": "accepted", "km": "1000,1"})

        assert refused.value.fields == {"km": "entre 0 et 1000 km"}

    def test_a_correction_follows_the_same_rule(self, db_session, sessions, october):
        with at("2026-11-01T08:00:00+00:00"):
            closing.close_now(sessions, STAFF, "2026-10")
        db_session.expire_all()

        with pytest.raises(InvalidInput) as refused:
            months.correct(
                db_session,
                STAFF,
                "2026-10",
                october[0],
                {"km": "1e3", "comment": "Vu."},
            )
        view = months.correct(
            db_session, STAFF, "2026-10", october[0], {"km": "4,2", "comment": "Vu."}
        )

        assert refused.value.fields == {"km": KM_EXPECTED}
        assert view["km"] == "4.2"


class TestDurations:
    @pytest.fixture
    def refused(self, db_session, october):
        refusal = {"status": "refused", "reason": "left_late", "declared_minutes": 200}
        decide(db_session, october[0], refusal)
        db_session.commit()
        return october[0]

    def test_a_settlement_over_a_day_says_24_h(self, db_session, refused):
        with pytest.raises(InvalidInput) as error:
            months.settle(
                db_session, STAFF, "2026-10", refused, {"minutes": 1441, "comment": "x"}
            )

        assert error.value.fields == {"minutes": DAY_LIMIT}

    def test_a_correction_over_a_day_says_24_h(self, db_session, sessions, refused):
        with at("2026-11-01T08:00:00+00:00"):
            closing.close_now(sessions, STAFF, "2026-10")
        db_session.expire_all()

        with pytest.raises(InvalidInput) as error:
            months.correct(
                db_session,
                STAFF,
                "2026-10",
                refused,
                {"counted_minutes": 1500, "comment": "Vu."},
            )

        assert error.value.fields == {"counted_minutes": DAY_LIMIT}

    @pytest.mark.parametrize(
        ("minutes", "why"),
        [
            (1441, DAY_LIMIT),
            (-5, "une durée ne peut pas être négative"),
            ("90", f"durée attendue en minutes entières, {DAY_LIMIT}"),
        ],
    )
    def test_a_declared_duration_says_what_is_wrong(
        self, db_session, october, minutes, why
    ):
        refusal = {
            "status": "refused",
            "reason": "left_late",
            "declared_minutes": minutes,
        }

        with pytest.raises(InvalidInput) as error:
            decide(db_session, october[0], refusal)

        assert error.value.fields == {"declared_minutes": why}

    def test_a_whole_day_is_accepted(self, db_session, refused):
        view = months.settle(
            db_session, STAFF, "2026-10", refused, {"minutes": 1440, "comment": "Nuit."}
        )

        assert view["counted_minutes"] == 1440


class TestTypedText:
    def test_a_comment_with_a_nul_is_refused(self, db_session, october):
        with pytest.raises(InvalidInput) as error:
            decide(
                db_session,
                october[0],
                {
                    "status": "refused",
                    "reason": "other",
                    "declared_minutes": 60,
                    "comment": "x\x00",
                },
            )

        assert error.value.fields == {"comment": "caractère nul interdit"}

    @pytest.mark.parametrize("actor", [ME, STAFF])
    def test_ids_with_a_nul_are_unknown(self, db_session, october, actor):
        with pytest.raises(NotFound):
            months.month_view(db_session, actor, "caregiver\x00", "2026-10")
        with pytest.raises(NotFound):
            months.entry_history(db_session, actor, CAMILLE, "entry\x00")

    def test_an_entry_id_with_a_nul_is_unknown_to_staff(self, db_session, october):
        with pytest.raises(NotFound):
            months.settle(db_session, STAFF, "2026-10", "entry\x00", {})

    @pytest.mark.parametrize("month", ["9999-12", "0001-01", "1999-12", "2101-01"])
    def test_a_month_of_another_age_names_its_years(self, db_session, agency, month):
        with pytest.raises(InvalidInput) as error:
            months.month_view(db_session, ME, CAMILLE, month)

        assert error.value.fields == {"month": "année attendue entre 2000 et 2100"}

    @pytest.mark.parametrize("month", ["2000-01", "2100-12"])
    def test_the_first_and_last_years_are_read(self, db_session, agency, month):
        view = months.month_view(db_session, ME, CAMILLE, month)

        assert view["days"] == []


class TestCaregiverMonth:
    @pytest.mark.parametrize("actor", [STAFF, ADMIN])
    def test_an_id_timesheets_never_heard_of_is_not_found(
        self, db_session, october, actor
    ):
        with pytest.raises(NotFound) as error:
            months.caregiver_month(db_session, actor, "caregiver-nobody", "2026-10")

        assert error.value.message == "Intervenante inconnue."

    def test_a_known_caregiver_without_entries_gets_her_empty_month(
        self, db_session, october
    ):
        view = months.caregiver_month(db_session, STAFF, INES, "2026-10")

        assert view["days"] == []
        assert (view["caregiver"]["first_name"], view["caregiver"]["last_name"]) == (
            "Inès",
            "Haddad",
        )

    def test_one_known_by_her_entries_only_gets_her_month(self, db_session, schedule):
        schedule("2026-10-05T16:00:00+02:00", "2026-10-05T19:00:00+02:00", "cg-late")

        view = months.caregiver_month(db_session, STAFF, "cg-late", "2026-10")

        assert view["totals"]["entries"] == 1


@pytest.fixture
def sessions(engine):
    return sessionmaker(bind=engine)


class TestEarlyClose:
    @pytest.fixture
    def graced(self, db_session, october):
        directory.set_settings(db_session, STAFF, {"grace_days": 5})
        db_session.commit()
        return october

    def test_the_history_names_the_staff_member_who_closed(
        self, db_session, sessions, graced
    ):
        with at("2026-11-02T08:00:00+00:00"):
            closing.close_now(sessions, STAFF, "2026-10")
        db_session.expire_all()

        last = history.rows(db_session, graced[0])[-1]
        assert last["action"] == "not_validated"
        assert (last["actor_id"], last["actor_role"]) == ("staff-1", "staff")

    def test_the_closing_job_is_still_the_author_at_the_deadline(
        self, db_session, sessions, graced
    ):
        with at("2026-11-05T23:00:00+00:00"):
            closing.close_due_months(sessions)
        db_session.expire_all()

        last = history.rows(db_session, graced[0])[-1]
        assert (last["actor_id"], last["actor_role"]) == (None, "system")

    def test_the_caregiver_is_told_the_agency_closed_it_that_day(
        self, db_session, sessions, graced
    ):
        with at("2026-11-02T23:30:00+00:00"):
            closing.close_now(sessions, STAFF, "2026-10")
        db_session.expire_all()

        with at("2026-11-03T08:00:00+00:00"), pytest.raises(Closed) as closed:
            decide_now(db_session, graced[1])

        assert closed.value.message.startswith(
            "Le mois d'octobre 2026 a été clos par l'agence le 03/11/2026"
        )
        assert "05/11/2026" not in closed.value.message

    def test_after_the_deadline_the_message_gives_the_deadline(
        self, db_session, sessions, graced
    ):
        with at("2026-11-06T08:00:00+00:00"), pytest.raises(Closed) as closed:
            decide_now(db_session, graced[1])

        assert closed.value.message == (
            "Le mois d'octobre 2026 est clos : ses heures pouvaient être validées "
            "jusqu'au 05/11/2026 à 23:59:59."
        )

    def test_closing_before_the_end_of_the_month_names_it_in_french(
        self, sessions, graced
    ):
        with at("2026-10-31T12:00:00+00:00"), pytest.raises(Conflict) as refused:
            closing.close_now(sessions, STAFF, "2026-10")

        assert "heures d'octobre 2026 jusqu'au" in refused.value.message

    def test_a_month_without_hours_names_it_in_french(self, sessions, graced):
        with at("2026-12-02T12:00:00+00:00"), pytest.raises(Conflict) as refused:
            closing.close_now(sessions, STAFF, "2026-11")

        assert refused.value.message.startswith("Aucune heure en novembre 2026 ")


def decide_now(db_session, entry_id):
    return months.decide(
        db_session, ME, CAMILLE, "2026-10", entry_id, {"status": "accepted"}
    )


@pytest.mark.parametrize(
    ("month", "label", "of"),
    [
        ("2026-03", "mars 2026", "de mars 2026"),
        ("2026-04", "avril 2026", "d'avril 2026"),
        ("2026-08", "août 2026", "d'août 2026"),
        ("2026-10", "octobre 2026", "d'octobre 2026"),
    ],
)
def test_months_are_written_in_french(month, label, of):
    assert (deadlines.month_label(month), deadlines.of_month(month)) == (label, of)
