-- `workwatch demo`: the stories it loaded, newest first.
SELECT outlet, strftime(story_at, '%Y-%m-%d') AS date,
       CASE WHEN is_ai_work THEN 'yes' ELSE '' END AS ai_work, topics, title
FROM stories
ORDER BY story_at DESC
