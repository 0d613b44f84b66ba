"""A loopback news site for backfill tests, written for this project.

`build_site(root)` writes "The Harbour Times": 60 dated articles from 1 August to 28 October
2026 (WordPress-like paths, real-looking pages with navigation, cookie banner, related links
and footer), robots.txt with a Sitemap: line, a sitemap index, monthly sitemaps with lastmod, a
Google News sitemap, and a paged feed archive (/feed/, /feed/?paged=N). `SiteServer(root)`
serves it on 127.0.0.1 (query strings included) and records every request.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from tests.servers import RouteServer

BASE = "{{BASE_URL}}"
FIRST = datetime(2026, 8, 1, 8, 0, tzinfo=timezone.utc)
COUNT = 60
PER_PAGE = 10
NEWS_ONLY = 3  # the newest articles are only in the Google News sitemap (not yet in a monthly one)

COMPANIES = ["Northgate Logistics", "Calder Insurance", "Brightwater Bank", "Fenwick Retail",
             "Osprey Telecom", "Linden Health", "Marlow Foods", "Quayside Media", "Redfern Airways",
             "Tamsin Software"]
TOWNS = ["Eastport", "Millbrook", "Harrowgate", "Kestrel Bay", "Ashford Vale", "Dunmore"]
AI_STORIES = [
    ("{c} to cut {n} back-office jobs as AI takes over claims processing",
     "{c} said on {day} it would eliminate {n} clerical roles over the next year after an "
     "artificial intelligence system began handling most routine claims and invoices."),
    ("{c} hires {n} engineers to build generative AI tools for its staff",
     "{c} is recruiting {n} machine learning engineers and prompt specialists, the latest "
     "employer to compete for scarce AI talent as demand for those skills keeps rising."),
    ("{c} pays for {n} workers to retrain for AI-assisted roles",
     "{c} will fund training for {n} employees whose tasks are being reshaped by automation "
     "and AI software, in one of the largest reskilling programmes announced this year."),
    ("Union at {c} wins limits on AI monitoring of {n} call-centre staff",
     "Workers at {c} secured a contract clause that restricts algorithmic management and "
     "AI surveillance of about {n} call-centre employees after months of negotiation."),
]
OTHER_STORIES = [
    ("{t} council approves {n} new homes on the old rail yard",
     "Councillors in {t} voted to allow {n} homes, a school and a small park on the disused "
     "rail yard, ending a planning dispute that began three years ago."),
    ("Storm brings {n} millimetres of rain to {t} overnight",
     "Residents of {t} woke to flooded roads after {n} millimetres of rain fell in twelve "
     "hours, the wettest night recorded at the harbour weather station since 1998."),
    ("{t} rowing club celebrates {n} years on the river",
     "The {t} rowing club marked its {n}th anniversary with a regatta, a reunion of former "
     "crews and the launch of a new boat named after its founder."),
]
AI_BODY = [
    "Executives described the change as part of a wider plan to use software for work that "
    "staff once did by hand. Managers said the system reads documents, flags exceptions and "
    "drafts replies, leaving people to check the hardest cases.",
    "Employee representatives said they had been consulted late and asked for guarantees on "
    "redeployment, pay and training. Several staff members told the Harbour Times they were "
    "worried about how quickly their daily tasks were changing.",
    "Analysts who follow the sector said similar moves were under way at rivals, as employers "
    "look for productivity gains from generative models while facing questions from "
    "regulators about transparency and fairness at work.",
    "Recruiters in the region report strong demand for people who can combine domain "
    "knowledge with data and automation skills, and say salaries for those roles have risen "
    "faster than the local average over the past year.",
]
OTHER_BODY = [
    "Local officials said the decision followed a long consultation in which hundreds of "
    "residents wrote in, many of them asking for better bus links and more green space.",
    "Shopkeepers along the harbour front said trade had been steady through the season, "
    "helped by visitors arriving on the new ferry timetable introduced in the spring.",
    "The committee will publish its full report next month, and a public meeting is planned "
    "at the town hall for anyone who wants to ask questions about the next steps.",
    "Volunteers spent the weekend clearing debris from the footpaths, and the council thanked "
    "them for turning out in large numbers at short notice.",
]


@dataclass(frozen=True)
class SiteArticle:
    number: int
    slug: str
    path: str  # /2026/08/01/slug/
    title: str
    lede: str
    published: datetime
    ai_work: bool

    @property
    def month(self) -> str:
        return self.published.strftime("%Y-%m")


def site_articles() -> list[SiteArticle]:
    out = []
    for i in range(COUNT):
        when = FIRST + timedelta(hours=36 * i)
        ai = i % 3 != 2
        stories = AI_STORIES if ai else OTHER_STORIES
        title_t, lede_t = stories[i % len(stories)]
        values = {"c": COMPANIES[i % len(COMPANIES)], "t": TOWNS[i % len(TOWNS)],
                  "n": 40 + 17 * i, "day": when.strftime("%A")}
        title = title_t.format(**values)
        slug = "-".join(w.strip(",.'").lower() for w in title.split()[:8]) + f"-{i}"
        path = f"/{when:%Y/%m/%d}/{slug}/"
        out.append(SiteArticle(i, slug, path, title, lede_t.format(**values), when, ai))
    return out


def in_range(articles: list[SiteArticle], since: str, until: str) -> list[SiteArticle]:
    lo = datetime.fromisoformat(since).replace(tzinfo=timezone.utc)
    hi = datetime.fromisoformat(until).replace(tzinfo=timezone.utc) + timedelta(days=1)
    return [a for a in articles if lo <= a.published < hi]


def page_html(a: SiteArticle, date_override: str | None = None) -> str:
    body = AI_BODY if a.ai_work else OTHER_BODY
    paragraphs = [a.lede] + [body[(a.number + k) % len(body)] for k in range(4)]
    paragraphs.insert(2, f"The report, number {a.number} in our series this season, drew on "
                         f"interviews with {12 + a.number % 9} people over {3 + a.number % 5} weeks.")
    stamp = date_override or a.published.strftime("%Y-%m-%dT%H:%M:%SZ")
    shown = date_override[:10] if date_override else f"{a.published:%d %B %Y}"
    year = "" if date_override else "2026 "  # a page whose only date is wrong has no other clue
    related = "".join(f'<li><a href="{BASE}/tag/{t}/">{t.title()} news</a></li>'
                      for t in ("business", "work", "harbour", "weather"))
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(a.title)} | The Harbour Times</title>
<meta name="description" content="{html.escape(a.lede)}">
<link rel="canonical" href="{BASE}{a.path}">
<meta property="og:title" content="{html.escape(a.title)}">
<meta property="og:site_name" content="The Harbour Times">
<meta property="og:type" content="article">
<meta property="article:published_time" content="{stamp}">
<meta name="author" content="Harbour Times staff">
</head>
<body class="single-post">
<div class="cookie-banner"><p>We use cookies to improve your experience on our site.</p>
<button>Accept</button></div>
<header class="site-header"><a class="logo" href="{BASE}/">The Harbour Times</a>
<nav><ul><li><a href="{BASE}/news/">News</a></li><li><a href="{BASE}/business/">Business</a></li>
<li><a href="{BASE}/sport/">Sport</a></li><li><a href="{BASE}/opinion/">Opinion</a></li></ul></nav>
</header>
<main>
<article class="post">
<h1 class="entry-title">{html.escape(a.title)}</h1>
<p class="byline">By Harbour Times staff · <time datetime="{stamp}">{shown}</time></p>
<div class="entry-content">
{paras}
</div>
</article>
<aside class="related"><h3>More from the Harbour Times</h3><ul>{related}</ul></aside>
</main>
<footer class="site-footer"><p>© {year}The Harbour Times. All rights reserved.</p>
<ul><li><a href="{BASE}/about/">About us</a></li><li><a href="{BASE}/privacy/">Privacy</a></li>
<li><a href="{BASE}/contact/">Contact</a></li></ul></footer>
</body>
</html>
"""


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _urlset(entries: list[str], news: bool = False) -> str:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>\n'
            + "".join(entries) + "</urlset>\n")


