-- Stored AI×work articles among $ids (by their latest classification) with what the event
-- extractor reads: title, summary, the start of the text, the story's date.
SELECT a.article_id, a.title, a.summary, substr(a.text, 1, $max_chars) AS text,
       coalesce(a.published_at, a.first_seen_at) AS story_at
FROM articles a
JOIN (SELECT article_id, arg_max(is_ai_work, classified_at) AS is_ai_work
      FROM classifications
      WHERE article_id IN (SELECT unnest($ids))
      GROUP BY article_id) c ON c.article_id = a.article_id
WHERE a.article_id IN (SELECT unnest($ids)) AND c.is_ai_work
ORDER BY a.article_id;
