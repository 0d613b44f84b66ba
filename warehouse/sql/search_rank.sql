-- Ranked search (warehouse/search.py search): the documents matching the query ({matched}),
-- filtered ({filters}, on search_docs d), scored by BM25F over the query's words ({words}),
-- one article per story cluster (its best-scoring copy), best $limit. Topics are looked up
-- afterwards for those few (joining story_facts here scanned all of it: 0.3 s at 1M).
WITH matched AS ({matched}),
stats AS (
    SELECT count(*) AS n, greatest(avg(title_len), 1) AS atl, greatest(avg(body_len), 1) AS abl
    FROM search_docs
),
postings AS (
    SELECT term, doc_id, field, tf, flen FROM search_postings WHERE term IN ({words})
),
df AS (
    SELECT term, count(DISTINCT doc_id) AS df FROM postings GROUP BY term
),
weighted AS (
    SELECT p.doc_id, p.term,
           sum(CASE WHEN p.field = 1 THEN $wt * p.tf / (1 - $b + $b * p.flen / s.atl)
                    ELSE p.tf / (1 - $b + $b * p.flen / s.abl) END) AS wtf
    FROM postings p CROSS JOIN stats s
    GROUP BY p.doc_id, p.term
),
scored AS (
    SELECT w.doc_id,
           sum(ln(1 + (s.n - df.df + 0.5) / (df.df + 0.5)) * w.wtf * ($k1 + 1) / (w.wtf + $k1)) AS score
    FROM weighted w JOIN df USING (term) CROSS JOIN stats s
    GROUP BY w.doc_id
),
best AS (
    SELECT d.doc_id, d.article_id, coalesce(sc.score, 0) AS score, d.story_at, d.outlet
    FROM search_docs d
    SEMI JOIN matched m ON m.doc_id = d.doc_id
    LEFT JOIN scored sc ON sc.doc_id = d.doc_id
    WHERE {filters}
    QUALIFY row_number() OVER (PARTITION BY d.cluster_key
                               ORDER BY coalesce(sc.score, 0) DESC, d.story_at, d.doc_id) = 1
    ORDER BY score DESC, d.story_at DESC, d.doc_id
    LIMIT $limit
)
SELECT b.article_id, b.score, b.story_at, b.outlet, a.title, a.url,
       coalesce(nullif(a.text, ''), a.summary) AS body
FROM best b JOIN articles a ON a.article_id = b.article_id
ORDER BY b.score DESC, b.story_at DESC, b.doc_id;
