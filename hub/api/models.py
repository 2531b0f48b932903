"""The request and response bodies of the API; the OpenAPI document is generated from these same classes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.api.problems import FieldError
from hub.schema.base import EntityTopic

__all__ = [
    "NAME_PATTERN",
    "Accepted",
    "BackfillView",
    "ConnectorCreate",
    "ConnectorList",
    "ConnectorPut",
    "ConnectorState",
    "ConnectorStatusView",
    "ConnectorTypeList",
    "ConnectorTypeView",
    "ConnectorView",
    "CursorView",
    "EntityType",
    "Health",
    "PartnerList",
    "PartnerView",
    "Readiness",
    "SubscriptionCreate",
    "SubscriptionList",
    "SubscriptionPut",
    "SubscriptionView",
    "TokenCreate",
    "TokenIssued",
    "TokenList",
    "TokenView",
    "ValidationReport",
    "WhoAmI",
]

NAME_PATTERN = r"^[A-Za-z0-9_-]{1,100}$"
DEFAULT_INTERVAL_S = 3600.0

ConnectorState = Literal["running", "idle", "degraded", "failed", "paused", "unassigned"]
EntityType = EntityTopic


class _Body(BaseModel):
    # Request bodies refuse unknown fields so that a typo ("schedule_intervall_s") is an error, not ignored.
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Schedule(_Body):
    schedule_interval_s: float | None = Field(
        None, gt=0, le=31 * 24 * 3600, description="Run every N seconds (default 3600 when no cron is given)."
    )
    cron: str | None = Field(
        None, min_length=9, max_length=100, description="Cron expression (5 fields, UTC), instead of an interval."
    )
    paused: bool | None = Field(
        None,
        description="Registered but not run until resumed; left out, a new connector runs and a replaced one "
        "keeps its state.",
    )

    @model_validator(mode="after")
    def _one_schedule(self) -> _Schedule:
        if self.cron is not None:
            if self.schedule_interval_s is not None:
                raise ValueError("give either schedule_interval_s or cron, not both")
            if not croniter.is_valid(self.cron):
                raise ValueError(f"cron {self.cron!r} is not a valid 5-field cron expression")
        return self


class ConnectorPut(_Schedule):
    """Create or replace a connector's configuration (``PUT /connectors/{name}``).

    A secret field left out (or sent as the masked ``**********``) keeps its stored value.
    """

    type: str = Field(pattern=NAME_PATTERN, description="Installed connector type, e.g. zooniverse.")
    config: dict[str, Any] = Field(description="The type's configuration; see GET /connector-types.")


class ConnectorCreate(ConnectorPut):
    """Register a connector (``POST /connectors``)."""

    name: str = Field(pattern=NAME_PATTERN, description="Unique connector name.")


class ConnectorView(BaseModel):
    """A registered connector as the API shows it: secrets are masked, never echoed."""

    name: str
    type: str
    config: dict[str, Any]
    secret_fields: list[str] = Field(description="Config fields that are write-only; shown as '**********'.")
    schedule_interval_s: float | None
    cron: str | None
    paused: bool
    owner: str | None
    created_at: datetime
    updated_at: datetime
    status: ConnectorStatusView | None = Field(None, description="With ?expand=status on the list.")


class ConnectorList(BaseModel):
    """The connectors the caller may see."""

    connectors: list[ConnectorView]


class ConnectorStatusView(BaseModel):
    """What a connector is doing, as honestly as the hub knows it."""

    name: str
    type: str
    state: ConnectorState = Field(
        description="running, idle (waiting for its next run), degraded (last run dead-lettered records or it is "
        "stale), failed (last run failed; restarting with backoff), paused, unassigned (no live worker runs it)."
    )
    worker: str | None
    stale: bool = Field(description="Produced nothing for longer than twice its expected interval.")
    last_error: str | None
    last_error_at: datetime | None
    last_success_at: datetime | None
    last_run_started_at: datetime | None
    records_fetched: int
    records_published: int
    records_dead_lettered: int
    last_record_at: datetime | None
    consecutive_failures: int
    next_run_at: datetime | None
    heartbeat_at: datetime | None


class RunView(BaseModel):
    """One run of a connector, from the run history."""

    run_id: str = Field(description="Sorts by start time.")
    worker: str = Field(description="The worker that ran it, or hub-sync@host:pid for a `hub sync`.")
    started_at: datetime
    finished_at: datetime | None
    outcome: Literal["running", "succeeded", "failed", "cancelled"]
    error: str | None
    fetched: int
    published: int
    unchanged: int
    deleted: int
    dead_lettered: int
    batches: int
    requests: int = Field(description="HTTP requests the connector made.")
    not_modified: int = Field(description="Requests answered 304 Not Modified.")


class RunList(BaseModel):
    """A page of a connector's runs, newest first."""

    runs: list[RunView]
    next: str | None = Field(description="URL of the next (older) page, or null on the last one.")


