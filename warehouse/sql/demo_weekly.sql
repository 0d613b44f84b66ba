-- `workwatch demo`: a first weekly trend of AI×work stories.
SELECT strftime(date_trunc('week', story_at), '%Y-%m-%d') AS week,
       count(*) AS stories, count(*) FILTER (is_ai_work) AS ai_work,
       round(100.0 * count(*) FILTER (is_ai_work) / count(*), 1) AS ai_work_pct
FROM stories
GROUP BY ALL
ORDER BY week
