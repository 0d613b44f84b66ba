-- Articles of one batch (registered as `batch_articles`); an article already stored is kept.
INSERT INTO articles (article_id, url, canonical_url, feed, outlet, guid, title, summary, author,
                      published_at, first_seen_at, language, text, word_count, text_hash, source,
                      sitename, archive_path, run_id, truncated)
SELECT article_id, url, canonical_url, feed, outlet, guid, title, summary, author,
       published_at, first_seen_at, language, text, word_count, text_hash, source,
       sitename, archive_path, run_id, truncated
-- (No ON CONFLICT clause: DuckDB's conflict path costs seconds per batch on a large table;
-- duplicates are removed here instead, and the filter skips stored articles.)
FROM (SELECT DISTINCT ON (canonical_url) * FROM batch_articles ORDER BY canonical_url, article_id)
WHERE article_id NOT IN (SELECT article_id FROM articles)
  AND canonical_url NOT IN (SELECT canonical_url FROM articles);