class CursorView(BaseModel):
    """Where a connector's next sync resumes."""

    connector: str
    cursor: str | None
    updated_at: datetime | None
    batches: int
    records: int


class Accepted(BaseModel):
    """A request the scheduler will act on shortly."""

    connector: str
    action: Literal["sync", "restart", "pause", "resume"]
    requested_at: datetime


class ConnectorTypeView(BaseModel):
    """An installed connector type and the JSON Schema of its configuration."""

    name: str
    platform: str
    sync_mode: str
    description: str = Field("", description="What the type reads, in one line.")
    config_schema: dict[str, Any]
    secret_fields: list[str]


class ConnectorTypeList(BaseModel):
    """Every installed connector type."""

    types: list[ConnectorTypeView]


class ValidationReport(BaseModel):
    """The result of validating a configuration against its type, one entry per bad field."""

    type: str
    valid: bool
    error_count: int
    fields: list[FieldError]


def _projects() -> list[EntityType]:
    return ["projects"]


class _Filters(_Body):
    entity_types: list[EntityType] = Field(
        default_factory=_projects, min_length=1, description="Entity topics the subscription reads."
    )
    platforms: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Platform slugs or names (zooniverse, EU-Citizen.Science); stored as slugs. Empty: every one.",
    )
    countries: list[str] = Field(
        default_factory=list,
        max_length=300,
        description="ISO 3166-1 alpha-2 or alpha-3 codes, English names or PPSR labels (ES, ESP, Spain); stored "
        "as PPSR's projectCountry label.",
    )
    science_types: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="PPSR projectScienceType labels or parts of them (Ecology); a whole label is stored as PPSR "
        "writes it.",
    )
    keywords: list[str] = Field(
        default_factory=list, max_length=100, description="Any word of a record's keywords, name or description."
    )


class SubscriptionPut(_Filters):
    """Create or replace a subscription (``PUT /partners/{partner}/subscriptions/{name}``)."""


class SubscriptionCreate(_Filters):
    """Create a subscription (``POST /partners/{partner}/subscriptions``)."""

    name: str = Field(pattern=NAME_PATTERN)


class BackfillView(BaseModel):
    """How far the router has copied the existing records into a subscription's topics."""

    done: bool
    partitions_done: int = Field(description="Entity-topic partitions already backfilled for the current filter.")
    partitions_total: int


class SubscriptionView(BaseModel):
    """A partner's subscription, the topics it feeds and its backfill progress."""

    partner: str
    name: str
    entity_types: list[str]
    platforms: list[str]
    countries: list[str]
    science_types: list[str]
    keywords: list[str]
    topics: list[str]
    backfill: BackfillView | None
    created_at: datetime
    updated_at: datetime


class SubscriptionList(BaseModel):
    """A partner's subscriptions."""

    subscriptions: list[SubscriptionView]


class PartnerView(BaseModel):
    """A partner and its subscriptions."""

    name: str
    subscriptions: list[str]
    topics: list[str]


class PartnerList(BaseModel):
    """The partners the caller may see."""

    partners: list[PartnerView]


class TokenCreate(_Body):
    """Issue a token (admin only); every scope must name an installed type, a known connector or partner."""

    scopes: list[str] = Field(
        min_length=1,
        max_length=50,
        description="e.g. ['operator:platform:zooniverse']: admin, analyst, operator:connector:<name>, "
        "operator:platform:<connector type> or partner:<name>.",
    )
    description: str = Field("", max_length=200)
    allow_new: bool = Field(False, description="Allow a connector or partner named in a scope that does not exist yet.")


class TokenIssued(BaseModel):
    """A new token: shown once, stored only as its hash."""

    id: str
    token: str
    scopes: list[str]
    description: str
    created_at: datetime


class TokenView(BaseModel):
    """A token's id and scopes (never the token or its hash)."""

    id: str
    scopes: list[str]
    description: str
    created_at: datetime


class TokenList(BaseModel):
    """Every issued token."""

    tokens: list[TokenView]


class WhoAmI(BaseModel):
    """The caller's token id and scopes."""

    token_id: str
    scopes: list[str]


class Health(BaseModel):
    """Liveness: the process answers."""

    status: Literal["ok"]


class Readiness(BaseModel):
    """Readiness: Kafka answers and the hub's topics exist."""

    ready: bool
    checks: dict[str, str]
