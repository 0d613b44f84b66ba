-- Index the articles in $ids that the search index lacks or holds with another text
-- (warehouse/search.py index_articles runs these statements one by one, inside the
-- caller's transaction).
CREATE OR REPLACE TEMP TABLE search_batch AS
SELECT a.article_id, a.text_hash, d.doc_id AS old_doc_id,
       coalesce(TRY_CAST('0x' || coalesce(ac.cluster_id, a.article_id) AS UBIGINT),
                hash(coalesce(ac.cluster_id, a.article_id))) AS cluster_key,  -- as facts_select.sql
       coalesce(a.published_at, a.first_seen_at) AS story_at, a.outlet,
       search_tokens(a.title) AS title_terms,
       search_tokens(coalesce(nullif(a.text, ''), a.summary)) AS body_terms
FROM articles a
LEFT JOIN search_docs d ON d.article_id = a.article_id
LEFT JOIN article_clusters ac ON ac.article_id = a.article_id
WHERE a.article_id IN (SELECT unnest($ids))
  AND (d.article_id IS NULL OR d.text_hash IS DISTINCT FROM a.text_hash);

DELETE FROM search_postings WHERE doc_id IN (SELECT old_doc_id FROM search_batch);

DELETE FROM search_docs WHERE doc_id IN (SELECT old_doc_id FROM search_batch);

INSERT INTO search_docs
SELECT nextval('search_doc_ids'), article_id, cluster_key, story_at, outlet, len(title_terms),
       len(body_terms), text_hash, $now
FROM search_batch;

INSERT INTO search_postings
SELECT term, doc_id, field, count(*)::INTEGER, any_value(flen)
FROM (SELECT d.doc_id, 1::UTINYINT AS field, len(b.title_terms) AS flen, unnest(b.title_terms) AS term
      FROM search_batch b JOIN search_docs d USING (article_id)
      UNION ALL
      SELECT d.doc_id, 2::UTINYINT, len(b.body_terms), unnest(b.body_terms)
      FROM search_batch b JOIN search_docs d USING (article_id))
GROUP BY term, doc_id, field;

DROP TABLE search_batch;
