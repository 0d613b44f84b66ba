-- Stored clusters whose founder shares an LSH band with a batch row (`band_probe`).
SELECT DISTINCT p.row, s.cluster_id, s.signature, s.founded_at, s.outlet
FROM band_probe p
JOIN cluster_bands b ON b.band = p.band AND b.band_hash = p.band_hash
JOIN story_clusters s ON s.cluster_id = b.cluster_id;
