"""What runs in an extraction worker process: extract a chunk of pages, classify the articles.

Kept apart from flows/pipeline.py so that a worker (and the fork server it is forked from)
imports only the extractor and the classifier, not the HTTP client, DuckDB or Arrow.
"""

from __future__ import annotations

from classifiers.base import DEFAULT, get_classifier
from extractors.extract import ExtractSettings, detect_language, extract_pages
from core.hooks import pause_point
from extractors.types import Article, ArticleError, Classification, Page, TextItem


def extract_and_classify(pages: list[Page], classifier_name: str, settings: ExtractSettings
                         ) -> tuple[list[Article], list[Classification], list[ArticleError]]:
    """Worker-process function: extract a chunk of pages and classify the articles."""
    pause_point("extract")  # crash tests only (core/hooks.py)
    articles, errors = extract_pages(pages, settings)
    classifier = get_classifier(classifier_name)
    classifications = classifier.classify(
        [TextItem(a.article_id, a.title, a.summary, a.text) for a in articles])
    return articles, classifications, errors


def warm_up_worker() -> None:
    """Load the language model and the classifier's lexicon in this process."""
    detect_language("warm up the language identifier with a sentence " * 3, None, None)
    get_classifier(DEFAULT).classify([TextItem("warm-up", "AI and jobs", "", "")])
