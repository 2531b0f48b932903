"""The pydantic base of every published entity, and the fast path to compact JSON-LD.

JSON keys are the JSON-LD context's terms (PPSR Core attribute names where PPSR has one), produced by pydantic's
alias generator from snake_case Python names; the few keys that are not plain camelCase (``id``, ``occurrenceID``,
``dcterms:title``...) carry an explicit alias. Models accept both the Python name and the JSON key.

The fast path (`HubModel.to_jsonld_bytes`) is one pydantic dump plus ``orjson``: no JSON-LD processing per record.
The tests prove that pyld's expansion of that output gives the same RDF as the reference mapping in ``rdf.py``.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal, Self, get_args

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    computed_field,
    model_validator,
)
from pydantic.alias_generators import to_camel

from hub.errors import RecordValidationError

__all__ = [
    "COMPACTED_ENTITY_TYPES",
    "CONTEXT_URL",
    "CONTEXT_VERSION",
    "ENTITY_TYPES",
    "TIME_KEPT_ENTITY_TYPES",
    "EntityTopic",
    "HubModel",
    "Iri",
    "Node",
    "WebUrl",
    "json_path",
    "validation_problems",
]

#: Version of the bundled context every payload references.
CONTEXT_VERSION = "v1"
#: IRI of the bundled context ``hub/schema/contexts/v1.jsonld`` (served only by the frozen document loader).
CONTEXT_URL = "https://w3id.org/citsci-hub/context/v1.jsonld"

#: The one list of entity types: topics, API models, the materialiser and the envelope derive theirs from it.
EntityTopic = Literal["projects", "organisations", "platforms", "datasets", "links", "statistics", "contributions"]
ENTITY_TYPES: tuple[EntityTopic, ...] = get_args(EntityTopic)
#: Entity types kept by time (keyed by project IRI, many records per key) rather than compacted by IRI.
TIME_KEPT_ENTITY_TYPES: tuple[EntityTopic, ...] = ("contributions",)
COMPACTED_ENTITY_TYPES: tuple[EntityTopic, ...] = tuple(e for e in ENTITY_TYPES if e not in TIME_KEPT_ENTITY_TYPES)

# An absolute IRI: a scheme, then no whitespace or characters that RDF forbids in IRIs. The patterns are checked
# by pydantic's Rust regex engine, inside validation (a Python validator per IRI cost three times as much, and a
# contribution has half a dozen IRIs); `validation_problems` words their errors.
_IRI_PATTERN = r'^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>"{}|\\^`]+$'
_WEB_URL_PATTERN = r'^[Hh][Tt][Tt][Pp][Ss]?://[^\s<>"{}|\\^`]+$'
_PATTERN_MEANING = {_IRI_PATTERN: "an absolute IRI", _WEB_URL_PATTERN: "an http(s) URL"}

#: An absolute IRI (a link to another node in RDF).
Iri = Annotated[str, StringConstraints(pattern=_IRI_PATTERN)]
#: An http(s) URL (a link to a web page or file).
WebUrl = Annotated[str, StringConstraints(pattern=_WEB_URL_PATTERN)]


class Node(BaseModel):
    """A JSON-LD node: the hub's keys, an optional ``type``, and nothing that has no term in the context.

    Nested classes (contact points, media, geographic locations, annotation bodies...) derive from this directly;
    published entities derive from `HubModel`.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        str_strip_whitespace=True,
    )

    #: The node's ``type`` value(s): terms of the context, e.g. ``("Project", "ResearchProject")``.
    TYPES: ClassVar[tuple[str, ...]] = ()
    #: Keys that are computed on output and ignored on input (``type`` and, for some entities, ``conformance``).
    COMPUTED_KEYS: ClassVar[frozenset[str]] = frozenset({"type", "jsonld_type"})

    @model_validator(mode="before")
    @classmethod
    def _drop_computed_keys(cls, data: Any) -> Any:
        # Reading a published document back: its computed keys are outputs, recomputed from the fields. This runs
        # for every node validated, so the common case (a dict without them) is one set operation.
        if isinstance(data, Mapping) and not cls.COMPUTED_KEYS.isdisjoint(data):
            return {key: value for key, value in data.items() if key not in cls.COMPUTED_KEYS}
        return data

    def jsonld_types(self) -> tuple[str, ...]:
        """The ``type`` terms of this node (a subclass may choose them per instance)."""
        return self.TYPES

    @computed_field(alias="type")  # type: ignore[prop-decorator]
    @property
    def jsonld_type(self) -> list[str] | str | None:
        """``type`` as written in JSON-LD: one term as a string, several as a list."""
        types = self.jsonld_types()
        if not types:
            return None
        return types[0] if len(types) == 1 else list(types)


