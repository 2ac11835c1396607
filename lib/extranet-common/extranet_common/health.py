"""A liveness RPC every service inherits: answering it means the service
consumes its queue, which is what the launcher and operators wait for."""

from nameko.rpc import rpc

from extranet_common import clock


class Health:
    name: str

    @rpc
    def ping(self) -> dict:
        return {"service": self.name, "now": clock.now().isoformat()}
