-- workwatch warehouse, version 10: workforce events (issue 19).

-- One row per event mention: an AI×work article that says an organisation cut, hired,
-- froze hiring, reskilled, adopted AI for, replaced with AI, struck, agreed or regulated.
-- Filled in the load transaction of the article (warehouse/events.py record_events) and
-- again when a stored article is re-scored (refresh_events). Mentions of one event in one
-- article (headline and lede) are one row.
CREATE TABLE events (
    article_id          VARCHAR NOT NULL,
    company_key         VARCHAR NOT NULL,    -- lower-case letters and digits of `company`
    action              VARCHAR NOT NULL,    -- cut | hire | freeze | reskill | adopt | replace | strike | agreement | policy
    company             VARCHAR NOT NULL,    -- normalised: "Amazon.com Inc." -> "Amazon"
    company_raw         VARCHAR,             -- as written
    headcount           BIGINT,              -- people, when stated
    percent             DOUBLE,              -- share of the workforce, when stated
    occupation_or_unit  VARCHAR,
    ai_attribution      VARCHAR NOT NULL,    -- explicit | linked | none
    event_date          DATE,                -- stated, else the story's date
    country             VARCHAR,             -- when stated (ISO 3166 alpha-2, UK for GB)
    evidence            JSON,                -- [{field, start, end, text}] into title/summary/text
    cluster_id          VARCHAR,             -- the article's near-duplicate cluster
    event_key           VARCHAR NOT NULL,    -- company_key || '|' || action
    extractor_version   VARCHAR NOT NULL,
    extracted_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, company_key, action)
);

-- One row per event: repeated coverage collapsed. Mentions of one cluster (syndicated
-- copies) count once, at the cluster's first date; then the mentions of one (company,
-- action) are one event while each comes within 14 days of the previous one and stated
-- headcounts agree within 25%.
CREATE VIEW workforce_events AS
WITH mentions AS (
    SELECT e.*, coalesce(ac.cluster_id, e.cluster_id, e.article_id) AS cluster,
           a.outlet, a.title, a.url, coalesce(a.published_at, a.first_seen_at) AS story_at
    FROM events e
    JOIN articles a ON a.article_id = e.article_id
    LEFT JOIN article_clusters ac ON ac.article_id = e.article_id
), per_cluster AS (
    SELECT event_key, cluster,
           min(coalesce(event_date, CAST(story_at AS DATE))) AS day,
           max(headcount) AS headcount
    FROM mentions
    GROUP BY event_key, cluster
), ordered AS (
    SELECT *,
           lag(day) OVER w AS prev_day,
           lag(headcount IGNORE NULLS) OVER w AS prev_headcount
    FROM per_cluster
    WINDOW w AS (PARTITION BY event_key ORDER BY day, cluster)
), islands AS (
    SELECT event_key, cluster,
           sum(CASE WHEN prev_day IS NULL OR day - prev_day > 14
                         OR (headcount IS NOT NULL AND prev_headcount IS NOT NULL
                             AND abs(headcount - prev_headcount) > 0.25 * greatest(headcount, prev_headcount))
                    THEN 1 ELSE 0 END) OVER (PARTITION BY event_key ORDER BY day, cluster
                                             ROWS UNBOUNDED PRECEDING) AS island
    FROM ordered
), grouped AS (
    SELECT m.*, i.island
    FROM mentions m JOIN islands i ON i.event_key = m.event_key AND i.cluster = m.cluster
)
SELECT event_key || '|' || strftime(min(coalesce(event_date, CAST(story_at AS DATE))), '%Y-%m-%d') AS event_id,
       arg_min(company, story_at) AS company,
       any_value(action) AS action,
       mode(headcount) AS headcount,
       max(headcount) AS headcount_max,
       mode(percent) AS percent,
       mode(occupation_or_unit) AS occupation_or_unit,
       CASE min(CASE ai_attribution WHEN 'explicit' THEN 0 WHEN 'linked' THEN 1 ELSE 2 END)
            WHEN 0 THEN 'explicit' WHEN 1 THEN 'linked' ELSE 'none' END AS ai_attribution,
       min(coalesce(event_date, CAST(story_at AS DATE))) AS event_date,
       mode(country) AS country,
       count(DISTINCT cluster) AS stories,
       count(DISTINCT article_id) AS articles,
       count(DISTINCT outlet) AS outlets,
       min(story_at) AS first_seen,
       max(story_at) AS last_seen,
       arg_min(title, story_at) AS title,
       arg_min(url, story_at) AS url,
       list(DISTINCT url) AS urls,
       list(DISTINCT article_id) AS article_ids,
       event_key
FROM grouped
GROUP BY event_key, island;