class HubModel(Node):
    """Base of every entity the hub publishes on Kafka.

    Attributes:
        iri: the stable IRI (``hub.schema.iris.mint_iri``); the Kafka key.
        data_quality_flag: what the connector could not map (``dataQualityFlag``), so it is never lost silently.
        ENTITY: the entity topic the record belongs to.
    """

    ENTITY: ClassVar[EntityTopic]
    #: Python names of fields that change on every harvest and so stay out of `content_hash`.
    HASH_EXCLUDE: ClassVar[frozenset[str]] = frozenset()

    iri: Iri = Field(alias="id", description="Stable IRI of the record; its Kafka key.")
    data_quality_flag: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list,
        description="What the connector could not map, one line per flag (field='value': reason).",
    )

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _schema_error(type(self).__name__, exc) from exc

    @classmethod
    def from_jsonld(cls, document: Mapping[str, Any]) -> Self:
        """Read a compact JSON-LD document produced by `to_jsonld` (the ``@context`` key is checked and dropped).

        Raises:
            RecordValidationError: naming each offending JSON path and value.
        """
        data = dict(document)
        context = data.pop("@context", CONTEXT_URL)
        if context != CONTEXT_URL:
            raise RecordValidationError(
                f"{cls.__name__}: $.@context: {context!r} is not the hub context {CONTEXT_URL}",
                errors=[{"loc": "$.@context", "msg": "not the hub context", "input": context}],
            )
        # model_validate runs HubModel.__init__, which raises RecordValidationError.
        return cls.model_validate(data)

    def partition_key(self) -> str:
        """The Kafka key to publish under: the record's IRI (contributions: the project IRI)."""
        return self.iri

    def _dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)

    def _dump_json(self) -> bytes:
        # pydantic's own JSON serialiser (in Rust) writes the very bytes orjson writes of `_dump` (the tests hold
        # the two equal) in a third to a half of the time: the Python dict `_dump` builds is never needed.
        return self.__pydantic_serializer__.to_json(self, exclude_none=True, exclude_defaults=True)

    def to_jsonld(self) -> dict[str, Any]:
        """Compact JSON-LD with the context reference; the fast path, no JSON-LD processing."""
        return {"@context": CONTEXT_URL, **self._dump()}

    def to_jsonld_bytes(self) -> bytes:
        """`to_jsonld` as UTF-8 JSON bytes, ready to be a Kafka value."""
        return _with_context(self._dump_json())

    def content_hash(self) -> str:
        """SHA-256 (hex) of the normalised content without harvest-time fields.

        An unchanged platform record gives the same hash on every harvest, so the publisher can skip it. The hash
        is of the content's JSON with sorted keys, so it does not depend on the order of the fields.
        """
        return self.jsonld_and_hash()[1]

    def jsonld_and_hash(self) -> tuple[bytes, str]:
        """`to_jsonld_bytes` and `content_hash` from one pydantic dump: the publishing fast path.

        The dump is most of the cost of either, so the hash is taken from the same JSON, read back and written
        with sorted keys less the JSON keys of ``HASH_EXCLUDE`` (reading compact JSON costs a fraction of dumping a
        model): the hash a Python dump with sorted keys gives, so hashes already on the topics stay valid.
        """
        body = self._dump_json()
        content = orjson.loads(body)
        for key in _hash_excluded_keys(type(self)):
            content.pop(key, None)
        return _with_context(body), hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


_CONTEXT_PREFIX = orjson.dumps({"@context": CONTEXT_URL})[:-1]


def _with_context(body: bytes) -> bytes:
    """``{"@context": CONTEXT_URL, **body}`` for a JSON object's bytes, without parsing them."""
    return _CONTEXT_PREFIX + (b"}" if body == b"{}" else b"," + body[1:])


@functools.cache
def _hash_excluded_keys(model: type[HubModel]) -> frozenset[str]:
    """The JSON keys (aliases) the dump gives the Python names of ``model.HASH_EXCLUDE``."""
    keys: set[str] = set()
    for name in model.HASH_EXCLUDE:
        if (field := model.model_fields.get(name)) is not None:
            keys.add(field.serialization_alias or field.alias or name)
        elif (computed := model.model_computed_fields.get(name)) is not None:
            keys.add(computed.alias or name)
        else:
            raise TypeError(f"{model.__name__}.HASH_EXCLUDE names {name!r}, which is not one of its fields")
    return frozenset(keys)


def json_path(loc: Sequence[int | str]) -> str:
    """``("contactPoint", 0, "meansOfContact")`` -> ``$.contactPoint[0].meansOfContact``."""
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


@functools.lru_cache(maxsize=4096)
def _nearest_label(value: str, expected: str) -> str | None:
    """The label of pydantic's ``expected`` list closest to ``value``, or None.

    Cached: real inventories repeat the same few bad values ("Unknown", "UTF-8", a misspelt label) in thousands of
    records, and one difflib search over 110 science types or 249 countries costs milliseconds.
    """
    labels = re.findall(r"'((?:[^'\\]|\\.)*)'", expected)
    close = difflib.get_close_matches(value, labels, n=1, cutoff=0.6)
    return close[0] if close else None


def validation_problems(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors as ``{"loc": JSON path, "msg": ..., "input": value}``, enum errors with a close match."""
    problems: list[dict[str, Any]] = []
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
        msg = error["msg"].removeprefix("Value error, ")
        value = error.get("input")
        if error["type"] == "enum":
            # pydantic lists every allowed label; for 110 science types or 249 countries that hides the point.
            close = _nearest_label(str(value), str(error.get("ctx", {}).get("expected", "")))
            names = [str(part) for part in loc if isinstance(part, str)]
            field = to_camel(names[-1]) if names else "value"
            msg = f"not a PPSR {field} label" + (f" (did you mean {close!r}?)" if close else "")
        elif error["type"] == "string_pattern_mismatch" and (
            meaning := _PATTERN_MEANING.get(str(error.get("ctx", {}).get("pattern")))
        ):
            msg = f"{_short(value)} is not {meaning}"
        elif isinstance(value, Enum):
            value = value.value
        problems.append({"loc": json_path(loc), "msg": msg, "input": value})
    return problems


def _schema_error(model: str, exc: ValidationError) -> RecordValidationError:
    problems = validation_problems(exc)
    shown = "; ".join(f"{p['loc']}: {p['msg']} (value {_short(p['input'])})" for p in problems)
    return RecordValidationError(f"{model}: {shown}", errors=problems)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
