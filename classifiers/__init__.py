"""The AI-and-work classifier: rules + lexicon (``lexicon.toml``), JSONL classification and
evaluation. Entry points: ``classifiers.base.get_classifier``, ``classifiers.jsonl.classify_file``,
``classifiers.evaluate.evaluate`` / ``format_report``."""
