-- New clusters, their founders' band hashes and the batch's memberships (`new_*`); the
-- caller passes only articles without a cluster (no ON CONFLICT: it is slow in DuckDB).
INSERT INTO story_clusters SELECT * FROM new_clusters;
INSERT INTO cluster_bands SELECT * FROM new_bands;
INSERT INTO article_clusters SELECT * FROM new_members;
