"""`--classifier NAME` for the commands: the offline classifiers by name, or the LLM judge
wired to its settings (feeds.toml [classifier.llm] + WORKWATCH_LLM_*) and the warehouse's
answer cache (issue 17)."""

from __future__ import annotations

from pathlib import Path

from classifiers.base import Classifier, UnknownClassifierError, available, get_classifier, register
from extractors.errors import WorkwatchError
from extractors.llm_settings import LLMSettings, with_environment

LLM = "llm"


def llm_settings(feeds_path: str | Path | None) -> LLMSettings:
    """The judge's settings: feeds.toml's [classifier.llm] (when the file exists), then env."""
    settings = LLMSettings()
    if feeds_path is not None and Path(feeds_path).is_file():
        from extractors.config import load_config

        settings = load_config(feeds_path).llm
    return with_environment(settings)


def make_judge(feeds_path: str | Path | None, db_path: str | Path | None):
    """An LLMJudge caching in the warehouse at db_path (in memory when None)."""
    from classifiers.llm import LLMError, LLMJudge, not_configured

    settings = llm_settings(feeds_path)
    if not settings.enabled:
        raise LLMError(not_configured())
    cache = None
    if db_path is not None:
        from warehouse.llm_cache import WarehouseCache

        cache = WarehouseCache(db_path)
    return LLMJudge(settings, cache=cache)


def resolve_classifier(name: str | None, feeds_path: str | Path | None = None,
                       db_path: str | Path | None = None) -> Classifier | None:
    """The classifier `--classifier NAME` asks for (None: the default one). "llm" builds the
    judge and registers it, so that get_classifier("llm") in this process returns it."""
    if not name:
        return None
    if name == LLM:
        judge = make_judge(feeds_path, db_path)
        register(LLM, lambda: judge)
        return get_classifier(LLM)
    try:
        return get_classifier(name)
    except UnknownClassifierError:
        raise WorkwatchError(f"unknown classifier {name!r}; available: "
                             f"{', '.join(sorted(set(available()) | {LLM}))}") from None


def judge_line(clf: object) -> str | None:
    """The judge's one-line account of a run (None for offline classifiers)."""
    stats = getattr(clf, "stats", None)
    return stats.line() if stats is not None and hasattr(stats, "line") else None
