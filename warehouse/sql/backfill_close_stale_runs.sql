-- Backfill runs still marked running while we hold the ingest lock died before finishing
-- (killed, power cut): mark them crashed so `runs` tells the truth.
UPDATE runs SET status = 'crashed', finished_at = $now,
       message = 'interrupted before it finished; running the same backfill again resumes it'
WHERE kind = 'backfill' AND status = 'running';
