-- AI-attributed (explicit or linked) cuts and hires per month: events counted, headcount
-- summed (events without a stated headcount count as events only).
SELECT CAST(date_trunc('month', event_date) AS DATE) AS period, action,
       count(*) AS events, coalesce(sum(headcount), 0) AS headcount
FROM workforce_events
WHERE action IN ('cut', 'hire') AND ai_attribution IN ('explicit', 'linked')
  AND ($since IS NULL OR event_date >= CAST($since AS DATE))
  AND ($until IS NULL OR event_date < CAST($until AS DATE))
GROUP BY ALL
ORDER BY period, action;
