"""A single-node Apache Kafka broker (KRaft, broker and controller in one JVM) for development and tests.

The broker is Apache Kafka itself: ``org.apache.kafka:kafka_2.13`` and its runtime dependencies, resolved from
Maven Central by ``deploy/kafka/pom.xml`` and cached under the cache directory, so a second fetch downloads
nothing. It listens on 127.0.0.1 only and keeps its data under the state directory.

The broker is a detached process (its own session), so ``hub kafka start`` can return while it runs on; its pid,
ports and command line are kept in ``<state_dir>/kafka/broker.json`` and checked before any signal is sent, so a
recycled pid is never killed by mistake.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import structlog

from hub.config import LocalKafkaSettings
from hub.errors import KafkaDeployError

__all__ = ["BrokerInfo", "LocalKafka", "default_deploy_dir"]

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
    """Where a running local broker listens, and how to recognise its process."""

    pid: int
    bootstrap: str
    controller_port: int
    version: str
    data_dir: str
    log_file: str
    config_file: str
    started_at: float

    def rss_bytes(self) -> int | None:
        """Resident memory of the broker process, from /proc (None where /proc is not available)."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        match = re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.MULTILINE)
        return int(match.group(1)) * 1024 if match else None


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
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


class LocalKafka:
    """Fetches, formats, starts, inspects and stops the local Apache Kafka broker."""

    def __init__(
        self,
        settings: LocalKafkaSettings,
        *,
        state_dir: Path,
        cache_dir: Path,
        deploy_dir: Path | None = None,
        java: str | None = None,
        mvn: str | None = None,
    ) -> None:
        self._settings = settings
        self._home = state_dir / "kafka"
        self._libs = cache_dir / f"kafka-{settings.version}" / "libs"
        self._deploy = deploy_dir or default_deploy_dir()
        self._java = java
        self._mvn = mvn
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def libs_dir(self) -> Path:
        """Directory of the cached broker jars."""
        return self._libs

    @property
    def _info_file(self) -> Path:
        return self._home / "broker.json"

    @property
    def _data_dir(self) -> Path:
        return self._home / "data"

    @property
    def _log_file(self) -> Path:
        return self._home / "broker.log"

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

    def _write_config(self, port: int, controller_port: int) -> Path:
        template = (self._deploy / "server.properties").read_text()
        config = template.format(
            port=port, controller_port=controller_port, data_dir=self._data_dir.resolve().as_posix()
        )
        path = self._home / "server.properties"
        path.write_text(config)
        return path

    def _format_storage(self, java: str, config: Path) -> None:
        if (self._data_dir / "meta.properties").is_file():
            return
        self._data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            java, "-cp", f"{self._libs}/*",
            f"-Dlog4j2.configurationFile={self._deploy / 'log4j2.properties'}",
            STORAGE_TOOL_CLASS, "format", "-t", _new_cluster_id(), "-c", str(config),
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise KafkaDeployError(f"formatting {self._data_dir} failed: {result.stderr.strip()[-800:]}")

    def start(self) -> BrokerInfo:
        """Start the broker unless it already runs, and wait until it serves clients.

        Returns:
            Where it listens; the same broker's info when it was already running.

        Raises:
            KafkaDeployError: Java or the jars are missing, the broker exited, or it did not become ready in
                ``start_timeout_s``; the message carries the end of its log.
        """
        running = self.status()
        if running is not None:
            log.info("kafka.already_running", bootstrap=running.bootstrap, pid=running.pid)
            return running
        self.fetch()
        java = self._java_binary()
        self._home.mkdir(parents=True, exist_ok=True)
        port = self._settings.port or _free_port()
        controller_port = _free_port()
        config = self._write_config(port, controller_port)
        self._format_storage(java, config)
        command = [
            java,
            f"-Xmx{self._settings.heap_mb}m", f"-Xms{min(self._settings.heap_mb, 256)}m",
            "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self._deploy / 'log4j2.properties'}",
            "-cp", f"{self._libs}/*",
            MAIN_CLASS, str(config),
        ]  # fmt: skip
        started = time.time()
        with self._log_file.open("ab") as log_out:
            # A session of its own: Ctrl-C in the terminal reaches the hub, which stops the broker in order.
            self._process = subprocess.Popen(  # noqa: S603
                command,
                stdout=log_out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        info = BrokerInfo(
            pid=self._process.pid,
            bootstrap=f"127.0.0.1:{port}",
            controller_port=controller_port,
            version=self._settings.version,
            data_dir=str(self._data_dir),
            log_file=str(self._log_file),
            config_file=str(config),
            started_at=started,
        )
        self._info_file.write_text(json.dumps(asdict(info), indent=2))
        log_offset = self._log_file.stat().st_size
        try:
            self._wait_ready(info, port, log_offset)
        except KafkaDeployError:
            self.stop()
            raise
        log.info("kafka.started", bootstrap=info.bootstrap, pid=info.pid, seconds=round(time.time() - started, 1))
        return info

    def _wait_ready(self, info: BrokerInfo, port: int, log_offset: int) -> None:
        deadline = time.monotonic() + self._settings.start_timeout_s
        while time.monotonic() < deadline:
            if not _process_alive(info.pid) or (self._process is not None and self._process.poll() is not None):
                raise KafkaDeployError(f"the broker exited while starting; its log ends:\n{self._log_tail()}")
            if _port_accepts(port) and _READY_LINE in self._log_since(log_offset):
                return
            time.sleep(_POLL_INTERVAL_S)
        raise KafkaDeployError(
            f"the broker did not start within {self._settings.start_timeout_s:.0f}s; its log ends:\n{self._log_tail()}"
        )

    def _log_since(self, offset: int) -> str:
        with self._log_file.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode(errors="replace")

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self._log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- status and stop -----------------------------------------------------------------------------------

    def status(self) -> BrokerInfo | None:
        """The running broker's info, or None; a stale pid file (process gone or someone else's) is removed."""
        try:
            info = BrokerInfo(**json.loads(self._info_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if (
            _process_alive(info.pid)
            and MAIN_CLASS in _command_line(info.pid)
            and info.config_file in _command_line(info.pid)
        ):
            return info
        self._info_file.unlink(missing_ok=True)
        return None

    def stop(self) -> bool:
        """Stop the broker: SIGTERM for a clean shutdown, SIGKILL after ``stop_timeout_s``.

        Returns:
            True when a broker was running and is now gone, False when none was running.
        """
        info = self.status()
        if info is None:
            return False
        log.info("kafka.stopping", pid=info.pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGTERM)
        if not self._wait_gone(info.pid, self._settings.stop_timeout_s):
            log.warning("kafka.kill", pid=info.pid, after_s=self._settings.stop_timeout_s)
            with contextlib.suppress(ProcessLookupError):
                os.kill(info.pid, signal.SIGKILL)
            self._wait_gone(info.pid, 10.0)
        self._info_file.unlink(missing_ok=True)
        log.info("kafka.stopped", pid=info.pid)
        return True

    def _wait_gone(self, pid: int, timeout_s: float) -> bool:
        if self._process is not None and self._process.pid == pid:
            try:
                self._process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                return False
            self._process = None
            return True
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not _process_alive(pid):
                return True
            time.sleep(_POLL_INTERVAL_S)
        return not _process_alive(pid)
