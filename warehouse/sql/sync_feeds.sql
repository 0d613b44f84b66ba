-- The configured feeds ($feeds: a list of structs): new ones added, details refreshed,
-- state (validators, error score) kept. Feeds no longer configured stay, disabled.
INSERT INTO feeds (name, url, outlet, language, enabled)
SELECT f.name, f.url, f.outlet, f.language, f.enabled
FROM (SELECT unnest($feeds) AS f) config_feeds
ON CONFLICT (name) DO UPDATE SET
    url = excluded.url, outlet = excluded.outlet, language = excluded.language,
    enabled = excluded.enabled,
    -- a new URL means old validators no longer apply
    etag = CASE WHEN feeds.url = excluded.url THEN feeds.etag END,
    last_modified = CASE WHEN feeds.url = excluded.url THEN feeds.last_modified END,
    body_hash = CASE WHEN feeds.url = excluded.url THEN feeds.body_hash END;
