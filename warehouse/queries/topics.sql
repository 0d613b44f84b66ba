-- AI×work stories per topic per interval (a story with two topics counts in both).
-- Stories count once, at their first copy, unless $count = 'articles'; 0 where a topic had none.
WITH counted AS (
    SELECT date_trunc($interval, story_at) AS period, topic, count(*) AS stories
    FROM (SELECT story_at, unnest(topics) AS topic
          FROM story_facts
          WHERE is_ai_work
            AND ($since IS NULL OR story_at >= $since)
            AND ($until IS NULL OR story_at < $until)
            AND ($outlet IS NULL OR outlet IN (SELECT name FROM outlet_names($outlet)))
            AND ($count = 'articles'
                 OR CASE WHEN $outlet IS NULL THEN is_first ELSE is_first_in_outlet END))
    WHERE $topic IS NULL OR topic = $topic
    GROUP BY period, topic
), periods AS (
    SELECT unnest(generate_series(min(period), max(period),
                                  CAST('1 ' || $interval AS INTERVAL))) AS period
    FROM counted
), topics AS (
    SELECT DISTINCT topic FROM counted
)
SELECT CAST(p.period AS DATE) AS period, t.topic, coalesce(c.stories, 0) AS stories
FROM periods p
CROSS JOIN topics t
LEFT JOIN counted c ON c.period = p.period AND c.topic = t.topic
ORDER BY p.period, t.topic;
