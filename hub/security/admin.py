"""confluent-kafka's ``AdminClient`` for what aiokafka's admin lacks (SCRAM users, ACLs), usable from asyncio.

librdkafka runs each request on its own threads and answers with a ``concurrent.futures.Future``; wrapping those
futures keeps the event loop free. The client is configured from a ``KafkaClients`` (its address and security).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Mapping
from typing import Any, TypeVar

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from hub.errors import KafkaSecurityError
from hub.security.client_config import confluent_config
from hub.stream.kafka import KafkaClients

__all__ = ["AsyncAdmin"]

K = TypeVar("K")

# librdkafka logs through this stdlib logger (and so the hub's logging) instead of writing to stderr itself.
_LIBRDKAFKA_LOG = logging.getLogger("hub.security.librdkafka")


class AsyncAdmin:
    """A confluent-kafka ``AdminClient`` whose answers are awaited.

    Args:
        clients: the cluster and the credentials to act with (a principal allowed to ALTER the cluster).
        request_timeout_s: longest wait for one admin request.
    """

    def __init__(self, clients: KafkaClients, *, request_timeout_s: float = 30.0) -> None:
        self._bootstrap = clients.bootstrap
        self._timeout = request_timeout_s
        config: dict[str, Any] = {k: v for k, v in confluent_config(clients).items() if v is not None}
        config["logger"] = _LIBRDKAFKA_LOG
        self.client = AdminClient(config)

    @property
    def timeout_s(self) -> float:
        """The per-request timeout, passed to each admin call as ``request_timeout``."""
        return self._timeout

    async def one(self, future: concurrent.futures.Future[Any], what: str) -> Any:
        """The result of one admin request.

        Raises:
            KafkaSecurityError: the cluster refused or failed the request; the message says what and why.
        """
        try:
            return await asyncio.wrap_future(future)
        except KafkaException as exc:
            raise KafkaSecurityError(f"{what} on {self._bootstrap} failed: {exc.args[0]}") from exc

    async def each(self, futures: Mapping[K, concurrent.futures.Future[Any]], what: str) -> dict[K, Any]:
        """The results of a batch of admin requests, by their key; the first failure raises."""
        keys = list(futures)
        results = await asyncio.gather(*(self.one(futures[k], f"{what} ({k})") for k in keys))
        return dict(zip(keys, results, strict=True))
