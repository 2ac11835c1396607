"""The events a service's handlers parked, for operators: list and replay.

``consume_event`` parks an event whose handler failed three times, with the
error, and acknowledges it so that the queue goes on. Every service inherits
``ParkedEvents``, two RPCs that its operator reaches with the
``extranet-parked`` command once the cause is fixed (a bug deployed, a
database back):

    extranet-parked timesheets               # list
    extranet-parked timesheets replay        # replay them all
    extranet-parked timesheets replay 3 7    # replay these

Replaying hands the stored event to the handler it failed in (the consumer
is ``<service>.<handler method>``), through ``consume_event`` again: applied
once however often it is replayed, and parked again, as a new row, if it
still fails. The old row goes only after the handler has run.
"""

import argparse
import json
import os
import sys

from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import delete, select

from extranet_common.errors import EXPECTED_ERRORS

rpc = rpc(expected_exceptions=EXPECTED_ERRORS)

DEFAULT_AMQP_URI = "pyamqp://guest:guest@127.0.0.1:5672/"


class ParkedEvents:
    """Mixin for a service with a ``db`` (ServiceDatabase) and handlers."""

    name: str

    @rpc
    def parked_events(self) -> list[dict]:
        """The parked events, oldest first."""
        parked = type(self).db.messaging.parked
        with self.db.get_session() as session:
            rows = session.execute(select(parked).order_by(parked.c.id)).all()
        return [_view(row) for row in rows]

    @rpc
    def replay_parked(self, ids: list[int] | None = None) -> dict:
        """Replay the parked events ``ids`` (all when None)."""
        parked = type(self).db.messaging.parked
        query = select(parked).order_by(parked.c.id)
        if ids is not None:
            query = query.where(parked.c.id.in_([int(i) for i in ids]))
        with self.db.get_session() as session:
            rows = session.execute(query).all()

        replayed, parked_again, unknown = [], [], []
        for row in rows:
            handler = self._handler_of(row.consumer)
            if handler is None:
                unknown.append(row.id)
                continue
            handler(json.loads(row.payload))
            with self.db.get_session() as session:
                session.execute(delete(parked).where(parked.c.id == row.id))
                again = session.execute(
                    select(parked.c.id).where(
                        parked.c.event_id == row.event_id,
                        parked.c.consumer == row.consumer,
                    )
                ).first()
                session.commit()
            (parked_again if again else replayed).append(row.id)
        return {"replayed": replayed, "parked_again": parked_again, "unknown": unknown}

    def _handler_of(self, consumer: str):
        service, _, method = consumer.partition(".")
        if service != self.name or not method.startswith("handle_"):
            return None
        return getattr(self, method, None)


def _view(row) -> dict:
    payload = json.loads(row.payload)
    return {
        "id": row.id,
        "event_id": row.event_id,
        "event_type": payload.get("event_type"),
        "consumer": row.consumer,
        "error": row.error,
        "parked_at": row.parked_at.isoformat(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="extranet-parked",
        description="List or replay the events a service's handlers parked.",
    )
    parser.add_argument("service", help="identity, planning, timesheets, ...")
    parser.add_argument("action", nargs="?", choices=["list", "replay"], default="list")
    parser.add_argument("ids", nargs="*", type=int, help="parked ids (default all)")
    parser.add_argument(
        "--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)
    )
    args = parser.parse_args(argv)

    with ClusterRpcProxy({"AMQP_URI": args.amqp_uri}, timeout=60) as cluster:
        service = getattr(cluster, args.service)
        if args.action == "list":
            found = service.parked_events()
            for item in found:
                print(
                    f"{item['id']}\t{item['parked_at']}\t{item['event_type']}\t"
                    f"{item['consumer']}\t{item['event_id']}\t{item['error']}"
                )
            print(f"{len(found)} parked event(s)", file=sys.stderr)
            return 0
        outcome = service.replay_parked(args.ids or None)
    print(json.dumps(outcome))
    return 1 if outcome["parked_again"] or outcome["unknown"] else 0
