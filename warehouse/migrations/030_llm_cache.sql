-- workwatch warehouse, issue 17: the LLM judge's answers, so that no item is sent twice.
-- Key: the hash of exactly what was sent (title, lede, body excerpt), the model, and the
-- prompt version (hash of the instructions and request template). `answer` is the parsed
-- JSON answer {ai, work, ai_work, topics, quotes}, before the quotes are checked against
-- the item (that is redone on every use). Failed requests are not stored: they are retried
-- by the next run.
CREATE TABLE llm_cache (
    content_hash   VARCHAR NOT NULL,
    model          VARCHAR NOT NULL,
    prompt_version VARCHAR NOT NULL,
    answer         JSON NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (content_hash, model, prompt_version)
);
