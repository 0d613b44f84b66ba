"""warehouse: the DuckDB warehouse and every SQL statement run on it - connections and
snapshots (`db`), numbered migrations, the one transaction helper (`tx`) and `.sql` loader
(`sqlfiles`), batch loading (`load`), re-scoring (`rescore`), runs, search, watches, labels,
events and the named trend queries. Takes plain values and stage types; never fetches."""
