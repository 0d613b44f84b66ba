-- AI×work stories per interval, with their share of all stories collected.
-- A story (a cluster of near-duplicate copies) counts once, at its first copy (with --outlet:
-- its first copy in that outlet); $count = 'articles' counts every copy. Empty intervals show 0.
WITH counted AS (
    SELECT date_trunc($interval, story_at) AS period,
           count(*) FILTER (WHERE is_ai_work AND ($topic IS NULL OR list_contains(topics, $topic)))
               AS ai_work_stories,
           count(*) AS all_stories
    FROM story_facts
    WHERE ($since IS NULL OR story_at >= $since)
      AND ($until IS NULL OR story_at < $until)
      AND ($outlet IS NULL OR outlet IN (SELECT name FROM outlet_names($outlet)))
      AND ($count = 'articles' OR CASE WHEN $outlet IS NULL THEN is_first ELSE is_first_in_outlet END)
    GROUP BY period
), periods AS (
    SELECT unnest(generate_series(min(period), max(period),
                                  CAST('1 ' || $interval AS INTERVAL))) AS period
    FROM counted
)
SELECT CAST(p.period AS DATE) AS period,
       coalesce(c.ai_work_stories, 0) AS ai_work_stories,
       coalesce(c.all_stories, 0) AS all_stories,
       round(100.0 * coalesce(c.ai_work_stories, 0) / nullif(c.all_stories, 0), 2) AS ai_work_pct
FROM periods p
LEFT JOIN counted c ON c.period = p.period
ORDER BY p.period;
