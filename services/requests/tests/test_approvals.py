"""Approving an unplanned intervention, on SQLite and PostgreSQL: the local
hours become instants in the agency's zone, planning is asked once per
request, and the approval is written once with its events."""

import json
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from nameko.testing.services import worker_factory
from nameko_sqlalchemy.database import Session as CommittingSession
from sqlalchemy.orm import sessionmaker

from agency_requests import agencies, approvals, threads
from agency_requests.models import MESSAGING, Agency
from agency_requests.service import RequestsService
from extranet_common import clock
from extranet_common.db import tune_engine
from extranet_common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from extranet_common.migrations import upgrade

MORNING = datetime(2026, 10, 22, 7, 0, tzinfo=UTC)
PARIS = "Europe/Paris"


def events(db_session, event_type):
    payloads = [json.loads(row.payload) for row in MESSAGING.pending(db_session)]
    return [p for p in payloads if p["event_type"] == event_type]


def unplanned(db_session, actor, day="2026-10-20", start="19:00", end="23:30"):
    with clock.frozen(MORNING):
        view = threads.submit(
            db_session,
            actor,
            "unplanned_intervention",
            "Garde du mardi soir",
            "J'ai gardé les enfants Durand.",
            {"date": day, "start": start, "end": end, "family": "Durand"},
        )
    db_session.commit()
    return view


def planned(shift, external_id="REQ-x"):
    """What planning's put_shift answers: the shift with its local times."""
    return {
        "id": "shift-1",
        "external_id": external_id,
        "start": shift["start"],
        "end": shift["end"],
        "created": True,
    }


def approve(db_session, actor, request_id, decision, timezone=PARIS):
    plan = approvals.prepare(db_session, actor, request_id, decision)
    if plan.done is not None:
        return plan.done
    shift = approvals.shift_for(plan, timezone)
    with clock.frozen(MORNING):
        view = approvals.record(db_session, actor, plan, planned(shift), timezone)
    db_session.commit()
    return view


def test_the_local_evening_becomes_utc_instants_of_the_agency(
    db_session, camille, staff
):
    request = unplanned(db_session, camille, "2026-10-20", "19:00", "23:30")

    plan = approvals.prepare(
        db_session, staff, request["id"], {"family_ref": "F-DURAND"}
    )
    shift = approvals.shift_for(plan, PARIS)

    assert plan.external_id == f"REQ-{request['id']}"
    assert shift["caregiver_id"] == camille["id"]
    assert shift["family_ref"] == "F-DURAND"
    assert (shift["start"], shift["end"]) == (
        "2026-10-20T17:00:00+00:00",
        "2026-10-20T21:30:00+00:00",
    )
    assert request["id"] in shift["notes"]


def test_an_intervention_past_midnight_ends_the_next_day(db_session, camille, staff):
    request = unplanned(db_session, camille, "2026-10-24", "22:00", "06:00")

    plan = approvals.prepare(db_session, staff, request["id"], {"family_ref": "F"})
    shift = approvals.shift_for(plan, PARIS)

    assert (shift["start"], shift["end"]) == (
        "2026-10-24T20:00:00+00:00",
        "2026-10-25T05:00:00+00:00",
    )


def test_a_skipped_local_hour_is_refused_clearly(db_session, camille, staff):
    request = unplanned(db_session, camille, "2026-03-29", "02:30", "05:00")
    plan = approvals.prepare(db_session, staff, request["id"], {"family_ref": "F"})

    with pytest.raises(InvalidInput) as error:
        approvals.shift_for(plan, PARIS)

    assert "n'existe pas" in error.value.fields["start"]
    assert "29/03/2026 à 02:30" in error.value.fields["start"]
    assert "end" not in error.value.fields


def test_a_repeated_local_hour_is_refused_clearly(db_session, camille, staff):
    request = unplanned(db_session, camille, "2026-10-25", "01:00", "02:30")
    plan = approvals.prepare(db_session, staff, request["id"], {"family_ref": "F"})

    with pytest.raises(InvalidInput) as error:
        approvals.shift_for(plan, PARIS)

    assert "existe deux fois" in error.value.fields["end"]


def test_staff_can_correct_the_hours_in_the_approval(db_session, camille, staff):
    request = unplanned(db_session, camille, "2026-03-29", "02:30", "05:00")

    plan = approvals.prepare(
        db_session, staff, request["id"], {"family_ref": "F", "start": "03:00"}
    )
    shift = approvals.shift_for(plan, PARIS)

    assert shift["start"] == "2026-03-29T01:00:00+00:00"


def test_submission_refuses_a_skipped_hour_when_the_zone_is_known(db_session, camille):
    with pytest.raises(InvalidInput) as error:
        threads.submit(
            db_session,
            camille,
            "unplanned_intervention",
            "Nuit",
            "Bonjour",
            {"date": "2026-03-29", "start": "02:15", "end": "04:00", "family": "D"},
            PARIS,
        )

    assert "n'existe pas" in error.value.fields["start"]


def test_approval_needs_a_family_ref_and_sane_fields(db_session, camille, staff):
    request = unplanned(db_session, camille)

    with pytest.raises(InvalidInput) as error:
        approvals.prepare(
            db_session,
            staff,
            request["id"],
            {"family_ref": " ", "car_transport": "oui", "start": "25:00"},
        )

    assert set(error.value.fields) == {"family_ref", "car_transport", "start"}


