-- workwatch warehouse, version 23: the search index's final layout (issue 20).
--
-- The first version of 020_search.sql (in the tree for ~10 minutes on 2026-12-07) keyed
-- postings by article id; warehouses migrated then would fail every load. The index is
-- derived data: drop whatever layout is there and start empty. The first search (or
-- `workwatch search --reindex`) indexes the stored articles again.
DROP TABLE IF EXISTS search_postings;
DROP TABLE IF EXISTS search_docs;
DROP SEQUENCE IF EXISTS search_doc_ids;

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

-- field: 1 title, 2 body; flen: the field's length in terms (BM25 normalises by it)
CREATE TABLE search_postings (
    term        VARCHAR NOT NULL,
    doc_id      INTEGER NOT NULL,
    field       UTINYINT NOT NULL,
    tf          INTEGER NOT NULL,
    flen        INTEGER NOT NULL
);

UPDATE search_state SET sorted_through = 0, segments = 0, sorted_at = NULL;
