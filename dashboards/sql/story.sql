-- One story of the browser in full: what it is, its classification and evidence, and how
-- many copies (near-duplicates) its cluster has.
SELECT article_id, story_at, outlet, feed, title, summary, author, url, source, topics,
       is_ai_work, ai_score, work_score, classifier, classifier_version, evidence,
       cluster_id, word_count, text,
       is_labelled, labelled_by, labelled_at, label_note, classifier_is_ai_work, classifier_topics,
       (SELECT count(*) FROM stories s WHERE s.cluster_id = stories.cluster_id) AS copies
FROM stories
WHERE article_id = $article_id;
