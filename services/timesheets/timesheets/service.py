"""The timesheets nameko service: thin entrypoints over ``months`` and ``shifts``.

RPC methods act for a person and take the ``actor`` dict first. Event
handlers keep the entries in step with planning's shifts, once per event.
"""

import logging

from nameko.dependency_providers import Config
from nameko.events import event_handler
from nameko.rpc import rpc

from extranet_common.db import ServiceDatabase, consume_event
from extranet_common.errors import EXPECTED_ERRORS
from extranet_common.health import Health
from timesheets import months, shifts
from timesheets.models import MESSAGING, Base

_log = logging.getLogger(__name__)

rpc = rpc(expected_exceptions=EXPECTED_ERRORS)

PLANNING = "planning"


class TimesheetsService(Health):
    name = "timesheets"

    config = Config()
    db = ServiceDatabase(Base, MESSAGING)

    @rpc
    def reasons(self):
        return months.reasons()

    @rpc
    def month(self, actor, caregiver_id, month):
        with self.db.get_session() as session:
            return months.month_view(session, actor, caregiver_id, month)

    @rpc
    def decide(self, actor, caregiver_id, month, entry_id, decision):
        with self.db.get_session() as session:
            return months.decide(
                session, actor, caregiver_id, month, entry_id, decision
            )

    @rpc
    def accept_all(self, actor, caregiver_id, month, confirm=False):
        with self.db.get_session() as session:
            return months.accept_all(session, actor, caregiver_id, month, confirm)

    @rpc
    def agency_month(self, actor, month, agency_id=None):
        with self.db.get_session() as session:
            return months.agency_month(session, actor, month, agency_id)

    @rpc
    def entry_history(self, actor, caregiver_id, entry_id):
        with self.db.get_session() as session:
            return months.entry_history(session, actor, caregiver_id, entry_id)

    @event_handler(PLANNING, "shift_scheduled")
    def handle_shift_scheduled(self, payload):
        self._consume(payload, "handle_shift_scheduled", shifts.apply_shift_scheduled)

    @event_handler(PLANNING, "shift_changed")
    def handle_shift_changed(self, payload):
        self._consume(payload, "handle_shift_changed", shifts.apply_shift_changed)

    @event_handler(PLANNING, "shift_cancelled")
    def handle_shift_cancelled(self, payload):
        self._consume(payload, "handle_shift_cancelled", shifts.apply_shift_cancelled)

    def _consume(self, payload, handler, apply):
        consume_event(self.db, MESSAGING, payload, f"{self.name}.{handler}", apply)
