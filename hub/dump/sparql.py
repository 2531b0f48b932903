"""Running analysts' SPARQL queries on the materialised store, within the hub's time and result limits.

Queries run in a worker thread on the store's current snapshot, with the union of all record graphs as the
default graph (every record is in a graph of its own). Solutions are pulled one at a time, so a query producing
too many of them, or still producing after the time limit, is stopped where it is. A query that computes
everything before its first solution (GROUP BY, ORDER BY) cannot be interrupted inside pyoxigraph: the caller
gets its refusal at the time limit, and the worker thread stops as soon as the engine hands back its first row.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from hub.dump import results
from hub.dump.sparql_check import CheckedQuery, QueryForm, check_query
from hub.dump.store import HubStore
from hub.errors import QueryRefusedError

__all__ = ["SparqlAnswer", "SparqlEngine", "negotiate"]


@dataclass(frozen=True)
class SparqlAnswer:
    """A serialised result and its media type."""

    body: bytes
    media_type: str


def _parse_accept(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        fields = [field.strip() for field in part.split(";")]
        if not fields[0]:
            continue
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((fields[0].lower(), quality))
    return ranges


_FORMAT_ALIASES = {
    "json": results.JSON,
    "csv": results.CSV,
    "tsv": results.TSV,
    "turtle": results.TURTLE,
    "ttl": results.TURTLE,
    "ntriples": results.NTRIPLES,
    "nt": results.NTRIPLES,
}


def negotiate(form: QueryForm, accept: str | None, format_param: str | None = None) -> str:
    """The media type to answer with, from a ``format`` parameter or else the Accept header.

    Raises:
        QueryRefusedError: ``reason="format"`` when nothing acceptable can be produced for this query form.
    """
    offered = results.GRAPH_MEDIA_TYPES if form in {"CONSTRUCT", "DESCRIBE"} else results.SOLUTION_MEDIA_TYPES
    if format_param:
        wanted = _FORMAT_ALIASES.get(format_param.lower(), format_param.lower())
        if wanted in offered:
            return wanted
        raise QueryRefusedError(
            f"format={format_param!r} is not available for {form}; use one of {list(offered)}", reason="format"
        )
    if not accept:
        return offered[0]
    best: tuple[float, int, str] | None = None
    for media_range, quality in _parse_accept(accept):
        for rank, media_type in enumerate(offered):
            kind = media_type.split("/")[0]
            if quality > 0 and media_range in {media_type, "*/*", f"{kind}/*"}:
                candidate = (quality, -rank, media_type)
                best = candidate if best is None or candidate > best else best
        if media_range == "application/json" and quality > 0 and form in {"SELECT", "ASK"}:
            best = max(best or (0.0, 0, ""), (quality, 0, results.JSON))
    if best is None:
        raise QueryRefusedError(
            f"cannot answer a {form} query as {accept!r}; acceptable: {list(offered)}", reason="format"
        )
    return best[2]


class SparqlEngine:
    """Runs read-only SPARQL on a `HubStore` with a time limit and a result limit."""

    def __init__(self, store: HubStore, *, timeout_s: float, result_limit: int, max_running: int = 4) -> None:
        """Serve queries on ``store``.

        Args:
            store: the materialised store.
            timeout_s: a query running longer is refused.
            result_limit: a query with more results is refused.
            max_running: queries evaluated at once. A query refused at its time limit while pyoxigraph still
                computes (an aggregate) keeps its slot until the engine returns, so runaway queries cannot pile
                up and take every core; a query that finds no free slot within its time limit is refused.
        """
        self.store = store
        self.timeout_s = timeout_s
        self.result_limit = result_limit
        self._slots = threading.BoundedSemaphore(max_running)

    def _over_limit(self) -> QueryRefusedError:
        return QueryRefusedError(
            f"the query has more than {self.result_limit} results, the hub's limit; add a LIMIT, "
            f"page with OFFSET, or download the dump",
            reason="too_many_results",
        )

    def _busy(self) -> QueryRefusedError:
        return QueryRefusedError(
            f"every query slot stayed busy for {self.timeout_s:g}s; try again later", reason="timeout"
        )

    def _timed_out(self) -> QueryRefusedError:
        return QueryRefusedError(
            f"the query ran longer than {self.timeout_s:g}s, the hub's limit; narrow it, or run it on the dump",
            reason="timeout",
        )

    def _execute(
        self,
        query: CheckedQuery,
        media_type: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        cancelled: threading.Event,
        started: threading.Event,
    ) -> bytes:
        deadline = time.monotonic() + self.timeout_s
        if not self._slots.acquire(timeout=self.timeout_s):
            raise self._busy()
        if cancelled.is_set():  # the caller gave up while this query waited for its slot
            self._slots.release()
            raise self._busy()
        started.set()
        try:
            return self._evaluate(query, media_type, default_graphs, named_graphs, cancelled, deadline)
        finally:
            self._slots.release()

    def _evaluate(
        self,
        query: CheckedQuery,
        media_type: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        cancelled: threading.Event,
        deadline: float,
    ) -> bytes:
        try:
            dataset: dict[str, object] = {}
            if default_graphs:
                dataset["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs]
            else:
                dataset["use_default_graph_as_union"] = True
            if named_graphs:
                dataset["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
            answer = self.store.store.query(query.text, **dataset)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise QueryRefusedError(f"SPARQL syntax error: {exc}", reason="syntax") from exc
        except ValueError as exc:
            raise QueryRefusedError(f"invalid dataset IRI: {exc}", reason="syntax") from exc
        # pyoxigraph's result iterators are "unsendable": they must die in this worker thread, never later in the
        # event loop's thread through the traceback of an exception that still references a frame holding them.
        # So an error is re-raised afresh, outside the frames that saw the iterator.
        try:
            body = self._serialize(answer, media_type, deadline, cancelled)
        except QueryRefusedError as exc:
            refusal: tuple[str, str] = (str(exc), exc.reason)
        except OSError as exc:
            refusal = (f"the store failed while answering: {exc}", "store")
        else:
            return body
        finally:
            del answer
        raise QueryRefusedError(refusal[0], reason=refusal[1])

    def _serialize(
        self,
        answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples,
        media_type: str,
        deadline: float,
        cancelled: threading.Event,
    ) -> bytes:
        if isinstance(answer, ox.QueryBoolean):
            return results.serialize_boolean(bool(answer), media_type)
        if isinstance(answer, ox.QuerySolutions):
            variables = [variable.value for variable in answer.variables]
            rows: list[tuple[results.Term | None, ...]] = []
            for solution in answer:
                self._check(len(rows), deadline, cancelled)
                rows.append(tuple(solution[index] for index in range(len(variables))))
            self._check(0, deadline, cancelled)
            return results.serialize_solutions(results.Solutions(variables, rows), media_type)
        triples: list[ox.Triple] = []
        for triple in answer:
            self._check(len(triples), deadline, cancelled)
            triples.append(triple)
        self._check(0, deadline, cancelled)
        return results.serialize_triples(triples, media_type)

    def _check(self, count: int, deadline: float, cancelled: threading.Event) -> None:
        if cancelled.is_set() or time.monotonic() > deadline:
            raise self._timed_out()
        if count >= self.result_limit:
            raise self._over_limit()

    async def run(
        self,
        text: str,
        *,
        accept: str | None = None,
        format_param: str | None = None,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> SparqlAnswer:
        """Check, run and serialise a query.

        Raises:
            QueryRefusedError: the query is an update, uses SERVICE, is malformed, asks for a format the hub
                cannot give, has more results than the limit, or runs longer than the time limit.
        """
        query = check_query(text)
        media_type = negotiate(query.form, accept, format_param)
        cancelled, started = threading.Event(), threading.Event()
        try:
            async with asyncio.timeout(self.timeout_s):
                body = await asyncio.to_thread(
                    self._execute, query, media_type, default_graphs, named_graphs, cancelled, started
                )
        except TimeoutError:
            cancelled.set()
            raise (self._timed_out() if started.is_set() else self._busy()) from None
        return SparqlAnswer(body, media_type)
