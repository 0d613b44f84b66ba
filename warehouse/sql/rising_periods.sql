-- What `workwatch query rising` compared (its note when the answer needs one): the previous
-- and current periods (bounds as in queries/rising.sql) and the AI×work stories in each.
WITH b AS (
    SELECT coalesce($until, date_trunc('day', max(story_at)) + INTERVAL 1 DAY) AS cur_end,
           coalesce($since, cur_end - CAST('1 ' || $interval AS INTERVAL)) AS cur_start,
           cur_start - (cur_end - cur_start) AS prev_start
    FROM story_facts
)
SELECT CAST(prev_start AS DATE), CAST(cur_start AS DATE), CAST(cur_end AS DATE),
       (SELECT count(*) FROM story_facts WHERE is_ai_work AND story_at >= prev_start
        AND story_at < cur_start),
       (SELECT count(*) FROM story_facts WHERE is_ai_work AND story_at >= cur_start
        AND story_at < cur_end)
FROM b
