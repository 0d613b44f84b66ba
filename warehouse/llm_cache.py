"""The LLM judge's answer cache in the warehouse (table llm_cache, migration 030; issue 17).

Each call is one short write connection (the judge calls `get` before its requests and
`put` after them, never holding the warehouse while it waits for the model), so an ingest
or a reader is never kept out for the length of a model call.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from warehouse.db import utcnow, write_connection

Key = tuple[str, str, str]  # (content_hash, model, prompt_version)


class WarehouseCache:
    """classifiers.llm.AnswerCache backed by the warehouse's llm_cache table."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = Path(db_path)

    def get(self, keys: Sequence[Key]) -> dict[Key, dict]:
        if not keys:
            return {}
        table = pa.table({"content_hash": [k[0] for k in keys], "model": [k[1] for k in keys],
                          "prompt_version": [k[2] for k in keys]})
        with write_connection(self.db_path) as con:
            con.register("wanted_keys", table)
            try:
                rows = con.execute(
                    "SELECT c.content_hash, c.model, c.prompt_version, c.answer FROM llm_cache c "
                    "JOIN wanted_keys USING (content_hash, model, prompt_version)").fetchall()
            finally:
                con.unregister("wanted_keys")
        return {(h, m, p): json.loads(a) for h, m, p, a in rows}

    def put(self, rows: Sequence[tuple[Key, dict]]) -> None:
        if not rows:
            return
        now = utcnow()
        table = pa.table({
            "content_hash": [k[0] for k, _ in rows], "model": [k[1] for k, _ in rows],
            "prompt_version": [k[2] for k, _ in rows],
            "answer": [json.dumps(v, ensure_ascii=False, sort_keys=True) for _, v in rows],
            "created_at": pa.array([now] * len(rows), pa.timestamp("us"))})
        with write_connection(self.db_path) as con:
            con.register("new_answers", table)
            try:
                con.execute("INSERT INTO llm_cache SELECT content_hash, model, prompt_version, "
                            "CAST(answer AS JSON), created_at FROM new_answers "
                            "ON CONFLICT DO NOTHING")
            finally:
                con.unregister("new_answers")

    def count(self) -> int:
        with write_connection(self.db_path) as con:
            return con.execute("SELECT count(*) FROM llm_cache").fetchone()[0]
