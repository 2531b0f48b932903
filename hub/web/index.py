"""The directory's index: SQLite with FTS5, kept from the materialised topics, read by every public page.

The pages never read Kafka or walk the RDF store per request: `DirectoryIndex` holds one row per project with its
full-text columns (name, aim, description, keywords) and a ``facets`` table ``(facet, value, project)``, plus the
records of organisations, platforms, datasets, statistics and links. A batch of topic records and the partitions'
next offsets are written in one SQLite transaction (`DirectoryIndex.apply`), so the index, like the RDF store,
resumes where it stopped and applies nothing twice.

Search input is never spliced into SQL: text goes to FTS5 as quoted phrases through a bound parameter, facet
values are bound parameters, and sort orders come from a fixed table.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson

from hub.web.fields import FACETS, facet_values, pin, platform_of, texts

__all__ = ["DirectoryIndex", "IndexChange", "SearchQuery", "SearchResult", "fts_query"]

Sort = Literal["relevance", "name", "updated"]
SORTS: tuple[Sort, ...] = ("relevance", "name", "updated")
_ENTITIES = frozenset({"projects", "organisations", "platforms", "datasets", "statistics", "links"})
_WORD = re.compile(r"\w+", re.UNICODE)

_SCHEMA = """
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
PRAGMA cache_size=-131072;
PRAGMA mmap_size=1073741824;
PRAGMA temp_store=MEMORY;
CREATE TABLE IF NOT EXISTS offsets(topic TEXT, partition INTEGER, next INTEGER, PRIMARY KEY(topic, partition));
CREATE TABLE IF NOT EXISTS keys(entity TEXT, key TEXT, iri TEXT, PRIMARY KEY(entity, key));
CREATE TABLE IF NOT EXISTS records(iri TEXT PRIMARY KEY, entity TEXT, platform TEXT, name TEXT, body TEXT);
CREATE INDEX IF NOT EXISTS records_entity ON records(entity, name);
CREATE TABLE IF NOT EXISTS projects(
  id INTEGER PRIMARY KEY, iri TEXT UNIQUE, name TEXT, sort_name TEXT, updated TEXT, platform TEXT,
  lat REAL, lon REAL, aim TEXT);
