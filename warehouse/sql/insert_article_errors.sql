INSERT INTO article_errors (run_id, article_id, url, feed, stage, kind, error, failed_at, reason)
SELECT run_id, article_id, url, feed, stage, kind, error, failed_at, reason FROM batch_errors;
