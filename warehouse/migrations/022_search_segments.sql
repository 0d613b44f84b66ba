-- workwatch warehouse, version 22: the search index's sorted segments (issue 20).
--
-- Postings are appended in load order; a search reads a term's rows through min/max zone
-- maps, which skip row groups only when the rows are sorted by term. Measured at 159k replay
-- articles: word queries 280-880 ms on postings in load order, 30-150 ms sorted. So the load
-- transaction sorts the newest postings (doc_id > sorted_through) once they are many
-- (warehouse/search.py compact_tail), and `search --reindex` sorts everything.
CREATE TABLE search_state (
    sorted_through  INTEGER NOT NULL,     -- postings of doc ids up to this are sorted segments
    segments        INTEGER NOT NULL,     -- sorted runs since the last full sort
    sorted_at       TIMESTAMP
);
INSERT INTO search_state VALUES (0, 0, NULL);
