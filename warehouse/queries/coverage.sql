-- Stories collected per outlet per day; a day with none is marked as a gap (feed outage?).
-- Outlets are those with stories in the range plus the configured feeds' outlets.
WITH counted AS (
    SELECT outlet, CAST(story_at AS DATE) AS day, count(*) AS stories
    FROM story_facts
    WHERE ($since IS NULL OR story_at >= $since)
      AND ($until IS NULL OR story_at < $until)
      AND ($outlet IS NULL OR outlet IN (SELECT name FROM outlet_names($outlet)))
      AND ($count = 'articles' OR is_first_in_outlet)
    GROUP BY outlet, day
), bounds AS (
    SELECT coalesce(CAST($since AS DATE), min(day)) AS first_day,
           coalesce(CAST(CAST($until AS TIMESTAMP) - INTERVAL 1 DAY AS DATE), max(day)) AS last_day
    FROM counted
), days AS (
    SELECT CAST(unnest(generate_series(CAST(first_day AS TIMESTAMP), CAST(last_day AS TIMESTAMP),
                                       INTERVAL 1 DAY)) AS DATE) AS day
    FROM bounds
), outlets AS (
    SELECT DISTINCT outlet FROM counted
    UNION
    SELECT DISTINCT outlet FROM feeds WHERE enabled AND ($outlet IS NULL OR outlet IN (SELECT name FROM outlet_names($outlet)))
)
SELECT o.outlet, d.day, coalesce(c.stories, 0) AS stories, c.stories IS NULL AS gap
FROM outlets o
CROSS JOIN days d
LEFT JOIN counted c ON c.outlet = o.outlet AND c.day = d.day
ORDER BY o.outlet, d.day;
