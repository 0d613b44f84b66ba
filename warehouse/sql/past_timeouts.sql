-- Earlier fetches of these pages ($ids) that ran out of time (extractors/http.py's
-- messages): article_id, how many.
SELECT article_id, count(*) FROM article_errors
WHERE article_id IN (SELECT unnest($ids)) AND stage = 'fetch' AND kind = 'transient'
  AND (error LIKE 'no complete answer within %' OR error LIKE 'timeout (%')
GROUP BY article_id
