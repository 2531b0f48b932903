"""structlog and the stdlib loggers of aiohttp and aiokafka share one pipeline."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from hub.logs import configure_logging


@pytest.fixture(autouse=True)
def _restore_root_logger():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_hub_events_are_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "INFO")
    structlog.get_logger("hub.test").info("connector.page_fetched", page=3, records=20)
    (line,) = _json_lines(capsys.readouterr().err)
    assert line["event"] == "connector.page_fetched"
    assert line["page"] == 3
    assert line["level"] == "info"
    assert str(line["timestamp"]).endswith("Z")


def test_aiokafka_and_aiohttp_records_go_through_the_same_renderer(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "INFO")
    logging.getLogger("aiokafka.conn").warning("broker %s unreachable", "127.0.0.1:1")
    logging.getLogger("aiohttp.access").error("handler failed")
    lines = _json_lines(capsys.readouterr().err)
    assert [(entry["logger"], entry["event"], entry["level"]) for entry in lines] == [
        ("aiokafka.conn", "broker 127.0.0.1:1 unreachable", "warning"),
        ("aiohttp.access", "handler failed", "error"),
    ]


def test_third_party_info_is_quietened_but_hub_info_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "INFO")
    logging.getLogger("aiokafka.consumer").info("rebalance chatter")
    structlog.get_logger("hub.test").info("hub.up")
    events = [entry["event"] for entry in _json_lines(capsys.readouterr().err)]
    assert events == ["hub.up"]


def test_console_format_is_not_json(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("console", "INFO")
    structlog.get_logger("hub.test").info("hub.up", bootstrap="127.0.0.1:9092")
    err = capsys.readouterr().err
    assert "hub.up" in err
    assert "bootstrap" in err
    with pytest.raises(json.JSONDecodeError):
        json.loads(err.splitlines()[0])


def test_json_tracebacks_never_show_local_variables(capsys: pytest.CaptureFixture[str]) -> None:
    """A secret held in a local variable where an exception is logged stays out of the log line."""
    configure_logging("json", "INFO")

    def connect(token: str) -> None:
        raise ConnectionError("refused")

    try:
        connect("sk-secret-value-123")
    except ConnectionError:
        structlog.get_logger("hub.test").exception("connector.failed")
    err = capsys.readouterr().err
    (line,) = _json_lines(err)
    assert line["event"] == "connector.failed"
    assert "ConnectionError" in json.dumps(line["exception"])
    assert "sk-secret-value-123" not in err


def test_aiokafkas_self_healing_coordinator_errors_are_not_error_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """A fresh cluster has no group coordinator for a moment; aiokafka retries, so it is no ERROR line of ours."""
    import logging

    from hub.logs import configure_logging

    configure_logging("json", "INFO")
    coordinator = logging.getLogger("aiokafka.consumer.group_coordinator")
    coordinator.error("Group Coordinator Request failed: [Error 15] GroupCoordinatorNotAvailableError")
    coordinator.warning("Marking the coordinator dead (node 1)for group g.hub.workers.")
    coordinator.error("Unexpected error in coordinator routine")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert "Unexpected error in coordinator routine" in lines[0]
