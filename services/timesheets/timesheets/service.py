"""The timesheets nameko service: thin entrypoints over the rule modules.

RPC methods act for a person and take the ``actor`` dict first. Event
handlers keep the entries in step with planning's shifts and the local copy
of agencies and caregivers in step with identity, once per event. A timer
closes the months past their deadline and sends the month-end reminders.
"""

import logging

from nameko.dependency_providers import Config
from nameko.events import event_handler
from nameko.rpc import rpc

from extranet_common.db import ServiceDatabase, consume_event
from extranet_common.errors import EXPECTED_ERRORS
from extranet_common.health import Health
from extranet_common.parked import ParkedEvents
from extranet_common.rpc import TimedRpcProxy
from timesheets import closing, directory, export, months, reminders, shifts
from timesheets.models import MESSAGING, Base
from timesheets.timers import configured_timer

_log = logging.getLogger(__name__)

rpc = rpc(expected_exceptions=EXPECTED_ERRORS)

IDENTITY = "identity"
PLANNING = "planning"
JOBS_INTERVAL_CONFIG_KEY = "JOBS_INTERVAL"
DEFAULT_JOBS_INTERVAL = 30.0


class TimesheetsService(Health, ParkedEvents):
    name = "timesheets"

    config = Config()
    db = ServiceDatabase(Base, MESSAGING)
    notifications_rpc = TimedRpcProxy("notifications")

    @property
    def public_url(self) -> str:
        return str(self.config.get("PUBLIC_URL") or "http://127.0.0.1:8000")

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
    def entry_history(self, actor, caregiver_id, entry_id, month=None):
        with self.db.get_session() as session:
            return months.entry_history(session, actor, caregiver_id, entry_id, month)

    @rpc
    def agency_month(self, actor, month, agency_id=None):
        with self.db.get_session() as session:
            return months.agency_month(session, actor, month, agency_id)

    @rpc
    def caregiver_month(self, actor, caregiver_id, month):
        with self.db.get_session() as session:
            return months.caregiver_month(session, actor, caregiver_id, month)

    @rpc
    def agency_entry_history(self, actor, month, entry_id):
        with self.db.get_session() as session:
            return months.agency_entry_history(session, actor, month, entry_id)

    @rpc
    def settle(self, actor, month, entry_id, settlement):
        with self.db.get_session() as session:
            return months.settle(session, actor, month, entry_id, settlement)

    @rpc
    def correct(self, actor, month, entry_id, correction):
        with self.db.get_session() as session:
            return months.correct(session, actor, month, entry_id, correction)

    @rpc
    def close_month(self, actor, month):
        """Close the month now, during its grace period (staff, back-office)."""
        return closing.close_now(self.db.get_session, actor, month)

    @rpc
    def export_csv(self, actor, month, agency_id=None):
        with self.db.get_session() as session:
            return export.month_csv(session, actor, month, agency_id)

    @rpc
    def settings(self, actor, agency_id=None):
        with self.db.get_session() as session:
            return directory.settings(session, actor, agency_id)

    @rpc
    def set_settings(self, actor, settings, agency_id=None):
        with self.db.get_session() as session:
            return directory.set_settings(session, actor, settings, agency_id)

    @configured_timer(JOBS_INTERVAL_CONFIG_KEY, DEFAULT_JOBS_INTERVAL)
    def run_month_end_jobs(self):
        """Close the months past their deadline; send the reminders due."""
        try:
            closing.close_due_months(self.db.get_session)
        except Exception:
            _log.exception("closing months failed; next round tries again")
        try:
            reminders.send_due_reminders(
                self.db.get_session, self.notifications_rpc.send_email, self.public_url
            )
        except Exception:
            _log.exception("month-end reminders failed; next round tries again")

    @event_handler(PLANNING, "shift_scheduled")
    def handle_shift_scheduled(self, payload):
        self._consume(payload, "handle_shift_scheduled", shifts.apply_shift_scheduled)

    @event_handler(PLANNING, "shift_changed")
    def handle_shift_changed(self, payload):
        self._consume(payload, "handle_shift_changed", shifts.apply_shift_changed)

    @event_handler(PLANNING, "shift_cancelled")
    def handle_shift_cancelled(self, payload):
        self._consume(payload, "handle_shift_cancelled", shifts.apply_shift_cancelled)

    @event_handler(IDENTITY, "agency_created")
    def handle_agency_created(self, payload):
        self._consume(payload, "handle_agency_created", directory.apply_agency_created)

    @event_handler(IDENTITY, "caregiver_invited")
    def handle_caregiver_invited(self, payload):
        self._consume(
            payload, "handle_caregiver_invited", directory.apply_caregiver_invited
        )

    def _consume(self, payload, handler, apply):
        consume_event(self.db, MESSAGING, payload, f"{self.name}.{handler}", apply)
