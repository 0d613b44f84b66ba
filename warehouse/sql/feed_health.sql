-- Per stored feed: its health, worst first.
SELECT name AS feed, outlet, enabled, last_status, last_ok_at, consecutive_failures AS failures,
       error_score, next_check_at, last_error
FROM feeds
ORDER BY error_score DESC, name;
