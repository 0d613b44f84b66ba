-- Feed gaps per $interval: the feeds that had a day without a successful fetch (an error,
-- or no fetch at all) in that period, with how many such days. Built on feed_days.sql,
-- which the caller places in front as the CTE `feed_days`.
SELECT CAST(date_trunc($interval, day) AS DATE) AS period, feed, any_value(outlet) AS outlet,
       count(*) AS days,
       count(*) FILTER (WHERE status = 'error') AS error_days,
       count(*) FILTER (WHERE status = 'no fetch') AS no_fetch_days,
       count(*) FILTER (WHERE status <> 'ok') AS gap_days,
       max(error) AS last_error
FROM feed_days
GROUP BY ALL
HAVING count(*) FILTER (WHERE status <> 'ok') > 0
ORDER BY period, feed;
