-- AI×work stories per outlet and topic in the period (a story with two topics counts in
-- both); a story counts once per outlet (its first copy there) unless $count = 'articles'.
SELECT outlet, topic, count(*) AS stories
FROM (SELECT outlet, unnest(topics) AS topic
      FROM story_facts
      WHERE is_ai_work
        AND ($since IS NULL OR story_at >= $since)
        AND ($until IS NULL OR story_at < $until)
        AND ($count = 'articles' OR is_first_in_outlet))
GROUP BY outlet, topic
ORDER BY outlet, topic;
