-- What story_facts depends on; when this changes outside load_batch, the facts are rebuilt.
-- The last part is the current classifier versions.
SELECT concat_ws('/',
    (SELECT count(*) FROM articles),
    (SELECT count(*) FROM classifications),
    coalesce((SELECT CAST(max(classified_at) AS VARCHAR) FROM classifications), ''),
    (SELECT count(*) FROM article_clusters),
    (SELECT count(*) FROM labels),  -- analysts' labels change is_ai_work/topics (issue 17)
    coalesce((SELECT string_agg(classifier || '=' || version, ',' ORDER BY classifier, version)
              FROM classifier_versions WHERE is_current), ''));
