-- Event mentions of one batch (registered as `batch_events`), with each article's cluster.
INSERT INTO events (article_id, company_key, action, company, company_raw, headcount, percent,
                    occupation_or_unit, ai_attribution, event_date, country, evidence,
                    cluster_id, event_key, extractor_version, extracted_at)
SELECT b.article_id, b.company_key, b.action, b.company, b.company_raw, b.headcount, b.percent,
       b.occupation_or_unit, b.ai_attribution, b.event_date, b.country, b.evidence::JSON,
       coalesce(ac.cluster_id, b.article_id), b.event_key, b.extractor_version, b.extracted_at
FROM batch_events b
LEFT JOIN article_clusters ac ON ac.article_id = b.article_id
WHERE b.article_id IN (SELECT article_id FROM articles)
ON CONFLICT (article_id, company_key, action) DO NOTHING;
