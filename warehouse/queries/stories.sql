-- Latest AI×work stories: date, outlet, title, topics, evidence summary, copies and URL.
-- One row per story (its first copy; with --outlet, its first copy there) unless
-- $count = 'articles'; `copies` and `outlets` describe the story's whole cluster.
WITH picked AS (
    SELECT article_id, cluster_key, story_at
    FROM story_facts
    WHERE is_ai_work
      AND ($since IS NULL OR story_at >= $since)
      AND ($until IS NULL OR story_at < $until)
      AND ($outlet IS NULL OR outlet IN (SELECT name FROM outlet_names($outlet)))
      AND ($topic IS NULL OR list_contains(topics, $topic))
      AND ($count = 'articles' OR CASE WHEN $outlet IS NULL THEN is_first ELSE is_first_in_outlet END)
    ORDER BY story_at DESC, article_id
    LIMIT $limit
), clusters AS (
    SELECT cluster_key, count(*) AS copies, string_agg(DISTINCT outlet, ', ' ORDER BY outlet) AS outlets
    FROM story_facts
    WHERE cluster_key IN (SELECT cluster_key FROM picked)
    GROUP BY cluster_key
), shown AS (
    -- the tables themselves, not the `stories` view: only the picked rows are looked up
    SELECT p.article_id, p.story_at AS sort_at, coalesce(a.published_at, a.first_seen_at) AS story_at,
           a.outlet, a.title, a.url, k.topics, k.evidence,
           coalesce(ac.cluster_id, a.article_id) AS cluster_id, c.copies, c.outlets
    FROM picked p
    JOIN (SELECT article_id, published_at, first_seen_at, outlet, title, url FROM articles
          WHERE article_id IN (SELECT article_id FROM picked)) a ON a.article_id = p.article_id
    JOIN (SELECT k.article_id, k.topics, k.evidence
          FROM story_classification k  -- the classification `stories` shows (migration 006)
          WHERE k.article_id IN (SELECT article_id FROM picked)) k ON k.article_id = p.article_id
    LEFT JOIN (SELECT article_id, cluster_id FROM article_clusters
               WHERE article_id IN (SELECT article_id FROM picked)) ac ON ac.article_id = p.article_id
    JOIN clusters c ON c.cluster_key = p.cluster_key
)
SELECT strftime(story_at, '%Y-%m-%d %H:%M') AS story_at, outlet, title,
       array_to_string(topics, ', ') AS topics,
       (SELECT string_agg(signal || ': ' || terms, '; '
                          ORDER BY CASE signal WHEN 'ai' THEN 0 WHEN 'work' THEN 1 ELSE 2 END,
                                   signal)
        FROM (SELECT e.signal,
                     string_agg(DISTINCT lower(e.term), ', ' ORDER BY lower(e.term)) AS terms
              FROM (SELECT unnest(from_json(shown.evidence,
                                            '[{"signal": "VARCHAR", "term": "VARCHAR"}]')) AS e)
              WHERE e.signal <> 'negative'
              GROUP BY e.signal)) AS evidence,
       copies, outlets, url, cluster_id
FROM shown
ORDER BY sort_at DESC, article_id;
