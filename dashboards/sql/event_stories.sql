-- The stories (every copy) behind one workforce event.
SELECT coalesce(a.published_at, a.first_seen_at) AS story_at, a.outlet, a.title, a.url
FROM (SELECT unnest(article_ids) AS article_id FROM workforce_events WHERE event_id = $event_id) e
JOIN articles a ON a.article_id = e.article_id
ORDER BY story_at, a.outlet;
