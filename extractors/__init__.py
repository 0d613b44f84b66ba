"""extractors: everything up to an extracted article - the stage data types
(`extractors.types`: Feed, FeedItem, Page, Article, ArticleError and the classifier's
TextItem/Classification), polite HTTP fetching, feed parsing, sitemaps and feed archives,
page-to-article extraction, the WARC archive, feeds.toml. Imports nothing of ours but `core`."""
