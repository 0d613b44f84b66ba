-- The classifier's input for one slice of row ids (registered as `slice_rows`, sorted, from
-- $first to $last). Text is cut to what the classifier reads ($max_chars), so less crosses
-- to the worker processes.
SELECT article_id, coalesce(title, '') AS title, coalesce(summary, '') AS summary,
       left(coalesce(text, ''), $max_chars) AS text
FROM articles
WHERE rowid BETWEEN $first AND $last
  AND rowid IN (SELECT rid FROM slice_rows);
