"""The declarative connector: a portal with no connector of its own joins the hub with a YAML mapping file.

The mapping file (``examples/mappings/*.yaml``; format in docs/connectors.md) says where the portal's API is,
how it authenticates and pages, where the records are in a response, which field is the immutable id, and how
each PPSR attribute is read from a record through a small set of named transforms. It is validated when the
connector is registered, with errors that name the line. Every run is a full snapshot with mark and sweep.

It is registered through the API like any other connector::

    {"type": "declarative", "config": {"base_url": "https://iesaisties.lv/wp-json/", "mapping": "<the YAML text>"}}
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import Field, PrivateAttr, SecretStr, ValidationInfo, field_validator, model_validator
from typing_extensions import override
from yarl import URL

from hub.connectors._http import HttpClient, Response
from hub.connectors._mapping_spec import TARGETS, MappingSpec, build_transforms, dig, load_mapping
from hub.connectors._vocab import FlagCollector
from hub.connectors.base import (
    Clock,
    ConnectorConfig,
    Pseudonymiser,
    RawRecord,
    unparsed_payload,
    utc_now,
)
from hub.connectors.snapshot import ListedSnapshotConnector
from hub.errors import ConfigError, FatalConnectorError, RecordValidationError
from hub.schema import HubModel
from hub.schema.iris import mint_iri, platform_iri
from hub.schema.models import Project, ProjectGeographicLocation, ProjectMedia
from hub.schema.vocab import ProjectMediaType

__all__ = ["DeclarativeConfig", "DeclarativeConnector"]

# Attributes without which a record is not a project: a bad value there is a dead letter, not a dropped field.
_IDENTIFYING = frozenset({"id", "projectId", "projectName"})
# Safety bound on one listing: a portal whose paging never ends must not loop forever.
_MAX_PAGES = 10_000


class DeclarativeConfig(ConnectorConfig):
    """A declarative connector: the portal's base URL, its mapping (inline YAML or a file) and its secret.

    Each check fails on the field it is about, so the API's error names ``config.mapping`` (with the mapping's
    line) or ``config.token``; the secret never appears in an error.
    """

    mapping: str | None = Field(None, description="The mapping file's YAML text (how the API registers it).")
    mapping_file: str | None = Field(None, description="Path of a mapping file on the hub's machine.")
    token: SecretStr | None = Field(
        None, validate_default=True, description="The secret the mapping's auth section sends, if any."
    )

    _spec: MappingSpec = PrivateAttr()

    @field_validator("mapping")
    @classmethod
    def _mapping_is_valid(cls, text: str | None, info: ValidationInfo) -> str | None:
        if text is not None:
            _check_host(_spec_of(text, "mapping"), info.data.get("base_url"))
        return text

    @field_validator("mapping_file")
    @classmethod
    def _mapping_file_is_valid(cls, path: str | None, info: ValidationInfo) -> str | None:
        if path is not None:
            _check_host(_spec_of(_read(path), Path(path).name), info.data.get("base_url"))
        return path

    @field_validator("token")
    @classmethod
    def _token_when_the_mapping_needs_one(cls, token: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        spec = _spec_from(info.data.get("mapping"), info.data.get("mapping_file"))
        if spec is not None and spec.auth.style != "none" and token is None:
            raise ValueError(f"the mapping authenticates with {spec.auth.style!r}: set 'token'")
        return token

    @model_validator(mode="after")
    def _keep_the_spec(self) -> Self:
        if (self.mapping is None) == (self.mapping_file is None):
            raise ValueError("give exactly one of 'mapping' (YAML text) or 'mapping_file' (a path)")
        spec = _spec_from(self.mapping, self.mapping_file)
        assert spec is not None  # noqa: S101 - the field validators have loaded it
        self._spec = spec
        return self

    @property
    def spec(self) -> MappingSpec:
        """The validated mapping."""
        return self._spec


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"mapping_file {path}: cannot be read ({exc.strerror})") from exc


@lru_cache(maxsize=64)
def _spec_of(text: str, source: str) -> MappingSpec:
    """The mapping parsed once per distinct text (configs are validated several times on their way in)."""
    try:
        return load_mapping(text, source=source)
    except ConfigError as exc:
        raise ValueError(str(exc)) from exc


def _spec_from(mapping: object, mapping_file: object) -> MappingSpec | None:
    if isinstance(mapping, str):
        return _spec_of(mapping, "mapping")
    if isinstance(mapping_file, str):
        return _spec_of(_read(mapping_file), Path(mapping_file).name)
    return None


def _check_host(spec: MappingSpec, base_url: object) -> None:
    if base_url is None:
        return
    mapped, configured = URL(str(spec.base_url)), URL(str(base_url))
    if (mapped.scheme, mapped.host, mapped.port) != (configured.scheme, configured.host, configured.port):
        raise ValueError(
            f"base_url {configured} is not on the mapping's host {mapped.origin()}: "
            "the connector only talks to the portal its mapping describes"
        )


class DeclarativeConnector(ListedSnapshotConnector):
    """Runs a mapping file: pages through the portal's listing and maps each record to a PPSR project."""

    name: ClassVar[str] = "declarative"
    platform: ClassVar[str] = "declarative"
    config_model: ClassVar[type[ConnectorConfig]] = DeclarativeConfig

    config: DeclarativeConfig  # narrowed: Connector.__init__ checks it is an instance of config_model

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        http: HttpClient,
        pseudonymiser: Pseudonymiser | None = None,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(config, http=http, pseudonymiser=pseudonymiser, clock=clock)
        self.spec = self.config.spec
        self._fields = {
            target: (field, build_transforms(field.transforms)) for target, field in self.spec.fields.items()
        }

    @classmethod
    def platform_of(cls, config: ConnectorConfig) -> str:
        """The mapping's platform: one class runs every mapped portal."""
        if not isinstance(config, DeclarativeConfig):
            raise TypeError(f"{cls.__name__} needs a DeclarativeConfig, got {type(config).__name__}")
        return config.spec.platform

    # ----------------------------------------------------------------------------------------------------------
    # fetch

    def _request(self) -> tuple[str, dict[str, str | int], dict[str, str]]:
        listing, auth = self.spec.listing, self.spec.auth
        url = str(self.config.base_url).rstrip("/") + "/" + listing.path.lstrip("/")
        params: dict[str, str | int] = dict(listing.params)
        headers: dict[str, str] = {}
        token = self.config.token.get_secret_value() if self.config.token else None
        if token is not None and auth.name is not None and auth.style == "query":
            params[auth.name] = token
        elif token is not None and auth.name is not None and auth.style == "header":
            headers[auth.name] = token
        elif token is not None and auth.style == "bearer":
            headers["Authorization"] = f"Bearer {token}"
        return url, params, headers

    async def _pages(self) -> AsyncIterator[Response]:
        paging = self.spec.listing.paging
        url, params, headers = self._request()
        if paging.size_param:
            params[paging.size_param] = paging.page_size
        page, offset = paging.first_page, 0
        next_url: str | None = url
        for _ in range(_MAX_PAGES):
            if next_url is None:
                return
            if paging.style == "page":
                params[paging.page_param] = page
            elif paging.style == "offset":
                params[paging.offset_param] = offset
            response = await self.http.get(
                next_url, connector=self.name, params=params if next_url == url else None, headers=headers
            )
            yield response
            received = len(self._items(response))
            if paging.style == "none" or received == 0:
                return
            if paging.style == "page":
                total = response.headers.get(paging.total_pages_header) if paging.total_pages_header else None
                # WordPress answers 400 for a page past the last, so its page count is where paging stops.
                if total is not None and total.isdigit() and page - paging.first_page + 1 >= int(total):
                    return
                page += 1
            elif paging.style == "offset":
                offset += received
            else:
                next_url = self._next_link(response)
        raise FatalConnectorError(
            f"paging did not end after {_MAX_PAGES} pages; check the mapping's paging section", connector=self.name
        )

    def _next_link(self, response: Response) -> str | None:
        link = dig(response.data, self.spec.listing.paging.next_link or "")
        if not isinstance(link, str) or not link:
            return None
        target = URL(response.url).join(URL(link))
        if target.origin() != URL(str(self.config.base_url)).origin():
            raise FatalConnectorError(
                f"next link {target.origin()} leaves the portal's host; refusing to follow it", connector=self.name
            )
        return str(target)

    def _items(self, response: Response) -> list[Any]:
        items = dig(response.data, self.spec.listing.records)
        if not isinstance(items, list):
            where = self.spec.listing.records or "the body"
            raise FatalConnectorError(
                f"{URL(response.url).path_qs}: {where} is {type(items).__name__}, not the list of records the "
                "mapping's listing.records points to",
                connector=self.name,
            )
        return items

    @override
    async def listing(self) -> list[RawRecord]:
        records: list[RawRecord] = []
        async for response in self._pages():
            for item in self._items(response):
                native = dig(item, self.spec.listing.id)
                if isinstance(native, str | int) and not isinstance(native, bool) and str(native).strip():
                    records.append(RawRecord(self.platform, "project", str(native).strip(), item, response.url))
                else:
                    reason = f"record has no id at {self.spec.listing.id!r}"
                    payload = unparsed_payload(str(item)[:2000], reason)
                    records.append(RawRecord(self.platform, "project", f"no-id-{len(records)}", payload, response.url))
        return records

    # ----------------------------------------------------------------------------------------------------------
    # map

    @override
    def map(self, record: RawRecord) -> Sequence[HubModel]:
        payload = self.require_parsed(record)
        flags = FlagCollector()
        data: dict[str, Any] = {
            "id": mint_iri("project", self.platform, record.native_id),
            "projectId": record.native_id,
            "hostedOn": [platform_iri(self.platform)],
        }
        if self.spec.public_url:
            data["sameAs"] = [self.spec.public_url.replace("{id}", record.native_id)]
        for target, (field, transforms) in self._fields.items():
            if field.from_ is None:
                value = field.value
            elif isinstance(field.from_, list):
                value = [dig(payload, path) for path in field.from_]
            else:
                value = dig(payload, field.from_)
            value = self._without_empties(value)
            for transform in transforms:
                if value is None:
                    break
                value = transform.apply(value, flags, field.from_ if isinstance(field.from_, str) else target)
            _place(data, target, value, flags)
        return [self._build(record, data, flags)]

    def _without_empties(self, value: Any) -> Any:
        if isinstance(value, list):
            kept = [item for item in value if not self.spec.is_empty(item)]
            return kept or None
        return None if self.spec.is_empty(value) else value

    def _build(self, record: RawRecord, data: dict[str, Any], flags: FlagCollector) -> Project:
        # A value the standard refuses costs that attribute, not the record: drop it, flag it, try again.
        for _ in range(len(data) + 1):
            try:
                return Project(**data, data_quality_flag=flags.texts())
            except RecordValidationError as exc:
                bad = set()
                for error in exc.errors:
                    key = str(error.get("loc", "$")).removeprefix("$.").split(".")[0].split("[")[0]
                    if key in _IDENTIFYING or key not in data:
                        raise self.skip(record, str(exc)) from exc
                    bad.add(key)
                    flags.add(key, str(error.get("input")), f"{error.get('msg')}; left out")
                for key in bad:
                    del data[key]
        raise self.skip(record, "no valid project could be built")


def _place(data: dict[str, Any], target: str, value: Any, flags: FlagCollector) -> None:
    """Put a transformed value under its PPSR key, in the shape that attribute takes."""
    kind = TARGETS[target]
    if value is None or value == [] or value == "":
        return
    if kind == "pin":
        if isinstance(value, tuple):
            data["projectGeographicLocation"] = [
                ProjectGeographicLocation(project_pin_latitude=value[0], project_pin_longitude=value[1])
            ]
        return
    if kind == "images":
        urls = value if isinstance(value, list) else [value]
        data["projectMedia"] = [
            ProjectMedia(project_media_type=ProjectMediaType.IMAGE_URL, project_media_file=str(url)) for url in urls
        ]
        return
    if kind in ("texts", "labels", "urls"):
        data[target] = [str(v) for v in (value if isinstance(value, list) else [value])]
        return
    if isinstance(value, list):
        if len(value) > 1:
            flags.add(
                target, "; ".join(map(str, value)), "several values for a single-valued attribute; kept the first"
            )
        value = value[0]
    data[target] = value if isinstance(value, str) else str(value)
