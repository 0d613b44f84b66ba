-- workwatch warehouse, issue 13: a classifier version switch never hides an article.
--
-- Before: `stories` joined each article to its classification by the *current* version only,
-- so when an ingest made a new version current, every article scored only with the old one
-- dropped out of `stories` (and every trend) until a full reclassify.
-- Now: exactly one classification per article — a row of a current (classifier, version)
-- if the article has one (the classifier made current most recently wins when several
-- classifiers are current), else its most recent classification of any version.
-- `classifier_version` says which one each row shows.
CREATE OR REPLACE VIEW story_classification AS
SELECT c.article_id, c.classifier, c.version, c.ai_score, c.work_score, c.is_ai, c.is_work,
       c.is_ai_work, c.topics, c.evidence, c.classified_at,
       coalesce(v.is_current, FALSE) AS is_current
FROM classifications c
LEFT JOIN classifier_versions v ON v.classifier = c.classifier AND v.version = c.version
QUALIFY row_number() OVER (
    PARTITION BY c.article_id
    ORDER BY coalesce(v.is_current, FALSE) DESC, v.first_used_at DESC NULLS LAST,
             c.classified_at DESC, c.classifier, c.version) = 1;

CREATE OR REPLACE VIEW stories AS
SELECT a.article_id, a.url, a.canonical_url, a.feed, a.outlet, a.title, a.summary, a.author,
       a.published_at, a.first_seen_at,
       coalesce(a.published_at, a.first_seen_at) AS story_at,
       a.language, a.text, a.word_count, a.source, a.sitename, a.archive_path,
       c.classifier, c.version AS classifier_version, c.ai_score, c.work_score,
       c.is_ai, c.is_work, c.is_ai_work, c.topics, c.evidence,
       coalesce(ac.cluster_id, a.article_id) AS cluster_id
FROM articles a
JOIN story_classification c ON c.article_id = a.article_id
LEFT JOIN article_clusters ac ON ac.article_id = a.article_id;
