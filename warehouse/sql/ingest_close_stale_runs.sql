-- Ingest runs still marked running while we hold the ingest lock died before finishing
-- (killed, power cut): mark them crashed so `runs` tells the truth. Their finished batches
-- stay loaded; the next ingest fetches whatever they did not finish.
UPDATE runs SET status = 'crashed', finished_at = $now,
       message = 'interrupted before it finished; the next ingest completes its work'
WHERE kind = 'ingest' AND status = 'running';
