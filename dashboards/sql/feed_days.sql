-- Per feed and day, from the feed's first fetch to the last fetch of any feed (a disabled
-- feed: to its own last fetch), within $first_day..$last_day: fetches, errors, new items
-- and the day's status: ok (a fetch succeeded), error (only failed fetches) or no fetch
-- (not fetched at all, or skipped while backing off).
WITH daily AS (
    SELECT feed, CAST(fetched_at AS DATE) AS day,
           count(*) FILTER (WHERE status <> 'skipped') AS fetches,
           count(*) FILTER (WHERE status IN ('ok', 'not_modified', 'unchanged')) AS ok_fetches,
           count(*) FILTER (WHERE status = 'error') AS errors,
           coalesce(sum(new_items) FILTER (WHERE status = 'ok'), 0) AS new_items,
           max(error) FILTER (WHERE status = 'error') AS error
    FROM feed_fetches
    GROUP BY feed, day
), last_fetch AS (
    SELECT max(day) AS day FROM daily
), spans AS (
    SELECT d.feed, f.outlet,
           greatest(min(d.day), coalesce(CAST($first_day AS DATE), min(d.day))) AS first_day,
           least(CASE WHEN coalesce(f.enabled, FALSE) THEN any_value(l.day) ELSE max(d.day) END,
                 coalesce(CAST($last_day AS DATE), any_value(l.day))) AS last_day
    FROM daily d
    CROSS JOIN last_fetch l
    LEFT JOIN feeds f ON f.name = d.feed
    GROUP BY d.feed, f.outlet, f.enabled
), days AS (
    SELECT feed, outlet,
           CAST(unnest(generate_series(CAST(first_day AS TIMESTAMP), CAST(last_day AS TIMESTAMP),
                                       INTERVAL 1 DAY)) AS DATE) AS day
    FROM spans
    WHERE first_day <= last_day
)
SELECT s.feed, s.outlet, s.day,
       coalesce(d.fetches, 0) AS fetches, coalesce(d.errors, 0) AS errors,
       coalesce(d.new_items, 0) AS new_items,
       CASE WHEN d.ok_fetches > 0 THEN 'ok'
            WHEN d.errors > 0 THEN 'error'
            ELSE 'no fetch' END AS status,
       d.error
FROM days s
LEFT JOIN daily d ON d.feed = s.feed AND d.day = s.day
ORDER BY s.feed, s.day;
