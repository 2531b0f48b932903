"""Mapping files of the declarative connector: their schema, validation with line numbers, and named transforms.

A mapping file is YAML written by a portal team, not by a Python programmer, so every mistake is reported with
the line it is on and, where it helps, the closest valid name::

    mapping line 14 (fields.projectStatus.transforms[0]): unknown transform 'vocabulary'; did you mean 'vocab'?

See ``docs/connectors.md`` ("Writing a mapping file") for the format.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError

from hub.connectors._parsing import as_text, normalise_url, parse_bool, parse_date, parse_float, split_list, strip_html
from hub.connectors._vocab import FlagCollector, load_tables, normalise_term
from hub.errors import ConfigError

__all__ = [
    "TARGETS",
    "TRANSFORMS",
    "FieldSpec",
    "MappingSpec",
    "Transform",
    "dig",
    "load_mapping",
]

# --------------------------------------------------------------------------------------------------------------
# The file's structure


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AuthSpec(_Strict):
    """How requests authenticate; the secret itself is the connector config's ``token``, never the file."""

    style: Literal["none", "bearer", "header", "query"] = "none"
    name: str | None = Field(None, min_length=1, description="Header name (style header) or query parameter (query).")


class PagingSpec(_Strict):
    """How the listing is paged."""

    style: Literal["none", "page", "offset", "next_link"] = "none"
    page_param: str = "page"
    first_page: int = Field(1, ge=0)
    size_param: str | None = Field(None, description="Query parameter carrying the page size, if the API has one.")
    page_size: int = Field(50, ge=1, le=1000)
    offset_param: str = "offset"
    total_pages_header: str | None = Field(
        None, description="Response header with the page count (WordPress: X-WP-TotalPages); paging stops there."
    )
    next_link: str | None = Field(None, description="Dotted path of the next page's URL in the body (next_link).")


class ListingSpec(_Strict):
    """Where the records are."""

    path: str = Field("", description="Path of the listing under base_url.")
    params: dict[str, str | int] = Field(default_factory=dict)
    records: str = Field("", description="Dotted path of the record array in the body; empty for a bare array.")
    id: str = Field(min_length=1, description="Dotted path of the record's immutable id.")
    paging: PagingSpec = PagingSpec()


class FieldSpec(_Strict):
    """One PPSR attribute: where it comes from and how it is transformed."""

    from_: str | list[str] | None = Field(None, alias="from")
    value: Any = None
    transforms: list[str | dict[str, Any]] = Field(default_factory=list)


def _blank_only() -> list[str | bool | int | None]:
    return [""]


