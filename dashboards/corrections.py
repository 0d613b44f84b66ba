"""The story browser's "correct this" control (issue 17): the dashboard's one write.

Everything else in the dashboard reads through read-only connections. An analyst's
correction is a row in the warehouse's `labels` table, written by `save_correction` through
warehouse.labels.add_label (a short write connection, the same path as `workwatch label`).
Corrections are offered only when the dashboard is bound to a loopback address (the
default of `workwatch dashboard`): served beyond this machine it has no login, so it stays
read-only.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Sequence

import streamlit as st

from warehouse.labels import Label


def corrections_allowed() -> bool:
    """True when the server listens on loopback only (127.0.0.1, ::1, localhost)."""
    address = (st.get_option("server.address") or "").strip()
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False  # unset: Streamlit listens on every interface


def save_correction(db: str | Path, article_id: str, ai_work: bool, topics: Sequence[str],
                    who: str, note: str | None) -> Label:
    """Store an analyst's label for one story (the dashboard's only write)."""
    from warehouse.labels import add_label

    return add_label(db, article_id, ai_work, topics, who, note)


def history(db: str | Path, article_id: str) -> list[Label]:
    from warehouse.labels import label_history

    return label_history(db, article_id)


def default_name() -> str:
    from warehouse.labels import default_labeller

    return default_labeller()
