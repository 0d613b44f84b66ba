"""What the load transaction does for issue 20 after a batch is stored (warehouse/load.py
load_batch calls `after_load` inside the transaction): the batch's articles go into the
search index and are matched against the stored watches (warehouse/watches.py), so a crash
leaves articles, index and watch hits consistent."""

from __future__ import annotations

from typing import Sequence

import duckdb


def after_load(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> None:
    from warehouse.search import index_articles
    from warehouse.watches import match_stored_watches

    index_articles(con, article_ids)
    match_stored_watches(con, article_ids)
