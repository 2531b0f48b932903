"""The local Apache Kafka (KRaft) for development and tests: one node, or a small cluster of nodes on loopback.

The broker is Apache Kafka itself: ``org.apache.kafka:kafka_2.13`` and its runtime dependencies, resolved from
Maven Central by ``deploy/kafka/pom.xml`` and cached under the cache directory, so a second fetch downloads
nothing. Every node is one JVM with the broker and controller roles; it listens on 127.0.0.1 only and keeps its
data under the state directory (``<state>/kafka`` for one node, ``<state>/kafka/node-<id>`` for each of several,
which form a quorum of as many controller voters).

By default the client listener is ``SASL_PLAINTEXT`` with SCRAM-SHA-512 and the ``StandardAuthorizer`` refuses
whatever no ACL grants; the hub's principal (its only super user) is created when the storage is formatted, see
``hub.localkafka_config``. ``HUB_LOCAL_KAFKA__SASL=false`` runs it plaintext and open, as before.

Each node is a detached process (its own session), so ``hub kafka start`` can return while it runs on; its pid,
ports and command line are kept in ``broker.json`` beside its data and checked before any signal is sent, so a
recycled pid is never killed by mistake.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import structlog

from hub.config import KafkaSettings, LocalKafkaSettings
from hub.errors import KafkaDeployError
from hub.localkafka_config import SCRAM_MECHANISM, HubCredentials, NodeAddress, render_node_config, resolve_credentials
from hub.localkafka_probe import QuorumState, describe_quorum
from hub.stream.kafka import KafkaClients

__all__ = ["BrokerInfo", "ClusterInfo", "LocalKafka", "default_deploy_dir"]

log = structlog.get_logger(__name__)

MAIN_CLASS = "kafka.Kafka"
STORAGE_TOOL_CLASS = "kafka.tools.StorageTool"
_READY_LINE = "Kafka Server started"
_MIN_JAVA = 17
_POLL_INTERVAL_S = 0.2
_FETCH_MARKER = ".fetched"


def default_deploy_dir() -> Path:
    """``deploy/kafka`` of the source tree this package was installed from (``pip install -e .``)."""
    return Path(__file__).resolve().parent.parent / "deploy" / "kafka"


@dataclass(frozen=True)
class BrokerInfo:
    """Where one running node listens, and how to recognise its process."""

    pid: int
    bootstrap: str
    controller_port: int
    version: str
    data_dir: str
    log_file: str
    config_file: str
    started_at: float
    node_id: int = 1
    security_protocol: str = "PLAINTEXT"

    def rss_bytes(self) -> int | None:
        """Resident memory of the node's process, from /proc (None where /proc is not available)."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        match = re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.MULTILINE)
        return int(match.group(1)) * 1024 if match else None


