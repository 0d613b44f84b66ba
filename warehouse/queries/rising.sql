-- Topics and evidence terms whose AI×work story count grew most against the previous period.
-- The current period is --since..--until, or else the last --interval up to the latest story;
-- the previous period is as long and ends where the current one starts.
WITH bounds AS (
    SELECT coalesce($until, date_trunc('day', max(story_at)) + INTERVAL 1 DAY) AS cur_end,
           coalesce($since, cur_end - CAST('1 ' || $interval AS INTERVAL)) AS cur_start,
           cur_start - (cur_end - cur_start) AS prev_start
    FROM story_facts
), ai AS (
    SELECT f.topics, f.terms, f.story_at >= b.cur_start AS is_current
    FROM story_facts f, bounds b
    WHERE f.is_ai_work
      AND f.story_at >= b.prev_start AND f.story_at < b.cur_end
      AND ($outlet IS NULL OR f.outlet IN (SELECT name FROM outlet_names($outlet)))
      AND ($topic IS NULL OR list_contains(f.topics, $topic))
      AND ($count = 'articles' OR CASE WHEN $outlet IS NULL THEN f.is_first ELSE f.is_first_in_outlet END)
), hits AS (
    SELECT 'topic' AS kind, unnest(topics) AS name, is_current FROM ai
    UNION ALL
    SELECT 'term' AS kind, unnest(terms) AS name, is_current FROM ai
), counted AS (
    SELECT kind, name,
           count(*) FILTER (WHERE is_current) AS current,
           count(*) FILTER (WHERE NOT is_current) AS previous
    FROM hits
    GROUP BY kind, name
)
SELECT c.kind, c.name, c.current, c.previous, c.current - c.previous AS change,
       round(100.0 * (c.current - c.previous) / nullif(c.previous, 0), 1) AS growth_pct,
       CAST(b.cur_start AS DATE) AS current_from,
       CAST(b.prev_start AS DATE) AS previous_from
FROM counted c, bounds b
WHERE c.current > c.previous
ORDER BY change DESC, c.current DESC, c.kind, c.name
LIMIT $limit;
