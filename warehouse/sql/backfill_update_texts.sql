-- Re-extracted texts (registered as `batch_texts`) replace the stored ones.
UPDATE articles SET
    text = t.text, word_count = t.word_count, text_hash = t.text_hash,
    language = coalesce(t.language, articles.language),
    sitename = coalesce(t.sitename, articles.sitename)
FROM batch_texts t
WHERE articles.article_id = t.article_id;
