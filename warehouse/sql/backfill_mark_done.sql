-- Record one finished unit of a backfill job (see migration 003).
INSERT INTO backfill_progress (job_key, unit, selection, run_id, items, new_articles, errors, done_at)
VALUES ($job_key, $unit, $selection, $run_id, $items, $new_articles, $errors, $done_at)
ON CONFLICT (job_key, unit) DO UPDATE SET
    selection = excluded.selection, run_id = excluded.run_id, items = excluded.items,
    new_articles = excluded.new_articles, errors = excluded.errors, done_at = excluded.done_at;
