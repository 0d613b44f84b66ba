-- A watch's matches among story_facts rows ({where}): article and story cluster, earliest first.
SELECT f.article_id, coalesce(ac.cluster_id, f.article_id) AS cluster_id
FROM story_facts f
LEFT JOIN article_clusters ac ON ac.article_id = f.article_id
WHERE {where}
ORDER BY f.story_at NULLS LAST, f.article_id;
