-- Articles of a batch (registered as `cluster_probe`) that are stored but have no cluster yet.
SELECT p.article_id
FROM cluster_probe p
JOIN articles a ON a.article_id = p.article_id
ANTI JOIN article_clusters c ON c.article_id = p.article_id;
