-- story_facts rows from the `stories` view (the caller adds a WHERE on article_id, or none).
SELECT article_id,
       coalesce(TRY_CAST('0x' || cluster_id AS UBIGINT), hash(cluster_id)) AS cluster_key,
       outlet, story_at, is_ai_work, topics,
       CASE WHEN is_ai_work THEN list_distinct(list_transform(
           list_filter(from_json(evidence, '[{"signal": "VARCHAR", "term": "VARCHAR"}]'),
                       lambda e: e.signal <> 'negative'),
           lambda e: lower(e.term))) END AS terms
FROM stories
