-- Articles of one batch (registered as `batch_articles`); an article already stored is kept.
INSERT INTO articles (article_id, url, canonical_url, feed, outlet, guid, title, summary, author,
                      published_at, first_seen_at, language, text, word_count, text_hash, source,
                      sitename, archive_path, run_id)
SELECT article_id, url, canonical_url, feed, outlet, guid, title, summary, author,
       published_at, first_seen_at, language, text, word_count, text_hash, source,
       sitename, archive_path, run_id
FROM batch_articles
WHERE article_id NOT IN (SELECT article_id FROM articles)
  AND canonical_url NOT IN (SELECT canonical_url FROM articles)
ON CONFLICT DO NOTHING;
