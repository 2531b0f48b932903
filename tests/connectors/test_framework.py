"""The framework's pure parts: sweep planning, cursors, the registry and config validation."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

import aiohttp
import pytest
from typing_extensions import override

from hub.connectors import (
    Batch,
    Connector,
    ConnectorConfig,
    HttpClient,
    RawRecord,
    SweepRefused,
    build_connector,
    connector_type,
    decode_cursor,
    encode_cursor,
    load_connector_types,
    plan_sweep,
    unparsed_payload,
)
from hub.connectors.snapshot import SnapshotConnector
from hub.errors import ConfigError, FatalConnectorError, SkippableRecordError


def test_sweep_deletes_what_was_not_seen():
    """Records known before and missing from a complete snapshot are the ones to delete."""
    assert plan_sweep({"a", "b", "c", "d", "e"}, {"a", "b", "c", "d", "x"}, max_share=0.2) == {"e"}


def test_sweep_over_the_share_is_refused():
    """A snapshot that would delete 3 of 4 records is refused with the figures, not carried out."""
    with pytest.raises(SweepRefused, match=r"delete 3 of 4 records \(75%\), more than max_delete_share=50%") as info:
        plan_sweep({"a", "b", "c", "d"}, {"a"}, max_share=0.5)
    assert (info.value.to_delete, info.value.known, info.value.max_share) == (3, 4, 0.5)


def test_sweep_of_an_empty_history_deletes_nothing():
    """With nothing known before, there is nothing to delete and nothing to refuse."""
    assert plan_sweep(set(), {"a"}, max_share=0.0) == set()


def test_sweep_rejects_a_share_outside_0_1():
    """max_share must be a share."""
    with pytest.raises(ValueError, match="within"):
        plan_sweep({"a"}, set(), max_share=1.5)


def test_cursor_round_trip_and_stable_text():
    """A cursor decodes to what was encoded, and equal states give equal text."""
    text = encode_cursor({"since": "2016-01-27T16:13:39Z", "etags": {"u": ["e", None, None]}})
    assert decode_cursor(text, connector="t") == {"since": "2016-01-27T16:13:39Z", "etags": {"u": ["e", None, None]}}
    assert text == encode_cursor({"etags": {"u": ["e", None, None]}, "since": "2016-01-27T16:13:39Z"})
    assert decode_cursor(None, connector="t") == {}


@pytest.mark.parametrize("bad", ["{not json", '["a"]', '{"v": 99}'])
def test_bad_cursor_is_fatal_with_a_resync_hint(bad):
    """A stored cursor that is not ours stops the run and says how to resync."""
    with pytest.raises(FatalConnectorError, match="delete it to resync from scratch"):
        decode_cursor(bad, connector="t")


def test_unknown_connector_lists_the_installed_ones():
    """An unknown type is a ConfigError naming the installed types."""
    installed = sorted(load_connector_types())
    with pytest.raises(ConfigError, match=r"Unknown connector 'nope'; installed: ") as info:
        connector_type("nope")
    assert str(installed) in str(info.value)


def test_registered_types_are_connectors_named_as_their_entry_point():
    """Every entry point in the hub.connectors group loads a Connector whose name is the entry-point name."""
    types = load_connector_types()
    for name, cls in types.items():
        assert issubclass(cls, Connector)
        assert cls.name == name
        assert issubclass(cls.config_model, ConnectorConfig)
        assert cls.sync_mode in ("incremental", "snapshot")


async def test_build_connector_reports_every_bad_field():
    """An invalid config gives one ConfigError listing each field, with secrets masked."""
    name = "zooniverse"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ConfigError, match=rf"invalid config for connector '{name}': ") as info:
            build_connector(
                name, {"base_url": "not a url", "page_size": 0, "surprise": 1, "token": 5}, http=HttpClient(session)
            )
    locs = {err["loc"][0] for err in info.value.errors}
    assert {"base_url", "page_size", "surprise", "token"} <= locs
    token_error = next(err for err in info.value.errors if err["loc"][0] == "token")
    assert token_error["input"] == "***"


async def test_config_errors_mask_secret_fields_and_shorten_long_inputs():
    """A SecretStr field's input never appears in the message, and a huge input is cut to its start."""
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ConfigError) as info:
            build_connector(
                "scistarter",
                {"base_url": "x" * 500, "api_key": {"leaked": "sk-live-123"}},
                http=HttpClient(session),
            )
    message = str(info.value)
    assert "sk-live-123" not in message
    assert "api_key" in message
    assert "x" * 100 not in message
    assert "…" in message


