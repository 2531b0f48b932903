"""The hub's settings: one object, read once at start from ``HUB_*`` environment variables.

Nested settings use ``__``: ``HUB_LOCAL_KAFKA__HEAP_MB=768`` sets ``settings.local_kafka.heap_mb``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.collector import DEFAULT_YOUNG_THRESHOLD
from hub.errors import ConfigError

__all__ = [
    "DEVELOPMENT_ANONYMISATION_SECRET",
    "ENV_PREFIX",
    "ApiSettings",
    "DumpSettings",
    "HubSettings",
    "KafkaSettings",
    "LocalKafkaSettings",
    "StreamSettings",
    "load_settings",
]

ENV_PREFIX = "HUB_"
#: The default HMAC key: fine on a laptop, never in production (anyone can recompute its pseudonyms).
DEVELOPMENT_ANONYMISATION_SECRET = "change-me-citsci-hub-development-secret"  # noqa: S105 - a documented default
NESTED_DELIMITER = "__"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LocalKafkaSettings(_Section):
    """The single-node Apache Kafka broker the hub runs itself when no cluster is configured."""

    version: str = Field(
        "4.3.1",
        pattern=r"^\d+\.\d+\.\d+$",
        description="org.apache.kafka:kafka_2.13 version fetched from Maven Central.",
    )
    port: int = Field(0, ge=0, le=65535, description="Client listener port on 127.0.0.1; 0 picks a free one.")
    heap_mb: int = Field(512, ge=128, le=8192, description="JVM heap (-Xmx) of the broker.")
    start_timeout_s: float = Field(90.0, gt=0, description="How long to wait for the broker to answer.")
    stop_timeout_s: float = Field(30.0, gt=0, description="Grace period after SIGTERM before SIGKILL.")
    sasl: bool = Field(
        True, description="SASL/SCRAM listener and ACLs (the hub the only super user); false: plaintext, no ACLs."
    )
    brokers: int = Field(1, ge=1, le=5, description="KRaft nodes (broker and controller each) on loopback.")


SecurityProtocol = Literal["PLAINTEXT", "SASL_PLAINTEXT", "SSL", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class KafkaSettings(_Section):
    """How every hub client authenticates to the cluster (``HUB_KAFKA__*``); the address is ``HUB_KAFKA_BOOTSTRAP``.

    All clients are built from these by ``hub.stream.kafka``, so a secured cluster is one set of variables.
    """

    security_protocol: SecurityProtocol = Field(
        "PLAINTEXT", description="PLAINTEXT, SASL_PLAINTEXT, SSL or SASL_SSL, as the cluster's listener expects."
    )
    sasl_mechanism: SaslMechanism = Field("SCRAM-SHA-512", description="SASL mechanism of the SASL_* protocols.")
    sasl_username: str | None = Field(None, min_length=1, description="SASL user (principal) of the hub.")
    sasl_password: SecretStr | None = Field(None, min_length=1, description="SASL password of the hub's user.")
    ssl_cafile: Path | None = Field(None, description="PEM file of the CA that signed the brokers' certificates.")
    ssl_certfile: Path | None = Field(None, description="PEM client certificate, for clusters that require mTLS.")
    ssl_keyfile: Path | None = Field(None, description="PEM private key of ssl_certfile.")
    client_id: str = Field("citsci-hub", min_length=1, description="Client id the brokers log and quota by.")
    request_timeout_ms: int = Field(30_000, ge=1000, description="Longest wait for one Kafka request.")

    @model_validator(mode="after")
    def _credentials_complete(self) -> Self:
        if self.security_protocol.startswith("SASL_") and (self.sasl_username is None or self.sasl_password is None):
            raise ValueError(f"security_protocol {self.security_protocol} needs sasl_username and sasl_password")
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise ValueError("ssl_certfile and ssl_keyfile go together")
        return self


class StreamSettings(_Section):
    """How the hub lays out its topics on the cluster."""

    partitions: int = Field(1, ge=1, description="Partitions per hub topic.")
    replication_factor: int = Field(1, ge=1, description="1 on a local broker, 3 in production.")
    min_insync_replicas: int = Field(1, ge=1, description="2 in production, with replication factor 3.")
    topic_prefix: str = Field("ccs", pattern=r"^[A-Za-z0-9_-]+$", description="First part of every topic name.")
    publish_give_up_s: float = Field(
        120.0,
        gt=0,
        description="Longest a sync keeps retrying one transaction (the cluster away) before it fails with an error.",
    )
    linger_ms: int = Field(
        5, ge=0, le=1000, description="How long the sync's producer waits to fill a batch before sending it."
    )
    max_batch_size: int = Field(
        262_144, ge=16_384, le=8_388_608, description="Bytes of records per partition the producer sends at once."
    )
    producer: Literal["aiokafka", "confluent"] = Field(
        "confluent",
        description="The sync's transactional producer library: confluent (librdkafka, 1.3-2.0x aiokafka's rate in "
        "bench_publish) or aiokafka.",
    )
    records_per_transaction: int = Field(
        1,
        ge=1,
        le=100_000,
        description="A sync merges fetched batches into one transaction until it holds at least this many records "
        "(1: one transaction per fetched batch).",
    )
    map_workers: int = Field(
        0,
        ge=0,
        le=64,
        description="Worker processes that map and serialise the records of connector types that allow it "
        "(zooniverse-export, zooniverse-classifications) while the sync fetches and publishes; 0 maps in the sync.",
    )


class ApiSettings(_Section):
    """The registry and API service, and the scheduler that runs the registered connectors."""

    host: str = Field("127.0.0.1", min_length=1, description="Interface the HTTP API listens on.")
    port: int = Field(8080, ge=0, le=65535, description="Port of the HTTP API; 0 picks a free one.")
    admin_token: SecretStr | None = Field(
        None, min_length=24, description="Bootstrap admin bearer token; only its hash is kept in memory."
    )
    max_body_bytes: int = Field(1 << 20, ge=1024, description="Largest request body accepted.")
    outbound_allow: tuple[str, ...] = Field(
        (), description="Hosts or CIDRs connectors may reach although they are loopback, private or link-local."
    )
    worker_slots: int = Field(12, ge=1, le=1024, description="Partitions of the worker assignment topic.")
    worker_session_timeout_ms: int = Field(10000, ge=6000, description="How soon a dead worker's share moves.")
    backoff_initial_s: float = Field(5.0, gt=0, description="Wait before restarting a failed run.")
    backoff_max_s: float = Field(900.0, gt=0, description="Longest wait between restarts of a failing connector.")
    max_concurrent_runs: int = Field(
        16,
        ge=1,
        le=10_000,
        description=(
            "Connector runs one worker process has in progress at once; due ones wait, the longest overdue first."
        ),
    )


class DumpSettings(_Section):
    """The materialised RDF store, the dump files and the SPARQL endpoint analysts use."""

    store_dir: Path | None = Field(None, description="The pyoxigraph store; default <state_dir>/dump/store.")
    output_dir: Path | None = Field(None, description="Where `hub dump` writes; default <state_dir>/dump/files.")
    sparql_timeout_s: float = Field(30.0, gt=0, description="A SPARQL query running longer is refused.")
    sparql_result_limit: int = Field(100_000, ge=1, description="A SPARQL query with more results is refused.")
    batch_max_records: int = Field(500, ge=1, description="Records the materialiser applies per transaction.")
    match_interval_s: float = Field(600.0, gt=0, description="How often hub up runs the cross-platform matcher.")
    match_debounce_s: float = Field(
        2.0, ge=0, description="After projects change, how long the projects topic must be quiet before a match."
    )


class HubSettings(BaseSettings):
    """Everything the hub reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED_DELIMITER,
        frozen=True,
        extra="forbid",
    )

    kafka_bootstrap: str | None = Field(
        None,
        min_length=1,
        description="host:port[,host:port] of an existing cluster; when set the hub starts no broker.",
    )
    state_dir: Path = Field(Path(".hub"), description="Where the local broker keeps its data and pid file.")
    cache_dir: Path = Field(
        Path.home() / ".cache" / "citsci-hub",
        description="Where Kafka's jars from Maven Central are cached between runs.",
    )
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="auto: console on a terminal, JSON lines otherwise."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    anonymisation_secret: SecretStr = Field(
        SecretStr(DEVELOPMENT_ANONYMISATION_SECRET),
        min_length=16,
        description="Key of the HMAC that turns platform user ids into pseudonymous tokens.",
    )
    production: bool = Field(
        False,
        description="A production site: settings a laptop may leave to defaults (HUB_SECRETS_KEY) must be set.",
    )
    secrets_key: SecretStr | None = Field(
        None,
        min_length=1,
        description="Fernet keys that encrypt connector secrets, comma-separated, the first encrypting; unset in "
        "development: a key is generated into <state_dir>/secrets.keys.",
    )
    gc_young_threshold: int = Field(
        DEFAULT_YOUNG_THRESHOLD,
        ge=0,
        le=10_000_000,
        description="Allocations between young garbage collections in the hub's processes (hub.collector); "
        "0 keeps Python's own pace (700).",
    )
    kafka: KafkaSettings = KafkaSettings()
    local_kafka: LocalKafkaSettings = LocalKafkaSettings()
    stream: StreamSettings = StreamSettings()
    api: ApiSettings = ApiSettings()
    dump: DumpSettings = DumpSettings()


def _variable_name(loc: tuple[int | str, ...]) -> str:
    return ENV_PREFIX + NESTED_DELIMITER.join(str(part) for part in loc).upper()


def load_settings() -> HubSettings:
    """Read the settings from the environment.

    Raises:
        ConfigError: naming each offending ``HUB_*`` variable, its value and what is wrong with it.
    """
    try:
        return HubSettings()
    except ValidationError as exc:
        problems = [f"{_variable_name(err['loc'])}={err.get('input')!r}: {err['msg']}" for err in exc.errors()]
        raise ConfigError("invalid settings: " + "; ".join(problems), errors=[dict(e) for e in exc.errors()]) from exc
