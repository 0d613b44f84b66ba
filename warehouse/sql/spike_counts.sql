-- Stories per topic (kind 'topic') and per evidence term (kind 'term') in the period ending
-- at $end (ago = 0) and in each of the $history periods of $days days before it. Stories
-- count once per cluster (is_first) and only when AI×work.
WITH keyed AS (
    SELECT story_at, 'topic' AS kind, unnest(topics) AS key
    FROM story_facts WHERE is_first AND is_ai_work AND story_at >= $start AND story_at < $end
    UNION ALL
    SELECT story_at, 'term', unnest(terms)
    FROM story_facts WHERE is_first AND is_ai_work AND story_at >= $start AND story_at < $end
), aged AS (
    SELECT kind, key, floor(epoch($end - story_at) / (86400 * $days))::INTEGER AS ago FROM keyed
)
SELECT kind, key,
       count(*) FILTER (WHERE ago = 0) AS current,
       count(*) FILTER (WHERE ago BETWEEN 1 AND $history) AS history
FROM aged
GROUP BY kind, key
HAVING count(*) FILTER (WHERE ago = 0) >= $min_count
ORDER BY kind, key;
