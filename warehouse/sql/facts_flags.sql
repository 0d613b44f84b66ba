-- Which row is the first copy of its cluster (overall, and within its outlet), for the
-- clusters of the articles registered as `facts_ids`.
UPDATE story_facts SET is_first = f.first, is_first_in_outlet = f.first_in_outlet
FROM (
    SELECT article_id AS aid,
           row_number() OVER (PARTITION BY cluster_key
                              ORDER BY story_at NULLS LAST, article_id) = 1 AS first,
           row_number() OVER (PARTITION BY cluster_key, outlet
                              ORDER BY story_at NULLS LAST, article_id) = 1 AS first_in_outlet
    FROM story_facts
    WHERE cluster_key IN (SELECT cluster_key FROM story_facts
                          WHERE article_id IN (SELECT article_id FROM facts_ids))
) f
WHERE story_facts.article_id = f.aid;