@dataclass(frozen=True)
class ClusterInfo:
    """The running local cluster: its live nodes, every node's address, and the hub's credentials on it."""

    nodes: tuple[BrokerInfo, ...]
    addresses: tuple[str, ...]
    version: str
    credentials: HubCredentials | None = field(default=None, repr=False)

    @property
    def bootstrap(self) -> str:
        """Every node's client address, comma-separated (a client reaches the cluster through any live one)."""
        return ",".join(self.addresses)

    @property
    def pid(self) -> int:
        """Process id of the first live node (of the only one, on a single-node broker)."""
        return self.nodes[0].pid

    @property
    def brokers(self) -> int:
        """Nodes in the cluster, live or not."""
        return len(self.addresses)

    def kafka_settings(self, base: KafkaSettings | None = None) -> KafkaSettings:
        """Client security for this cluster: the hub's SCRAM credentials, or plaintext when SASL is off.

        Args:
            base: other client options (client id, timeouts) to keep; its security settings are replaced.
        """
        if self.credentials is not None:
            return self.credentials.kafka_settings(base)
        return (base or KafkaSettings()).model_copy(
            update={"security_protocol": "PLAINTEXT", "sasl_username": None, "sasl_password": None}
        )

    def clients(self, base: KafkaSettings | None = None) -> KafkaClients:
        """The hub's Kafka clients for this cluster, authenticated as the hub."""
        return KafkaClients(self.bootstrap, self.kafka_settings(base))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_accepts(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def _process_alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (exited, not yet reaped) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    # The state letter follows the parenthesised command name, which may itself contain spaces.
    return stat.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _new_cluster_id() -> str:
    # Kafka's cluster ids are a UUID's 16 bytes in URL-safe base64 without padding (as `random-uuid` prints).
    # One in 64 starts with "-", which kafka-storage's argument parser takes for an option ("--cluster-id/-t:
    # expected one argument"); Kafka's own Uuid.randomUuid draws again in that case, and so does this.
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (it may hold the hub's password)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


class LocalKafka:
    """Fetches, formats, starts, inspects and stops the local Apache Kafka node or nodes.

    Args:
        settings: the local broker's settings (``HUB_LOCAL_KAFKA__*``).
        state_dir: where the nodes keep their data, logs and pid files (under ``kafka/``).
        cache_dir: where the jars from Maven Central are cached.
        deploy_dir: ``deploy/kafka`` (the pom and the configuration templates).
        java: the ``java`` binary (default: ``JAVA_HOME`` or ``PATH``).
        mvn: the ``mvn`` binary (default: ``PATH``).
        security: the hub's client settings (``HUB_KAFKA__*``); with SASL on, its ``sasl_username`` and
            ``sasl_password`` become the hub principal's when set.
    """

    def __init__(
        self,
        settings: LocalKafkaSettings,
        *,
        state_dir: Path,
        cache_dir: Path,
        deploy_dir: Path | None = None,
        java: str | None = None,
        mvn: str | None = None,
        security: KafkaSettings | None = None,
    ) -> None:
        self._settings = settings
        self._home = state_dir / "kafka"
        self._libs = cache_dir / f"kafka-{settings.version}" / "libs"
        self._deploy = deploy_dir or default_deploy_dir()
        self._java = java
        self._mvn = mvn
        self._security = security
        self._processes: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def libs_dir(self) -> Path:
        """Directory of the cached broker jars."""
        return self._libs

    @property
    def deploy_dir(self) -> Path:
        """``deploy/kafka``: the pom, the configuration templates and the status tool."""
        return self._deploy

    @property
    def _cluster_file(self) -> Path:
        return self._home / "cluster.json"

    def _node_home(self, node_id: int, brokers: int) -> Path:
        # One node keeps the layout it always had (<state>/kafka/broker.json, data/, broker.log).
        return self._home if brokers == 1 else self._home / f"node-{node_id}"

    # -- fetch ---------------------------------------------------------------------------------------------

    def is_fetched(self) -> bool:
        """True when the jars for the configured version are already in the cache."""
        return (self._libs / _FETCH_MARKER).is_file()

    def fetch(self) -> Path:
        """Resolve the broker's jars from Maven Central into the cache; a cached version downloads nothing.

        Returns:
            The directory holding the jars.

        Raises:
            KafkaDeployError: Maven is missing or could not resolve the coordinates.
        """
        if self.is_fetched():
            log.debug("kafka.fetch_cached", libs=str(self._libs))
            return self._libs
        pom = self._deploy / "pom.xml"
        if not pom.is_file():
            raise KafkaDeployError(f"{pom} is missing; the hub must be installed from its source tree")
        mvn = self._mvn or shutil.which("mvn")
        if mvn is None:
            raise KafkaDeployError("Maven (mvn) is not on PATH; install Maven 3.6+ to fetch Apache Kafka")
        staging = self._libs.with_name("libs.partial")
        shutil.rmtree(staging, ignore_errors=True)
        command = [
            mvn, "-B", "-q", "-f", str(pom),
            f"-Dkafka.version={self._settings.version}",
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ]  # fmt: skip
        log.info("kafka.fetching", version=self._settings.version, coordinates="org.apache.kafka:kafka_2.13")
        started = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        jars = sorted(p.name for p in staging.glob("*.jar")) if staging.is_dir() else []
        if result.returncode != 0 or not any(j.startswith("kafka_2.13-") for j in jars):
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
            raise KafkaDeployError(
                f"Maven could not resolve org.apache.kafka:kafka_2.13:{self._settings.version} "
                f"(exit {result.returncode}):\n{tail}"
            )
        shutil.rmtree(self._libs, ignore_errors=True)
        staging.rename(self._libs)
        (self._libs / _FETCH_MARKER).write_text("\n".join(jars) + "\n")
        log.info("kafka.fetched", jars=len(jars), seconds=round(time.monotonic() - started, 1))
        return self._libs

    # -- the cluster's record ------------------------------------------------------------------------------

    def credentials(self) -> HubCredentials | None:
        """The hub principal's credentials on this broker; None when SASL is off."""
        if not self._settings.sasl:
            return None
        return resolve_credentials(self._home, self._security)

    def _read_cluster(self) -> dict[str, Any] | None:
        try:
            record: dict[str, Any] = json.loads(self._cluster_file.read_text())
        except (OSError, ValueError):
            return None
        return record

    def _check_formatted_as_configured(self, record: dict[str, Any] | None, creds: HubCredentials | None) -> None:
        """Refuse to start storage formatted with other choices than today's settings, saying how to proceed."""
        brokers = self._settings.brokers
        if record is None:
            if brokers == 1 and creds is not None and (self._home / "data" / "meta.properties").is_file():
                raise KafkaDeployError(
                    f"{self._home / 'data'} was formatted without SASL by an earlier hub; set "
                    "HUB_LOCAL_KAFKA__SASL=false to keep using it, or delete it to start afresh with SASL"
                )
            return
        if record["brokers"] != brokers:
            raise KafkaDeployError(
                f"{self._home} holds a {record['brokers']}-node cluster, not {brokers}: use "
                f"--brokers {record['brokers']} (HUB_LOCAL_KAFKA__BROKERS), another HUB_STATE_DIR, or delete it"
            )
        if record["sasl"] != (creds is not None):
            state = "with" if record["sasl"] else "without"
            raise KafkaDeployError(
                f"{self._home} was formatted {state} SASL; set HUB_LOCAL_KAFKA__SASL={str(record['sasl']).lower()} "
                "or delete it to start afresh"
            )
        if creds is not None and (
            record.get("username") != creds.username or record.get("fingerprint") != creds.fingerprint(record["salt"])
        ):
            raise KafkaDeployError(
                f"the hub's SASL user or password differs from the one {self._home} was formatted with; unset "
                "HUB_KAFKA__SASL_USERNAME/HUB_KAFKA__SASL_PASSWORD (or set the old ones), or delete it to start afresh"
            )

    def _addresses(self, record: dict[str, Any] | None) -> list[NodeAddress]:
        """Every node's ports: the recorded ones where still free, else fresh ones (``port`` setting first)."""
        brokers = self._settings.brokers
        if self._settings.port:
            ports = [self._settings.port + i for i in range(brokers)]
        elif record is not None:
            ports = [n["port"] for n in record["nodes"]]
        else:
            ports = [_free_port() for _ in range(brokers)]
        ports = [p if not _port_accepts(p) or self._settings.port else _free_port() for p in ports]
        return [NodeAddress(i + 1, ports[i], _free_port()) for i in range(brokers)]

    # -- start ---------------------------------------------------------------------------------------------

    def _java_binary(self) -> str:
        java = (
            self._java
            or (str(Path(os.environ["JAVA_HOME"]) / "bin" / "java") if os.environ.get("JAVA_HOME") else None)
            or shutil.which("java")
        )
        if java is None:
            raise KafkaDeployError(f"Java is not on PATH; Apache Kafka needs Java {_MIN_JAVA}+")
        result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)  # noqa: S603
        match = re.search(r'version "(\d+)', result.stderr)
        if match is None or int(match.group(1)) < _MIN_JAVA:
            raise KafkaDeployError(
                f"Apache Kafka {self._settings.version} needs Java {_MIN_JAVA}+; {java} reports: "
                f"{result.stderr.strip().splitlines()[0] if result.stderr.strip() else 'nothing'}"
            )
        return java

    def _format_storage(
        self, java: str, config: Path, data_dir: Path, cluster_id: str, creds: HubCredentials | None
    ) -> None:
        if (data_dir / "meta.properties").is_file():
            return
        data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            java, "-cp", f"{self._libs}/*",
            f"-Dlog4j2.configurationFile={self._deploy / 'log4j2.properties'}",
            STORAGE_TOOL_CLASS, "format", "-t", cluster_id, "-c", str(config),
        ]  # fmt: skip
        if creds is not None:
            # The hub's SCRAM credential goes into the metadata log's bootstrap records: it exists before the
            # first broker serves a request, so there is never an open window.
            secret = creds.password.get_secret_value()
            command += ["--add-scram", f"{SCRAM_MECHANISM}=[name={creds.username},password={secret}]"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise KafkaDeployError(f"formatting {data_dir} failed: {result.stderr.strip()[-800:]}")

    def start(self) -> ClusterInfo:
        """Start every node unless the cluster already runs, and wait until each serves clients.

        Returns:
            The running cluster (the same one when it was already running); nodes that were down are started.

        Raises:
            KafkaDeployError: Java or the jars are missing, the storage was formatted with other settings, a node
                exited, or it did not become ready in ``start_timeout_s``; the message carries the end of its log.
        """
        running = self.status()
        if running is not None:
            for node_id in range(1, running.brokers + 1):
                if self.node_status(node_id) is None:
                    self.start_node(node_id)
            log.info("kafka.already_running", bootstrap=running.bootstrap, pid=running.pid)
            return self._require_status()
        creds = self.credentials()
        record = self._read_cluster()
        self._check_formatted_as_configured(record, creds)
        self.fetch()
        java = self._java_binary()
        self._home.mkdir(parents=True, exist_ok=True)
        nodes = self._addresses(record)
        if record is None:
            salt = secrets.token_hex(16)
            record = {
                "cluster_id": _new_cluster_id(),
                "brokers": len(nodes),
                "sasl": creds is not None,
                "username": creds.username if creds else None,
                "salt": salt,
                "fingerprint": creds.fingerprint(salt) if creds else None,
            }
        record["nodes"] = [asdict(n) for n in nodes]
        template = (self._deploy / "server.properties").read_text()
        for node in nodes:
            home = self._node_home(node.node_id, len(nodes))
            home.mkdir(parents=True, exist_ok=True)
            config = home / "server.properties"
            _write_private(config, render_node_config(template, node, nodes, home / "data", creds))
            self._format_storage(java, config, home / "data", record["cluster_id"], creds)
        self._cluster_file.write_text(json.dumps(record, indent=2))
        started = time.time()
        launched = [self._launch(java, node.node_id, len(nodes)) for node in nodes]
        try:
            for info, offset in launched:
                self._wait_ready(info, offset)
        except KafkaDeployError:
            self.stop()
            raise
        log.info("kafka.started", bootstrap=",".join(i.bootstrap for i, _ in launched), nodes=len(nodes),
                 seconds=round(time.time() - started, 1))  # fmt: skip
        return self._require_status()

    def start_node(self, node_id: int) -> BrokerInfo:
        """(Re)start one node of the cluster with its recorded ports, e.g. after ``kill_node``; wait until ready.

        Raises:
            KafkaDeployError: the cluster was never started here, or the node did not become ready.
        """
        record = self._read_cluster()
        if record is None or not 1 <= node_id <= record["brokers"]:
            raise KafkaDeployError(f"no node {node_id} in {self._home}: start the cluster first")
        running = self.node_status(node_id)
        if running is not None:
            return running
        info, offset = self._launch(self._java_binary(), node_id, record["brokers"])
        self._wait_ready(info, offset)
        log.info("kafka.node_started", node=node_id, pid=info.pid)
        return info

    def _launch(self, java: str, node_id: int, brokers: int) -> tuple[BrokerInfo, int]:
        home = self._node_home(node_id, brokers)
        config = home / "server.properties"
        properties = config.read_text()
        port = _property_port(properties, r"^advertised\.listeners=\w+://127\.0\.0\.1:(\d+)")
        controller_port = _property_port(properties, r"CONTROLLER://127\.0\.0\.1:(\d+)")
        log_file = home / "broker.log"
        command = [
            java,
            f"-Xmx{self._settings.heap_mb}m", f"-Xms{min(self._settings.heap_mb, 256)}m",
            "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self._deploy / 'log4j2.properties'}",
            "-cp", f"{self._libs}/*",
            MAIN_CLASS, str(config),
        ]  # fmt: skip
        with log_file.open("ab") as log_out:
            offset = log_out.tell()
            # A session of its own: Ctrl-C in the terminal reaches the hub, which stops the broker in order.
            process = subprocess.Popen(  # noqa: S603
                command, stdout=log_out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        self._processes[node_id] = process
        info = BrokerInfo(
            pid=process.pid,
            bootstrap=f"127.0.0.1:{port}",
            controller_port=controller_port,
            version=self._settings.version,
            data_dir=str(home / "data"),
            log_file=str(log_file),
            config_file=str(config),
            started_at=time.time(),
            node_id=node_id,
            security_protocol="SASL_PLAINTEXT" if "SASL_PLAINTEXT://" in properties else "PLAINTEXT",
        )
        (home / "broker.json").write_text(json.dumps(asdict(info), indent=2))
        return info, offset

    def _wait_ready(self, info: BrokerInfo, log_offset: int) -> None:
        deadline = time.monotonic() + self._settings.start_timeout_s
        port = int(info.bootstrap.rsplit(":", 1)[1])
        process = self._processes.get(info.node_id)
        while time.monotonic() < deadline:
            if not _process_alive(info.pid) or (process is not None and process.poll() is not None):
                raise KafkaDeployError(
                    f"node {info.node_id} exited while starting; its log ends:\n{_log_tail(Path(info.log_file))}"
                )
            if _port_accepts(port) and _READY_LINE in _log_since(Path(info.log_file), log_offset):
                return
            time.sleep(_POLL_INTERVAL_S)
        raise KafkaDeployError(
            f"node {info.node_id} did not start within {self._settings.start_timeout_s:.0f}s; its log ends:\n"
            f"{_log_tail(Path(info.log_file))}"
        )

    # -- status and stop -----------------------------------------------------------------------------------

    def node_status(self, node_id: int) -> BrokerInfo | None:
        """One node's info while it runs, else None; a stale pid file (process gone or someone else's) is removed."""
        process = self._processes.get(node_id)
        if process is not None and process.poll() is not None:
            del self._processes[node_id]  # our own child, stopped by someone else (e.g. `hub kafka stop`): reaped
        record = self._read_cluster()
        brokers = record["brokers"] if record else 1
        info_file = self._node_home(node_id, brokers) / "broker.json"
        try:
            info = BrokerInfo(**json.loads(info_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        command_line = _command_line(info.pid)
        if _process_alive(info.pid) and MAIN_CLASS in command_line and info.config_file in command_line:
            return info
        info_file.unlink(missing_ok=True)
        return None

    def status(self) -> ClusterInfo | None:
        """The cluster while at least one of its nodes runs, else None."""
        record = self._read_cluster()
        brokers = record["brokers"] if record else 1
        nodes = tuple(n for n in (self.node_status(i) for i in range(1, brokers + 1)) if n is not None)
        if not nodes:
            return None
        addresses = (
            tuple(f"127.0.0.1:{n['port']}" for n in record["nodes"]) if record else tuple(n.bootstrap for n in nodes)
        )
        sasl = nodes[0].security_protocol == "SASL_PLAINTEXT"
        creds = resolve_credentials(self._home, self._security) if sasl else None
        return ClusterInfo(nodes=nodes, addresses=addresses, version=nodes[0].version, credentials=creds)

    def _require_status(self) -> ClusterInfo:
        info = self.status()
        if info is None:
            raise KafkaDeployError(f"the local Kafka in {self._home} stopped right after starting")
        return info

    def clients(self, base: KafkaSettings | None = None) -> KafkaClients:
        """The hub's Kafka clients for the running cluster (SASL as the hub, or plaintext when SASL is off).

        Raises:
            KafkaDeployError: no node runs.
        """
        info = self.status()
        if info is None:
            raise KafkaDeployError(f"the local Kafka in {self._home} is not running: run `hub kafka start`")
        return info.clients(base)

    def quorum(self) -> QuorumState:
        """The running cluster's controller quorum: which node is the active controller, the voters, the brokers.

        Raises:
            KafkaDeployError: no node runs, or the quorum could not be described.
        """
        return describe_quorum(self.clients(), java=self._java_binary(), libs_dir=self._libs, deploy_dir=self._deploy)

    def kill_node(self, node_id: int) -> bool:
        """SIGKILL one node, as a crash or a power cut would; True when it was running and is now gone."""
        info = self.node_status(node_id)
        if info is None:
            return False
        log.warning("kafka.node_killed", node=node_id, pid=info.pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGKILL)
        self._wait_gone(node_id, info.pid, 10.0)
        return True

    def stop(self) -> bool:
        """Stop every node: SIGTERM to all for a clean shutdown, SIGKILL to those left after ``stop_timeout_s``.

        Returns:
            True when a node was running and all are now gone, False when none was running.
        """
        info = self.status()
        if info is None:
            return False
        log.info("kafka.stopping", pids=[n.pid for n in info.nodes])
        # All at once: a node stopping alone would wait for a quorum its already stopped peers no longer make.
        for node in info.nodes:
            with contextlib.suppress(ProcessLookupError):
                os.kill(node.pid, signal.SIGTERM)
        deadline = time.monotonic() + self._settings.stop_timeout_s
        for node in info.nodes:
            if not self._wait_gone(node.node_id, node.pid, max(0.0, deadline - time.monotonic())):
                log.warning("kafka.kill", pid=node.pid, after_s=self._settings.stop_timeout_s)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(node.pid, signal.SIGKILL)
                self._wait_gone(node.node_id, node.pid, 10.0)
            Path(node.config_file).with_name("broker.json").unlink(missing_ok=True)
        log.info("kafka.stopped", pids=[n.pid for n in info.nodes])
        return True

    def _wait_gone(self, node_id: int, pid: int, timeout_s: float) -> bool:
        process = self._processes.get(node_id)
        if process is not None and process.pid == pid:
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                return False
            del self._processes[node_id]
            return True
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not _process_alive(pid):
                return True
            time.sleep(_POLL_INTERVAL_S)
        return not _process_alive(pid)


def _property_port(properties: str, pattern: str) -> int:
    match = re.search(pattern, properties, re.MULTILINE)
    if match is None:
        raise KafkaDeployError(f"no port matching {pattern!r} in the node's server.properties")
    return int(match.group(1))


def _log_since(path: Path, offset: int) -> str:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode(errors="replace")


def _log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