def _url(loc: str, lastmod: str | None) -> str:
    mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return f"  <url><loc>{BASE}{loc}</loc>{mod}</url>\n"


def _news_url(a: SiteArticle) -> str:
    return (f"  <url><loc>{BASE}{a.path}</loc><news:news><news:publication>"
            "<news:name>The Harbour Times</news:name><news:language>en</news:language>"
            f"</news:publication><news:publication_date>{_iso(a.published)}"
            f"</news:publication_date><news:title>{html.escape(a.title)}</news:title>"
            "</news:news></url>\n")


def _feed_item(a: SiteArticle | None, title: str = "", path: str = "", date: str = "") -> str:
    if a is not None:
        title, path, date = a.title, a.path, format_datetime(a.published, usegmt=True)
    return (f"<item><title>{html.escape(title)}</title><link>{BASE}{path}</link>"
            f"<guid isPermaLink=\"true\">{BASE}{path}</guid><pubDate>{date}</pubDate>"
            f"<description>{html.escape(title)}.</description></item>\n")


def _feed(items: list[str]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>The Harbour Times</title><link>{BASE}/</link>"
            "<description>News from the harbour</description>\n" + "".join(items)
            + "</channel></rss>\n")


UPDATED, UPDATED_LASTMOD = 2, "2026-10-20T12:00:00Z"
# extra pages that must never be loaded by a dated backfill
BAD_DATE_PATHS = {"/about/": "1970-01-01", "/2099/01/01/typo-story/": "2099-01-01T00:00:00Z"}
FUTURE_ITEM = ("A story with a typo in its date", "/2099/01/01/typo-story/",
               "Thu, 01 Jan 2099 00:00:00 GMT")