CREATE INDEX IF NOT EXISTS projects_name ON projects(sort_name);
CREATE INDEX IF NOT EXISTS projects_updated ON projects(updated);
CREATE VIRTUAL TABLE IF NOT EXISTS projects_fts USING fts5(
  name, aim, description, keywords, tokenize='porter unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS facets(facet TEXT, value TEXT, project INTEGER, PRIMARY KEY(facet, value, project))
  WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS facets_project ON facets(project);
CREATE TABLE IF NOT EXISTS stats(iri TEXT PRIMARY KEY, project TEXT, period TEXT, body TEXT);
CREATE INDEX IF NOT EXISTS stats_project ON stats(project, period);
CREATE TABLE IF NOT EXISTS links(iri TEXT PRIMARY KEY, subject TEXT, object TEXT, score REAL, confirmed INTEGER,
  body TEXT);
CREATE INDEX IF NOT EXISTS links_subject ON links(subject);
CREATE INDEX IF NOT EXISTS links_object ON links(object);
"""


@dataclass(frozen=True)
class IndexChange:
    """One topic record for the index: its entity type (``projects``...), Kafka key and value (None: deleted)."""

    entity: str
    key: str
    value: Mapping[str, Any] | None


@dataclass(frozen=True)
class SearchQuery:
    """A directory search: free text, facet filters (OR within a facet, AND across), sort and page."""

    text: str = ""
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    sort: Sort = "relevance"
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class SearchResult:
    """One page of projects, the total, and the facet counts over every match."""

    total: int
    projects: list[dict[str, Any]]
    facets: dict[str, list[tuple[str, int]]]


def fts_query(text: str) -> str | None:
    """The FTS5 query for free text: every word as a quoted phrase, all required; None when no word.

    The index stems words (Porter), so "bird" finds "birds" without prefix queries, which are slow on FTS5.

    Quoting makes any input (``"``, ``OR``, ``NEAR(``, ``*``, SQL) a plain word: it can never change the
    query's shape.
    """
    words = _WORD.findall(text)[:20]
    if not words:
        return None
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


class DirectoryIndex:
    """The directory's SQLite index (a file, or memory when ``path`` is None).

    One connection, used under a lock: batches are written from a worker thread while pages read on the event
    loop; every read is a few indexed queries (measured in ``bench/bench_web.py``).
    """

    def __init__(self, path: Path | None = None) -> None:
        """Open or create the index at ``path``."""
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        self._facet_cache: dict[str, dict[str, list[tuple[str, int]]]] = {}
        self._generation = 0
        with self._lock:
            self._db.executescript(_SCHEMA)
        # On disk, pages read through a connection of their own: WAL lets them read committed data while a batch
        # is being written, so a rebuild never stalls a page. In memory (tests) there is one connection.
        self._reader = self._db
        self._read_lock = self._lock
        if path is not None:
            self._reader = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._reader.row_factory = sqlite3.Row
            self._reader.execute("PRAGMA cache_size=-131072")
            self._reader.execute("PRAGMA mmap_size=1073741824")
            self._read_lock = threading.Lock()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._read_lock:
            yield self._reader

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
        if self._reader is not self._db:
            with self._read_lock:
                self._reader.close()

    # -- writing -------------------------------------------------------------------------------------------------

    def offsets(self) -> dict[tuple[str, int], int]:
        """The next offset to read of every partition applied so far."""
        with self._lock:
            rows = self._db.execute("SELECT topic, partition, next FROM offsets").fetchall()
        return {(row["topic"], row["partition"]): row["next"] for row in rows}

    def apply(self, changes: Iterable[IndexChange], offsets: Mapping[tuple[str, int], int] | None = None) -> int:
        """Apply records and the partitions' next offsets in one transaction; return how many changes.

        Raises:
            ValueError: a change names an entity type the index does not keep.
        """
        count = 0
        with self._lock:
            db = self._db
            db.execute("BEGIN")
            try:
                for change in changes:
                    self._apply_one(change)
                    count += 1
                for (topic, partition), offset in (offsets or {}).items():
                    db.execute("INSERT OR REPLACE INTO offsets VALUES (?, ?, ?)", (topic, partition, offset))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            self._generation += 1
            self._facet_cache.clear()
        return count

    def _apply_one(self, change: IndexChange) -> None:
        if change.entity not in _ENTITIES:
            raise ValueError(f"the directory index keeps {sorted(_ENTITIES)}, not {change.entity!r}")
        db = self._db
        previous = db.execute("SELECT iri FROM keys WHERE entity = ? AND key = ?", (change.entity, change.key))
        row = previous.fetchone()
        if change.entity == "statistics":
            # Keyed by project; each record is one period, and the directory keeps every period it has seen.
            if change.value is None:
                db.execute("DELETE FROM stats WHERE project = ?", (change.key,))
            else:
                self._put_stats(change.key, change.value)
            return
        if row is not None:
            self._remove(change.entity, row["iri"])
            db.execute("DELETE FROM keys WHERE entity = ? AND key = ?", (change.entity, change.key))
        if change.value is None:
            return
        iri = change.value.get("id", change.value.get("@id"))
        if not isinstance(iri, str):
            return
        self._remove(change.entity, iri)
        db.execute("INSERT OR REPLACE INTO keys VALUES (?, ?, ?)", (change.entity, change.key, iri))
        body = dict(change.value)
        body.pop("@context", None)
        name = next(texts(body.get("projectName", body.get("name", body.get("dcterms:title")))), "")
        db.execute(
            "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?)",
            (iri, change.entity, platform_of(iri), name, _json(body)),
        )
        if change.entity == "projects":
            self._put_project(iri, name, body)
        elif change.entity == "links":
            evidence = list(texts(body.get("evidence")))
            confirmed = any(e.startswith("confirmed by an operator") for e in evidence)
            score = body.get("score")
            db.execute(
                "INSERT OR REPLACE INTO links VALUES (?, ?, ?, ?, ?, ?)",
                (
                    iri,
                    str(body.get("subject", "")),
                    str(body.get("object", "")),
                    float(score) if isinstance(score, int | float) else None,
                    int(confirmed),
                    _json(body),
                ),
            )

    def _put_stats(self, project: str, body: Mapping[str, Any]) -> None:
        iri = body.get("id", body.get("@id"))
        period = str(body.get("periodStart", ""))
        clean = {k: v for k, v in body.items() if k != "@context"}
        self._db.execute(
            "INSERT OR REPLACE INTO stats VALUES (?, ?, ?, ?)",
            (str(iri or f"{project}#{period}"), project, period, _json(clean)),
        )

    def _put_project(self, iri: str, name: str, body: Mapping[str, Any]) -> None:
        db = self._db
        location = pin(body)
        aim = next(texts(body.get("projectAim")), "")
        cursor = db.execute(
            "INSERT INTO projects(iri, name, sort_name, updated, platform, lat, lon, aim) VALUES (?,?,?,?,?,?,?,?)",
            (
                iri,
                name,
                name.casefold(),
                next(texts(body.get("projectLastUpdatedDate")), ""),
                platform_of(iri),
                location[0] if location else None,
                location[1] if location else None,
                aim,
            ),
        )
        project_id = cursor.lastrowid
        db.execute(
            "INSERT INTO projects_fts(rowid, name, aim, description, keywords) VALUES (?, ?, ?, ?, ?)",
            (
                project_id,
                name,
                aim,
                " ".join(texts(body.get("projectDescription"))),
                " ".join(texts(body.get("keyword"))),
            ),
        )
        db.executemany(
            "INSERT OR IGNORE INTO facets VALUES (?, ?, ?)",
            [(facet, value, project_id) for facet, value in facet_values(iri, body)],
        )

    def _remove(self, entity: str, iri: str) -> None:
        db = self._db
        db.execute("DELETE FROM records WHERE iri = ?", (iri,))
        if entity == "projects":
            row = db.execute("SELECT id FROM projects WHERE iri = ?", (iri,)).fetchone()
            if row is not None:
                db.execute("DELETE FROM projects_fts WHERE rowid = ?", (row["id"],))
                db.execute("DELETE FROM facets WHERE project = ?", (row["id"],))
                db.execute("DELETE FROM projects WHERE id = ?", (row["id"],))
        elif entity == "links":
            db.execute("DELETE FROM links WHERE iri = ?", (iri,))

    # -- reading -------------------------------------------------------------------------------------------------

    def _matching(self, query: SearchQuery) -> tuple[str, list[Any]]:
        """SQL selecting the ids of the matching projects (as ``id``), and its parameters."""
        clauses: list[str] = []
        params: list[Any] = []
        match = fts_query(query.text)
        sql = "SELECT p.id AS id FROM projects p"
        if match is not None:
            sql += " JOIN projects_fts ON projects_fts.rowid = p.id AND projects_fts MATCH ?"
            params.append(match)
        for facet, values in sorted(query.filters.items()):
            wanted = [v for v in values if v][:20]
            if facet not in FACETS or not wanted:
                continue
            marks = ",".join("?" * len(wanted))
            clauses.append(f"p.id IN (SELECT project FROM facets WHERE facet = ? AND value IN ({marks}))")
            params.extend([facet, *wanted])
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        return sql, params

    def search(self, query: SearchQuery) -> SearchResult:
        """One page of matching projects with the total and facet counts.

        The matching ids are computed once, in order; the page, the total and the facet counts all come from
        that one list (a search with no text and no filter reads the first page straight off an index instead).
        """
        matching, params = self._matching(query)
        text = fts_query(query.text) is not None
        order = {
            "relevance": "bm25(projects_fts), p.sort_name" if text else "p.updated DESC, p.sort_name",
            "name": "p.sort_name, p.iri",
            "updated": "p.updated DESC, p.sort_name",
        }[query.sort if query.sort in SORTS else "relevance"]
        offset = (max(query.page, 1) - 1) * query.per_page
        columns = "p.iri, p.name, p.platform, p.updated, p.aim, p.lat, p.lon"
        with self._reading() as db:
            if not params:
                rows = db.execute(
                    f"SELECT {columns} FROM projects p ORDER BY {order} LIMIT ? OFFSET ?", (query.per_page, offset)
                ).fetchall()
                total = int(db.execute("SELECT count(*) FROM projects").fetchone()[0])
                facets = self._facets(db, None)
            else:
                ids = [row[0] for row in db.execute(f"{matching} ORDER BY {order}", params)]
                total = len(ids)
                page_ids = ids[offset : offset + query.per_page]
                found = {
                    row["id"]: row
                    for row in db.execute(
                        f"SELECT p.id AS id, {columns} FROM projects p WHERE p.id IN (SELECT value FROM json_each(?))",
                        (_json(page_ids),),
                    )
                }
                rows = [found[i] for i in page_ids if i in found]
                facets = self._facets(db, ids, cache_key=_json([matching, params]))
        projects = [{k: row[k] for k in ("iri", "name", "platform", "updated", "aim", "lat", "lon")} for row in rows]
        return SearchResult(total=total, projects=projects, facets=facets)

    def _facets(
        self, db: sqlite3.Connection, ids: list[int] | None, cache_key: str = ""
    ) -> dict[str, list[tuple[str, int]]]:
        """Facet counts over ``ids`` (every project when None), cached until the next batch."""
        cached = self._facet_cache.get(cache_key)
        if cached is not None:
            return cached
        generation = self._generation
        if ids is None:
            rows = db.execute(
                "SELECT facet, value, count(*) AS n FROM facets GROUP BY facet, value ORDER BY facet, n DESC, value"
            ).fetchall()
        else:
            rows = db.execute(
                "SELECT facet, value, count(*) AS n FROM facets WHERE project IN (SELECT value FROM json_each(?)) "
                "GROUP BY facet, value ORDER BY facet, n DESC, value",
                (_json(ids),),
            ).fetchall()
        counts: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
        for row in rows:
            counts[row["facet"]].append((row["value"], row["n"]))
        if len(self._facet_cache) > 256:
            self._facet_cache.clear()
        if generation == self._generation:  # not counted from a snapshot older than the last batch
            self._facet_cache[cache_key] = counts
        return counts

    def pins(self, query: SearchQuery, limit: int = 5000) -> list[dict[str, Any]]:
        """Location pins of the matching projects (at most ``limit``)."""
        matching, params = self._matching(query)
        sql = matching.replace("SELECT p.id AS id", "SELECT p.iri, p.name, p.lat, p.lon", 1)
        joiner = " AND " if " WHERE " in sql else " WHERE "
        with self._reading() as db:
            rows = db.execute(f"{sql}{joiner}p.lat IS NOT NULL LIMIT ?", [*params, limit]).fetchall()
        return [dict(row) for row in rows]

    def record(self, iri: str) -> dict[str, Any] | None:
        """The stored record of ``iri`` (any entity), or None."""
        with self._reading() as db:
            row = db.execute("SELECT body FROM records WHERE iri = ?", (iri,)).fetchone()
        return orjson.loads(row["body"]) if row is not None else None

    def records(self, entity: str, limit: int = 1000) -> list[dict[str, Any]]:
        """Records of one entity type, by name."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT body FROM records WHERE entity = ? ORDER BY name LIMIT ?", (entity, limit)
            ).fetchall()
        return [orjson.loads(row["body"]) for row in rows]

    def count_by(self, column: Literal["platform"], entity: str = "projects") -> dict[str, int]:
        """How many records of ``entity`` each platform has."""
        with self._reading() as db:
            rows = db.execute(
                f"SELECT {column} AS k, count(*) AS n FROM records WHERE entity = ? GROUP BY {column}",
                (entity,),
            ).fetchall()
        return {row["k"]: row["n"] for row in rows}

    def projects_of(self, organisation: str, limit: int = 200) -> list[dict[str, Any]]:
        """Projects whose responsible party is the organisation IRI."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT r.iri, r.name, r.platform FROM records r WHERE r.entity = 'projects' "
                "AND json_extract(r.body, '$.responsibleParty') = ? ORDER BY r.name LIMIT ?",
                (organisation, limit),
            ).fetchall()
        return [dict(row) for row in rows]

    def links_of(self, iris: Iterable[str]) -> list[dict[str, Any]]:
        """The links touching any of ``iris``."""
        wanted = list(iris)
        marks = ",".join("?" * len(wanted))
        with self._reading() as db:
            rows = db.execute(
                f"SELECT iri, subject, object, score, confirmed, body FROM links WHERE subject IN ({marks}) "
                f"OR object IN ({marks})",
                [*wanted, *wanted],
            ).fetchall()
        return [{**dict(row), "body": orjson.loads(row["body"])} for row in rows]

    def linked_group(self, iri: str, max_size: int = 20) -> list[str]:
        """The listings connected to ``iri`` through confirmed or proposed links, ``iri`` first."""
        group = [iri]
        seen = {iri}
        frontier = [iri]
        while frontier and len(group) < max_size:
            nxt: list[str] = []
            for link in self.links_of(frontier):
                for other in (link["subject"], link["object"]):
                    if other not in seen and len(group) < max_size:
                        seen.add(other)
                        group.append(other)
                        nxt.append(other)
            frontier = nxt
        return group

    def proposals(self, limit: int = 200) -> list[dict[str, Any]]:
        """Links not yet confirmed, best first, with the names of both sides."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT l.iri, l.subject, l.object, l.score, l.body, s.name AS subject_name, o.name AS object_name "
                "FROM links l LEFT JOIN records s ON s.iri = l.subject LEFT JOIN records o ON o.iri = l.object "
                "WHERE l.confirmed = 0 ORDER BY l.score DESC, l.iri LIMIT ?",
                (limit,),
            ).fetchall()
        return [{**dict(row), "body": orjson.loads(row["body"])} for row in rows]

    def statistics(self, projects: Iterable[str]) -> list[dict[str, Any]]:
        """Every statistics period of the projects, oldest first."""
        wanted = list(projects)
        marks = ",".join("?" * len(wanted))
        with self._reading() as db:
            rows = db.execute(
                f"SELECT project, body FROM stats WHERE project IN ({marks}) ORDER BY period, project",
                wanted,
            ).fetchall()
        return [{"project": row["project"], **orjson.loads(row["body"])} for row in rows]

    def project_count(self) -> int:
        """How many projects the index holds."""
        with self._reading() as db:
            return int(db.execute("SELECT count(*) FROM projects").fetchone()[0])

    def scan(self, entity: str, batch: int = 500, limit: int = 20_000) -> list[dict[str, Any]]:
        """Up to ``limit`` records of ``entity`` in IRI order (for previews that apply a filter in Python)."""
        out: list[dict[str, Any]] = []
        last = ""
        while len(out) < limit:
            with self._reading() as db:
                rows = db.execute(
                    "SELECT iri, body FROM records WHERE entity = ? AND iri > ? ORDER BY iri LIMIT ?",
                    (entity, last, batch),
                ).fetchall()
            if not rows:
                break
            out.extend(orjson.loads(row["body"]) for row in rows)
            last = rows[-1]["iri"]
        return out[:limit]
