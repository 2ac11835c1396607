"""The planning nameko service: thin RPC entrypoints over the planning rules.

Config: ``CALENDAR_UID_DOMAIN`` names the domain after the ``@`` of the
calendar feed's event UIDs (never change it once feeds are subscribed).
"""

import logging

from nameko.dependency_providers import Config
from nameko.events import event_handler
from nameko.rpc import rpc

from extranet_common import localtime
from extranet_common.db import ServiceDatabase, consume_event
from extranet_common.errors import EXPECTED_ERRORS, NotFound
from extranet_common.health import Health
from extranet_common.parked import ParkedEvents
from extranet_common.rpc import TimedRpcProxy
from planning import access, agencies, availability, families, feeds, shifts, views
from planning.models import MESSAGING, Base

_log = logging.getLogger(__name__)

rpc = rpc(expected_exceptions=EXPECTED_ERRORS)


class PlanningService(Health, ParkedEvents):
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
    def caregiver_planning(self, actor, caregiver_id, view, day, mark_seen=True):
        scope = access.reading_agency(actor, caregiver_id)
        if scope is not None:
            self._agency(scope)
        with self.db.get_session() as session:
            return views.caregiver_planning(
                session, actor, caregiver_id, view, day, mark_seen
            )

    @rpc
    def caregiver_shift(self, actor, reference):
        """One of her shifts by its id or reference (NotFound if not hers)."""
        with self.db.get_session() as session:
            return views.caregiver_shift(session, actor, reference)

    @rpc
    def renew_calendar_feed(self, actor):
        with self.db.get_session() as session:
            return feeds.renew_feed(session, actor)

    @rpc
    def my_calendar(self, actor):
        with self.db.get_session() as session:
            return feeds.my_calendar(session, actor, self._domain())

    @rpc
    def calendar_by_secret(self, secret):
        with self.db.get_session() as session:
            caregiver_id, agency_id = feeds.feed_owner(session, secret)
            return feeds.calendar_text(session, caregiver_id, agency_id, self._domain())

    @rpc
    def get_availability(self, actor, caregiver_id=None):
        caregiver_id = caregiver_id or actor.get("id")
        scope = access.reading_agency(actor, caregiver_id)
        if caregiver_id != actor.get("id") and actor.get("role") != "admin":
            self._check_caregiver_of(actor.get("agency_id"), caregiver_id)
        timezone = self._timezone(scope)
        with self.db.get_session() as session:
            return availability.get_availability(session, actor, caregiver_id, timezone)

    def _check_caregiver_of(self, agency_id, caregiver_id) -> None:
        """Staff may only read their own agency's caregivers (asks identity)."""
        caregivers = self.identity_rpc.list_caregivers(agency_id)
        if caregiver_id not in {caregiver["id"] for caregiver in caregivers}:
            raise NotFound("Intervenante inconnue dans votre agence.")

    @rpc
    def put_availability(self, actor, wanted):
        timezone = self._timezone(actor.get("agency_id"))
        with self.db.get_session() as session:
            return availability.put_availability(session, actor, wanted, timezone)

    @rpc
    def who_is_available(self, actor, start, end):
        agency_id = access.writable_agency(actor)
        agency = self._agency(agency_id)
        caregivers = self.identity_rpc.list_caregivers(agency_id)
        with self.db.get_session() as session:
            return availability.who_is_available(
                session, actor, caregivers, start, end, agency["timezone"]
            )

    @event_handler("identity", "agency_created")
    def handle_agency_created(self, payload):
        consume_event(
            self.db,
            MESSAGING,
            payload,
            "planning.handle_agency_created",
            agencies.apply_agency_created,
        )

    @event_handler("identity", "password_changed")
    def handle_password_changed(self, payload):
        consume_event(
            self.db,
            MESSAGING,
            payload,
            "planning.handle_password_changed",
            feeds.apply_password_changed,
        )

    def _domain(self) -> str:
        return self.config.get("CALENDAR_UID_DOMAIN") or feeds.DEFAULT_DOMAIN

    def _timezone(self, agency_id: str | None) -> str:
        if not agency_id:
            return localtime.DEFAULT_TIMEZONE
        return self._agency(agency_id)["timezone"]

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
