"""The classifier interface and the registry of classifiers by name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from classifiers.topics import TOPICS  # noqa: F401  (classifiers.base.TOPICS, as before)
from extractors.types import Classification, TextItem


@runtime_checkable
class Classifier(Protocol):
    """Anything that turns a batch of TextItems into one Classification per item, in order."""

    name: str
    version: str

    def classify(self, batch: Sequence[TextItem]) -> list[Classification]: ...


class UnknownClassifierError(ValueError):
    """get_classifier() was asked for a name that is not registered."""


def _make_rules() -> Classifier:
    from classifiers.rules import RuleClassifier

    return RuleClassifier()


def _make_learned() -> Classifier:
    from classifiers.learned import LearnedClassifier

    return LearnedClassifier()


_REGISTRY: dict[str, Callable[[], Classifier]] = {"rules": _make_rules, "learned": _make_learned}
# The default: rules + the learned stage, which beats rules alone in 5-fold CV on
# train-2023 + dev (ai_work F1 and topic macro-F1; figures in the README, "Classifier").
DEFAULT = "learned"
_INSTANCES: dict[str, Classifier] = {}


def register(name: str, factory: Callable[[], Classifier]) -> None:
    """Register a classifier factory under `name` (replaces any previous one)."""
    _REGISTRY[name] = factory
    _INSTANCES.pop(name, None)


def available() -> list[str]:
    """Names that get_classifier() accepts."""
    return sorted(_REGISTRY)


def get_classifier(name: str = DEFAULT) -> Classifier:
    """The classifier registered as `name` (default: DEFAULT; one shared instance per name)."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise UnknownClassifierError(
            f"unknown classifier {name!r}; available: {', '.join(available())}"
        ) from None
    inst = _INSTANCES.get(name)
    if inst is None:
        inst = _INSTANCES[name] = factory()
    return inst
