-- Units of one backfill job already done: unit -> hash of the URLs it selected.
SELECT unit, selection FROM backfill_progress WHERE job_key = $job_key;
