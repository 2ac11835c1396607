"""The planning nameko service: thin RPC entrypoints over the planning rules."""

import logging

from nameko.dependency_providers import Config
from nameko.events import event_handler
from nameko.rpc import rpc

from extranet_common.db import ServiceDatabase, consume_event
from extranet_common.errors import EXPECTED_ERRORS
from extranet_common.health import Health
from extranet_common.rpc import TimedRpcProxy
from planning import access, agencies, families, shifts, views
from planning.models import MESSAGING, Base

_log = logging.getLogger(__name__)

rpc = rpc(expected_exceptions=EXPECTED_ERRORS)


class PlanningService(Health):
    name = "planning"

    config = Config()
    db = ServiceDatabase(Base, MESSAGING)
    identity_rpc = TimedRpcProxy("identity")

    @rpc
    def import_families_csv(self, actor, csv_text, agency_id=None):
        agency_id = access.writable_agency(actor, agency_id)
        self._agency(agency_id)
        with self.db.get_session() as session:
            return families.import_families_csv(session, actor, csv_text, agency_id)

    @rpc
    def list_families(self, actor, agency_id=None):
        agency_id = access.writable_agency(actor, agency_id)
        with self.db.get_session() as session:
            found = families.by_ref(session, agency_id)
            return [families.family_view(found[ref]) for ref in sorted(found)]

    @rpc
    def import_shifts_csv(self, actor, csv_text, agency_id=None):
        agency_id = access.writable_agency(actor, agency_id)
        agency = self._agency(agency_id)
        emails = shifts.caregiver_emails(csv_text)
        caregiver_ids = (
            self.identity_rpc.resolve_caregivers(agency_id, emails) if emails else {}
        )
        with self.db.get_session() as session:
            return shifts.import_shifts_csv(
                session, actor, csv_text, caregiver_ids, agency["timezone"], agency_id
            )

    @rpc
    def put_shift(self, actor, external_id, shift, agency_id=None):
        agency_id = access.writable_agency(actor, agency_id)
        self._agency(agency_id)
        caregivers = {
            caregiver["id"]
            for caregiver in self.identity_rpc.list_caregivers(agency_id)
        }
        with self.db.get_session() as session:
            return shifts.put_shift(
                session, actor, external_id, shift, caregivers, agency_id
            )

    @rpc
    def cancel_shift(self, actor, external_id, agency_id=None):
        agency_id = access.writable_agency(actor, agency_id)
        self._agency(agency_id)
        with self.db.get_session() as session:
            return shifts.cancel_shift(session, actor, external_id, agency_id)

    @rpc
    def caregiver_planning(self, actor, caregiver_id, view, day):
        scope = access.reading_agency(actor, caregiver_id)
        if scope is not None:
            self._agency(scope)
        with self.db.get_session() as session:
            return views.caregiver_planning(session, actor, caregiver_id, view, day)

    @event_handler("identity", "agency_created")
    def handle_agency_created(self, payload):
        consume_event(
            self.db,
            MESSAGING,
            payload,
            "planning.handle_agency_created",
            agencies.apply_agency_created,
        )

    def _agency(self, agency_id: str) -> dict:
        """The local copy of an agency, asked of identity the first time."""
        with self.db.get_session() as session:
            known = agencies.find(session, agency_id)
        if known is not None:
            return known

        _log.info("asking identity for agency %s", agency_id)
        data = self.identity_rpc.get_agency(agency_id)
        with self.db.get_session() as session:
            return agencies.remember(session, data)
