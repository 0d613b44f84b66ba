-- workwatch warehouse, version 4: hardening.
-- `truncated` is TRUE when an article's text was longer than the stored maximum
-- (extractors/extract.py MAX_TEXT_CHARS, 200,000 characters) and was cut there.
ALTER TABLE articles ADD COLUMN truncated BOOLEAN DEFAULT FALSE;
-- Why an article could not be fetched or extracted, as a short code for counting:
-- not_html, robots, robots_unavailable, blocked, invalid_url, too_large, http_error,
-- transient, no_text, extractor_crashed, unexpected (the `error` column has the details).
ALTER TABLE article_errors ADD COLUMN reason VARCHAR;
