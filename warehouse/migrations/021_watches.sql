-- workwatch warehouse, version 21: watches, their hits and alert deliveries (issue 20).

-- The watch definitions matching needs, synced from watches.toml (warehouse/watches.py).
-- Notify URLs carry tokens and passwords: they stay in watches.toml, never here.
CREATE TABLE watches (
    name          VARCHAR PRIMARY KEY,
    query         VARCHAR,
    topics        VARCHAR[],
    companies     VARCHAR[],
    outlets       VARCHAR[],
    ai_work_only  BOOLEAN NOT NULL,
    mode          VARCHAR NOT NULL,       -- immediate | digest
    synced_at     TIMESTAMP NOT NULL
);

-- One row per (watch, story cluster): the copies of a syndicated story hit once.
CREATE TABLE watch_hits (
    watch         VARCHAR NOT NULL,
    cluster_id    VARCHAR NOT NULL,
    article_id    VARCHAR NOT NULL,       -- the first copy that matched
    matched_at    TIMESTAMP NOT NULL,
    run_id        VARCHAR,                -- the run that loaded it (NULL: `watch run`)
    notified_at   TIMESTAMP,              -- queued for delivery (or not to alert: `watch run`)
    PRIMARY KEY (watch, cluster_id)
);

-- One row per message and destination. A failed delivery is retried at the end of later
-- runs (attempts, last_error); the destination is kept as a hash and a redacted form only.
CREATE TABLE alert_deliveries (
    delivery_id   VARCHAR PRIMARY KEY,
    kind          VARCHAR NOT NULL,       -- watch | spike | outage | digest
    subject       VARCHAR NOT NULL,       -- the watch name, topic or feed it is about
    target_hash   VARCHAR NOT NULL,       -- sha256 of the Apprise URL (looked up in watches.toml)
    target        VARCHAR NOT NULL,       -- the URL's scheme and host, for people
    title         VARCHAR NOT NULL,
    body          VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    run_id        VARCHAR,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TIMESTAMP,
    delivered_at  TIMESTAMP,
    last_error    VARCHAR
);
