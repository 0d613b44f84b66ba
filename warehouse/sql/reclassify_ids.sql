-- Row ids of the stored articles to score with (classifier, version), in a date range (NULL =
-- open end); with $all = FALSE only those without a row for that version yet. Row ids let
-- each slice be read back with a cheap range scan (nothing else writes during a reclassify:
-- it holds the ingest lock).
SELECT a.rowid AS rid
FROM articles a
WHERE ($since IS NULL OR coalesce(a.published_at, a.first_seen_at) >= $since)
  AND ($until IS NULL OR coalesce(a.published_at, a.first_seen_at) < $until)
  AND ($all OR NOT EXISTS (
        SELECT 1 FROM classifications c
        WHERE c.article_id = a.article_id AND c.classifier = $classifier AND c.version = $version))
ORDER BY rid;
