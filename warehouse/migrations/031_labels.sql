-- workwatch warehouse, issue 17: analysts' labels, and `stories` shows them.
--
-- One row per label given (history kept); the latest per article wins (`current_labels`).
-- `workwatch label`, the dashboard's "correct this" control and `workwatch train` use it.
CREATE TABLE labels (
    article_id   VARCHAR NOT NULL,
    ai_work      BOOLEAN NOT NULL,
    topics       VARCHAR[] NOT NULL,        -- [] when ai_work is false
    labelled_by  VARCHAR NOT NULL,
    labelled_at  TIMESTAMP NOT NULL,
    note         VARCHAR
);

CREATE VIEW current_labels AS
SELECT article_id, ai_work, topics, labelled_by, labelled_at, note
FROM labels
QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY labelled_at DESC, labelled_by) = 1;

-- `stories` as migration 006 made it (one classification per article: the current version,
-- else the latest), with the analyst's label over the classifier's verdict: `is_ai_work` and
-- `topics` are the label's when there is one (`is_labelled` says so), the classifier's own
-- verdict stays in `classifier_is_ai_work` / `classifier_topics`. The columns of 006 keep
-- their order; the new ones come last.
CREATE OR REPLACE VIEW stories AS
SELECT a.article_id, a.url, a.canonical_url, a.feed, a.outlet, a.title, a.summary, a.author,
       a.published_at, a.first_seen_at,
       coalesce(a.published_at, a.first_seen_at) AS story_at,
       a.language, a.text, a.word_count, a.source, a.sitename, a.archive_path,
       c.classifier, c.version AS classifier_version, c.ai_score, c.work_score,
       c.is_ai OR coalesce(l.ai_work, FALSE) AS is_ai,
       c.is_work OR coalesce(l.ai_work, FALSE) AS is_work,
       coalesce(l.ai_work, c.is_ai_work) AS is_ai_work,
       CASE WHEN l.article_id IS NULL THEN c.topics
            WHEN l.ai_work THEN l.topics ELSE []::VARCHAR[] END AS topics,
       c.evidence,
       coalesce(ac.cluster_id, a.article_id) AS cluster_id,
       l.article_id IS NOT NULL AS is_labelled,
       l.ai_work AS label_ai_work, l.topics AS label_topics, l.labelled_by, l.labelled_at,
       l.note AS label_note,
       c.is_ai_work AS classifier_is_ai_work, c.topics AS classifier_topics
FROM articles a
JOIN story_classification c ON c.article_id = a.article_id
LEFT JOIN article_clusters ac ON ac.article_id = a.article_id
LEFT JOIN current_labels l ON l.article_id = a.article_id;
