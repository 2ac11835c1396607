"""The requests nameko service: thin RPC entrypoints over ``threads`` and
``approvals``, and the local copy of agencies."""

import logging

from nameko.dependency_providers import Config
from nameko.events import event_handler
from nameko.rpc import rpc

from agency_requests import agencies, approvals, threads
from agency_requests.models import (
    MESSAGING,
    PLANNING_CHANGE,
    UNPLANNED_INTERVENTION,
    Base,
)
from extranet_common.db import ServiceDatabase, consume_event
from extranet_common.errors import (
    EXPECTED_ERRORS,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from extranet_common.health import Health
from extranet_common.parked import ParkedEvents
from extranet_common.rpc import TimedRpcProxy

_log = logging.getLogger(__name__)

rpc = rpc(expected_exceptions=EXPECTED_ERRORS)


class RequestsService(Health, ParkedEvents):
    name = "requests"

    config = Config()
    db = ServiceDatabase(Base, MESSAGING)
    identity_rpc = TimedRpcProxy("identity")
    planning_rpc = TimedRpcProxy("planning")

    @rpc
    def submit(self, actor, category, subject, body, details=None):
        shift = None
        if category == PLANNING_CHANGE:
            shift = self._her_shift(actor, details)
        with self.db.get_session() as session:
            timezone = None
            if category == UNPLANNED_INTERVENTION and isinstance(actor, dict):
                timezone = agencies.timezone_of(session, actor.get("agency_id"))
            return threads.submit(
                session, actor, category, subject, body, details, timezone, shift
            )

    def _her_shift(self, actor, details) -> dict | None:
        """The shift a planning change names, as planning finds it among
        hers ({} when it is not hers); None when no reference was given."""
        reference = details.get("shift_id") if isinstance(details, dict) else None
        if not isinstance(reference, str) or not reference.strip():
            return None
        try:
            return self.planning_rpc.caregiver_shift(actor, reference)
        except (NotFound, InvalidInput, PermissionDenied):
            return {}

    @rpc
    def list_mine(self, actor):
        with self.db.get_session() as session:
            return threads.list_mine(session, actor)

    @rpc
    def get(self, actor, request_id):
        with self.db.get_session() as session:
            return threads.get(session, actor, request_id)

    @rpc
    def add_message(self, actor, request_id, body):
        with self.db.get_session() as session:
            return threads.add_message(session, actor, request_id, body)

    @rpc
    def list_for_agency(self, actor, status=None, category=None):
        with self.db.get_session() as session:
            return threads.list_for_agency(session, actor, status, category)

    @rpc
    def reply(self, actor, request_id, body, close=False):
        with self.db.get_session() as session:
            return threads.reply(session, actor, request_id, body, close)

    @rpc
    def close(self, actor, request_id):
        with self.db.get_session() as session:
            return threads.close(session, actor, request_id)

    @rpc
    def approve(self, actor, request_id, decision):
        with self.db.get_session() as session:
            plan = approvals.prepare(session, actor, request_id, decision)
        if plan.done is not None:
            return plan.done

        timezone = self._timezone(plan.agency_id)
        shift = approvals.shift_for(plan, timezone)
        placed = self.planning_rpc.put_shift(
            actor, plan.external_id, shift, plan.agency_id
        )
        with self.db.get_session() as session:
            return approvals.record(session, actor, plan, placed, timezone)

    @event_handler("identity", "agency_created")
    def handle_agency_created(self, payload):
        consume_event(
            self.db,
            MESSAGING,
            payload,
            "requests.handle_agency_created",
            agencies.agency_created,
        )

    def _timezone(self, agency_id: str) -> str:
        """The agency's time zone, asked of identity the first time."""
        with self.db.get_session() as session:
            known = agencies.timezone_of(session, agency_id)
        if known is not None:
            return known

        _log.info("asking identity for agency %s", agency_id)
        agency = self.identity_rpc.get_agency(agency_id)
        with self.db.get_session() as session:
            return agencies.remember(
                session,
                agency["id"],
                agency.get("ref"),
                agency["name"],
                agency["timezone"],
            )
