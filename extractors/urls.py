"""URL identity: the canonical URL an article is stored under, and its identity key.

`canonical_url(url)` is the URL stored for an article (and hashed into its id,
extractors.types.article_id_for). It is the URL as given, with:

- the fragment dropped (`#comments`, `#:~:text=...`);
- credentials dropped (`user:secret@`): never stored, never logged;
- tracking parameters dropped: every name in TRACKING_PARAMS, every name starting with one
  of TRACKING_PREFIXES, every `name=value` pair in TRACKING_PAIRS, plus the ones courlan
  recognises; feeds.toml can add names with `[fetch] tracking_params = ["name", "prefix*"]`;
- an AMP variant read as the page itself: a last path segment `amp` (`/story/amp/`);
- host lower-cased, the scheme's default port dropped, query parameters sorted (courlan).

Content-bearing parameters (`id`, `p`, `story`, `storyId`, feedburner's `a` ...) are kept. A
URL that was already canonical keeps exactly the canonical form (and so the article id) it
had before these rules.

Scheme and trailing slash are kept in the canonical URL (the page is fetched as given, and
stored ids stay stable), but they are not part of an article's identity: `identity_key`
ignores them, and `identity_variants` lists the canonical URLs (http/https, with and
without the trailing slash) under which the same article may already be stored.
"""

from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from courlan import normalize_url

CONTROL_CHAR_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# Query parameters that only say where a reader came from. Compared case-insensitively.
TRACKING_PARAMS = frozenset({
    # ad and click ids
    "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "ttclid", "igshid",
    "wbraid", "gbraid", "srsltid", "_ga", "_gl", "spm", "guccounter", "guce_referrer",
    "guce_referrer_sig",
    # newsletters (Mailchimp, HubSpot ...)
    "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id",
    "vero_conv", "vero_id",
    # outlets' campaign and referrer tags
    "cmpid", "cmp", "ncid", "ocid", "share", "shared", "src", "source", "ref", "ref_src",
    "ref_url", "referer", "referrer", "smid", "smtyp", "ito", "xtor", "taid", "mbid", "soc_src",
    "soc_trk", "s_cid", "cid", "icid", "sr_share", "fromrss", "intcmp", "wt.mc_id", "wt_mc_id",
    "__twitter_impression", "tpcc", "partner", "campaign", "medium", "traffic_source",
    # AMP variants
    "amp", "_amp", "usqp", "amp_js_v", "amp_gsa",
})
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hsa_", "ga_", "itm_", "mc_")
# name=value pairs that are tracking only with that value (output=json is content)
TRACKING_PAIRS = frozenset({("output", "amp"), ("outputtype", "amp"), ("format", "amp"),
                            ("view", "amp"), ("amp", "1"), ("amp", "true")})
# feeds.toml [fetch] tracking_params: names, or prefixes written "name*" (see configure)
_extra_names: frozenset[str] = frozenset()
_extra_prefixes: tuple[str, ...] = ()


def configure(tracking_params: Iterable[str] = ()) -> None:
    """Add feeds.toml's tracking parameters to the built-in list (replacing earlier ones)."""
    global _extra_names, _extra_prefixes
    names = [p.strip().lower() for p in tracking_params if p and p.strip()]
    _extra_names = frozenset(n for n in names if not n.endswith("*"))
    _extra_prefixes = tuple(n[:-1] for n in names if n.endswith("*") and len(n) > 1)


def is_tracking_param(name: str, value: str = "") -> bool:
    key = unquote_plus(name).strip().lower()
    return (key in TRACKING_PARAMS or key in _extra_names
            or key.startswith(TRACKING_PREFIXES) or (_extra_prefixes and key.startswith(_extra_prefixes))
            or (key, unquote_plus(value).strip().lower()) in TRACKING_PAIRS)


def canonical_url(url: str) -> str:
    """The URL under which an article is stored: same page, without tracking noise, fragment
    or credentials."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rsplit("@", 1)[-1]
        path = _drop_amp_segment(parts.path)
        query = "&".join(p for p in parts.query.split("&") if p and not _tracking_pair(p))
        cleaned = urlunsplit((parts.scheme, netloc, path, query, ""))
        return normalize_url(cleaned, strict=False, trailing_slash=True)
    except (ValueError, AttributeError):
        return strip_credentials(url).split("#", 1)[0]


def _tracking_pair(pair: str) -> bool:
    name, _, value = pair.partition("=")
    return is_tracking_param(name, value)


def _drop_amp_segment(path: str) -> str:
    """/story/amp/ and /story/amp are the AMP variant of /story/."""
    trimmed = path.rstrip("/")
    if trimmed.lower().endswith("/amp") and len(trimmed) > 4:
        return trimmed[:-3]
    return path


def strip_credentials(url: str) -> str:
    """url without `user:password@` (nothing else changed)."""
    if "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"(//)[^/?#]*@", r"\1", url, count=1)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))


def credentials_of(url: str) -> str | None:
    """The `user:password` part of url, if any."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return None
    return netloc.rsplit("@", 1)[0] if "@" in netloc else None


def identity_key(canonical: str) -> str:
    """What makes two canonical URLs the same article: neither scheme nor trailing slash."""
    try:
        parts = urlsplit(canonical)
    except ValueError:
        return canonical
    if parts.scheme.lower() not in ("http", "https"):
        return canonical
    path = parts.path.rstrip("/")
    return f"//{parts.netloc}{path}" + (f"?{parts.query}" if parts.query else "")


def identity_variants(canonical: str) -> list[str]:
    """The canonical URLs an article with this identity may be stored under: http and https,
    with and without the trailing slash (the given one first)."""
    try:
        parts = urlsplit(canonical)
    except ValueError:
        return [canonical]
    if parts.scheme.lower() not in ("http", "https"):
        return [canonical]
    bare = parts.path.rstrip("/")
    if bare:
        paths = [parts.path, bare, bare + "/"]
    else:  # the root: courlan writes "/?q" when there is a query, "" or "/" otherwise
        paths = ["/"] if parts.query else [parts.path, "", "/"]
    scheme = parts.scheme.lower()
    variants: list[str] = []
    for sch in (scheme, "https" if scheme == "http" else "http"):
        for path in paths:
            v = urlunsplit((sch, parts.netloc, path, parts.query, ""))
            if v not in variants:
                variants.append(v)
    if canonical in variants:
        variants.remove(canonical)
    return [canonical] + variants


def is_fetchable(url: str) -> bool:
    """An http(s) URL with a host, a valid port, no control character, no space in the host."""
    url = url.strip()
    if CONTROL_CHAR_RE.search(url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError when out of range or not a number
    except ValueError:
        return False
    return (parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
            and " " not in parts.netloc)
