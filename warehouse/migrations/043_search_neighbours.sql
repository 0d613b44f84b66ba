-- workwatch warehouse, version 43: the common words beside each indexed word (issue 20).
--
-- Migration 042 gave postings word positions, but the common words the index leaves out
-- (the, of, ...) have none: a phrase of one indexed word and common ones ("the ai", "at
-- work") was still checked against the text of every article with that word (0.9-1.5 s at
-- 1M articles). Each position now also records the common word just before and just after
-- it (its number in the list below, 0: none or another word), so such phrases, and those
-- with one common word between indexed ones ("future of work"), are answered from the index.
-- Measured on 40k replay articles: building the postings took 0.17 s of CPU with positions
-- alone, 0.21 s with the neighbours.
--
-- The index is derived data: emptied, and indexed again by the first search (as 042).

-- The common words' numbers (1-based; keep in step with warehouse/search_query.py STOPWORDS).
CREATE OR REPLACE MACRO search_stop_code(w) AS coalesce(list_position([
        'a', 'an', 'and', 'are', 'as', 'at', 'be', 'been', 'but', 'by', 'for', 'from', 'had',
        'has', 'have', 'he', 'her', 'his', 'i', 'in', 'into', 'is', 'it', 'its', 'of', 'on',
        'or', 'our', 's', 'she', 'that', 'the', 'their', 'them', 'there', 'they', 'this',
        'to', 'was', 'we', 'were', 'which', 'who', 'will', 'with', 'would', 'you', 'your'], w),
    0)::UTINYINT;

DROP TABLE IF EXISTS search_postings;
DELETE FROM search_docs;

CREATE TABLE search_postings (
    term        VARCHAR NOT NULL,
    doc_id      INTEGER NOT NULL,
    field       UTINYINT NOT NULL,  -- 1 title, 2 body
    tf          INTEGER NOT NULL,
    flen        INTEGER NOT NULL,   -- the field's length in indexed terms (BM25)
    pos         INTEGER[] NOT NULL, -- the term's positions in the field (any order)
    prev        UTINYINT[] NOT NULL, -- per position: search_stop_code of the word before it
    next        UTINYINT[] NOT NULL  -- per position: search_stop_code of the word after it
);

UPDATE search_state SET sorted_through = 0, segments = 0, sorted_at = NULL;
