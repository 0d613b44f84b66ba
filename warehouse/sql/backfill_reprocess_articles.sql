-- Stored articles whose raw HTML is archived, in a date range (NULL = open end), in pages.
SELECT article_id, url, canonical_url, feed, outlet, guid, title, summary, author,
       published_at, first_seen_at, language, source, archive_path, text_hash
FROM articles
WHERE archive_path IS NOT NULL
  AND ($since IS NULL OR coalesce(published_at, first_seen_at) >= $since)
  AND ($until IS NULL OR coalesce(published_at, first_seen_at) < $until)
  AND article_id > $after
ORDER BY article_id
LIMIT $page;
