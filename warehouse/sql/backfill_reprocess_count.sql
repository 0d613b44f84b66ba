-- How many stored articles a reprocess of this date range (NULL = open end) will read.
SELECT count(*) FROM articles
WHERE archive_path IS NOT NULL
  AND ($since IS NULL OR coalesce(published_at, first_seen_at) >= $since)
  AND ($until IS NULL OR coalesce(published_at, first_seen_at) < $until);
