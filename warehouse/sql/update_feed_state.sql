-- Feed state after a run (registered as `batch_state`).
UPDATE feeds SET
    etag = s.etag, last_modified = s.last_modified, body_hash = s.body_hash,
    last_checked_at = s.checked_at,
    last_ok_at = CASE WHEN s.ok THEN s.checked_at ELSE feeds.last_ok_at END,
    last_status = s.status, error_score = s.error_score,
    consecutive_failures = s.consecutive_failures, next_check_at = s.next_check_at,
    last_error = s.error
FROM batch_state s
WHERE feeds.name = s.name;
