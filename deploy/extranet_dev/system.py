"""Start and stop the five services and the gateway as real processes."""

import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

_log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]

SERVICES = {
    # name: (folder, package, service class, database env var)
    "identity": ("services/identity", "identity", "IdentityService", "IDENTITY"),
    "planning": ("services/planning", "planning", "PlanningService", "PLANNING"),
    "timesheets": (
        "services/timesheets",
        "timesheets",
        "TimesheetsService",
        "TIMESHEETS",
    ),
    "notifications": (
        "services/notifications",
        "notifications",
        "NotificationsService",
        "NOTIFICATIONS",
    ),
    "requests": (
        "services/requests",
        "agency_requests",
        "RequestsService",
        "REQUESTS",
    ),
}
GATEWAY = ("gateway", "extranet_gateway", "GatewayService")


def tool(name: str) -> str:
    """A console script installed beside this Python."""
    return str(Path(sys.executable).parent / name)


@dataclass
class System:
    """The extranet's processes for one data folder and one broker vhost."""

    data_dir: Path
    amqp_uri: str = "pyamqp://guest:guest@127.0.0.1:5672/"
    address: str = "127.0.0.1:8000"
    extra_env: dict = field(default_factory=dict)
    processes: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    @property
    def mailbox(self) -> Path:
        return self.data_dir / "mailbox"

    @property
    def logs(self) -> Path:
        return self.data_dir / "logs"

    def env(self) -> dict:
        env = dict(os.environ)
        env.update(
            AMQP_URI=self.amqp_uri,
            GATEWAY_ADDRESS=self.address,
            PUBLIC_URL=self.url,
            MAILBOX_DIR=str(self.mailbox),
            DOCUMENTS_DIR=str(self.data_dir / "documents"),
        )
        for name, (*_, prefix) in SERVICES.items():
            env.setdefault(
                f"{prefix}_DATABASE_URL",
                f"sqlite:///{self.data_dir / (name + '.sqlite')}",
            )
        env.update(self.extra_env)
        return env

    def migrate(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for name, (folder, package, *_) in SERVICES.items():
            _log.info("migrating %s", name)
            subprocess.run(  # noqa: S603 - our own console scripts
                [tool("extranet-migrate"), f"{folder}/config.yaml", package],
                cwd=ROOT,
                env=self.env(),
                check=True,
                capture_output=True,
            )

    def start(self, names=None) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.mailbox.mkdir(exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        wanted = names or [*SERVICES, "gateway"]
        for name in wanted:
            self.start_one(name)
        if "gateway" in wanted:
            self.wait_for_gateway()

    def start_one(self, name: str) -> None:
        folder, package, service_class = (
            GATEWAY if name == "gateway" else SERVICES[name][:3]
        )
        with open(self.logs / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(  # noqa: S603 - our own scripts
                [
                    tool("nameko"),
                    "run",
                    "--config",
                    f"{folder}/config.yaml",
                    f"{package}.service:{service_class}",
                ],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop_one(self, name: str, timeout: float = 15) -> None:
        self._stop([self.processes.pop(name)], timeout)

    def stop(self, timeout: float = 15) -> None:
        """Ask every process to stop at once, then wait; kill the laggards."""
        processes = list(self.processes.values())
        self.processes.clear()
        self._stop(processes, timeout)

    @staticmethod
    def _stop(processes: list, timeout: float) -> None:
        running = [p for p in processes if p.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _log.warning("pid %s did not stop in time; killing it", process.pid)
                process.kill()
                process.wait()

    def dead(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is not None]

    def wait_for_gateway(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.dead():
                raise RuntimeError(f"processes exited: {self.dead()}; see {self.logs}")
            try:
                httpx.get(f"{self.url}/api/v1/openapi.json", timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError(f"the gateway did not answer within {timeout}s")

    def wait_for_services(self, timeout: float = 60) -> None:
        """Wait until every service consumes its RPC queue."""
        from nameko.standalone.rpc import ClusterRpcProxy

        deadline = time.monotonic() + timeout
        pending = set(SERVICES)
        while pending and time.monotonic() < deadline:
            if self.dead():
                raise RuntimeError(f"processes exited: {self.dead()}; see {self.logs}")
            for name in sorted(pending):
                # A refused call leaves the proxy's channel closed: one proxy a try.
                try:
                    with ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=5) as rpc:
                        getattr(rpc, name).ping()
                    pending.discard(name)
                except Exception:  # noqa: BLE001 - not up yet, ask again
                    time.sleep(0.3)
        if pending:
            raise RuntimeError(f"services not answering: {sorted(pending)}")
