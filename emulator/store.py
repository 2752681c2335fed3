"""SQLite-backed state: JSON documents addressed by (collection, key).

In memory by default; with a file path (`--state FILE`) the state survives a restart (WAL journal). One
connection guarded by a re-entrant lock, so it is safe from any thread; `transaction()` groups several calls
into one atomic unit (read-check-write sequences such as quota allocation must use it). `derived()` keeps a
value computed from a whole collection (e.g. the parsed publisher-model catalogue a chat call searches) until
that collection is written again, so hot read paths do not re-parse it on every request.

Collections used by the core: see `emulator/seed.py` (seeded catalogues) and the services' models modules.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
Documents = list[dict[str, Any]]

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
  collection TEXT NOT NULL,
  key TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (collection, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Store:
    """JSON documents by collection and key. Documents are plain dicts; callers own their shape."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = str(path) if path else ":memory:"
        self._lock = threading.RLock()
        self._depth = 0
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._derived: dict[tuple[str, Callable[..., Any]], Any] = {}

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the lock and one SQLite transaction for the block; nested blocks join the outer one."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                    self._derived.clear()  # a value may have been derived from the rolled-back writes
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    def get(self, collection: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM documents WHERE collection = ? AND key = ?", (collection, key)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, collection: str, key: str, document: dict[str, Any]) -> None:
        body = json.dumps(document, separators=(",", ":"))
        with self._lock:
            self._forget(collection)
            self._db.execute(
                "INSERT OR REPLACE INTO documents (collection, key, body) VALUES (?, ?, ?)",
                (collection, key, body),
            )

    def delete(self, collection: str, key: str) -> bool:
        """Remove one document; True when it existed."""
        with self._lock:
            self._forget(collection)
            cursor = self._db.execute(
                "DELETE FROM documents WHERE collection = ? AND key = ?", (collection, key)
            )
        return cursor.rowcount > 0

    def list(self, collection: str, prefix: str = "") -> list[dict[str, Any]]:
        """Every document of a collection whose key starts with `prefix`, ordered by key."""
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM documents WHERE collection = ? AND substr(key, 1, ?) = ? ORDER BY key",
                (collection, len(prefix), prefix),
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def derived(self, collection: str, build: Callable[[Documents], T]) -> T:
        """`build(every document of the collection)`, cached until the collection is next written.

        The value is shared between callers: build something immutable (tuples, frozen dataclasses).
        """
        with self._lock:
            key = (collection, build)
            if key not in self._derived:
                self._derived[key] = build(self.list(collection))
            value: T = self._derived[key]
            return value

    def _forget(self, collection: str) -> None:
        for key in [key for key in self._derived if key[0] == collection]:
            del self._derived[key]

    def next_number(self, name: str, start: int) -> int:
        """A persistent counter: returns `start` the first time, then one more on each call."""
        with self.transaction():
            row = self._db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
            value = row[0] + 1 if row else start
            self._db.execute("INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)", (name, value))
        return value

    def is_empty(self) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is None

    def clear(self) -> None:
        """Drop every document and counter (admin reset)."""
        with self.transaction():
            self._derived.clear()
            self._db.execute("DELETE FROM documents")
            self._db.execute("DELETE FROM counters")

    def close(self) -> None:
        with self._lock:
            self._db.close()
