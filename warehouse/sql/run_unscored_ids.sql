-- Row ids of one run's articles without a row for (classifier, version), in row order.
SELECT a.rowid AS rid FROM articles a
WHERE a.run_id = $run_id AND NOT EXISTS (
  SELECT 1 FROM classifications c WHERE c.article_id = a.article_id
  AND c.classifier = $classifier AND c.version = $version)
ORDER BY rid;
