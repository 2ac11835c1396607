"""The identity nameko service: thin RPC entrypoints over ``accounts``."""

import logging
from datetime import timedelta

from nameko.dependency_providers import Config
from nameko.rpc import rpc
from nameko.timer import timer

from extranet_common.db import ServiceDatabase
from extranet_common.errors import EXPECTED_ERRORS, NotFound
from extranet_common.health import Health
from extranet_common.rpc import TimedRpcProxy
from identity import accounts, mail
from identity.models import MESSAGING, Base

_log = logging.getLogger(__name__)

rpc = rpc(expected_exceptions=EXPECTED_ERRORS)


class IdentityService(Health):
    name = "identity"

    config = Config()
    db = ServiceDatabase(Base, MESSAGING)
    notifications_rpc = TimedRpcProxy("notifications")

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
        self, agency_id, first_name, last_name, email, phone=None, ref=None
    ):
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
        self._deliver()
        return outcome.result

    @rpc
    def list_caregivers(self, agency_id):
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
        self._deliver()
        return outcome.result

    @rpc
    def confirm(self, token):
        with self.db.get_session() as session:
            return accounts.confirm(session, token)

    @rpc
    def login(self, email, password):
        with self.db.get_session() as session:
            return accounts.login(session, self.settings, email, password)

    @rpc
    def authenticate(self, token):
        with self.db.get_session() as session:
            return accounts.authenticate(session, self.settings, token)

    @rpc
    def logout(self, token):
        with self.db.get_session() as session:
            accounts.logout(session, token)

    @rpc
    def request_password_reset(self, email):
        with self.db.get_session() as session:
            outcome = accounts.request_password_reset(session, self.settings, email)
            mail.queue(session, outcome.emails)
        self._deliver()

    @rpc
    def reset_password(self, token, password):
        with self.db.get_session() as session:
            outcome = accounts.reset_password(session, self.settings, token, password)
            mail.queue(session, outcome.emails)
        self._deliver()

    @timer(interval=5)
    def deliver_waiting_emails(self):
        """Retry the account emails that notifications could not take yet."""
        self._deliver()

    def _deliver(self) -> None:
        mail.deliver(self.db.get_session, self.notifications_rpc.send_email)
