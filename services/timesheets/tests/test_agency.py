"""The agency's side: a caregiver's month, settling refusals, the history,
the payroll export, the grace period setting and the timer entrypoint
(SQLite, PostgreSQL)."""

import csv
import io
import json
import uuid
from datetime import datetime

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select

from extranet_common import clock
from extranet_common.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from timesheets import directory, export, months
from timesheets.models import MESSAGING, Entry
from timesheets.service import TimesheetsService

AGENCY = "agency-1"
CAMILLE = "caregiver-camille"
ME = {"id": CAMILLE, "role": "caregiver", "agency_id": AGENCY}
STAFF = {"id": "staff-1", "role": "staff", "agency_id": AGENCY}
OTHER_STAFF = {"id": "staff-9", "role": "staff", "agency_id": "agency-2"}
BACKOFFICE = {"id": "key-1", "role": "backoffice", "agency_id": AGENCY}
LATE_OCTOBER = datetime.fromisoformat("2026-10-30T12:00:00+00:00")
REFUSAL = {
    "status": "refused",
    "reason": "left_late",
    "declared_minutes": 240,
    "comment": "La maman est rentrée à 20h.",
}


def published(db_session, event_type):
    return [
        json.loads(row.payload)
        for row in MESSAGING.pending(db_session)
        if row.event_type == event_type
    ]


@pytest.fixture
def october(db_session, schedule):
    """Camille, known from identity's event, with one refused and one
    accepted entry in October 2026."""
    directory.apply_caregiver_invited(
        db_session,
        {
            "caregiver_id": CAMILLE,
            "first_name": "=Camille",
            "last_name": "Martin",
            "email": "camille@example.org",
            "ref": "CG-001",
        },
        {"event_id": str(uuid.uuid4()), "agency_id": AGENCY},
    )
    ids = [
        schedule("2026-10-05T16:00:00+02:00", "2026-10-05T19:00:00+02:00"),
        schedule("2026-10-24T20:00:00+02:00", "2026-10-25T04:00:00+01:00"),
    ]
    refused, night = (
        db_session.scalars(select(Entry.id).where(Entry.shift_id == shift_id)).one()
        for shift_id in ids
    )
    with clock.frozen(LATE_OCTOBER):
        months.decide(db_session, ME, CAMILLE, "2026-10", refused, REFUSAL)
        months.decide(
            db_session,
            ME,
            CAMILLE,
            "2026-10",
            night,
            {"status": "accepted", "km": "12.5"},
        )
    db_session.commit()
    return {"refused": refused, "night": night}


class TestSettle:
    def test_staff_accept_the_declared_minutes(self, db_session, october):
        with clock.frozen(LATE_OCTOBER):
            view = months.settle(db_session, STAFF, "2026-10", october["refused"], {})

        assert view["status"] == "settled"
        assert view["counted_minutes"] == 240
        assert view["reason"] == "left_late"
        (event,) = published(db_session, "entry_corrected")
        assert event["data"]["action"] == "settled"
        assert event["data"]["month_closed"] is False

    def test_other_minutes_need_a_comment(self, db_session, october):
        with pytest.raises(InvalidInput) as error:
            months.settle(
                db_session, STAFF, "2026-10", october["refused"], {"minutes": 200}
            )

        assert "comment" in error.value.fields

    def test_other_minutes_with_a_comment_are_counted(self, db_session, october):
        with clock.frozen(LATE_OCTOBER):
            months.settle(
                db_session,
                STAFF,
                "2026-10",
                october["refused"],
                {"minutes": 210, "comment": "La famille confirme 19h30."},
            )
            month = months.agency_month(db_session, STAFF, "2026-10")

        (row,) = month["caregivers"]
        assert row["caregiver"]["first_name"] == "=Camille"
        assert row["refused"][0]["settled"] is True
        assert row["refused"][0]["counted_minutes"] == 210
        assert row["totals"]["counted_minutes"] == 210 + 540

    def test_the_caregiver_cannot_change_a_settled_entry(self, db_session, october):
        with clock.frozen(LATE_OCTOBER):
            months.settle(db_session, STAFF, "2026-10", october["refused"], {})

            with pytest.raises(Conflict):
                months.decide(
                    db_session,
                    ME,
                    CAMILLE,
                    "2026-10",
                    october["refused"],
                    {"status": "accepted"},
                )
            view = months.accept_all(db_session, ME, CAMILLE, "2026-10")

        assert view["totals"]["settled"] == 1

    def test_only_a_refusal_is_settled(self, db_session, october):
        with pytest.raises(Conflict):
            months.settle(db_session, STAFF, "2026-10", october["night"], {})

    @pytest.mark.parametrize(
        "actor, error",
        [
            (OTHER_STAFF, NotFound),
            (BACKOFFICE, PermissionDenied),
            (ME, PermissionDenied),
        ],
    )
    def test_only_the_agencys_staff_settle(self, db_session, october, actor, error):
        with pytest.raises(error):
            months.settle(db_session, actor, "2026-10", october["refused"], {})


