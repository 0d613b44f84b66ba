-- Dates outside 1995 .. tomorrow are not trusted (issue 15, finding 4): an older replay
-- stored 9999-12-31 and 0001-01-01 from hostile input, which made `query trend --interval
-- day` build a series of millions of days and the dashboard fail with OverflowError. New
-- loads store such dates as unknown (extractors.text.plausible_date); this cleans old ones.
UPDATE articles SET published_at = NULL
 WHERE published_at < TIMESTAMP '1995-01-01'
    OR published_at > current_timestamp::TIMESTAMP + INTERVAL 2 DAY;
UPDATE articles SET first_seen_at = current_timestamp::TIMESTAMP
 WHERE first_seen_at < TIMESTAMP '1995-01-01'
    OR first_seen_at > current_timestamp::TIMESTAMP + INTERVAL 2 DAY;
