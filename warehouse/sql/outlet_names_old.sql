-- Outlet names of a warehouse an older workwatch made (no `outlets` view, migration 040): no
-- domains, the names of its feeds and stored articles.
SELECT outlet, NULL FROM feeds WHERE outlet IS NOT NULL
UNION
SELECT DISTINCT outlet, NULL FROM articles WHERE outlet IS NOT NULL