def test_staff_see_a_caregivers_month_with_her_name(db_session, october):
    with clock.frozen(LATE_OCTOBER):
        view = months.caregiver_month(db_session, STAFF, CAMILLE, "2026-10")

    assert view["caregiver"] == {
        "id": CAMILLE,
        "ref": "CG-001",
        "first_name": "=Camille",
        "last_name": "Martin",
    }
    assert view["totals"]["entries"] == 2
    with pytest.raises(PermissionDenied):
        months.caregiver_month(db_session, OTHER_STAFF, CAMILLE, "2026-10")
    with pytest.raises(PermissionDenied):
        months.caregiver_month(db_session, ME, CAMILLE, "2026-10")


def test_the_history_is_shown_to_her_and_to_staff(db_session, october):
    mine = months.entry_history(
        db_session, ME, CAMILLE, october["refused"], month="2026-10"
    )
    staff = months.agency_entry_history(
        db_session, STAFF, "2026-10", october["refused"]
    )

    assert mine == staff
    assert [row["action"] for row in mine] == ["created", "refused"]
    assert mine[1]["actor_id"] == CAMILLE
    assert mine[1]["before"]["status"] == "pending"
    assert mine[1]["after"]["declared_minutes"] == 240
    with pytest.raises(NotFound):
        months.entry_history(
            db_session, ME, CAMILLE, october["refused"], month="2026-11"
        )
    with pytest.raises(NotFound):
        months.agency_entry_history(
            db_session, OTHER_STAFF | {"agency_id": AGENCY}, "2026-11", "nope"
        )


def test_the_export_has_one_line_per_entry_for_payroll(db_session, october):
    text = export.month_csv(db_session, STAFF, "2026-10")

    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == list(export.COLUMNS)
    assert rows[1:] == [
        [
            "CG-001",
            "'=Camille Martin",
            "2026-10-05",
            "2026-10-05 16:00",
            "2026-10-05 19:00",
            "180",
            "240",
            "refused",
            "left_late",
            "",
            october["refused"],
        ],
        [
            "CG-001",
            "'=Camille Martin",
            "2026-10-24",
            "2026-10-24 20:00",
            "2026-10-25 04:00",
            "540",
            "540",
            "accepted",
            "",
            "12.5",
            october["night"],
        ],
    ]
    with pytest.raises(PermissionDenied):
        export.month_csv(db_session, ME, "2026-10")


def test_settings_are_read_and_set_by_staff_only(db_session):
    before = directory.settings(db_session, STAFF)
    after = directory.set_settings(db_session, STAFF, {"grace_days": 3})

    assert before["grace_days"] == 0
    assert after == {
        "agency_id": AGENCY,
        "timezone": "Europe/Paris",
        "grace_days": 3,
        "max_grace_days": 10,
    }
    with pytest.raises(PermissionDenied):
        directory.set_settings(db_session, ME, {"grace_days": 1})
    with pytest.raises(PermissionDenied):
        directory.set_settings(db_session, BACKOFFICE, {"grace_days": 1})


def test_an_agency_created_later_keeps_its_grace_period(db_session):
    directory.set_settings(db_session, STAFF, {"grace_days": 2})
    db_session.commit()

    directory.apply_agency_created(
        db_session,
        {"agency_id": AGENCY, "ref": "AG", "name": "Agence", "timezone": "Asia/Tokyo"},
        {"event_id": str(uuid.uuid4()), "agency_id": AGENCY},
    )

    view = directory.settings(db_session, STAFF)
    assert (view["grace_days"], view["timezone"]) == (2, "Asia/Tokyo")


def test_the_timer_closes_and_reminds_through_the_service(db, shift_event):
    service = worker_factory(
        TimesheetsService, db=db, config={"PUBLIC_URL": "https://x.example.org"}
    )
    service.handle_caregiver_invited(
        {
            "event_id": str(uuid.uuid4()),
            "event_type": "caregiver_invited",
            "agency_id": AGENCY,
            "data": {
                "caregiver_id": CAMILLE,
                "first_name": "Camille",
                "last_name": "Martin",
                "email": "camille@example.org",
                "ref": None,
            },
        }
    )
    service.handle_shift_scheduled(
        shift_event(
            "shift_scheduled",
            str(uuid.uuid4()),
            "2026-03-10T08:00:00+01:00",
            "2026-03-10T12:00:00+01:00",
        )
    )

    with clock.frozen(datetime.fromisoformat("2026-03-30T08:00:00+00:00")):
        service.run_month_end_jobs()
        service.run_month_end_jobs()
    with clock.frozen(datetime.fromisoformat("2026-04-01T08:00:00+00:00")):
        service.run_month_end_jobs()
        view = service.month(ME, CAMILLE, "2026-03")

    service.notifications_rpc.send_email.assert_called_once()
    template, to, context = service.notifications_rpc.send_email.call_args.args
    assert (template, to) == ("month_end_reminder", "camille@example.org")
    assert context["link"] == "https://x.example.org/heures/2026-03"
    assert view["status"] == "closed"
    assert view["closed_at"] == "2026-04-01T08:00:00+00:00"
    assert view["totals"]["not_validated"] == 1
