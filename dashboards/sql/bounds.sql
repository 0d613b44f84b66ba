-- What the dashboard needs before anything else: the days its data covers (stories by their
-- date, feed fetches by theirs; and the stories' own span), the outlets, and the last run.
WITH days AS (
    SELECT CAST(story_at AS DATE) AS day FROM story_facts WHERE story_at IS NOT NULL
    UNION ALL
    SELECT CAST(fetched_at AS DATE) FROM feed_fetches
)
SELECT (SELECT min(day) FROM days) AS first_day,
       (SELECT max(day) FROM days) AS last_day,
       (SELECT CAST(min(story_at) AS DATE) FROM story_facts) AS first_story_day,
       (SELECT CAST(max(story_at) AS DATE) FROM story_facts) AS last_story_day,
       (SELECT count(*) FROM articles) AS articles,
       (SELECT list(DISTINCT outlet ORDER BY outlet) FROM (
            SELECT outlet FROM story_facts WHERE outlet IS NOT NULL
            UNION SELECT outlet FROM feeds)) AS outlets,
       (SELECT max(finished_at) FROM runs) AS last_run_at;
