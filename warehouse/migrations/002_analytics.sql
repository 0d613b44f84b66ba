-- workwatch warehouse, version 2: near-duplicate story clusters and analyst views.

-- One row per cluster of near-duplicate articles (syndicated or lightly edited copies).
-- The founder is the first article of the cluster; its MinHash signature (uint32 values,
-- little-endian) is what later copies are compared with.
CREATE TABLE story_clusters (
    cluster_id    VARCHAR PRIMARY KEY,       -- the founder's article_id
    founder_id    VARCHAR NOT NULL,
    founded_at    TIMESTAMP,                 -- the founder's story_at
    outlet        VARCHAR,                   -- the founder's outlet
    signature     BLOB,
    created_at    TIMESTAMP NOT NULL
);

-- LSH band hashes of every cluster founder: a new article whose band hash matches is a
-- candidate copy of that cluster.
CREATE TABLE cluster_bands (
    band          SMALLINT NOT NULL,
    band_hash     BIGINT NOT NULL,
    cluster_id    VARCHAR NOT NULL
);

-- Which cluster each article belongs to, and its estimated similarity to the founder.
CREATE TABLE article_clusters (
    article_id    VARCHAR PRIMARY KEY,
    cluster_id    VARCHAR NOT NULL,
    similarity    DOUBLE
);

DROP VIEW stories;

CREATE VIEW stories AS
SELECT a.article_id, a.url, a.canonical_url, a.feed, a.outlet, a.title, a.summary, a.author,
       a.published_at, a.first_seen_at,
       coalesce(a.published_at, a.first_seen_at) AS story_at,
       a.language, a.text, a.word_count, a.source, a.sitename, a.archive_path,
       c.classifier, c.version AS classifier_version, c.ai_score, c.work_score,
       c.is_ai, c.is_work, c.is_ai_work, c.topics, c.evidence,
       coalesce(ac.cluster_id, a.article_id) AS cluster_id
FROM articles a
JOIN classifications c ON c.article_id = a.article_id
JOIN classifier_versions v ON v.classifier = c.classifier AND v.version = c.version AND v.is_current
LEFT JOIN article_clusters ac ON ac.article_id = a.article_id;

-- One row per story and topic (only AI×work stories carry topics).
CREATE VIEW story_topics AS
SELECT article_id, cluster_id, outlet, story_at, topic, title, url
FROM (SELECT article_id, cluster_id, outlet, story_at, title, url, unnest(topics) AS topic
      FROM stories WHERE is_ai_work);

-- A narrow copy of the `stories` view for the named queries: one row per article and
-- current classification, with an integer cluster key and the AI×work evidence terms.
-- Refreshed in every load transaction (and rebuilt when the current classifier changes),
-- so trend queries over a million articles scan one table instead of joining four.
CREATE TABLE story_facts (
    article_id    VARCHAR NOT NULL,
    cluster_key   UBIGINT NOT NULL,          -- cluster_id as a number (faster to group by)
    outlet        VARCHAR,
    story_at      TIMESTAMP,
    is_ai_work    BOOLEAN NOT NULL,
    topics        VARCHAR[],
    terms         VARCHAR[],                 -- lower-cased evidence terms of AI×work stories
    is_first      BOOLEAN NOT NULL,          -- the first copy of its cluster (by story_at)
    is_first_in_outlet BOOLEAN NOT NULL      -- the first copy of its cluster in its outlet
);

-- What story_facts was built from (counts, last classification, current classifiers).
CREATE TABLE story_facts_state (
    fingerprint   VARCHAR NOT NULL,
    refreshed_at  TIMESTAMP NOT NULL
);
