-- The other copies of a story (same near-duplicate cluster), oldest first.
SELECT story_at, outlet, title, url
FROM stories
WHERE cluster_id = $cluster_id AND article_id <> $article_id
ORDER BY story_at, article_id;