class _Toy(Connector):
    name: ClassVar[str] = "toy"
    platform: ClassVar[str] = "toy"
    config_model: ClassVar[type[ConnectorConfig]] = ConnectorConfig
    sync_mode: ClassVar[Any] = "incremental"

    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        yield Batch([], cursor)

    def map(self, record: RawRecord) -> Sequence[Any]:
        return [self.require_parsed(record)]


async def test_unparsed_payload_is_skippable_with_its_reason():
    """A record whose payload did not decode is skipped with the reason given at fetch time."""
    async with aiohttp.ClientSession() as session:
        toy = _Toy(ConnectorConfig(base_url="http://127.0.0.1:1/"), http=HttpClient(session))
        record = RawRecord("toy", "project", "7", unparsed_payload("{bad", "metadata: JSON does not parse"), "/p/7")
        with pytest.raises(SkippableRecordError, match=r"project '7' from /p/7: metadata: JSON does not parse"):
            toy.map(record)
        assert toy.map(RawRecord("toy", "project", "8", {"ok": 1}, "/p/8")) == [{"ok": 1}]


def test_config_is_frozen_and_refuses_unknown_keys():
    """A config cannot be changed after validation and an unknown key is an error."""
    config = ConnectorConfig(base_url="https://example.org/api")
    with pytest.raises(Exception, match="frozen"):
        config.page_size = 5  # type: ignore[misc]
    with pytest.raises(Exception, match="Extra inputs are not permitted"):
        ConnectorConfig.model_validate({"base_url": "https://example.org/", "page_sise": 5})


class _Idle(_Toy):
    """Yields idle batches between real ones, as a walk does when pages answer 304."""

    name: ClassVar[str] = "idle"

    @override
    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        yield Batch([], cursor)  # idle: nothing, and the cursor it started from
        yield Batch([RawRecord("toy", "project", "1", {}, "/p/1")], "c1")
        yield Batch([], "c1")  # idle again
        yield Batch([], "c2")  # a cursor-only move is kept
        yield Batch([], "c2", snapshot_complete=True)  # a completion is kept


async def test_the_framework_leaves_out_idle_batches_of_every_fetch():
    """A connector's fetch yields what its walk sees; the framework drops the batches that move nothing."""
    async with aiohttp.ClientSession() as session:
        idle = _Idle(ConnectorConfig(base_url="http://127.0.0.1:1/"), http=HttpClient(session))
        batches = [batch async for batch in idle.fetch("c0")]
    assert [(len(b.records), b.cursor, b.snapshot_complete) for b in batches] == [
        (1, "c1", False),
        (0, "c2", False),
        (0, "c2", True),
    ]
    assert _Idle.fetch.__name__ == "fetch"
    assert getattr(_Idle.fetch, "__override__", False)


def test_every_connector_has_one_style():
    """Every registered type's fetch is an async generator marked @override; snapshot types use the framework's walk."""
    for name, cls in load_connector_types().items():
        assert inspect.isasyncgenfunction(cls.fetch), name
        assert getattr(cls.fetch, "__override__", False), f"{name}: fetch is not marked @override"
        assert (cls.sync_mode == "snapshot") == issubclass(cls, SnapshotConnector), name
