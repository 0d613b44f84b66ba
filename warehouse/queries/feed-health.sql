-- Per feed: last success, consecutive failures, error score, next check, articles loaded.
SELECT f.name AS feed, f.outlet, f.enabled, f.last_status, f.last_ok_at,
       f.consecutive_failures, f.error_score, f.next_check_at, f.last_error,
       coalesce(a.articles, 0) AS articles, a.last_article_at
FROM feeds f
LEFT JOIN (SELECT feed, count(*) AS articles,
                  max(coalesce(published_at, first_seen_at)) AS last_article_at
           FROM articles GROUP BY feed) a ON a.feed = f.name
WHERE ($outlet IS NULL OR f.outlet IN (SELECT name FROM outlet_names($outlet)))
ORDER BY f.error_score DESC, f.consecutive_failures DESC, f.name;
