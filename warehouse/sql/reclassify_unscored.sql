-- How many stored articles still have no row for (classifier, version).
SELECT count(*) FROM articles a
WHERE NOT EXISTS (SELECT 1 FROM classifications c
                  WHERE c.article_id = a.article_id AND c.classifier = $classifier
                    AND c.version = $version);
