-- Backfill progress, for resumable backfills. A unit (one sitemap, one archive page, one
-- chunk of a URL list) is recorded once every URL it selected was processed without a
-- transient error; running the same backfill again skips units whose selection is unchanged.
CREATE TABLE backfill_progress (
    job_key       VARCHAR NOT NULL,          -- source|feed|since|until
    unit          VARCHAR NOT NULL,          -- sitemap URL, archive page URL, "urls:<n>"
    selection     VARCHAR NOT NULL,          -- sha256 of the selected canonical URLs
    run_id        VARCHAR NOT NULL,
    items         INTEGER,
    new_articles  INTEGER,
    errors        INTEGER,
    done_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (job_key, unit)
);
