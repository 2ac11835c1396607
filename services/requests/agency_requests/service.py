"""The requests nameko service: thin RPC entrypoints over ``threads``."""

import logging

from nameko.dependency_providers import Config
from nameko.rpc import rpc

from agency_requests import threads
from agency_requests.models import MESSAGING, Base
from extranet_common.db import ServiceDatabase
from extranet_common.errors import EXPECTED_ERRORS
from extranet_common.health import Health

_log = logging.getLogger(__name__)

rpc = rpc(expected_exceptions=EXPECTED_ERRORS)


class RequestsService(Health):
    name = "requests"

    config = Config()
    db = ServiceDatabase(Base, MESSAGING)

    @rpc
    def submit(self, actor, category, subject, body, details=None):
        with self.db.get_session() as session:
            return threads.submit(session, actor, category, subject, body, details)

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