def build_site(root: Path) -> list[SiteArticle]:
    """Write the site under root; return its articles (oldest first)."""
    articles = site_articles()

    def write(rel: str, text: str) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")

    for a in articles:
        write(f"{a.path.strip('/')}/index.html", page_html(a))
    typo = SiteArticle(99, "typo-story", FUTURE_ITEM[1], FUTURE_ITEM[0], articles[5].lede,
                       articles[5].published, True)
    write("2099/01/01/typo-story/index.html", page_html(typo, date_override="1970-01-01T00:00:00Z"))
    write("about/index.html", "<html><body><h1>About</h1><p>We are a local paper.</p></body></html>")
    write("robots.txt", f"User-agent: *\nDisallow: /wp-admin/\n\nSitemap: {BASE}/sitemap_index.xml\n")

    monthly = [a for a in articles[:-NEWS_ONLY]]
    months = sorted({a.month for a in monthly})
    index = ['<?xml version="1.0" encoding="UTF-8"?>\n'
             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    for month in months:
        items = [a for a in monthly if a.month == month]
        entries = [_url(a.path, _iso(a.published)) for a in items]
        if month == months[0]:
            entries += [_url(p, d) for p, d in BAD_DATE_PATHS.items()] + [_url("/contact/", None)]
        if month == months[-1]:  # an August story updated in October: lastmod is not its date
            entries.append(_url(articles[UPDATED].path, UPDATED_LASTMOD))
        write(f"sitemaps/posts-{month}.xml", _urlset(entries))
        index.append(f"  <sitemap><loc>{BASE}/sitemaps/posts-{month}.xml</loc>"
                     f"<lastmod>{_iso(items[-1].published)}</lastmod></sitemap>\n")
    write("sitemaps/pages.xml", _urlset([_url("/about/", "2025-03-01")]))
    index.append(f"  <sitemap><loc>{BASE}/sitemaps/pages.xml</loc><lastmod>2025-03-01</lastmod></sitemap>\n")
    news = articles[-12:]
    write("news-sitemap.xml", _urlset([_news_url(a) for a in news], news=True))
    index.append(f"  <sitemap><loc>{BASE}/news-sitemap.xml</loc>"
                 f"<lastmod>{_iso(news[-1].published)}</lastmod></sitemap>\n")
    write("sitemap_index.xml", "".join(index) + "</sitemapindex>\n")

    newest = list(reversed(articles))
    pages = [newest[i:i + PER_PAGE] for i in range(0, len(newest), PER_PAGE)]
    for n, page in enumerate(pages, 1):
        items = [_feed_item(a) for a in page]
        if n == 2:
            items.insert(3, _feed_item(None, *FUTURE_ITEM))
        write(f"feed/page-{n}.xml", _feed(items))
    return articles


class SiteServer(RouteServer):
    """Serve a built site: directories answer with index.html, /feed/?paged=N with page N."""

    def __init__(self, root: Path, paged: bool = True):
        super().__init__({"*": self._route})
        self.root = Path(root)
        self.paged = paged

    @property
    def base_url(self) -> str:
        return self.url("").rstrip("/")

    def feeds_toml(self, extra: str = "") -> str:
        return ("[fetch]\nper_host_delay_s = 0.0\nper_host_concurrency = 8\nretries = 0\n\n"
                f'[[feeds]]\nname = "harbour-times"\nurl = "{self.base_url}/feed/"\n'
                f'outlet = "The Harbour Times"\nlanguage = "en"\n' + extra)

    def _route(self, request):
        parts = urlsplit(request.path)
        path = unquote(parts.path)
        if path == "/feed/":
            number = int(parse_qs(parts.query).get("paged", ["1"])[0] or 1) if self.paged else 1
            target = self.root / "feed" / f"page-{number}.xml"
            ctype = "application/rss+xml; charset=utf-8"
        else:
            target = (self.root / path.lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            ctype = {".xml": "application/xml; charset=utf-8", ".txt": "text/plain; charset=utf-8"
                     }.get(target.suffix, "text/html; charset=utf-8")
        if not str(target.resolve()).startswith(str(self.root.resolve())) or not target.is_file():
            return 404, {"Content-Type": "text/plain"}, b"not found"
        body = target.read_bytes().replace(BASE.encode(), self.base_url.encode())
        return 200, {"Content-Type": ctype}, body
