"""The notifications nameko service: emails and news, thin entrypoints."""

import logging
from functools import partial

from nameko.dependency_providers import Config
from nameko.events import event_handler
from nameko.rpc import rpc

from extranet_common.db import ServiceDatabase, consume_event
from extranet_common.errors import EXPECTED_ERRORS
from extranet_common.health import Health
from notifications import directory, emails, mailings, news
from notifications.models import AGENCY_SCOPE, MESSAGING, Base

_log = logging.getLogger(__name__)

rpc = rpc(expected_exceptions=EXPECTED_ERRORS)


class NotificationsService(Health):
    name = "notifications"

    config = Config()
    db = ServiceDatabase(Base, MESSAGING)

    @property
    def mail_settings(self) -> emails.MailSettings:
        return emails.MailSettings.from_config(self.config)

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

    @event_handler("requests", "request_answered")
    def handle_request_answered(self, payload):
        consume_event(
            self.db,
            MESSAGING,
            payload,
            "notifications.handle_request_answered",
            partial(mailings.request_answered, public_url=self.public_url),
        )
        mailings.deliver_recorded(
            self.db.get_session, payload["event_id"], self.mail_settings
        )
