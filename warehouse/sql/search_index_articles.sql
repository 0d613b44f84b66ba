-- Index the articles in $ids that the search index lacks or holds with another text
-- (warehouse/search.py index_articles). Runs inside the caller's transaction.
CREATE OR REPLACE TEMP TABLE search_batch AS
SELECT a.article_id, a.text_hash,
       search_tokens(a.title) AS title_terms,
       search_tokens(coalesce(nullif(a.text, ''), a.summary)) AS body_terms
FROM articles a
LEFT JOIN search_docs d ON d.article_id = a.article_id
WHERE a.article_id IN (SELECT unnest($ids))
  AND (d.article_id IS NULL OR d.text_hash IS DISTINCT FROM a.text_hash);

DELETE FROM search_postings
WHERE article_id IN (SELECT b.article_id FROM search_batch b JOIN search_docs d USING (article_id));
DELETE FROM search_docs WHERE article_id IN (SELECT article_id FROM search_batch);

INSERT INTO search_postings
SELECT term, article_id, field, count(*)::INTEGER
FROM (SELECT article_id, 1::UTINYINT AS field, unnest(title_terms) AS term FROM search_batch
      UNION ALL
      SELECT article_id, 2::UTINYINT, unnest(body_terms) FROM search_batch)
GROUP BY ALL;

INSERT INTO search_docs
SELECT article_id, len(title_terms), len(body_terms), text_hash, $now FROM search_batch;

DROP TABLE search_batch;
