"""The identity nameko service: thin RPC entrypoints over ``accounts``.

Calls made for a person carry ``actor`` first (``{"id", "role",
"agency_id"}``, from the gateway) and are checked here again. A few calls
serve other services and operators and take no actor: ``create_agency``,
``create_staff`` (operators' setup), ``get_agency``, ``list_caregivers`` and
``resolve_caregivers`` (planning); the bus is not open to the public.

Emails are never handed to notifications inside a call: they are queued in
``outgoing_emails`` with the change, and the call asks for delivery
asynchronously (a message to its own ``deliver_waiting_emails``) before it
returns, whatever happened, so an answer takes the same time whether or not
it queued an email. A timer delivers what is left.
"""

import logging
from datetime import timedelta

from nameko.dependency_providers import Config
from nameko.rpc import rpc
from nameko.timer import timer

from extranet_common.db import ServiceDatabase
from extranet_common.errors import EXPECTED_ERRORS, NotFound
from extranet_common.health import Health
from extranet_common.parked import ParkedEvents
from extranet_common.rpc import TimedRpcProxy
from identity import access, accounts, apikeys, mail, passwords, throttle
from identity.models import MESSAGING, Base

_log = logging.getLogger(__name__)

rpc = rpc(expected_exceptions=EXPECTED_ERRORS)


class IdentityService(Health, ParkedEvents):
    name = "identity"

    config = Config()
    db = ServiceDatabase(Base, MESSAGING)
    notifications_rpc = TimedRpcProxy("notifications")
    identity_rpc = TimedRpcProxy("identity")

    @property
    def settings(self) -> accounts.Settings:
        config = self.config
        return accounts.Settings(
            public_url=str(config.get("PUBLIC_URL", "http://127.0.0.1:8000")),
            bcrypt_rounds=int(config.get("BCRYPT_ROUNDS", 12)),
            session_idle=timedelta(
                minutes=int(config.get("SESSION_IDLE_MINUTES", 120))
            ),
            session_absolute=timedelta(
                hours=int(config.get("SESSION_ABSOLUTE_HOURS", 12))
            ),
        )

    @rpc
    def create_agency(self, ref, name, timezone, email=None):
        with self.db.get_session() as session:
            return accounts.create_agency(session, ref, name, timezone, email)

    @rpc
    def get_agency(self, agency_id):
        with self.db.get_session() as session:
            agency = session.get(accounts.Agency, agency_id)
            if agency is None:
                raise NotFound("Agence inconnue.")
            return accounts.agency_view(agency)

    @rpc
    def create_staff(
        self, agency_id, email, first_name, last_name, password, role="staff"
    ):
        with self.db.get_session() as session:
            return accounts.create_staff(
                session,
                self.settings,
                agency_id,
                email,
                first_name,
                last_name,
                password,
                role,
            )

    @rpc
    def invite_caregiver(
        self, actor, first_name, last_name, email, phone=None, ref=None
    ):
        agency_id = access.agency_of(actor)
        with self.db.get_session() as session:
            outcome = accounts.invite_caregiver(
                session,
                self.settings,
                agency_id,
                first_name,
                last_name,
                email,
                phone,
                ref,
            )
            mail.queue(session, outcome.emails)
        self._deliver_soon()
        return outcome.result

    @rpc
    def agency_caregivers(self, actor):
        """The caregivers of the actor's own agency."""
        agency_id = access.agency_of(actor)
        with self.db.get_session() as session:
            return accounts.list_caregivers(session, agency_id)

    @rpc
    def list_caregivers(self, agency_id):
        """For other services (planning): the caregivers of an agency."""
        with self.db.get_session() as session:
            return accounts.list_caregivers(session, agency_id)

    @rpc
    def resolve_caregivers(self, agency_id, emails):
        with self.db.get_session() as session:
            return accounts.resolve_caregivers(session, agency_id, emails)

    @rpc
    def register(self, first_name, last_name, email, password):
        with self.db.get_session() as session:
            outcome = accounts.register(
                session, self.settings, first_name, last_name, email, password
            )
            mail.queue(session, outcome.emails)
        self._deliver_soon()
        return outcome.result

    @rpc
    def invitation(self, token):
        """Names and email an invitation link was sent for (not used up)."""
        with self.db.get_session() as session:
            return accounts.invitation(session, token)

    @rpc
    def confirm(self, token, password):
        with self.db.get_session() as session:
            return accounts.confirm(session, self.settings, token, password)

    @rpc
    def password_rules(self):
        return passwords.rules()

    @rpc
    def login(self, email, password, client_address=None):
        with self.db.get_session() as session:
            return accounts.login(
                session, self.settings, email, password, client_address
            )

    @rpc
    def authenticate(self, token):
        with self.db.get_session() as session:
            return accounts.authenticate(session, self.settings, token)

    @rpc
    def logout(self, token):
        with self.db.get_session() as session:
            accounts.logout(session, token)

    @rpc
    def change_password(
        self, actor, token, current_password, new_password, client_address=None
    ):
        with self.db.get_session() as session:
            outcome = accounts.change_password(
                session,
                self.settings,
                actor,
                token,
                current_password,
                new_password,
                client_address,
            )
            mail.queue(session, outcome.emails)
        self._deliver_soon()

    @rpc
    def request_password_reset(self, email):
        with self.db.get_session() as session:
            outcome = accounts.request_password_reset(session, self.settings, email)
            mail.queue(session, outcome.emails)
        self._deliver_soon()

    @rpc
    def reset_password(self, token, password):
        with self.db.get_session() as session:
            outcome = accounts.reset_password(session, self.settings, token, password)
            mail.queue(session, outcome.emails)
        self._deliver_soon()

    @rpc
    def create_api_key(self, actor, name):
        agency_id = access.staff_agency_of(actor)
        with self.db.get_session() as session:
            return apikeys.create(session, agency_id, actor["id"], name)

    @rpc
    def list_api_keys(self, actor):
        agency_id = access.staff_agency_of(actor)
        with self.db.get_session() as session:
            return apikeys.list_for(session, agency_id)

    @rpc
    def revoke_api_key(self, actor, key_id):
        agency_id = access.staff_agency_of(actor)
        with self.db.get_session() as session:
            return apikeys.revoke(session, agency_id, key_id)

    @rpc
    def deliver_waiting_emails(self):
        """Hand the queued account emails to notifications (asked after each
        call that queued one, and by the timer)."""
        self._deliver()

    @timer(interval=5)
    def deliver_on_timer(self):
        """Retry the account emails that notifications could not take yet."""
        self._deliver()

    @timer(interval=3600)
    def forget_old_throttles(self):
        with self.db.get_session() as session:
            throttle.forget_old(session)

    def _deliver_soon(self) -> None:
        try:
            self.identity_rpc.deliver_waiting_emails.call_async()
        except Exception:  # noqa: BLE001 - the timer delivers it anyway
            _log.warning("could not ask for email delivery; the timer will")

    def _deliver(self) -> None:
        mail.deliver(self.db.get_session, self.notifications_rpc.send_email)
