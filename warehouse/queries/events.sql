-- Workforce events (who cut, hired, froze, reskilled, adopted, replaced, struck, agreed, regulated), repeated coverage collapsed; most-covered first.
-- One row per event of the `workforce_events` view: filters on the event's date ($since,
-- $until), $action, $company (normalised: "Amazon.com Inc." finds Amazon) and
-- $min_headcount; `stories` counts near-duplicate clusters, `articles` every copy.
SELECT event_date, company, action, headcount, percent, occupation_or_unit, ai_attribution,
       country, stories, articles, outlets,
       strftime(first_seen, '%Y-%m-%d') AS first_seen, strftime(last_seen, '%Y-%m-%d') AS last_seen,
       title, url, event_id
FROM workforce_events
WHERE ($since IS NULL OR event_date >= CAST($since AS DATE))
  AND ($until IS NULL OR event_date < CAST($until AS DATE))
  AND ($action IS NULL OR action = $action)
  AND ($company IS NULL OR split_part(event_key, '|', 1) = $company)
  AND ($min_headcount IS NULL OR headcount >= $min_headcount)
ORDER BY stories DESC, articles DESC, headcount DESC NULLS LAST, event_date, event_id
LIMIT $limit;
