-- workwatch warehouse, version 44: single letters and digits are indexed (issue 20).
--
-- With words of 2-40 characters indexed, a phrase with a one-letter word ("plan b", "c
-- suite", "u.s. workers", "7,800 jobs") was checked against the text of every article with
-- its other words: 0.7-0.85 s at 1M articles for "plan b". Single letters and digits (other
-- than the common words a, i, s) add ~4% to the terms (20k replay articles: 21.6k of 522k)
-- and make such phrases index lookups. Keep in step with warehouse/search_query.py
-- is_indexed. The index is emptied and rebuilt by the first search (as 042, 043).
CREATE OR REPLACE MACRO search_indexed(t) AS
    length(t) BETWEEN 1 AND 40 AND NOT list_contains([
        'a', 'an', 'and', 'are', 'as', 'at', 'be', 'been', 'but', 'by', 'for', 'from', 'had',
        'has', 'have', 'he', 'her', 'his', 'i', 'in', 'into', 'is', 'it', 'its', 'of', 'on',
        'or', 'our', 's', 'she', 'that', 'the', 'their', 'them', 'there', 'they', 'this',
        'to', 'was', 'we', 'were', 'which', 'who', 'will', 'with', 'would', 'you', 'your'], t);

DELETE FROM search_postings;
DELETE FROM search_docs;
UPDATE search_state SET sorted_through = 0, segments = 0, sorted_at = NULL;
