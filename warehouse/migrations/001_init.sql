-- workwatch warehouse, version 1. All timestamps are UTC.

CREATE TABLE feeds (
    name                 VARCHAR PRIMARY KEY,
    url                  VARCHAR NOT NULL,
    outlet               VARCHAR NOT NULL,
    language             VARCHAR,
    enabled              BOOLEAN DEFAULT TRUE,
    etag                 VARCHAR,
    last_modified        VARCHAR,
    body_hash            VARCHAR,
    last_checked_at      TIMESTAMP,
    last_ok_at           TIMESTAMP,
    last_status          VARCHAR,
    error_score          DOUBLE DEFAULT 0,
    consecutive_failures INTEGER DEFAULT 0,
    next_check_at        TIMESTAMP,
    last_error           VARCHAR
);

CREATE TABLE runs (
    run_id        VARCHAR PRIMARY KEY,
    kind          VARCHAR NOT NULL,          -- ingest | backfill
    parameters    JSON,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    status        VARCHAR NOT NULL,          -- running | ok | partial | failed
    feeds_ok      INTEGER DEFAULT 0,
    feeds_failed  INTEGER DEFAULT 0,
    items         INTEGER DEFAULT 0,
    new_articles  INTEGER DEFAULT 0,
    ai_work       INTEGER DEFAULT 0,
    errors        INTEGER DEFAULT 0,
    message       VARCHAR
);

CREATE TABLE feed_fetches (
    run_id        VARCHAR NOT NULL,
    feed          VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    fetched_at    TIMESTAMP NOT NULL,
    status        VARCHAR NOT NULL,          -- ok | not_modified | unchanged | error | skipped
    http_status   INTEGER,
    bytes         BIGINT,
    items         INTEGER,
    new_items     INTEGER,
    elapsed_ms    DOUBLE,
    error         VARCHAR,
    warning       VARCHAR,
    PRIMARY KEY (run_id, feed)
);

CREATE TABLE articles (
    article_id      VARCHAR PRIMARY KEY,     -- sha256(canonical_url)[:16]
    url             VARCHAR NOT NULL,
    canonical_url   VARCHAR NOT NULL UNIQUE,
    feed            VARCHAR,
    outlet          VARCHAR,
    guid            VARCHAR,
    title           VARCHAR,
    summary         VARCHAR,
    author          VARCHAR,
    published_at    TIMESTAMP,
    first_seen_at   TIMESTAMP NOT NULL,
    language        VARCHAR,
    text            VARCHAR,
    word_count      INTEGER,
    text_hash       VARCHAR,
    source          VARCHAR NOT NULL,        -- feed | sitemap | archive | urls
    sitename        VARCHAR,
    archive_path    VARCHAR,                 -- "<warc file>#<offset>" of the raw HTML
    run_id          VARCHAR
);

CREATE TABLE classifications (
    article_id    VARCHAR NOT NULL,
    classifier    VARCHAR NOT NULL,
    version       VARCHAR NOT NULL,
    ai_score      DOUBLE,
    work_score    DOUBLE,
    is_ai         BOOLEAN,
    is_work       BOOLEAN,
    is_ai_work    BOOLEAN NOT NULL,
    topics        VARCHAR[],
    evidence      JSON,
    classified_at TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, classifier, version)
);

-- Which classifier version the `stories` view shows.
CREATE TABLE classifier_versions (
    classifier    VARCHAR NOT NULL,
    version       VARCHAR NOT NULL,
    first_used_at TIMESTAMP NOT NULL,
    is_current    BOOLEAN NOT NULL,
    PRIMARY KEY (classifier, version)
);

CREATE TABLE article_errors (
    run_id      VARCHAR NOT NULL,
    article_id  VARCHAR NOT NULL,
    url         VARCHAR NOT NULL,
    feed        VARCHAR,
    stage       VARCHAR NOT NULL,            -- fetch | extract | classify
    kind        VARCHAR,                     -- transient | hard
    error       VARCHAR,
    failed_at   TIMESTAMP NOT NULL
);

CREATE VIEW stories AS
SELECT a.article_id, a.url, a.canonical_url, a.feed, a.outlet, a.title, a.summary, a.author,
       a.published_at, a.first_seen_at,
       coalesce(a.published_at, a.first_seen_at) AS story_at,
       a.language, a.text, a.word_count, a.source, a.sitename, a.archive_path,
       c.classifier, c.version AS classifier_version, c.ai_score, c.work_score,
       c.is_ai, c.is_work, c.is_ai_work, c.topics, c.evidence
FROM articles a
JOIN classifications c USING (article_id)
JOIN classifier_versions v ON v.classifier = c.classifier AND v.version = c.version AND v.is_current;
