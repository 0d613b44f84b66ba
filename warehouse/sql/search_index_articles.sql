-- Index the articles in $ids that the search index lacks or holds with another text
-- (warehouse/search.py index_articles runs these statements one by one, inside the
-- caller's transaction). Words are numbered over the whole field (left-out common words
-- included) and each position notes the common word before and after it, so that phrases
-- are matched from the index (migrations 042, 043).
CREATE OR REPLACE TEMP TABLE search_batch AS
SELECT a.article_id, a.text_hash, d.doc_id AS old_doc_id,
       coalesce(TRY_CAST('0x' || coalesce(ac.cluster_id, a.article_id) AS UBIGINT),
                hash(coalesce(ac.cluster_id, a.article_id))) AS cluster_key,  -- as facts_select.sql
       coalesce(a.published_at, a.first_seen_at) AS story_at, a.outlet,
       search_words(a.title) AS title_words,
       search_words(coalesce(nullif(a.text, ''), a.summary)) AS body_words
FROM articles a
LEFT JOIN search_docs d ON d.article_id = a.article_id
LEFT JOIN article_clusters ac ON ac.article_id = a.article_id
WHERE a.article_id IN (SELECT unnest($ids))
  AND (d.article_id IS NULL OR d.text_hash IS DISTINCT FROM a.text_hash);

DELETE FROM search_postings WHERE doc_id IN (SELECT old_doc_id FROM search_batch);

DELETE FROM search_docs WHERE doc_id IN (SELECT old_doc_id FROM search_batch);

INSERT INTO search_docs
SELECT nextval('search_doc_ids'), article_id, cluster_key, story_at, outlet,
       len(list_filter(title_words, lambda t: search_indexed(t))),
       len(list_filter(body_words, lambda t: search_indexed(t))), text_hash, $now
FROM search_batch;

INSERT INTO search_postings
SELECT term, doc_id, field, count(*)::INTEGER, any_value(flen), list(pos),
       list(search_stop_code(prev)), list(search_stop_code(nxt))  -- aligned: one aggregation
FROM (SELECT doc_id, field, flen, unnest(words) AS term, unnest(range(1, len(words) + 1)) AS pos,
             unnest(list_prepend(NULL, words[1:-2])) AS prev,   -- the word before, after
             unnest(list_append(words[2:], NULL)) AS nxt
      FROM (SELECT d.doc_id, 1::UTINYINT AS field, d.title_len AS flen, b.title_words AS words
            FROM search_batch b JOIN search_docs d USING (article_id)
            UNION ALL
            SELECT d.doc_id, 2::UTINYINT, d.body_len, b.body_words
            FROM search_batch b JOIN search_docs d USING (article_id)))
WHERE search_indexed(term)
GROUP BY term, doc_id, field;

DROP TABLE search_batch;
