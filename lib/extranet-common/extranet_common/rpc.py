"""RPC proxies whose calls give up after a timeout.

nameko's ``RpcProxy`` waits for a reply forever. ``TimedRpcProxy`` waits at
most ``RPC_TIMEOUT`` seconds (config, default 10) and then raises
``RpcTimeout``; the request message carries the same expiration, so a
service that comes back does not work through requests nobody waits for.
A call to a service that has no queue at all raises ``UnknownService`` at
once.
"""

import eventlet
from nameko.exceptions import RpcTimeout
from nameko.rpc import MethodProxy, RpcProxy, ServiceProxy

RPC_TIMEOUT_CONFIG_KEY = "RPC_TIMEOUT"
DEFAULT_RPC_TIMEOUT = 10.0


class TimedRpcProxy(RpcProxy):
    def __init__(self, target_service, timeout: float | None = None, **options):
        super().__init__(target_service, **options)
        self.timeout = timeout

    def setup(self):
        if self.timeout is None:
            self.timeout = float(
                self.container.config.get(RPC_TIMEOUT_CONFIG_KEY, DEFAULT_RPC_TIMEOUT)
            )
        self.options.setdefault("expiration", self.timeout)

    def get_dependency(self, worker_ctx):
        return _TimedServiceProxy(
            worker_ctx,
            self.target_service,
            self.rpc_reply_listener,
            self.timeout,
            **self.options,
        )


class _TimedServiceProxy(ServiceProxy):
    def __init__(self, worker_ctx, service_name, reply_listener, timeout, **options):
        super().__init__(worker_ctx, service_name, reply_listener, **options)
        self.timeout = timeout

    def __getattr__(self, name):
        return _TimedMethodProxy(
            self.worker_ctx,
            self.service_name,
            name,
            self.reply_listener,
            self.timeout,
            **self.options,
        )


class _TimedMethodProxy(MethodProxy):
    def __init__(
        self, worker_ctx, service_name, method_name, reply_listener, timeout, **options
    ):
        super().__init__(
            worker_ctx, service_name, method_name, reply_listener, **dict(options)
        )
        self.timeout = timeout

    def __call__(self, *args, **kwargs):
        reply = self._call(*args, **kwargs)
        failure = RpcTimeout(f"{self.service_name}.{self.method_name}")
        with eventlet.Timeout(self.timeout, failure):
            return reply.result()
