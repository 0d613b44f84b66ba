-- workwatch warehouse, issue 18: one identity per outlet, its name and its domain.
--
-- Ingest stores an outlet under the name feeds.toml gives it ("The Guardian"); a replay of
-- saved feed items under the site's domain ("theguardian.com"). `outlets` lists each stored
-- name with its domain: the host most of its article URLs have, without "www." and port (for
-- a configured feed with no article yet, its feed URL's host). Stored data is not rewritten.
-- `outlet_names(x)` gives every stored name of the outlet(s) that x names, by its exact name
-- or by its domain (any case, with or without www.): `--outlet "The Guardian"` and
-- `--outlet theguardian.com` both find the rows stored as "The Guardian" and as
-- "theguardian.com".
CREATE VIEW outlets AS
WITH stored AS (   -- cheap string splits over the articles; the cleaning is per outlet
    SELECT outlet AS name, mode(split_part(split_part(lower(url), '://', 2), '/', 1)) AS netloc,
           count(*)::BIGINT AS articles
    FROM articles
    WHERE outlet IS NOT NULL
    GROUP BY outlet
), netlocs AS (
    SELECT * FROM stored
    UNION ALL
    SELECT outlet, min(split_part(split_part(lower(url), '://', 2), '/', 1)), 0::BIGINT
    FROM feeds
    WHERE outlet IS NOT NULL AND outlet NOT IN (SELECT name FROM stored)
    GROUP BY outlet
)
SELECT name,
       nullif(regexp_replace(regexp_replace(regexp_replace(netloc, '^.*@', ''), ':[0-9]*$', ''),
                             '^www\.', ''), '') AS domain,
       articles
FROM netlocs;

CREATE MACRO outlet_names(wanted) AS TABLE
    WITH o AS MATERIALIZED (SELECT name, domain FROM outlets)
    SELECT name FROM o
    WHERE name = trim(wanted)
       OR domain IN (SELECT domain FROM o
                     WHERE name = trim(wanted)
                        OR domain = regexp_replace(lower(trim(wanted)), '^www\.', ''));
