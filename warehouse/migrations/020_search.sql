-- workwatch warehouse, version 20: the full-text search index (issue 20).
--
-- DuckDB's `fts` extension is downloaded at run time and is not available offline, so the
-- index is plain tables kept current in each load transaction (warehouse/search.py):
-- one row per (term, article, field) with the term's count, and each article's field lengths
-- for BM25. Terms come from `search_tokens`: lower case, accents stripped, runs of letters
-- and digits, 2-40 characters, common English words left out (they match nearly every
-- article and made the table ~40% larger; quoted phrases are checked against the text).

CREATE MACRO search_tokens(s) AS list_filter(
    regexp_extract_all(lower(strip_accents(coalesce(s, ''))), '[\p{L}\p{N}]+'),
    lambda t: length(t) BETWEEN 2 AND 40 AND NOT list_contains([
        'a', 'an', 'and', 'are', 'as', 'at', 'be', 'been', 'but', 'by', 'for', 'from', 'had',
        'has', 'have', 'he', 'her', 'his', 'i', 'in', 'into', 'is', 'it', 'its', 'of', 'on',
        'or', 'our', 's', 'she', 'that', 'the', 'their', 'them', 'there', 'they', 'this',
        'to', 'was', 'we', 'were', 'which', 'who', 'will', 'with', 'would', 'you', 'your'], t));

-- One row per indexed article. Postings refer to it by doc_id (integer joins and set
-- operations measured ~3x faster than on the 16-character article ids at 1M articles), and
-- it carries what ranking filters and groups by, so a search reads no other large table.
CREATE SEQUENCE search_doc_ids;
CREATE TABLE search_docs (
    doc_id      INTEGER PRIMARY KEY,
    article_id  VARCHAR NOT NULL UNIQUE,
    cluster_key UBIGINT NOT NULL,   -- as story_facts.cluster_key: copies of a story share it
    story_at    TIMESTAMP,
    outlet      VARCHAR,
    title_len   INTEGER NOT NULL,   -- terms in the title
    body_len    INTEGER NOT NULL,   -- terms in the body
    text_hash   VARCHAR,            -- of the text indexed: a re-extracted article is re-indexed
    indexed_at  TIMESTAMP NOT NULL
);

-- field: 1 title, 2 body (text, or the feed summary when there is no text); flen: the
-- field's length in terms (BM25 normalises by it; kept here to spare a join).
CREATE TABLE search_postings (
    term        VARCHAR NOT NULL,
    doc_id      INTEGER NOT NULL,
    field       UTINYINT NOT NULL,
    tf          INTEGER NOT NULL,
    flen        INTEGER NOT NULL
);