def test_record_answers_the_thread_and_publishes_both_events(
    db_session, camille, staff
):
    request = unplanned(db_session, camille)

    view = approve(db_session, staff, request["id"], {"family_ref": "F-DURAND"})

    assert view["status"] == "answered"
    assert view["messages"][-1]["author_role"] == "staff"
    assert view["messages"][-1]["body"] == (
        "Intervention approuvée : elle est ajoutée à votre planning le "
        "20/10/2026 de 19:00 à 23:30."
    )
    assert view["approval"]["shift_external_id"] == f"REQ-{request['id']}"
    assert view["approval"]["date"] == "2026-10-20"
    (approved,) = events(db_session, "unplanned_intervention_approved")
    assert approved["agency_id"] == camille["agency_id"]
    assert approved["data"] == {
        "request_id": request["id"],
        "caregiver_id": camille["id"],
        "shift_external_id": f"REQ-{request['id']}",
        "shift_id": "shift-1",
        "date": "2026-10-20",
        "start": "2026-10-20T17:00:00+00:00",
        "end": "2026-10-20T21:30:00+00:00",
    }
    assert len(events(db_session, "request_answered")) == 1


def test_approving_twice_records_once_and_answers_the_same(db_session, camille, staff):
    request = unplanned(db_session, camille)
    first = approve(
        db_session, staff, request["id"], {"family_ref": "F", "message": "OK !"}
    )

    again = approve(db_session, staff, request["id"], {"family_ref": "OTHER"})

    assert again == first
    assert [m["body"] for m in again["messages"]][-1] == "OK !"
    assert len(events(db_session, "unplanned_intervention_approved")) == 1


def test_a_concurrent_approval_recorded_first_stands(db_session, camille, staff):
    request = unplanned(db_session, camille)
    plan = approvals.prepare(db_session, staff, request["id"], {"family_ref": "F"})
    shift = approvals.shift_for(plan, PARIS)
    first = approvals.record(db_session, staff, plan, planned(shift), PARIS)
    db_session.commit()

    second = approvals.record(db_session, staff, plan, planned(shift), PARIS)

    assert second["approval"] == first["approval"]
    assert len(second["messages"]) == 2
    assert len(events(db_session, "unplanned_intervention_approved")) == 1


def test_close_on_approval_closes_the_request(db_session, camille, staff):
    request = unplanned(db_session, camille)

    view = approve(db_session, staff, request["id"], {"family_ref": "F", "close": 1})

    assert view["status"] == "closed"


def test_only_unplanned_interventions_are_approved(db_session, camille, staff):
    with clock.frozen(MORNING):
        request = threads.submit(db_session, camille, "pay", "Paie", "Bonjour")

    with pytest.raises(Conflict):
        approvals.prepare(db_session, staff, request["id"], {"family_ref": "F"})


def test_who_may_not_approve(db_session, camille, staff, other_staff):
    request = unplanned(db_session, camille)

    with pytest.raises(PermissionDenied):
        approvals.prepare(db_session, camille, request["id"], {"family_ref": "F"})
    with pytest.raises(NotFound):
        approvals.prepare(db_session, other_staff, request["id"], {"family_ref": "F"})


def test_agency_created_fills_the_local_copy(db_session):
    agency_id = str(uuid.uuid4())

    with clock.frozen(MORNING):
        agencies.agency_created(
            db_session,
            {
                "agency_id": agency_id,
                "ref": "NY",
                "name": "Manhattan",
                "timezone": "America/New_York",
            },
            {},
        )
    db_session.commit()

    assert agencies.timezone_of(db_session, agency_id) == "America/New_York"
    assert db_session.get(Agency, agency_id).name == "Manhattan"


class FakePlanning:
    """Planning's put_shift, idempotent on the external id as planning is."""

    def __init__(self):
        self.shifts = {}
        self.calls = 0

    def put_shift(self, actor, external_id, shift, agency_id=None):
        self.calls += 1
        created = external_id not in self.shifts
        self.shifts[external_id] = shift
        return {**planned(shift, external_id), "created": created}


class FakeIdentity:
    def __init__(self):
        self.calls = 0

    def get_agency(self, agency_id):
        self.calls += 1
        return {"id": agency_id, "ref": "LY", "name": "Lyon", "timezone": PARIS}


class FakeDatabase:
    def __init__(self, get_session):
        self.get_session = get_session


@pytest.fixture
def service(database_url):
    upgrade(database_url, "agency_requests")
    engine = sa.create_engine(database_url)
    tune_engine(engine)
    maker = sessionmaker(bind=engine, class_=CommittingSession)
    yield worker_factory(
        RequestsService,
        db=FakeDatabase(lambda: maker(close_on_exit=True)),
        planning_rpc=FakePlanning(),
        identity_rpc=FakeIdentity(),
    )
    engine.dispose()


def test_the_service_asks_planning_once_and_identity_once(service, camille, staff):
    with clock.frozen(MORNING):
        request = service.submit(
            camille,
            "unplanned_intervention",
            "Mardi",
            "Bonjour",
            {"date": "2026-10-20", "start": "19:00", "end": "21:00", "family": "D"},
        )

        first = service.approve(staff, request["id"], {"family_ref": "F"})
        again = service.approve(staff, request["id"], {"family_ref": "F"})

    assert first == again
    assert service.planning_rpc.calls == 1
    assert service.identity_rpc.calls == 1
    (shift,) = service.planning_rpc.shifts.values()
    assert shift["start"] == "2026-10-20T17:00:00+00:00"
