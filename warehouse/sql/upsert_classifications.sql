-- Classifications of one batch (registered as `batch_classifications`).
INSERT INTO classifications (article_id, classifier, version, ai_score, work_score, is_ai,
                             is_work, is_ai_work, topics, evidence, classified_at,
                             probability)
SELECT article_id, classifier, version, ai_score, work_score, is_ai, is_work, is_ai_work,
       topics, evidence::JSON, classified_at, probability
FROM batch_classifications
WHERE article_id IN (SELECT article_id FROM articles)
ON CONFLICT (article_id, classifier, version) DO UPDATE SET
    ai_score = excluded.ai_score, work_score = excluded.work_score, is_ai = excluded.is_ai,
    is_work = excluded.is_work, is_ai_work = excluded.is_ai_work, topics = excluded.topics,
    evidence = excluded.evidence, classified_at = excluded.classified_at,
    probability = excluded.probability;
