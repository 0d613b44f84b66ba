INSERT INTO article_errors (run_id, article_id, url, feed, stage, kind, error, failed_at)
SELECT run_id, article_id, url, feed, stage, kind, error, failed_at FROM batch_errors;