class MappingSpec(_Strict):
    """A whole mapping file."""

    version: Literal[1]
    platform: str = Field(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
    name: str = Field(min_length=1)
    base_url: HttpUrl
    public_url: str | None = Field(
        None, description="Template of a project's own web page, e.g. 'https://portal.lv/projekti/{id}'."
    )
    auth: AuthSpec = AuthSpec()
    listing: ListingSpec
    empty_values: list[str | bool | int | None] = Field(
        default_factory=lambda: _blank_only(),
        description="Values that mean 'no value' in this portal (WordPress ACF sends false for an empty field).",
    )
    fields: dict[str, FieldSpec]

    def is_empty(self, value: Any) -> bool:
        """Whether ``value`` means "no value" here (``False`` is never confused with ``0``)."""
        if value is None:
            return True
        return any(type(value) is type(empty) and value == empty for empty in self.empty_values)


# --------------------------------------------------------------------------------------------------------------
# Targets: the PPSR attributes a mapping may fill, and the kind of value each takes

TargetKind = Literal["text", "url", "date", "texts", "urls", "pin", "images", "label", "labels"]

TARGETS: Mapping[str, TargetKind] = {
    "projectName": "text",
    "projectAim": "text",
    "projectDescription": "text",
    "projectLocality": "text",
    "projectHowToParticipate": "text",
    "projectTask": "text",
    "projectEquipment": "text",
    "projectResponsiblePartyName": "text",
    "projectAdditionalInformation": "text",
    "language": "label",
    "projectStatus": "label",
    "difficultyLevel": "label",
    "projectUrl": "url",
    "projectDateCreated": "date",
    "projectLastUpdatedDate": "date",
    "projectStartDate": "date",
    "projectEndDate": "date",
    "projectPlannedStartDate": "date",
    "projectPlannedEndDate": "date",
    "keyword": "texts",
    "projectIntendedOutcomes": "texts",
    "projectScientificCollaborators": "texts",
    "projectExternalId": "texts",
    "projectOriginalRepository": "texts",
    "projectScienceType": "labels",
    "scientificProcessInvolved": "labels",
    "projectCountry": "labels",
    "hasTag": "labels",
    "unRegions": "labels",
    "projectExternalLinks": "urls",
    "projectPin": "pin",
    "projectImage": "images",
}

# --------------------------------------------------------------------------------------------------------------
# Transforms


@dataclass(frozen=True)
class Transform:
    """One named step applied to a field's value; ``apply`` returns the new value (None drops it)."""

    name: str
    argument: Any
    apply: Callable[[Any, FlagCollector, str], Any]


def _each(value: Any, one: Callable[[Any], Any]) -> Any:
    if isinstance(value, list):
        return [out for out in (one(item) for item in value) if out is not None]
    return one(value)


def _t_strip_html(_arg: Any) -> Callable[[Any, FlagCollector, str], Any]:
    return lambda value, _flags, _field: _each(value, lambda v: strip_html(as_text(v, stringify=True)))


def _t_trim(_arg: Any) -> Callable[[Any, FlagCollector, str], Any]:
    return lambda value, _flags, _field: _each(value, lambda v: as_text(v, stringify=True))


def _t_url(_arg: Any) -> Callable[[Any, FlagCollector, str], Any]:
    def apply(value: Any, flags: FlagCollector, field: str) -> Any:
        def one(item: Any) -> str | None:
            url = normalise_url(as_text(item, stringify=True))
            if url is None and as_text(item, stringify=True):
                flags.add(field, str(item), "not a web address; left out")
            return url

        return _each(value, one)

    return apply


def _t_date(arg: Any) -> Callable[[Any, FlagCollector, str], Any]:
    formats = tuple([arg] if isinstance(arg, str) else arg or [])

    def apply(value: Any, flags: FlagCollector, field: str) -> Any:
        def one(item: Any) -> str | None:
            if item is None or item == "":
                return None
            parsed = parse_date(item, formats=formats)
            if parsed is None:
                flags.add(field, str(item), "not a readable date; left out")
                return None
            return parsed.value.isoformat()

        return _each(value, one)

    return apply


def _t_vocab(arg: Any) -> Callable[[Any, FlagCollector, str], Any]:
    table = {normalise_term(str(k)): v for k, v in arg.items()}

    def apply(value: Any, flags: FlagCollector, field: str) -> Any:
        out: list[str] = []
        for item in value if isinstance(value, list) else [value]:
            if item is None or item == "":
                continue
            key = normalise_term(str(item))
            if key not in table:
                flags.add(field, str(item), "not in the mapping's vocab table; left out")
                continue
            labels = table[key]
            out.extend([] if labels is None else [labels] if isinstance(labels, str) else labels)
        return out if isinstance(value, list) else (out[0] if out else None)

    return apply


def _t_split(arg: Any) -> Callable[[Any, FlagCollector, str], Any]:
    separator = arg if isinstance(arg, str) and arg else ","

    def apply(value: Any, _flags: FlagCollector, _field: str) -> Any:
        items = value if isinstance(value, list) else [value]
        return [
            part for item in items if item is not None for part in split_list(as_text(item, stringify=True), separator)
        ]

    return apply


def _t_coordinates(arg: Any) -> Callable[[Any, FlagCollector, str], Any]:
    order = arg

    def apply(value: Any, flags: FlagCollector, field: str) -> Any:
        if value is None or value == "" or value == [None, None]:
            return None
        parts = value if isinstance(value, list) else re.split(r"[,;\s]+", str(value).strip())
        numbers = [parse_float(part) for part in parts if part not in ("", None)]
        if len(numbers) != 2 or None in numbers:
            flags.add(field, str(value), "not a coordinate pair; no pin published")
            return None
        first, second = (float(number or 0.0) for number in numbers)
        lat, lon = (first, second) if order == "lat,lon" else (second, first)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            flags.add(field, str(value), f"outside WGS84 bounds read as {order}; no pin published")
            return None
        return (lat, lon)

    return apply


def _t_number(_arg: Any) -> Callable[[Any, FlagCollector, str], Any]:
    def apply(value: Any, flags: FlagCollector, field: str) -> Any:
        def one(item: Any) -> float | None:
            number = parse_float(item)
            if number is None and item not in (None, ""):
                flags.add(field, str(item), "not a number; left out")
            return number

        return _each(value, one)

    return apply


def _t_scale(arg: Any) -> Callable[[Any, FlagCollector, str], Any]:
    factor = float(arg)
    return lambda value, _flags, _field: _each(value, lambda v: v * factor if isinstance(v, int | float) else None)


def _t_country(_arg: Any) -> Callable[[Any, FlagCollector, str], Any]:
    table = load_tables("countries")["projectCountry"]

    def apply(value: Any, flags: FlagCollector, field: str) -> Any:
        items = value if isinstance(value, list) else [value]
        codes = [str(item).strip() for item in items if item not in (None, "")]
        labels = table.map_terms(codes, flags, source_field=field)
        return labels if isinstance(value, list) else (labels[0] if labels else None)

    return apply


def _t_bool(_arg: Any) -> Callable[[Any, FlagCollector, str], Any]:
    return lambda value, _flags, _field: _each(value, parse_bool)


def _t_template(arg: Any) -> Callable[[Any, FlagCollector, str], Any]:
    template = str(arg)
    return lambda value, _flags, _field: _each(value, lambda v: template.replace("{value}", str(v)))


def _t_first(_arg: Any) -> Callable[[Any, FlagCollector, str], Any]:
    return lambda value, _flags, _field: (value[0] if value else None) if isinstance(value, list) else value


def _t_when(arg: Any) -> Callable[[Any, FlagCollector, str], Any]:
    """``{when: {true: "Participate from home"}}``: a boolean becomes a label (or nothing)."""
    choices = {bool(k) if isinstance(k, bool) else parse_bool(k): v for k, v in arg.items()}
    return lambda value, _flags, _field: _each(value, lambda v: choices.get(parse_bool(v)))


_ArgCheck = Callable[[Any], str | None]


def _no_argument(arg: Any) -> str | None:
    return None if arg is None else "takes no argument; write it as a plain name"


def _formats(arg: Any) -> str | None:
    if arg is None or isinstance(arg, str) or (isinstance(arg, list) and all(isinstance(f, str) for f in arg)):
        return None
    return "expects a strptime format such as '%d.%m.%Y', or a list of them"


def _vocab_table(arg: Any) -> str | None:
    if not isinstance(arg, Mapping) or not arg:
        return "expects a mapping from the portal's terms to PPSR labels"
    for term, labels in arg.items():
        ok = (
            labels is None
            or isinstance(labels, str)
            or (isinstance(labels, list) and all(isinstance(label, str) for label in labels))
        )
        if not ok:
            return f"term {term!r} must map to a label, a list of labels or null"
    return None


def _separator(arg: Any) -> str | None:
    return None if arg is None or (isinstance(arg, str) and arg) else "expects a separator such as ',' or ';'"


def _order(arg: Any) -> str | None:
    return None if arg in ("lat,lon", "lon,lat") else "expects 'lat,lon' or 'lon,lat'"


def _factor(arg: Any) -> str | None:
    return None if isinstance(arg, int | float) and not isinstance(arg, bool) else "expects a number (the factor)"


def _template_arg(arg: Any) -> str | None:
    return None if isinstance(arg, str) and "{value}" in arg else "expects text containing {value}"


def _when_arg(arg: Any) -> str | None:
    if isinstance(arg, Mapping) and arg and all(isinstance(k, bool) or parse_bool(k) is not None for k in arg):
        return None
    return "expects a mapping from true/false to a value"


TRANSFORMS: Mapping[str, tuple[Callable[[Any], Callable[[Any, FlagCollector, str], Any]], _ArgCheck]] = {
    "strip_html": (_t_strip_html, _no_argument),
    "trim": (_t_trim, _no_argument),
    "url": (_t_url, _no_argument),
    "date": (_t_date, _formats),
    "vocab": (_t_vocab, _vocab_table),
    "split": (_t_split, _separator),
    "coordinates": (_t_coordinates, _order),
    "number": (_t_number, _no_argument),
    "scale": (_t_scale, _factor),
    "country": (_t_country, _no_argument),
    "bool": (_t_bool, _no_argument),
    "when": (_t_when, _when_arg),
    "template": (_t_template, _template_arg),
    "first": (_t_first, _no_argument),
}


def build_transforms(items: Sequence[str | Mapping[str, Any]]) -> list[Transform]:
    """Turn a checked ``transforms`` list into callables (``check_mapping`` has vetted names and arguments)."""
    out = []
    for item in items:
        name, argument = (item, None) if isinstance(item, str) else next(iter(item.items()))
        factory, _ = TRANSFORMS[name]
        out.append(Transform(name, argument, factory(argument)))
    return out


# --------------------------------------------------------------------------------------------------------------
# Loading with line numbers


def dig(data: Any, path: str) -> Any:
    """The value at a dotted path (``acf.koordinatas``; a number indexes a list); None when absent."""
    if not path:
        return data
    for part in path.split("."):
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


Loc = tuple[str | int, ...]


def _node_lines(node: yaml.Node, path: Loc = ()) -> dict[Loc, int]:
    """1-based line of every mapping key and sequence item, by its path in the document."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = (*path, str(key_node.value))
            lines.update(_node_lines(value_node, key_path))
            lines[key_path] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_node_lines(item, (*path, index)))
    return lines


def _line_of(lines: Mapping[Loc, int], loc: Loc) -> int:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def _where(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


def _closest(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(sorted(known))}"


def check_fields(fields: Mapping[str, FieldSpec]) -> list[tuple[Loc, str]]:
    """Problems of the ``fields`` section pydantic cannot see: unknown targets and transforms, bad arguments."""
    problems: list[tuple[Loc, str]] = []
    for target, field in fields.items():
        where: Loc = ("fields", target)
        if target not in TARGETS:
            problems.append(
                (where, f"{target!r} is not a PPSR attribute this connector fills{_closest(target, list(TARGETS))}")
            )
        if field.from_ is None and field.value is None:
            problems.append((where, "needs 'from' (where in the record) or 'value' (a constant)"))
        if TARGETS.get(target) == "pin" and not any(
            (t if isinstance(t, str) else next(iter(t), "")) == "coordinates" for t in field.transforms
        ):
            problems.append((where, "projectPin needs a 'coordinates' transform saying 'lat,lon' or 'lon,lat'"))
        for index, item in enumerate(field.transforms):
            at: Loc = (*where, "transforms", index)
            if isinstance(item, Mapping) and len(item) != 1:
                problems.append(
                    (at, f"a transform is a name or a one-key mapping {{name: argument}}, got {sorted(item)}")
                )
                continue
            name, argument = (item, None) if isinstance(item, str) else next(iter(item.items()))
            if name not in TRANSFORMS:
                problems.append((at, f"unknown transform {name!r}{_closest(str(name), list(TRANSFORMS))}"))
                continue
            message = TRANSFORMS[name][1](argument)
            if message:
                problems.append((at, f"transform {name!r} {message}"))
    if "projectName" not in fields:
        problems.append((("fields",), "projectName is required: every project needs a name"))
    return problems


def check_mapping(spec: MappingSpec) -> list[tuple[Loc, str]]:
    """Problems pydantic cannot see: the fields' (`check_fields`), and inconsistent paging, auth or page URL."""
    problems = check_fields(spec.fields)
    paging = spec.listing.paging
    if paging.style == "next_link" and not paging.next_link:
        problems.append((("listing", "paging", "next_link"), "paging style next_link needs 'next_link' (its path)"))
    if spec.auth.style in ("header", "query") and not spec.auth.name:
        problems.append((("auth", "name"), f"auth style {spec.auth.style!r} needs 'name' (the header or parameter)"))
    if spec.public_url is not None and "{id}" not in spec.public_url:
        problems.append((("public_url",), "public_url must contain {id}"))
    return problems


def _fields_problems_alone(raw: Any, known: set[Loc]) -> list[tuple[Loc, str]]:
    """`check_fields` on the fields that validate by themselves, when the whole file did not."""
    if not isinstance(raw, Mapping):
        return []
    fields = {}
    for target, value in raw.items():
        try:
            fields[str(target)] = FieldSpec.model_validate(value)
        except ValidationError:
            continue  # pydantic has reported this field already
    found = check_fields(fields)
    if len(fields) != len(raw):
        # A field that did not validate is not "missing": do not also claim projectName is absent.
        found = [(loc, msg) for loc, msg in found if loc != ("fields",)]
    return [(loc, msg) for loc, msg in found if loc not in known]


def load_mapping(text: str, *, source: str = "mapping") -> MappingSpec:
    """Parse and validate a mapping file.

    Args:
        text: the YAML text.
        source: how to name the file in errors (its path, or ``mapping`` when it came inline).

    Raises:
        ConfigError: naming the line and path of each problem, e.g. ``mapping line 12 (fields.projectStatus): ...``.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise ConfigError(f"{source} line {line}: not valid YAML: {exc.problem or exc}") from exc
    if node is None or not isinstance(document, Mapping):
        raise ConfigError(f"{source} line 1: a mapping file is a YAML mapping (version, platform, listing, fields...)")
    lines = _node_lines(node)
    problems: list[tuple[Loc, str]] = []
    spec: MappingSpec | None = None
    try:
        spec = MappingSpec.model_validate(document)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = tuple("from" if part == "from_" else part for part in error["loc"])
            problems.append((loc, error["msg"]))
        # Report the fields' own problems too, so that one run shows every mistake, not only the first kind.
        problems.extend(_fields_problems_alone(document.get("fields"), {loc for loc, _ in problems}))
    if spec is not None:
        problems.extend(check_mapping(spec))
    if problems:
        described = [f"{source} line {_line_of(lines, loc)} ({_where(loc)}): {msg}" for loc, msg in problems]
        raise ConfigError(
            "; ".join(described),
            errors=[{"loc": _where(loc), "line": _line_of(lines, loc), "msg": msg} for loc, msg in problems],
        )
    assert spec is not None  # noqa: S101 - no problems means it validated
    return spec
