-- workwatch warehouse, version 42: word positions in the search index; watches' outlets
-- resolved to stored outlet names (issue 20).
--
-- Phrases were checked against the articles' texts with a regular expression: 650-820 ms per
-- phrase query at 1M articles (every candidate's text read). Each posting now carries the
-- term's positions in its field (1-based, counted over every word, the common words the index
-- leaves out included), so "writers guild" is answered from the index: "guild" at a position
-- one after "writers" in the same field. Only a phrase with a left-out word inside ("future of
-- work") is still checked against the text, and only for the documents whose indexed words
-- stand at the right distances.
--
-- The index is derived data: drop the old layout and start empty. The first search (or watch
-- command, or `workwatch search --reindex`) indexes the stored articles again; loads in the
-- meantime index their own articles as before.

-- Every word of a text, in order (positions are subscripts of this list).
CREATE OR REPLACE MACRO search_words(s) AS
    regexp_extract_all(lower(strip_accents(coalesce(s, ''))), '[\p{L}\p{N}]+');

-- The words the index holds (as search_tokens, migration 020; keep in step with
-- warehouse/search_query.py STOPWORDS).
CREATE OR REPLACE MACRO search_indexed(t) AS
    length(t) BETWEEN 2 AND 40 AND NOT list_contains([
        'a', 'an', 'and', 'are', 'as', 'at', 'be', 'been', 'but', 'by', 'for', 'from', 'had',
        'has', 'have', 'he', 'her', 'his', 'i', 'in', 'into', 'is', 'it', 'its', 'of', 'on',
        'or', 'our', 's', 'she', 'that', 'the', 'their', 'them', 'there', 'they', 'this',
        'to', 'was', 'we', 'were', 'which', 'who', 'will', 'with', 'would', 'you', 'your'], t);

DROP TABLE IF EXISTS search_postings;
DELETE FROM search_docs;

CREATE TABLE search_postings (
    term        VARCHAR NOT NULL,
    doc_id      INTEGER NOT NULL,
    field       UTINYINT NOT NULL,  -- 1 title, 2 body
    tf          INTEGER NOT NULL,
    flen        INTEGER NOT NULL,   -- the field's length in indexed terms (BM25)
    pos         INTEGER[] NOT NULL  -- the term's positions in the field (any order)
);

UPDATE search_state SET sorted_through = 0, segments = 0, sorted_at = NULL;

-- Each watch's `outlets` as the stored outlet names they name (by name or domain, the
-- outlet_names macro of migration 040, as the dashboard and the named queries use it),
-- resolved when the watches are synced: resolving in every load transaction took 0.1-0.2 s
-- at 159k articles (it groups every article by outlet).
ALTER TABLE watches ADD COLUMN IF NOT EXISTS outlet_names VARCHAR[];
