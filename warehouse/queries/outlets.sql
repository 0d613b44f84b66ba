-- Per outlet: stories collected, AI×work stories and their share, first and last story.
-- A story counts once per outlet (its first copy there) unless $count = 'articles'.
SELECT outlet,
       count(*) AS stories,
       count(*) FILTER (WHERE is_ai_work AND ($topic IS NULL OR list_contains(topics, $topic)))
           AS ai_work_stories,
       round(100.0 * count(*) FILTER (WHERE is_ai_work AND ($topic IS NULL OR list_contains(topics, $topic)))
             / count(*), 2) AS ai_work_pct,
       CAST(min(story_at) AS DATE) AS first_story,
       CAST(max(story_at) AS DATE) AS last_story
FROM story_facts
WHERE ($since IS NULL OR story_at >= $since)
  AND ($until IS NULL OR story_at < $until)
  AND ($outlet IS NULL OR outlet IN (SELECT name FROM outlet_names($outlet)))
  AND ($count = 'articles' OR is_first_in_outlet)
GROUP BY outlet
ORDER BY ai_work_stories DESC, stories DESC, outlet;
