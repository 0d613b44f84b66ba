-- The story browser: stories matching the filters, newest first, with the number of matches.
-- $outlets and $topics are lists (NULL: any); $needle is a lower-cased text to find in the
-- title, summary or text (NULL: any); $ai_work_only keeps AI×work stories only.
SELECT article_id, story_at, outlet, title, topics, url, is_ai_work, labelled_by,
       count(*) OVER () AS matches
FROM stories
WHERE ($ai_work_only = FALSE OR is_ai_work)
  AND ($since IS NULL OR story_at >= $since)
  AND ($until IS NULL OR story_at < $until)
  AND ($outlets IS NULL OR list_contains($outlets, outlet))
  AND ($topics IS NULL OR list_has_any(topics, $topics))
  AND ($needle IS NULL
       OR contains(lower(coalesce(title, '')), $needle)
       OR contains(lower(coalesce(summary, '')), $needle)
       OR contains(lower(coalesce(text, '')), $needle))
ORDER BY story_at DESC, article_id
LIMIT $limit;
