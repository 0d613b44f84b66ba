INSERT INTO feed_fetches (run_id, feed, url, fetched_at, status, http_status, bytes, items,
                          new_items, elapsed_ms, error, warning)
SELECT run_id, feed, url, fetched_at, status, http_status, bytes, items, new_items, elapsed_ms,
       error, warning
FROM batch_fetches
ON CONFLICT (run_id, feed) DO UPDATE SET
    fetched_at = excluded.fetched_at, status = excluded.status,
    http_status = excluded.http_status, bytes = excluded.bytes, items = excluded.items,
    new_items = excluded.new_items, elapsed_ms = excluded.elapsed_ms, error = excluded.error,
    warning = excluded.warning;
