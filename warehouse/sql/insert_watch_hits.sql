-- New hits of one watch ($rows: cluster_id, article_id); clusters it hit before are kept.
INSERT INTO watch_hits (watch, cluster_id, article_id, matched_at, run_id, notified_at)
SELECT $watch, r.cluster_id, r.article_id, $now, $run_id, $notified
FROM (SELECT unnest($rows, recursive := true)) r
WHERE r.cluster_id NOT IN (SELECT cluster_id FROM watch_hits WHERE watch = $watch);
