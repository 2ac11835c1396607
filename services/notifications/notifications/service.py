"""The notifications nameko service: emails, news, documents and email
preferences, thin entrypoints.

Config: ``DOCUMENTS_DIR`` (where document files live, default
``data/documents``) and ``DOCUMENT_MAX_BYTES`` (10 MiB by default), besides
the mail settings of :mod:`notifications.emails`.
"""

import logging
from functools import partial

from nameko.dependency_providers import Config
from nameko.events import event_handler
from nameko.rpc import rpc

from extranet_common.db import ServiceDatabase, consume_event
from extranet_common.errors import EXPECTED_ERRORS
from extranet_common.health import Health
from extranet_common.parked import ParkedEvents
from notifications import (
    directory,
    documents,
    emails,
    mailings,
    news,
    planning_mails,
    preferences,
)
from notifications.models import AGENCY_SCOPE, MESSAGING, Base

_log = logging.getLogger(__name__)

rpc = rpc(expected_exceptions=EXPECTED_ERRORS)


class NotificationsService(Health, ParkedEvents):
    name = "notifications"

    config = Config()
    db = ServiceDatabase(Base, MESSAGING)

    @property
    def mail_settings(self) -> emails.MailSettings:
        return emails.MailSettings.from_config(self.config)

    @property
    def document_store(self) -> documents.DocumentStore:
        return documents.DocumentStore.from_config(self.config)

    @property
    def public_url(self) -> str:
        return str(self.config.get("PUBLIC_URL") or "http://127.0.0.1:8000")

    @rpc
    def send_email(self, template, to, context):
        return emails.send(template, to, context, self.mail_settings)

    @rpc
    def publish_news(self, actor, title, body, scope=AGENCY_SCOPE):
        with self.db.get_session() as session:
            return news.publish_news(session, actor, title, body, scope)

    @rpc
    def withdraw_news(self, actor, news_id):
        with self.db.get_session() as session:
            news.withdraw_news(session, actor, news_id)

    @rpc
    def list_news(self, actor, page=1, per_page=20):
        with self.db.get_session() as session:
            return news.list_news(session, actor, page, per_page)

    @rpc
    def get_news(self, actor, news_id):
        with self.db.get_session() as session:
            return news.get_news(session, actor, news_id)

    @rpc
    def mark_news_read(self, actor, news_id):
        with self.db.get_session() as session:
            return news.mark_news_read(session, actor, news_id)

    @rpc
    def mark_all_news_read(self, actor):
        with self.db.get_session() as session:
            return news.mark_all_news_read(session, actor)

    @rpc
    def publish_document(
        self,
        actor,
        upload,
        doc_type,
        period=None,
        caregiver_id=None,
        all_caregivers=False,
    ):
        store = self.document_store
        document_id = documents.new_id()
        try:
            with self.db.get_session() as session:
                return documents.publish_document(
                    session,
                    actor,
                    store,
                    document_id,
                    upload,
                    doc_type,
                    period,
                    caregiver_id,
                    all_caregivers,
                )
        except Exception:
            store.discard(document_id)
            raise

    @rpc
    def list_documents(self, actor):
        with self.db.get_session() as session:
            return documents.list_documents(session, actor)

    @rpc
    def get_document_file(self, actor, document_id):
        with self.db.get_session() as session:
            return documents.get_document_file(
                session, actor, self.document_store, document_id
            )

    @rpc
    def get_preferences(self, actor):
        with self.db.get_session() as session:
            return preferences.get_preferences(session, actor)

    @rpc
    def set_preferences(self, actor, wanted):
        with self.db.get_session() as session:
            return preferences.set_preferences(session, actor, wanted)

    @event_handler("identity", "agency_created")
    def handle_agency_created(self, payload):
        consume_event(
            self.db,
            MESSAGING,
            payload,
            "notifications.handle_agency_created",
            directory.agency_created,
        )

    @event_handler("identity", "caregiver_invited")
    def handle_caregiver_invited(self, payload):
        consume_event(
            self.db,
            MESSAGING,
            payload,
            "notifications.handle_caregiver_invited",
            directory.caregiver_invited,
        )

    @event_handler("identity", "account_confirmed")
    def handle_account_confirmed(self, payload):
        consume_event(
            self.db,
            MESSAGING,
            payload,
            "notifications.handle_account_confirmed",
            directory.account_confirmed,
        )

    @event_handler("requests", "request_answered")
    def handle_request_answered(self, payload):
        self._mail("handle_request_answered", payload, mailings.request_answered)

    @event_handler("planning", "shift_scheduled")
    def handle_shift_scheduled(self, payload):
        self._mail("handle_shift_scheduled", payload, planning_mails.shift_scheduled)

    @event_handler("planning", "shift_changed")
    def handle_shift_changed(self, payload):
        self._mail("handle_shift_changed", payload, planning_mails.shift_changed)

    @event_handler("planning", "shift_cancelled")
    def handle_shift_cancelled(self, payload):
        self._mail("handle_shift_cancelled", payload, planning_mails.shift_cancelled)

    @event_handler("notifications", "news_published")
    def handle_news_published(self, payload):
        self._mail("handle_news_published", payload, mailings.news_published)

    @event_handler("notifications", "document_published")
    def handle_document_published(self, payload):
        self._mail("handle_document_published", payload, mailings.document_published)

    def _mail(self, consumer: str, payload: dict, apply) -> None:
        """Record the emails an event asks for, once; then send them."""
        consume_event(
            self.db,
            MESSAGING,
            payload,
            f"notifications.{consumer}",
            partial(apply, public_url=self.public_url),
        )
        mailings.deliver_recorded(
            self.db.get_session, payload["event_id"], self.mail_settings
        )
