-- Ranked search (warehouse/search.py search): the articles matching the query ({matched}),
-- filtered ({filters}, on story_facts), scored by BM25F over the query's words ($words),
-- one article per story cluster (its best-scoring copy), best $limit.
WITH matched AS ({matched}),
candidates AS (
    SELECT f.article_id, f.cluster_key, f.story_at, f.outlet, f.topics
    FROM story_facts f SEMI JOIN matched m ON m.article_id = f.article_id
    WHERE {filters}
),
stats AS (
    SELECT count(*) AS n, greatest(avg(title_len), 1) AS atl, greatest(avg(body_len), 1) AS abl
    FROM search_docs
),
postings AS (
    SELECT term, article_id, field, tf FROM search_postings WHERE term IN (SELECT unnest($words))
),
df AS (
    SELECT term, count(DISTINCT article_id) AS df FROM postings GROUP BY term
),
weighted AS (
    SELECT p.article_id, p.term,
           sum(CASE WHEN p.field = 1 THEN $wt * p.tf / (1 - $b + $b * d.title_len / s.atl)
                    ELSE p.tf / (1 - $b + $b * d.body_len / s.abl) END) AS wtf
    FROM postings p
    SEMI JOIN candidates c ON c.article_id = p.article_id
    JOIN search_docs d ON d.article_id = p.article_id
    CROSS JOIN stats s
    GROUP BY p.article_id, p.term
),
scored AS (
    SELECT w.article_id,
           sum(ln(1 + (s.n - df.df + 0.5) / (df.df + 0.5)) * w.wtf * ($k1 + 1) / (w.wtf + $k1)) AS score
    FROM weighted w JOIN df USING (term) CROSS JOIN stats s
    GROUP BY w.article_id
),
best AS (
    SELECT c.article_id, coalesce(sc.score, 0) AS score, c.story_at, c.outlet, c.topics
    FROM candidates c LEFT JOIN scored sc USING (article_id)
    QUALIFY row_number() OVER (PARTITION BY c.cluster_key
                               ORDER BY coalesce(sc.score, 0) DESC, c.story_at, c.article_id) = 1
    ORDER BY score DESC, c.story_at DESC, c.article_id
    LIMIT $limit
)
SELECT b.article_id, b.score, b.story_at, b.outlet, a.title, a.url, b.topics,
       coalesce(nullif(a.text, ''), a.summary) AS body
FROM best b JOIN articles a USING (article_id)
ORDER BY b.score DESC, b.story_at DESC, b.article_id;
