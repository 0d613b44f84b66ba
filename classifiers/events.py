"""Workforce events in an AI×work story: who cut, hired, froze, reskilled, adopted, replaced,
struck, agreed or regulated; how many; how explicitly AI is blamed.

Pure, offline and fast: a field is split into words and looked up once (cached) against the
stems of each action's trigger pattern; only the patterns whose stems occur run, sentence by
sentence (most items have none). For each trigger the actor is the organisation named before
it in the sentence (in a Title Case headline, the first name that looks like an organisation:
listed in classifiers/event_orgs.txt, with an organisation word, an acronym, or named again in
the lede; never a person: "David Autor", "economist X"); or "at/in X" just after it; or the
headline's first name for "it"/"the company" in the lede; for a strike or deal with no actor,
the union the story names, and Hollywood's "actors"/"writers" are SAG-AFTRA/WGA), the headcount the
people-count nearest to it ("4,000 jobs", "four thousand workers", "1.2k staff"), the percent
a share of a workforce ("10% of staff", never "30% of tasks"). Forecasts ("AI could replace
300 million jobs"), questions, negations and fears ("amid fears of job losses") give no event.

ai_attribution: `explicit` when an AI term is in the same sentence as the event, `linked`
when it is elsewhere in the story, `none` when the story never names AI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

ACTIONS = ("cut", "hire", "freeze", "reskill", "adopt", "replace", "strike", "agreement", "policy")
ATTRIBUTIONS = ("explicit", "linked", "none")
FIELDS = ("title", "summary", "text")
MAX_TEXT_CHARS = 3000  # the lede carries the event; the rest of a long text adds only time


class TextLike(Protocol):
    title: str
    summary: str
    text: str


@dataclass(frozen=True)
class Span:
    """Evidence: item.<field>[start:end] is `text`."""

    field: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class WorkforceEvent:
    company: str
    company_raw: str
    action: str
    headcount: int | None
    percent: float | None
    occupation_or_unit: str | None
    ai_attribution: str
    event_date: date | None
    country: str | None
    evidence: tuple[Span, ...]

    @property
    def key(self) -> str:
        """What repeated coverage of one event shares: company and action (the warehouse adds
        headcount and a date window)."""
        return f"{company_key(self.company)}|{self.action}"


# ----------------------------------------------------------------- numbers

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 1_000, "lakh": 100_000, "million": 1_000_000,
           "crore": 10_000_000, "billion": 1_000_000_000}
_SUFFIX = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000, "b": 1_000_000_000}
_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES, "a", "and"], key=len, reverse=True))
_NUMBER = (r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s?(?:k|m|mn|bn|b)\b|\s(?:hundred|thousand|lakh|million|crore|billion)\b)?"
           rf"|(?:(?:{_WORD})[\s-]+)*(?:{'|'.join([*_UNITS, *_TENS, *_SCALES][1:])})\b")


def parse_number(text: str) -> int | None:
    """'4,000' -> 4000, 'four thousand' -> 4000, '1.2k' -> 1200, '2.5 million' -> 2500000,
    'twenty-five' -> 25; None when it is not a number."""
    s = text.strip().lower().replace("\u2009", "").replace("\xa0", " ")
    if not s:
        return None
    m = re.fullmatch(r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*([a-z]*)", s)
    if m:
        value = float(m.group(1).replace(",", ""))
        unit = m.group(2)
        if unit:
            scale = _SUFFIX.get(unit) or _SCALES.get(unit)
            if scale is None:
                return None
            value *= scale
        return int(round(value))
    total = current = 0
    seen = False
    for word in re.split(r"[\s-]+", s):
        if word in ("and", ""):
            continue
        if word == "a":
            current = current or 1
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


# ----------------------------------------------------------------- companies

_SUFFIXES = re.compile(
    r"(?:[\s,]+(?:inc|incorporated|corp|corporation|co|company|ltd|limited|llc|plc|lp|llp|ag|sa|"
    r"se|nv|bv|gmbh|spa|s\.a|n\.v|group|holdings?|technologies|platforms)\.?)+$", re.I)
_ALIASES = {"alphabet": "Google", "facebook": "Meta", "meta platforms": "Meta",
            "international business machines": "IBM", "amazon web services": "Amazon",
            "aws": "Amazon", "the writers guild of america": "WGA", "writers guild of america": "WGA",
            "writers guild": "WGA", "screen actors guild": "SAG-AFTRA", "sag aftra": "SAG-AFTRA",
            "sag-aftra": "SAG-AFTRA", "european union": "EU", "e.u.": "EU", "u.s.": "US",
            "united auto workers": "UAW", "bt group": "BT", "pwc": "PwC",
            "pricewaterhousecoopers": "PwC"}


ORGS_FILE = Path(__file__).with_name("event_orgs.txt")


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", name.lower())


def _load_orgs(path: Path = ORGS_FILE) -> dict[str, str]:
    """The organisation list (classifiers/event_orgs.txt): key of each name and alias -> the
    normalised name."""
    known: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return known
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        names = [n.strip() for n in line.split("|") if n.strip()]
        for n in names:
            known.setdefault(_key(n), names[0])
    return known


_KNOWN_ORGS = _load_orgs()


def known_org(name: str) -> str | None:
    """The listed organisation this name is (after suffixes are dropped), else None."""
    return _KNOWN_ORGS.get(_key(normalise_company(name)))


def _strip_suffixes(name: str) -> str:
    prev = None
    while prev != name:
        prev = name
        name = _SUFFIXES.sub("", name).strip(" ,")
        name = re.sub(r"\.com$", "", name, flags=re.I)
    return name


def normalise_company(raw: str) -> str:
    """'Amazon.com Inc.' -> 'Amazon', "Google's" -> 'Google', 'The Walt Disney Co.' -> 'Walt Disney'."""
    name = raw.strip().strip(".,;:'\"“”‘’()")
    whole = _KNOWN_ORGS.get(_key(name))
    if whole and re.search(r"['’]s$", name):
        return whole  # a listed name that ends in 's: "Wendy’s", "McDonald's" (not a possessive)
    name = re.sub(r"['’]s?$", "", name).strip()
    name = re.sub(r"^the\s+", "", name, flags=re.I)
    name = _POLITICAL_TITLE.sub("", name)
    name = _DESCRIPTOR.sub("", name)  # "Toymaker Hasbro" -> "Hasbro"
    name = re.sub(r"^(?:" + _COUNTRY_NAMES + r")['’]s\s+(?=\S)", "", name)  # "Italy's Enel"
    listed = _KNOWN_ORGS.get(_key(name))  # before suffixes go: "Reach plc", "Block Inc"
    name = _strip_suffixes(name)
    alias = _ALIASES.get(name.lower()) or listed or _KNOWN_ORGS.get(_key(name))
    return alias or name


# a trade noun before a name: "Toymaker Hasbro", "Chipmaker Intel", "Retailer Target"
_DESCRIPTOR = re.compile(r"^(?:[A-Z][a-z]+makers?|Retailer|Lender|Insurer|Streamer|Broadcaster|Carrier|"
                         r"Automaker|Startup|Fintech|Publisher)\s+(?=[A-Z])")
_COUNTRY_NAMES = ("Italy|France|Germany|Spain|Britain|America|China|India|Japan|Korea|South Korea|"
                  "Canada|Australia|Brazil|Mexico|Europe|Sweden|Switzerland|Israel|Ireland|Netherlands|"
                  "Singapore|Taiwan|Russia|Poland|Nigeria|Kenya|Vietnam|Indonesia|the UK|UK|US|the US")


def company_key(name: str) -> str:
    """The comparison key of a normalised company: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]+", "", normalise_company(name).lower())


# ----------------------------------------------------------------- patterns

_PEOPLE = (r"(?:jobs?|workers?|employees?|staff(?:ers)?|roles?|positions?|people|"
           r"members?|engineers?|recruiters?|journalists?|agents?|contractors?|"
           r"personnel|headcount|workforce|posts?|writers?|actors?|developers?|"
           r"professionals?|nurses?|teachers?|clerks?|programmers?|moderators?|"
           r"translators?|designers?|associates?|managers?|reporters?|youths?|students|learners|researchers|scientists|"
           r"apprentices|graduates|interns|civil\s+servants|"
           r"talent|(?:job|staff|headcount|workforce)\s+(?:cuts|reductions?|losses))"
           # a people word as a modifier is no people ("cuts developer pricing", "cut staff costs")
           r"(?![\s-]+(?:pricing|prices?|fees?|costs?|tools?|platforms?|programs?|programmes?|conferences?|"
           r"accounts?|apis?|access|tiers?|plans?|seats?|licen[cs]es?|subscriptions?|portals?|kits?)\b)")
# an AI system in a roll-out or use ("deploys an AI assistant", "access to ChatGPT Enterprise")
_AI_THING = (r"(?:ai|a\.i\.|artificial\s+intelligence|chatbots?|chatgpt|copilot|generative|assistants?|robots?|algorithms?|gpt-?\d\w*|llms?|"
             r"(?:ai|openai|gpt)-[\w-]+)")
# the staff an employer gives AI to ("its 40,000 corporate employees", "all financial advisers")
_STAFF = (r"(?:staff(?:ers)?|workers|employees|workforce|teams?|agents|bankers|lawyers|nurses|consultants|associates|"
          r"advis[eo]rs|developers|engineers|journalists|reporters|doctors|teachers|officers|recruiters|personnel|"
          r"colleagues|coders|programmers|analysts|people)")
# a task staff do that an organisation has AI do ("used AI to recreate a deceased actor's voice",
# "uses AI to screen job applicants"); not a product feature for customers ("to personalise")
_WORK_TASK = (r"(?:screen|recruit|hire|interview|translate|voice|dub|recreate|reconstruct|clone|replicate|narrate|"
              r"(?:find|source|match|vet)\s+(?:\S+\s+){0,2}?(?:candidates|applicants|recruits|hires|talent)\b|"
              r"illustrate|grade|mark|diagnose|triage|"
              r"(?:answer|handle|field|respond\s+to)(?!\s+(?:your|you)\b)|"
              r"(?:monitor|track|surveil|watch|manage)\s+(?:its\s+|their\s+)?(?:\S+\s+)?(?:staff|workers|employees|drivers|agents)|"
              r"(?:improve|speed\s+up|streamline|automate|boost)\s+(?:its\s+|their\s+)?(?:\S+\s+)?(?:hiring|recruit\w*|talent\s+acquisition|"
              r"customer\s+service|customer\s+support|onboarding|payroll)|"
              r"(?:write|draft|edit|create|generate|produce|make|draw|design)\s+(?:\S+\s+){0,3}?(?:art|artwork|images?|voices?|scripts?|"
              r"articles?|stories|content|music|ads?|adverts?|commercials?|trailers?|covers?|illustrations?|news|copy|code|"
              r"backgrounds?|presenters?|anchors?|quizzes|headlines|reports?|press\s+releases?)"
              r"(?!\s+(?:for\s+)?(?:you|your|users|customers|shoppers|members)\b))\b")
_TRIGGERS: dict[str, str] = {
    "cut": r"lay(?:s|ing)?\s+off|laid\s+off|lay-?offs?|cut(?:s|ting)?\s+(?:[\w%,.$'’-]+\s+){0,4}?" + _PEOPLE +
           r"|slash(?:es|ed|ing)?\s+(?:\S+\s+){0,4}?" + _PEOPLE +
           r"|(?:shed|sheds|shedding|eliminat(?:e|es|ed|ing)|axe[sd]?|axing|trim(?:s|med|ming)?|reduc(?:e|es|ed|ing)|"
           r"scrap(?:s|ped|ping)?|cull(?:s|ed|ing)?|terminat(?:e|es|ed|ing))\s+(?:\S+\s+){0,4}?" + _PEOPLE +
           r"|let(?:s|ting)?\s+go\s+(?:of\s+)?(?:\S+\s+){0,3}?" + _PEOPLE +
           # a team closed ("shuts down its AI ethics team", "disbands team")
           r"|(?:shut(?:s|ting)?\s+down|disband(?:s|ed|ing)?|dissolv(?:e|es|ed|ing)|scrap(?:s|ped|ping)?|axe[sd]?|axing)\s+"
           r"(?:(?:its|their|the|an?|entire|whole)\s+)*(?:[\w-]+\s+){0,3}?(?:teams?|units?|divisions?|departments?|desks?|newsrooms?)\b"
           # a workforce shrunk ("AI will shrink its corporate workforce")
           r"|shr(?:ink|inks|inking|ank|unk)\s+(?:(?:its|their|our|the\s+company['’]s)\s+)?(?:\S+\s+){0,2}?(?:workforce|headcount|staff)\b"
           # "1,000 jobs to go at X", "roles to be axed"
           r"|\b(?:jobs|roles|posts|positions)\s+(?:are\s+|were\s+)?(?:set\s+)?(?:to\s+go|will\s+go|to\s+be\s+(?:cut|axed|lost|shed|"
           r"eliminated|scrapped))\b" +
           r"|job\s+cuts|jobs?\s+(?:losses|reductions)|(?:firing|fires|fired|sack(?:s|ed|ing)?)\s+(?:\S+\s+){0,3}?" + _PEOPLE +
           r"|downsiz(?:e|es|ed|ing)|redundanc(?:y|ies)",
    # only completes the headline's cut (_fill_from_title), never an event by itself
    "cut_loss": r"(?:lose|lost|losing)\s+(?:their\s+)?(?:jobs|positions|roles)",
    "hire": r"(?!hiring\s+managers?)(?<!pause\s)(?<!pauses\s)(?<!freeze\s)(?<!halt\s)(?<!slow\s)hir(?:e|es|ed|ing)\s+(?:\S+\s+){0,3}?" + _PEOPLE +
            r"|(?:to\s+)?hire\s+(?:up\s+to\s+|about\s+|more\s+than\s+)?\d[\d,.]*\s?k?\b|recruit(?:s|ed|ing)?\s+(?:\S+\s+){0,3}?" + _PEOPLE +
            r"|creat(?:e|es|ed|ing)\s+(?:\S+\s+){0,3}?(?:new\s+)?jobs|add(?:s|ed|ing)?\s+(?:\S+\s+){0,3}?(?:new\s+)?jobs"
            r"|creat(?:e|es|ed|ing)\s+(?:\S+\s+){0,3}?(?:new\s+)?(?:roles|positions)\b"
            r"|(?:open(?:s|ed|ing)|(?:to|will|plans?\s+to)\s+open)\s+(?:up\s+)?(?:\S+\s+){0,3}?(?:jobs|roles|positions|vacancies)\b"  # the verb, not "900 open positions"
            r"|(?:has|have|had)\s+(?:\S+\s+){0,3}?(?:job\s+)?(?:openings|vacancies)\b"
            # a workforce grown ("to double its AI workforce", "expands its AI team"), not its output
            r"|(?:tripl|doubl|expand|boost|increas|bolster)\w*\s+(?:its\s+|their\s+)?(?:\S+\s+){0,2}?(?:workforce|headcount|staff|"
            r"teams?)\b(?!\s+(?:productivity|efficiency|morale|engagement|output|skills|wellbeing|satisfaction|experience))"
            r"|hiring\s+spree"
            r"|(?:seek|seeks|seeking|sought|look(?:s|ing)?\s+for|search(?:es|ing)?\s+for)\s+(?:an?\s+|\d[\d,]*\s+|more\s+|new\s+)?"
            r"(?:\S+\s+){0,3}?(?:candidates|applicants|hires|recruits|managers?|engineers?|heads?\s+of|directors?|officers?|leads?|"
            r"specialists?|experts?|analysts?|trainers?|tutors?|researchers?|scientists?|developers?|designers?|talent)\b"
            r"|(?:list|lists|listed|listing|post|posts|posted|posting|advertis(?:e|es|ed|ing))\s+(?:an?\s+|new\s+)?(?:\S+\s+){0,4}?"
            r"(?:jobs?|roles?|positions?|vacanc(?:y|ies)|openings?)\b(?!\s+but\s+not)",
    "freeze": r"(?:paus(?:e|es|ed|ing)|freez(?:e|es|ing)|froze|halt(?:s|ed|ing)?|suspend(?:s|ed|ing)?|slow(?:s|ed|ing)?|clos(?:e|es|ed|ing))\s+(?:\S+\s+){0,2}?hiring"
              r"|hiring\s+(?:freeze|pause|halt)|stop(?:s|ped|ping)?\s+hiring|not\s+(?:be\s+)?(?:hire|hiring|backfill)"
              r"|(?:won['’]t|will\s+not|no\s+longer|not\s+going\s+to)\s+(?:be\s+)?(?:hir(?:e|ing)|backfill(?:ing)?)\b"
              # headcount only when AI cannot do the work ("use AI before asking for more headcount")
              r"|before\s+(?:asking\s+for|requesting|getting|adding)\s+(?:more|new|additional)\s+(?:headcount|staff|people|hires|employees)",
    "reskill": r"re-?skill(?:s|ed|ing)?|up-?skill(?:s|ed|ing)?|re-?train(?:s|ed|ing)?|"
               r"train(?:s|ed|ing)?\s+(?!on\b|with\b|using\b|(?:(?:its|their|the|an?|own|new|generative|large)\s+){0,2}(?:ai|a\.i\.|"
               r"models?|llms?|chatbots?|chatgpt|algorithms?|systems?|bots?|software|tools?|data|neural|language\s+models?)\b)"
               r"(?:\S+\s+){0,3}?(?:staff|workers|employees|its\s+(?!(?:own\s+)?(?:ai|a\.i\.|chatbots?|chatgpt|models?|llms?|algorithms?|systems?|bots?|software|tools?|data)\b)\S+|people|teachers|nurses)\b|"
               # an academy or bootcamp for the organisation's staff ("launches AI academy for its staff")
               r"(?:ai|skills|training|learning|digital)\s+(?:academy|bootcamp|school|university|curriculum)\s+for\s+"
               r"(?:its\s+|their\s+|all\s+)?(?:\S+\s+){0,2}?" + _STAFF + r"\b|"
               r"(?:ai|skills)\s+training\s+(?:programme|program|course|for)|"
               r"training\s+(?:drive|push|programm?e?s?|courses?|scheme|initiative|academy)|"
               r"(?:programm?e?|initiative|scheme|drive|courses?)\s+to\s+(?:re-?)?train|"
               r"(?:jobs|skills|apprenticeship|reskilling|upskilling)\s+program(?:me)?s?|"
               r"free\s+(?:ai\s+)?(?:courses?|training)|"
               r"giv(?:e|es|ing)\s+(?:\S+\s+){0,2}?(?:workers?|employees?|staff(?:ers)?|teams?)\s+(?:\S+\s+){0,2}?training",
    "adopt": r"(?:roll(?:s|ed|ing)?\s+out|deploy(?:s|ed|ing)?|adopt(?:s|ed|ing)?|introduc(?:e|es|ed|ing)|"
             r"test(?:s|ed|ing)?|pilot(?:s|ed|ing)?|trial(?:s|led|ling)?|provid(?:e|es|ed|ing)|offer(?:s|ed|ing)?|"
             r"gives?\s+(?:\S+\s+){0,3}?access\s+to)\s+(?:\S+\s+){0,4}?(?:ai|a\.i\.|chatbots?|chatgpt|copilot|"
             r"generative|assistants?|robots?|algorithms?|tools?)\b"
             # AI training or AI jobs offered to staff are reskill / hire, not a roll-out
             r"(?![\s-]+(?:training|courses?|skills?|literacy|education|classes|jobs?|roles?|positions?)\b)"
             r"[^.]{0,40}?\b(?:to|for|across|at)?\s*(?:its\s+)?"
             r"(?:staff|workers|employees|workforce|teams|agents|bankers|lawyers|nurses|consultants)",
    "adopt_use": r"\b(?:is|are|goes|go|going|went|gone|been)\s+all[\s-]+in\s+on\s+(?:\S+\s+){0,2}?" + _AI_THING + r"\b"
                 r"|(?:giv(?:e|es|ing)|gave|grant(?:s|ed|ing)?|offer(?:s|ed|ing)?)\s+(?:all\s+(?:of\s+)?|every\s+|its\s+|their\s+)?"
                 r"(?:[\w,-]+\s+){0,3}?" + _STAFF + r"\s+access\s+to\s+(?:\S+\s+){0,3}?" + _AI_THING + r"\b"
                 # (not stopped: "Gannett Stops Using AI To Write Articles")
                 r"|(?<!stops\s)(?<!stop\s)(?<!stopped\s)(?<!halts\s)(?<!pauses\s)(?<!quits\s)(?<!ends\s)"
                 r"\b(?:use[sd]?|using|utili[sz](?:e|es|ed|ing)|tap(?:s|ped|ping)?|employ(?:s|ed|ing)?)\s+(?=(?:\S+\s+){0,3}?" + _AI_THING + r"\b)"
                 r"(?:\S+\s+){1,6}?to\s+(?:help\s+(?:\S+\s+)?)?" + _WORK_TASK +
                 # a roll-out verb with a task: "police will introduce AI technology to identify posts"
                 r"|\b(?:introduc(?:e|es|ed|ing)|deploy(?:s|ed|ing)?|adopt(?:s|ed|ing)?)\s+(?=(?:\S+\s+){0,3}?" + _AI_THING + r"\b)"
                 r"(?:\S+\s+){1,6}?to\s+(?:help\s+(?:\S+\s+)?)?(?:identify|detect|flag|spot|" + _WORK_TASK[3:] +
                 r"|\b(?:us(?:e|es|ed|ing))\s+(?:an?\s+)?(?:ai|a\.i\.)[\s-](?:generated|assisted|created|made|written|powered)\s+(?:\S+\s+){0,2}?"
                 r"(?:art|artwork|images?|voices?|scripts?|articles?|stories|content|music|backgrounds?|presenters?|anchors?|news)\b"
                 r"|(?:bring(?:s|ing)?|brought|extend(?:s|ed|ing)?|launch(?:es|ed|ing)?|unveil(?:s|ed|ing)?|buil(?:d|ds|t|ding)|"
                 r"develop(?:s|ed|ing)?)\s+(?:\S+\s+){0,4}?" + _AI_THING + r"\b(?![\s-]+(?:training|courses?|skills?|jobs?|roles?|academy|"
                 r"bootcamp|school|university|curriculum)\b)"
                 r"[^.]{0,40}?\b(?:to|for|across)\s+(?:all\s+(?:of\s+)?|every\s+)?(?:its|their)\s+(?:[\w,-]+\s+){0,3}?" + _STAFF + r"\b"
                 # an organisation-wide AI tool rolled out ("FDA rushed out agency-wide AI tool")
                 r"|(?:roll(?:s|ed|ing)?\s+out|rush(?:es|ed|ing)?\s+out|releas(?:e|es|ed|ing)|launch(?:es|ed|ing)?|deploy(?:s|ed|ing)?|"
                 r"introduc(?:e|es|ed|ing)|unveil(?:s|ed|ing)?)\s+(?:(?:an?|its|the|new|first)\s+)*"
                 r"(?:agency|company|firm|enterprise|organi[sz]ation|department|government|bank|group|workforce|staff|office)[\s-]wide\s+"
                 r"(?:\S+\s+){0,2}?" + _AI_THING + r"\b"
                 r"|(?:mak(?:e|es|ing)|made)\s+(?:\S+\s+){0,4}?" + _AI_THING + r"\b[^.]{0,30}?\bavailable\s+to\s+"
                 r"(?:(?:all|every|its|their|of)\s+)*(?:[\w,-]+\s+){0,3}?" + _STAFF + r"\b"
                 r"|equip(?:s|ped|ping)?\s+(?:(?:all|every|its|their)\s+)*(?:[\w,-]+\s+){0,3}?" + _STAFF + r"\s+with\s+(?:\S+\s+){0,3}?" + _AI_THING + r"\b"
                 r"|(?:tells?|told|orders?|ordered|requires?|required|asks?|asked|urges?|urged|mandates?|mandated|push(?:es|ed))\s+"
                 r"(?:(?:all|every|its|their)\s+)*(?:[\w,-]+\s+){0,2}?" + _STAFF + r"\s+to\s+(?:\S+\s+){0,2}?use\s+(?:\S+\s+){0,2}?" + _AI_THING + r"\b",
    "adopt_generic": r"(?:install(?:s|ed|ing)?|deploy(?:s|ed|ing)?|adopt(?:s|ed|ing)?)\s+(?:\S+\s+){0,3}?(?:robots|AI\b|A\.I\.|chatbots?|generative\s+AI|copilot)|"
                     # an AI hired as if staff ("Wendy's hired Google AI to take your order"): only a
                     # name or article between, never AI people ("hire AI talent", "AI engineers")
                     r"hir(?:e|es|ed|ing)\s+(?:an?\s+|(?-i:[A-Z][\w.]*)\s+)?(?:(?-i:AI)|A\.I\.|chatbots?|robots?)\b"
                     r"(?![\s-]+(?:\S+\s+)?(?:talent|engineers?|experts?|researchers?|specialists?|scientists?|roles?|jobs?|"
                     r"staff|workers?|people|professionals?|developers?|positions?|leads?|heads?|chiefs?|officers?|"
                     r"ethicists?|trainers?|tutors?|writers?|prompt|skills?|startups?|companies|firms?|teams?|hires?|"
                     r"candidates?|labs?|leaders?|executives?|expertise|capabilities|products?|company|consultancy|agency|"
                     r"vendors?|contractors?)\b)",
    "replace": r"replac(?:e|es|ed|ing)\s+(?:\S+\s+){0,5}?(?:with|by)\s+(?:\S+\s+){0,2}?(?:ai|a\.i\.|artificial|chatbots?|"
               r"robots?|automation|algorithms?|generative)|"
               r"(?:swap|substitut)\w*\s+(?:\S+\s+){0,4}?(?:for|with)\s+(?:(?:an?|the|its|their)\s+)?(?:\S+\s+)?(?:ai|a\.i\.|chatbots?|robots?|"
               r"automation|algorithms?|(?:ai|gpt)-[\w-]+)\b|"
               # "its AI assistant does the work of 700 agents" (needs AI in the sentence: _NEEDS_AI)
               r"\b(?:do(?:es|ing)?|did|perform(?:s|ed|ing)?|handl(?:e|es|ed|ing))\s+the\s+(?:work|jobs?|equivalent\s+work|workload)\s+of\s+"
               r"(?:\S+\s+){0,3}?" + _PEOPLE + r"|"
               r"(?:use|uses|used|using)\s+(?:\S+\s+){0,2}?(?:ai|a\.i\.|artificial\s+intelligence|automation|robots?|"
               r"chatbots?|generative\s+ai)\s+(?:\(ai\)\s+)?to\s+replace\b",
    "strike": r"\bon\s+strike|"
              # work stopped as a protest ("moderators stop work in protest", "staff down tools")
              r"\b(?:stop(?:s|ped|ping)?\s+work(?:ing)?|down(?:s|ed)?\s+tools)\b(?=[^.]{0,20}\b(?:protest|over|against|in\s+a\s+dispute)\b)|"
              r"strik(?:e|es)\s+(?:over|against|for|ends?|began|begins|continues|enters|at)\b|"
              r"(?:join(?:s|ed)?|end(?:s|ed)?|start(?:s|ed)?|launch(?:es|ed)?|call(?:s|ed)?)\s+(?:\S+\s+){0,3}?strikes?\b|"
              r"\b(?:writers|actors|workers|union|guild|staff|nurses|teachers)['’]?\s+strikes?\b|"
              # strike action taken (a vote to authorise one is not a strike: test4's gold)
              r"\b(?:tak(?:e|es|ing)|took|taken|begin|begins|began|start(?:s|ed|ing)?|launch(?:es|ed|ing)?|stag(?:e|es|ed|ing))\s+"
              r"(?:\S+\s+){0,2}?(?:strike|industrial)\s+action\b|"
              r"(?<!to\s)strike\s+(?:by|of)\s+|\bstrik(?:ing|ed?)\s+(?:hollywood\s+|screen\s*)?(?:writers|actors|workers|members|staff|employees|nurses|teachers)|"
              r"\b(?:is|are|was|were|been|keep|kept|still|remain|remains)\s+striking\b|"
              r"hollywood['’]?s?\s+(?:\w+\s+)?strikes?\b|\b(?:twin|double|dual)\s+(?:hollywood\s+)?strikes\b|"
              r"\bpicket(?:s|ed|ing)?\b|work\s+stoppage|"
              r"walk(?:s|ed|ing)?\s*out|walkout|walk(?:s|ed|ing)?\s+off\s+the\s+job|"
              # a strike as the workforce's or company's noun ("faces its first UK strike", "their
              # stupid strike"); the sentence must still name labour (_mention)
              r"\b(?:fac(?:e|es|ed|ing)\s+(?:a|an|its|their)?\s*|its\s+|their\s+)(?:first|second|third|latest|new|"
              r"biggest|largest|national|nationwide|indefinite|\S+)?\s*(?:(?-i:[A-Z]{2,3})\s+)?strikes?\b(?!\s+(?:a|an|the)\s+(?:\w+\s+)?(?:deal|agreement|pact|partnership|balance|chord|note|tone))|"
              # announced strikes, a union named or not ("Heathrow security staff to strike",
              # "district workers plan strike"); the sentence must still name labour (_mention)
              r"\b(?:to|will|plans?|planned|vot(?:e|es|ed)\s+to|set\s+to|threaten(?:s|ed)?\s+to)\s+"
              r"(?:(?:to|go\s+on|a|another)\s+){0,2}strike\b(?!\s+(?:a|an|the|back|at|over|against)\b)",
    "agreement": r"(?:reach(?:es|ed)?|strike[sd]?|struck|sign(?:s|ed)?|ratif(?:y|ies|ied)|approv(?:e|es|ed)|win|wins|won|secure[sd]?)\s+"
                 r"(?:\S+\s+){0,4}?(?:deal|agreement|contract|protections?|guardrails|safeguards)|"
                 r"\bagree(?:s|d|ing)?\s+(?:to\s+|on\s+|upon\s+)(?:\S+\s+){0,4}?(?:deal|contract|protections?|guardrails|safeguards|limits|terms)\b|tentative\s+(?:deal|agreement)|"
                 r"new\s+contract|new\s+(?:labou?r|union)\s+(?:deal|agreement|contract)|contract\s+for\s+|(?:two|three|four|five|\d)-year\s+(?:deal|contract|agreement)|(?:deal|agreement|contract)\s+(?:with|that|includes|on|to)\s+(?:\S+\s+){0,6}?(?:ai|a\.i\.|artificial)",
    "policy": r"(?:pass(?:es|ed)?|enact(?:s|ed)?|adopt(?:s|ed)?|approv(?:es|ed)|introduc(?:es|ed)|propos(?:es|ed)|"
              r"unveil(?:s|ed)?|issu(?:es|ed)|sign(?:s|ed)?)\s+(?:\S+\s+){0,4}?(?:law|bill|rules?|regulations?|act|"
              r"guidance|guidelines|executive\s+order|ordinance|ban)\b|ban(?:s|ned)?\s+(?:\S+\s+){0,3}?(?:ai|chatgpt|"
              r"a\.i\.|generative)|(?:regulat(?:e|es|ed|ing)|restrict(?:s|ed|ing)?|limit(?:s|ed|ing)?|bars?|barred)\s+"
              r"(?:\S+\s+){0,4}?(?:ai|a\.i\.|algorithms?|automated|chatgpt|chatbots?|generative|copilot)|"
              r"warn(?:s|ed|ing)?\s+(?:its\s+|their\s+)?(?:staff|employees|workers)\s+(?:about|against|not\s+to)|"
              r"requir(?:e|es|ed|ing)\s+(?:\S+\s+){0,2}?(?:employers|companies|firms|businesses)\s+to\s+(?:\S+\s+){0,5}?(?:ai|a\.i\.|algorithms?|automated)\b|"
              # a law taking effect ("New York's new AI hiring law just went into effect")
              r"(?:law|rules?|regulations?|act|ordinance|ban)\s+(?:\w+\s+){0,2}?(?:went|goes|go|takes?|took|taking|came|comes|"
              r"coming)\s+(?:into\s+)?effect",
}
# Each trigger pattern runs only on a field with a word that starts with one of its stems
# ("ai$": exactly that word): one split and a dictionary look-up per word instead of a
# regular-expression scan (most news has none of them).
_STEMS = {
    "cut": "lay laid cut slash shed elimin ax trim reduc fir sack downsiz redundan job scrap cull terminat let shut "
           "disband dissolv shr role post position",
    "cut_loss": "lose lost losing",
    "hire": "hir recruit creat add tripl doubl seek sought look search list post advertis open has have had expand boost "
            "increas bolster",
    "freeze": "hiring hire backfill before",
    "reskill": "reskill re-skill upskill up-skill retrain re-train train ai$ skills program course "
               "initiative scheme drive jobs apprentic free giv academy bootcamp",
    "adopt": "roll deploy adopt introduc give test pilot trial provid offer",
    "adopt_use": "all giv gave grant offer use using utili tap employ introduc deploy adopt bring brought extend launch unveil build built develop mak "
                 "roll rush releas "
                 "made equip tell told order requir ask urg mandat push",
    "adopt_generic": "install deploy adopt hir",
    "replace": "replac swap substitut use using do did perform handl",
    "strike": "strik walk picket hollywood twin double dual stoppage tak took begin began start launch stag stop down",
    "agreement": "reach strike struck sign ratif approv win won secur deal agreement contract tentative agree",
    "policy": "pass enact adopt approv introduc propos unveil issu sign ban regulat restrict limit bar warn law rule regulation act ordinance requir",
}
_ACTION_PATTERNS = tuple((name, re.compile(pattern, re.I)) for name, pattern in _TRIGGERS.items())
_STEM_ACTIONS: dict[str, tuple[int, ...]] = {}
_PUNCT = ".,;:!?\"'“”‘’()[]{}<>|*"


def _stem_table() -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]], tuple[int, ...]]:
    prefixes: dict[str, set[int]] = {}
    exact: dict[str, set[int]] = {}
    for i, (name, _) in enumerate(_ACTION_PATTERNS):
        for stem in _STEMS[name].split():
            table = exact if stem.endswith("$") else prefixes
            table.setdefault(stem.rstrip("$"), set()).add(i)
    lengths = tuple(sorted({len(p) for p in prefixes}))
    return ({k: tuple(v) for k, v in prefixes.items()}, {k: tuple(v) for k, v in exact.items()}, lengths)


_PREFIXES, _EXACT, _LENGTHS = _stem_table()
_YEAR_DEAL = tuple(i for i, (name, _) in enumerate(_ACTION_PATTERNS) if name == "agreement")


def _actions_of(word: str) -> tuple[int, ...]:
    hit = set(_EXACT.get(word, ()))
    for k in _LENGTHS:
        if k > len(word):
            break
        hit.update(_PREFIXES.get(word[:k], ()))
    if "-year" in word:
        hit.update(_YEAR_DEAL)
    return tuple(sorted(hit))


def _patterns_for(value: str) -> list[tuple[int, str, re.Pattern]]:
    """The trigger patterns whose stems start a word of value (cached per word)."""
    wanted: set[int] = set()
    cache = _STEM_ACTIONS
    for word in value.lower().split():
        hit = cache.get(word)
        if hit is None:
            if len(cache) > 200_000:
                cache.clear()
            hit = cache[word] = _actions_of(word.strip(_PUNCT))
        if hit:
            wanted.update(hit)
    return [(i, _ACTION_PATTERNS[i][0], _ACTION_PATTERNS[i][1]) for i in sorted(wanted)]


_AI = re.compile(r"\b(?:(?-i:A\.?I)\b\.?|(?-i:AI)-\w+|artificial[\s-]intelligence|generative|gen\s?AI|chat\s?GPT|GPT-?\d|"
                 r"chatbots?|large\s+language\s+models?|LLMs?|machine\s+learning|copilots?|"
                 r"automation|automate[ds]?|robots?|robotics|algorithm(?:s|ic)?|OpenAI)\b", re.I)
_MODAL = re.compile(r"\b(?:could|might|(?-i:may)|would|predicts?|forecasts?|warns?|threaten|threatens|risk|at\s+risk|"
                    r"estimates?|likely\s+to|should|must|needs?\s+to|time\s+to|set\s+to\s+affect|affect|impact|consider(?:s|ing)?|weigh(?:s|ing)?|"
                    r"mull(?:s|ing)?|explor(?:es|ing)|easier|aims?\s+to|hopes?\s+to|AI\s+(?:will|could|may|might|would|can|is)|"
                    r"wants?\s+to)\b", re.I)
_SENTENCE = re.compile(r"[^.!?\n|]+(?:[.!?]+(?=\s|$)|$)|[^\n|]+", re.M)

# an organisation: Capitalised words (with &, -, ., digits), optional suffix, optional 's
_ORG = re.compile(
    r"(?<![\w&])((?:[A-Z][\w&.'’-]*|[A-Z]{2,}|\d+[A-Z][\w]*)(?:[ \t](?:[Oo]f[ \t][Tt]he[ \t]|of[ \t]|the[ \t]|and[ \t]|&[ \t]|de[ \t])?"
    r"(?:[A-Z][\w&.'’-]*|[A-Z]{2,}))*)")
_NOT_ORG = {w.lower() for w in (
    "The A An This That These Those It Its Their They He She We I You Our My Why How What When Where Who "
    "Which As After Before Amid Despite With Without Over Under In On At For From By To Of And But Or "
    "If While Now New Here There More Most Some All Many Several Hundreds Thousands Dozens Tech "
    "AI A.I. Artificial Intelligence Generative ChatGPT GPT Chatbot Chatbots Robots Robot Automation "
    "CEO CFO Chief Executive Report Reports Study Survey Analysis Opinion Exclusive Update Breaking "
    "Live Watch Video Podcast Q&A Jobs Job Workers Employees Staff Layoffs Layoff Hiring Union Unions "
    "Moderators Drivers Pilots Contractors Engineers Developers Journalists Reporters Doctors "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June "
    "July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec "
    "Big Tech Wall Street Silicon Valley Company Companies Firm Firms Bank Banks Government Officials "
    "Bosses Boss Lawmakers Senators Startup Startups Giant Another Other First One Two Three Four Five "
    "Top Global World Week Year Today Yesterday Mr Ms Mrs Dr Why Is Are Was Were Will Would Could Can "
    "Should Not No Yes Say Says Said Plans Plan To Be Cuts Cut Lays Off Hires Strike Strikes Deal "
    "Agreement Law Bill Ban Rules Writers Actors Hollywood Screenwriters Industry Sources Memo "
    "According Meanwhile Also However Read More Plus Inside Exclusive Photo Image Credit Getty Reuters "
    "AFP AP Bloomberg CNBC CNN BBC NPR Listen Subscribe Sign Newsletter Amid Following Federal "
    "Machine Learning LLM LLMs Copilot US UK EV EVs U.S. U.K. America American British European "
    "Chinese Indian Japanese German French Canadian Australian Workforce Human Humans People Experts "
    "Supporters Critics Fear Fears Days Months Years Round Message Avoid Assistant Chiefs Talk Talks "
    "Employers Employer Leaders Leader Managers Executives Researchers Economists Analysts Investors "
    "Tools Tool Data Hours Work Working Future Jobless Unemployment Layoffs Talent Skills Training "
    "Dramatic Massive Mass Huge Major Further Recent Latest Sweeping Widespread Fresh Automate Replace "
    "Hire Fire Eliminate Kill Steal Take Europe Asia Africa Latin Middle East Billion Million Dollar "
    "Dollars Economist Economists Professor Prof Dr. Researcher Scientist Author Founder Star Actor Actress "
    "President Senator Minister Chancellor Governor Mayor Approximately About Around Nearly Almost "
    "Roughly Up Candidate").split()}
_ORG_HEAD_OK = {"hollywood": "Hollywood"}
_COUNTRIES = {
    "United States": "US", "U.S.": "US", "US": "US", "America": "US", "American": "US",
    "United Kingdom": "UK", "U.K.": "UK", "UK": "UK", "Britain": "UK", "British": "UK",
    "England": "UK", "Scotland": "UK", "Wales": "UK", "Ireland": "IE", "Irish": "IE",
    "Canada": "CA", "Canadian": "CA", "India": "IN", "Indian": "IN", "China": "CN",
    "Chinese": "CN", "Japan": "JP", "Japanese": "JP", "Germany": "DE", "German": "DE",
    "France": "FR", "French": "FR", "Italy": "IT", "Italian": "IT", "Spain": "ES",
    "Australia": "AU", "Australian": "AU", "New Zealand": "NZ", "Singapore": "SG",
    "South Korea": "KR", "Korea": "KR", "Korean": "KR", "Brazil": "BR", "Mexico": "MX",
    "Netherlands": "NL", "Dutch": "NL", "Sweden": "SE", "Swedish": "SE", "Switzerland": "CH",
    "Swiss": "CH", "Israel": "IL", "Nigeria": "NG", "Kenya": "KE", "South Africa": "ZA",
    "Northern Ireland": "UK", "Philippines": "PH", "Vietnam": "VN", "Indonesia": "ID", "Poland": "PL", "Dublin": "IE",
    "London": "UK", "New York": "US", "Los Angeles": "US", "San Francisco": "US", "Chicago": "US", "California": "US", "Bengaluru": "IN", "Bangalore": "IN",
}
_COUNTRY = re.compile(r"\b(" + "|".join(re.escape(c) for c in sorted(_COUNTRIES, key=len, reverse=True)) + r")\b")
_MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december".split())}
_DATE = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|"
                   r"December)\s+(\d{1,2}),?\s+(20\d\d)\b|\b(20\d\d)-(\d\d)-(\d\d)\b")

_COUNT = re.compile(rf"(?<![\w.,])(?:up\s+to\s+|about\s+|around\s+|nearly\s+|almost\s+|some\s+|more\s+than\s+|over\s+|"
                    rf"roughly\s+|approximately\s+)?({_NUMBER})(?:\s*\+)?(?P<tail>\s+(?:(?:[\w-]+\s+){{0,3}}?)"
                    rf"{_PEOPLE}\b)?", re.I)
_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(?:%|percent\b|per\s+cent\b)(?P<of>\s+(?:of\s+)?(?:its\s+|the\s+|their\s+|"
                      r"total\s+|global\s+|the\s+company['’]s\s+)*(?:\S+\s+){0,2}?"
                      r"(?:workforce|staff|employees|jobs|headcount|workers|employees|team|newsroom|"
                      r"positions|roles|people))?", re.I)
_UNIT = re.compile(r"(?:(?:its|the|at\s+its|in\s+its|at\s+the|at|in)\s+)([A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)?)\s+(?:unit|division|team|"
                   r"department|business|arm|group)\b|(?:\d[\d,.]*\s?k?|hundred|hundreds\s+of|thousand|thousands\s+of|"
                   r"dozens\s+of|its|some|off|of|cut|cutting|hire|hiring|replace)[\s\"“”'‘’]+"
                   r"((?:[A-Za-z][\w-]*\s+)?(?:service\s+|support\s+)?"
                   r"(?:agents|recruiters|engineers|journalists|writers|actors|developers|moderators|"
                   r"translators|designers|nurses|teachers|clerks|programmers|reporters|staff|workers|roles|"
                   r"employees|jobs|positions))\b")
_GENERIC_UNIT = {"new", "more", "tech", "human", "full-time", "part-time", "permanent", "corporate", "office", "global", "its", "other", "additional", "editorial", "existing", "remote"}
_UNIT_STOP = {"its", "the", "of", "jobs", "and", "some", "more", "than", "new", "off", "lay", "laid",
              "cut", "cutting", "about", "around", "up", "to", "hundred", "thousand", "million",
              "several", "other", "many", "all", "those", "these", "tech", "human", "full-time",
              "fewer", "few", "laying", "cuts", "hire", "hiring", "thousands", "hundreds", "dozens"}


@dataclass(frozen=True)
class _Sentence:
    field: str
    start: int
    text: str


def _sentences(field: str, value: str) -> list[_Sentence]:
    out = []
    for m in _SENTENCE.finditer(value):
        if m.group().strip():
            out.append(_Sentence(field, m.start(), m.group()))
    return out


_WORDS = re.compile(r"\S+")


def _is_title_case(text: str) -> bool:
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    long = [w for w in words if len(w) > 3]
    return len(long) >= 3 and sum(w[0].isupper() for w in long) >= 0.8 * len(long)


_ORG_CUE = re.compile(
    r"\b(?:Inc|Corp|Corporation|Co|Company|Ltd|Limited|LLC|plc|PLC|AG|SA|GmbH|Group|Holdings|"
    r"Technologies|Bank|Banking|Union|Guild|Agency|Council|Department|Ministry|University|"
    r"Association|Federation|Authority|Commission|Institute|Labs?|Studios|Airlines?|Motors|"
    r"Media|News|Times|Post|Journal|Systems|Software|Networks|Partners|Capital|Insurance|"
    r"Energy|Foods|Health|Hospital|Police|Service|Services|Board|Court|Parliament|Congress|"
    r"Senate|Government|Office|School|Schools|Party)\.?$")
# first names of people often in the news: "David Autor", "Margot Robbie" are not organisations
_FIRST_NAMES = {w.lower() for w in (
    "Adam Alan Alex Alexander Alexandria Andrew Andy Anna Anne Arvind Ben Bill Bob Brad Brian "
    "Carl Charles Chris Christopher Chuck Dan Daniel Dario Dave David Demis Donald Doug Elizabeth "
    "Elon Emily Emmanuel Eric Fran Frank Gary George Ginni Greg Hillary Ian Jack Jake James Jamie "
    "Jane Jason Jeff Jeffrey Jen Jennifer Jensen Jim Joe John Jon Jonathan Joseph Josh Julia "
    "Justin Karen Kate Keir Kevin Kim Larry Laura Lina Lisa Marc Margot Maria Mark Martin Mary "
    "Matt Matthew Michael Mike Mira Nancy Nick Olivia Pat Patrick Paul Peter Rachel Reid Richard "
    "Rishi Rob Robert Ryan Sam Sarah Satya Scott Sean Sheryl Steve Steven Sundar Susan Thomas "
    "Tim Tom Tony Ursula Warren Will William Yann Yuri Zach").split()}
_PERSON_CUE = re.compile(r"(?:\b(?:Prof|Professor|Dr|Mr|Ms|Mrs|economist|professor|researcher|"
                         r"scientist|author|actor|actress|star|director|CEO|founder|chief|president|"
                         r"senator|minister|Senator|Minister|President|candidate|hopeful|nominee)\.?\s+)$")


# a person by their title ("Dr Smith", "CEO Andy Jassy"); a head of government ("PM Modi",
# "Gov. Newsom") stays an actor: they announce a government's laws and programmes
_TITLES = {"ceo", "dr", "prof", "professor", "mr", "ms", "mrs", "judge", "sir", "dame", "economist",
           "actor", "actress", "star", "director", "founder", "chairman"}
_POLITICAL_TITLE = re.compile(r"^(?:PM|Prime\s+Minister|President|Gov\.?|Governor|Mayor|Chancellor|Premier|"
                              r"Sen\.?|Senator|Minister)\s+(?=[A-Z])")


def _is_person(raw: str, text: str, start: int) -> bool:
    """'David Autor', 'economist Erik Brynjolfsson', 'Dr. Smith': a person, not an organisation."""
    words = raw.split()
    if len(words) >= 2 and words[0].lower() in _FIRST_NAMES and not known_org(raw):
        return True
    if len(words) >= 2 and words[0].lower().rstrip(".") in _TITLES and not known_org(raw):
        return True  # "PM Modi", "Gov. Newsom"
    return bool(_PERSON_CUE.search(text[max(0, start - 30):start])) and not known_org(raw)


def _org_like(raw: str, context: str) -> bool:
    """In a Title Case headline any word is capitalised ("Barbie", "Fortnite"): a name counts as
    an organisation when it is listed, has an organisation word (Inc, Group, Union, ...), is an
    acronym or CamelCase (IBM, OpenAI), or is named again in the story's other fields."""
    parts = [p for p in re.split(r"\s+(?:and|And)\s+", raw) if p]
    if len(parts) > 1:
        return all(_org_like(p, context) for p in parts)
    if known_org(raw) or _ORG_CUE.search(raw):
        return True
    first = raw.split()[0]
    if re.fullmatch(r"[A-Z][A-Z0-9&.-]{1,6}", raw) or re.search(r"[a-z][A-Z]|\d|\.com\b", first):
        return True
    return bool(context) and re.search(r"(?<![\w-])" + re.escape(raw) + r"(?![\w-])", context) is not None


# In a Title Case headline an unlisted name counts when it is the verb's subject: it starts the
# headline (or follows a colon or a "Report:"-style label) and only auxiliaries stand between it
# and the trigger ("Luno Axes 35% of Staff", "Shopify To Cut 20%", "Acme Plans To Lay Off").
# Stop-lists keep out sentence starts (_NOT_ORG), people (_is_person) and places (_COUNTRIES).
# People who work, as a group (plural): an organisation's people before the verb ("Stack Overflow
# Moderators Stop Work"), a sign of labour in a strike sentence, never an organisation alone.
_WORKERS = ("workers|staff|employees|moderators|drivers|nurses|teachers|pilots|engineers|developers|journalists|"
            "reporters|contractors|doctors|writers|actors")
# ... and people in general, who are no organisation either ("Teachers Are Going All In on AI")
_PEOPLE_IN_GENERAL = frozenset((_WORKERS + "|artists|musicians|lawyers|students|creators|freelancers|professionals|"
                                "managers|executives|leaders|bosses|coders|programmers|designers|educators").split("|"))
_SUBJECT_GAP = re.compile(r"(?:['’]s)?\s+(?:(?-i:[A-Z][\w-]*\s+)?(?:" + _WORKERS + r")\s+)?(?:(?:to|will|is|are|has|have|had|now|also|again|quietly|reportedly|"
                          r"further|officially|plans?\s+to|set\s+to|says\s+it\s+will|announces|begins|starts|"
                          r"is\s+set\s+to|moves\s+to|could|may)\s+)*$", re.I)


def _subject_of(text: str, raw: str, start: int, trigger_start: int) -> bool:
    if not _SUBJECT_GAP.fullmatch(text, start + len(raw), trigger_start):
        return False
    if not re.fullmatch(r"\s*(?:[\w\s]{0,40}:\s*)?[\"“‘']?", text[:start]):
        return False  # not the headline's first name
    if raw in _COUNTRIES or raw.split()[0] in _COUNTRIES or len(raw.split()) > 5:
        return False
    if raw.split()[-1].lower() in _GROUP_NOUNS:
        return False  # "Private Equity Recruits ...", "Automakers Cut ...": a sector, not an actor
    return not re.search(r"(?:Day|Week|Month|Year|Season|Festival|Games|Cup)$", raw)


_GROUP_NOUNS = {w.lower() for w in (
    "Equity Industry Industries Sector Sectors Market Markets Firms Companies Businesses Retailers "
    "Banks Lenders Insurers Automakers Carmakers Airlines Hospitals Schools Universities Colleges "
    "Startups Employers Newsrooms Publishers Outlets Studios Streamers Brands Giants Chipmakers "
    "Manufacturers Factories Agencies Governments States Cities Countries Nations Economy Economies "
    "Consultancies Developers Creators Workers Employees Staff Unions Teams").split()}


_MAKER = re.compile(r"[\s-]+(?:maker|owner|parent|developer|publisher|creator|operator)\s+", re.I)
# inside a Title Case name: "Facebook Parent Meta", "ChatGPT Maker OpenAI" -> the name after it
_INNER_MAKER = re.compile(r"^.+?\s(?:Maker|Owner|Parent|Developer|Publisher|Creator|Operator)\s+(?=[A-Z0-9])")
# the object of an apposition: "Hasbro, parent company to Wizards of the Coast, announced ...",
# "owner of X": X is not the actor
_APPOSED = re.compile(r"\b(?:parent(?:\s+company)?|owner|maker|publisher|developer|operator|creator|"
                      r"subsidiary|unit|division|arm)\s+(?:company\s+)?(?:of|to|behind)\s+(?:the\s+)?$", re.I)


def _resolve(text: str, raw: str, start: int) -> tuple[str, int]:
    """'Fortnite maker Epic Games' -> 'Epic Games', 'Facebook Parent Meta' -> 'Meta'."""
    inner = _INNER_MAKER.match(raw)
    if inner and raw[inner.end():].strip():
        return raw[inner.end():], start + inner.end()
    m = _MAKER.match(text, start + len(raw))
    if m:
        n = _ORG.match(text, m.end())
        if n and _org_ok(n.group(1)):
            raw2, start2 = _trim_org(n.group(1), n.start(1))
            if raw2:
                return raw2, start2
    return raw, start


_HEAD_OF = re.compile(r"((?:[A-Z][\w&.'’-]*\s+){0,3}?[A-Z][\w&.'’-]*?)(?:['’]s)?\s+(?:CEO|Chief\s+Executive|Boss|Chairman|"
                      r"Chairwoman|Founder|Co-founder|President|Chief)(?:\s+[A-Z][\w.'’-]*){1,3}")
_PEOPLE_IN = re.compile(r"\b(?:staff|workers|employees|people|members|nurses|teachers|drivers)\s+in\s+$", re.I)


def _actor(sentence: _Sentence, trigger_start: int, trigger_end: int,
           context: str = "") -> tuple[str, int, int] | None:
    """The organisation acting: the last one named before the trigger in the sentence (in a
    Title Case headline, the first that looks like an organisation), else 'at|in|by X' right
    after it. People are not actors. Returns (raw, start, end) in sentence offsets."""
    text = sentence.text
    lo = 0
    words_before = list(_WORDS.finditer(text, 0, trigger_start))
    if len(words_before) > 16:
        lo = words_before[-16].start()
    before = [m for m in _ORG.finditer(text, 0, trigger_start) if m.end(1) > lo
              and m.end(1) <= trigger_start
              and _org_ok(m.group(1)) and not re.search(r"\d\s*$", text[max(0, m.start(1) - 3):m.start(1)])
              # "staff in Coventry": a place where the people are, not their employer
              and not _PEOPLE_IN.search(text, max(0, m.start(1) - 30), m.start(1))]
    first = bool(before) and _is_title_case(text[:trigger_start])
    title_case = first or _is_title_case(text)
    names = []
    for m in before:
        titled = _HEAD_OF.fullmatch(m.group(1))  # "Amazon CEO Andy Jassy": the organisation, not its chief
        raw, start = _trim_org(titled.group(1) if titled else m.group(1), m.start(1), first=first)
        if raw and not _is_person(raw, text, start) and not _APPOSED.search(text, max(0, start - 40), start):
            raw, start = _resolve(text, raw, start)
            if not title_case or _org_like(raw, context) or _subject_of(text, raw, start, trigger_start):
                names.append((raw, start))
    if names:
        raw, start = names[0] if first else names[-1]
        return raw, start, start + len(raw)
    if re.search(r"\s(?:at|in|by)$", text[:trigger_end]):
        after = re.compile(r"\s*").match(text, trigger_end)
    else:
        after = re.compile(r"\s*(?:\S+\s+){0,6}?(?:at|in|by|from)\s+").match(text, trigger_end)
    if after:
        m = _ORG.match(text, after.end())
        if m and _org_ok(m.group(1)):
            raw, start = _trim_org(m.group(1), m.start(1))
            if raw and not _is_person(raw, text, start):
                raw, start = _resolve(text, raw, start)
                if not title_case or _org_like(raw, context):
                    return raw, start, start + len(raw)
    # an opening participle clause has the main clause's subject ("Before employing AI to find
    # job candidates, Southwest Airlines had ..."): the name right after its comma
    if _OPENING_CLAUSE.match(text) and "," not in text[:trigger_start]:
        comma = _COMMA.search(text, trigger_end)
        m = _ORG.match(text, comma.end()) if comma else None
        if m and _org_ok(m.group(1)) and not title_case:
            raw, start = _trim_org(m.group(1), m.start(1))
            if raw and not _is_person(raw, text, start):
                return raw, start, start + len(raw)
    return None


_NAME = r"[A-Z][\w&.'’-]*(?:[ \t][A-Z][\w&.'’-]*){0,2}"
_LISTED = re.compile(r"(?:[ \t]*,[ \t]*" + _NAME + r")+(?:,?[ \t]+(?:and|&)[ \t]+" + _NAME + r")?")
_LEGAL = re.compile(r"(?:Inc|Ltd|LLC|Corp|Co|PLC|Plc|SA|AG|NV|SE|GmbH|LP|LLP|Limited|Group|Holdings)\.?")
_COMMA = re.compile(r",\s*")
_OPENING_CLAUSE = re.compile(r"\s*(?:<[^>]*>\s*)*(?:Before|After|By|While|Since|Besides)\s+[a-z]+ing\b")


# the trigger is what is feared ("amid fears of job losses"); not "of concern to the actors and
# writers on strike" (to/among: the people concerned, who are the ones striking)
_GENERIC_ORGS = ("companies|firms|employers|businesses|organi[sz]ations|banks|retailers|startups|brands|agencies|"
                 "publishers|newsrooms|schools|universities|hospitals")
_GENERIC_SUBJECT = re.compile(
    r"\b(?-i:" + _GENERIC_ORGS + r"|bosses|governments|recruiters|professors|researchers|scientists|students|users|"
    r"people|teachers|doctors|lawyers)\s+(?:(?:now|also|still|increasingly|already|are|that|who|can|will|to)\s+)*$")
_GENERIC_BETWEEN = re.compile(
    r"(?<!like\s)(?<!as\s)\b(?:as|more|many|most|some|other|all)\s+(?:\w+\s+)?(?-i:" + _GENERIC_ORGS + r")\b", re.I)
_FEARED = re.compile(r"\b(?:fears?|feared|worr(?:y|ies|ied)|afraid|concerns?|anxiety|threat|risks?)\b"
                     r"(?!\s+(?:to|among|by|with|after)\s)(?:\s+\S+){0,6}\s*$", re.I)
_DIRECTED = re.compile(r"\b(?:tells?|told|urges?|urged|asks?|asked|calls\s+on|called\s+on|pressures?|pressed|"
                       r"orders?|ordered|forces?|forced)\s+(?:\S+\s+){1,3}?to\s+(?:\S+\s+)?$", re.I)
_HEADLINE_MODAL = re.compile(r"\b(?:could|might|(?-i:may)|would|can)\b", re.I)
_NEGATED = re.compile(r"(?:\b(?:avoid|avoids|avoided|avoiding|no|not|without|never|rule\s+out|ruled\s+out|rules\s+out|"
                      r"deny|denies|denied|won['’]t|didn['’]t|doesn['’]t|fewer)[\s-]+(?:\S+[\s-]+){0,2}$)", re.I)
_PRONOUN = re.compile(r"\b(?:it|the\s+(?:[\w-]+\s+){0,2}?(?:company|firm|group|bank|startup|tech\s+giant|giant|"
                      r"retailer|carrier|airline|automaker|publisher|studio|business))\b[^,;]{0,60}$|"
                      # a relative clause on the company's own business: "its business - which has slashed jobs"
                      r"\bits\s+(?:[\w-]+\s+)?(?:business|company|operations)\s*[-–—,]?\s*(?:which|that)\s+(?:has|have)\s+(?:\w+\s+)?$", re.I)


def _trim_org(raw: str, start: int, first: bool = False) -> tuple[str, int]:
    """The last (or first) run of name-like words ('Amid Meta' -> 'Meta', 'IBM Plans To' ->
    'IBM'); 'of', 'the', 'and', '&', 'de' only inside a name ('Bank of America')."""
    words = raw.split(" ")
    offsets, pos = [], start
    for w in words:
        offsets.append(pos)
        pos += len(w) + 1
    good = [not (_bad_word(w) or w.lower() in _CONNECTORS) or (
        w == "New" and k + 1 < len(words) and words[k + 1][:1].isupper() and not _bad_word(words[k + 1]))
        for k, w in enumerate(words)]
    for k, w in enumerate(words):
        if not good[k] and w.lower() not in _CONNECTORS and _name_inner(words, k, good):
            good[k] = True
    best: tuple[int, int] | None = None
    i = 0
    while i < len(words):
        if not good[i]:
            i += 1
            continue
        j = i + 1
        while j < len(words) and (good[j] or words[j].lower() in _CONNECTORS):
            j += 1
        while j - 1 > i and words[j - 1].lower() in _CONNECTORS:
            j -= 1
        best = (i, j)
        if first:
            break
        i = j
    if best is None:
        return "", start
    name = " ".join(words[best[0]:best[1]]).rstrip(".,:;")
    if name.endswith(("'s", "’s")) and _KNOWN_ORGS.get(_key(name)) is None:
        name = name[:-2]  # a possessive, unless the listed name ends so ("Wendy’s")
    return name, offsets[best[0]]


_CONNECTORS = {"of", "the", "and", "&", "de"}


def _name_inner(words: list[str], k: int, good: list[bool]) -> bool:
    """Words the stop-lists drop that belong to a name: an organisation word after a name
    ("Commonwealth Bank", "Reach Group"), or a capitalised -ing/-ed word between name words
    that end in one ("National Eating Disorders Association", not "Disorders Association")."""
    w = words[k].rstrip(".,:;")
    if k > 0 and good[k - 1] and words[k - 1].lower() not in _CONNECTORS and _ORG_CUE.fullmatch(w):
        return True
    if not re.fullmatch(r"[A-Z][a-z]+(?:ing|ed)", w):
        return False
    j = k + 1
    while j < len(words) and words[j][:1].isupper() and not _ORG_CUE.fullmatch(words[j].rstrip(".,:;")):
        j += 1
    return j < len(words) and k > 0 and good[k - 1] and bool(_ORG_CUE.fullmatch(words[j].rstrip(".,:;")))
_VERBLIKE_OK = {"boeing", "united", "limited", "red", "xing", "ping", "tyson", "feed",
                # name words shaped like participles ("Associated Press", "Applied Materials")
                "associated", "allied", "applied", "advanced", "consolidated", "integrated", "amalgamated",
                "incorporated", "accredited", "chartered", "registered", "federated"}


def _bad_word(word: str) -> bool:
    w = word.lower().rstrip(".,:;")
    w = w[:-2] if w.endswith(("'s", "’s")) else w
    if w in _CONNECTORS:
        return False
    if word.endswith("-") or re.search(r"-[a-z]", word) or re.fullmatch(r"\(?[A-Z]{1,6}\.[A-Z]{1,3}\)?", word):
        return True  # "AI-driven", "No-", a stock ticker "(ENEI.MI)"
    if (len(w) > 4 and w.endswith(("ing", "ed")) and w not in _VERBLIKE_OK and not word.isupper()
            and not re.search(r"[a-z][A-Z]", word)):  # CamelCase is a name ("BuzzFeed", "DataRobotTrained")
        return True
    return (w in _NOT_ORG or w in _TITLE_VERBS) and w not in _ORG_HEAD_OK


_TITLE_VERBS = {w.lower() for w in (
    "Join Joins Announces Announce Confirms Confirm Begins Begin Starts Start Set Sets Wants Want Will "
    "Reportedly Plans Planning Says Tells Told Warns Unveils Launches Launch Makes Make Gets Get Takes "
    "Take Eyes Weighs Considers Mulls Moves Move Looks Look Aims Aim Seeks Seek Targets Expects Expect "
    "Tries Try Has Have Had Does Do Did Becomes Become Goes Go Lets Let Puts Put Gives Give Asks "
    "Calls Call Urges Pushes Faces Face Sees See Offers Offer Reveals Opens Closes Builds Wins "
    "Again Still Just Only Even Soon Also Ahead Amid Into Onto Upon Via Per Than Off Up Down Out "
    "Used Instead Check Concerns Business Businesses Push Sheds Cuts Lays Hires Slashes Axes Trims "
    "Eliminates Fires Freezes Pauses Halts Replaces Bans Restricts Limits Signs Reaches Strikes Agrees "
    "Ends Recruits Trains Retrains Deploys Adopts Rolls Launches Joins Funds Invests Pours Imposes Stops Drops Quits Scraps "
    "Back Away Its Their His Her Your Our Over Under Between Among Against Around About Across").split()}
def _org_ok(raw: str) -> bool:
    name, _ = _trim_org(raw, 0)
    if not name or len(name) < 2:
        return False
    if re.search(r"\b(?:Day|Eve|Week|Festival|Olympics|Cup)$", name):
        return False  # "Independence Day", "Labor Day": a date, not an actor
    if name.lower() in _GROUP_NOUNS:
        return False  # "Studios Advertise ... Jobs": a sector, not an organisation
    if name.lower() in _PEOPLE_IN_GENERAL:
        return False  # "Teachers Are Going All In on Generative AI": people in general, not an organisation
    if re.fullmatch(r"[A-Z][a-z]+(?:workers|makers|drivers|writers)", name):
        return False  # "Dockworkers strike ...": people, not an organisation
    return not re.fullmatch(r"[\d,.]+", name)


def _dist(pos: int, lo: int, hi: int) -> int:
    return lo - pos if pos < lo else max(0, pos - hi)


def _governed(pos: int, lo: int, hi: int, others: tuple[tuple[int, int], ...]) -> bool:
    """A number belongs to the nearest trigger of its sentence: "IBM plans to replace 7,800 jobs
    with AI, pauses hiring" gives the 7,800 to the replacement, not to the hiring pause."""
    mine = _dist(pos, lo, hi)
    return all(_dist(pos, a, b) >= mine for a, b in others)


def _numbers_near(sentence: str, lo: int, hi: int,
                  others: tuple[tuple[int, int], ...] = ()) -> tuple[int | None, tuple[int, int] | None]:
    """The people-count nearest to the trigger (inside [lo, hi) of the sentence) and nearer to it
    than to the sentence's other triggers."""
    best = None
    for m in _COUNT.finditer(sentence, max(0, lo - 60), min(len(sentence), hi + 90)):
        tail = m.group("tail")
        text = m.group(1)
        if not tail and not (lo <= m.start(1) < hi) and not re.match(
                r"\s+(?:\w+\s+)?(?:lay-?offs|redundancies|job\s+cuts|cuts)\b", sentence[m.end(1):m.end(1) + 30], re.I):
            continue
        after = sentence[m.end(1):m.end(1) + 12]
        if re.match(r"[\s-]?(?:%|percent|per\s+cent|years?|months?|days?|hours?|weeks?)", after, re.I):
            continue
        if re.match(r"\s*(?:billion|million|bn|mn)\s+(?:in|dollars|euros|pounds)", after, re.I):
            continue
        if re.search(r"[$£€¥]\s?$", sentence[max(0, m.start(1) - 2):m.start(1)]):
            continue
        if re.search(r"(?:several|a\s+few|few|many|some|hundreds\s+of|thousands\s+of)[\s\"“'‘]*$",
                     sentence[max(0, m.start(1) - 14):m.start(1)], re.I) and not re.match(r"\d", text):
            continue
        value = parse_number(text)
        if value is None or value < 2 or (1990 <= value <= 2035 and "," not in text):
            continue
        if not _governed(m.start(1), lo, hi, others):
            continue
        dist = abs(m.start(1) - lo) if m.start(1) < lo else max(0, m.start(1) - hi)
        if best is None or dist < best[0]:
            best = (dist, value, (m.start(1), m.end(1)))
    return (best[1], best[2]) if best else (None, None)


def _percent_near(sentence: str, lo: int, hi: int,
                  others: tuple[tuple[int, int], ...] = ()) -> tuple[float | None, tuple[int, int] | None]:
    for m in _PERCENT.finditer(sentence, max(0, lo - 60), min(len(sentence), hi + 90)):
        if not _governed(m.start(), lo, hi, others):
            continue
        if m.group("of"):
            return float(m.group(1)), (m.start(), m.end(1))
        # "cuts 10% of" with the noun before: "cut its workforce by 10%"
        if re.search(r"(?:workforce|staff|headcount|employees)\s+by\s+(?:about\s+|around\s+|nearly\s+)?$",
                     sentence[max(0, m.start() - 40):m.start()], re.I):
            return float(m.group(1)), (m.start(), m.end(1))
    f = _FRACTION.search(sentence, max(0, lo - 60), min(len(sentence), hi + 90))
    if f:
        return _FRACTIONS[re.sub(r"[\s-]+", " ", f.group(1).lower())], (f.start(1), f.end(1))
    return None, None


# "a quarter of its workforce", "half of its staff": a share written in words
_FRACTIONS = {"a quarter": 25.0, "one quarter": 25.0, "a third": 33.3, "one third": 33.3, "half": 50.0,
              "a half": 50.0, "two thirds": 66.7, "three quarters": 75.0, "a tenth": 10.0, "one tenth": 10.0,
              "a fifth": 20.0, "one fifth": 20.0}
_FRACTION = re.compile(r"\b(a\s+quarter|one\s+quarter|a\s+third|one[\s-]third|a\s+half|half|two[\s-]thirds|"
                       r"three[\s-]quarters|a\s+tenth|one[\s-]tenth|a\s+fifth|one[\s-]fifth)\s+of\s+(?:its\s+|the\s+|their\s+|"
                       r"the\s+company['’]s\s+)?(?:global\s+|total\s+|entire\s+)?(?:workforce|staff|employees|headcount|workers)\b",
                       re.I)


def _unit_near(sentence: str, lo: int, hi: int) -> str | None:
    window = sentence[max(0, lo - 40):min(len(sentence), hi + 80)]
    for m in _UNIT.finditer(window):
        if m.group(1):
            return m.group(1)
        phrase = m.group(2)
        words = [w for w in re.split(r"\s+", phrase) if w]
        while words and (words[0].lower() in _UNIT_STOP or re.match(r"[\d,.]+k?$", words[0])
                         or parse_number(words[0]) is not None):
            words.pop(0)
        if len(words) >= 2 and words[0].lower() not in _GENERIC_UNIT:
            return " ".join(words)
    return None


def _event_date(sentence: str, story_date: date | None) -> date | None:
    m = _DATE.search(sentence)
    if m:
        try:
            if m.group(1):
                return date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
            return date(int(m.group(4)), int(m.group(5)), int(m.group(6)))
        except ValueError:
            pass
    return story_date


# Hedging policy: an organisation's announced or reported plan is an event ("plans to cut",
# "to cut", "will cut", "is expected to cut", "said it would cut"); speculation is not ("could",
# "may", "might", "should", "it's time to", a forecast or a warning), unless the sentence gives
# the organisation's own voice ("IBM could replace 7,800 jobs with AI, CEO says": its chief
# stating its plan).
_OWN_VOICE = re.compile(r"\b(?:CEO|chief\s+executive|chief|boss|chairman|chairwoman|founder|spokes(?:man|woman|person)|"
                        r"the\s+company|executives?|management)(?:\s+(?-i:[A-Z][\w.'’-]+)){0,3},?\s+(?:says|said|confirms|confirmed|told|tells)\b|"
                        r"\b(?:says|said|according\s+to)\s+(?:its\s+|the\s+company['’]s\s+)?(?:CEO|chief\s+executive|boss)\b")
_REPORTED_WOULD = re.compile(r"\b(?:said|says|announced|announces|confirmed|confirms|told\s+\S+|informed\s+\S+|"
                             r"expects|expected)\s+(?:on\s+\w+\s+|\w+day\s+)?(?:that\s+)?(?:it|they|the\s+\w+)\s+"
                             r"(?:would|will)\s+$", re.I)


_OWN_STAFF = re.compile(r"\b(?:its|our|the\s+company['’]s|the\s+firm['’]s|corporate)\s+(?:[\w-]+\s+)?(?:workforce|headcount|staff|"
                        r"employees|jobs)\b", re.I)


def _is_forecast(sentence: str, actor_end: int, trigger_start: int) -> bool:
    """'X could cut ...', 'AI may replace ...': a modal between the actor and the trigger;
    but 'X said it would cut' is reported speech of a plan and 'X could cut ..., CEO says' the
    organisation's own statement (see the hedging policy above)."""
    found = _MODAL.search(sentence, actor_end, trigger_start)
    if found and re.match(r"(?:may|might|could)\s+have\b", sentence[found.start():], re.I):
        return False  # "may have restricted": reported, hedged
    if found and found.group().lower() == "would" and _REPORTED_WOULD.search(sentence[:found.end() + 1]):
        return False
    if found and found.group().lower() in ("could", "may", "might", "would") and _OWN_VOICE.search(sentence):
        return False
    if found and re.fullmatch(r"AI\s+will", found.group(), re.I) and (
            re.fullmatch(r"['’]s\s+(?:[\w-]+\s+){0,2}", sentence[actor_end:found.start()])
            or (_OWN_VOICE.search(sentence) and _OWN_STAFF.search(sentence, trigger_start))):
        return False  # the organisation's own AI ("Klarna's AI will do the work of 700 agents"), or its
        # chief on its own staff ("Amazon CEO says AI will shrink its corporate workforce")
    return bool(found)


# Countries and economies do not cut or hire as employers: "The U.S. added 209,000 jobs" is a
# jobs report, not an event (a country's laws and training programmes are: policy, reskill).


def _matches(text: str, patterns: list) -> list[tuple[re.Match, str]]:
    """Trigger matches in text order, as one alternation of the patterns would find them:
    at one position the first pattern wins; a match inside an earlier one is skipped."""
    nxt = {i: (pattern.search(text), name, pattern) for i, name, pattern in patterns}
    out = []
    while True:
        live = [(m.start(), i) for i, (m, _, _) in nxt.items() if m is not None]
        if not live:
            return out
        _, i = min(live)
        m, name, _ = nxt[i]
        out.append((m, name))
        pos = max(m.end(), m.start() + 1)
        for j, (mj, name_j, pattern_j) in list(nxt.items()):
            if mj is not None and mj.start() < pos:
                nxt[j] = (pattern_j.search(text, pos), name_j, pattern_j)


def extract_events(item: TextLike, story_date: date | datetime | None = None) -> list[WorkforceEvent]:
    """Event mentions of one item, one per (company, action), the first mention's details
    completed by later ones (a headcount from the lede, say)."""
    if isinstance(story_date, datetime):
        story_date = story_date.date()
    values = {f: (getattr(item, f, "") or "") for f in FIELDS}
    values["text"] = values["text"][:MAX_TEXT_CHARS]
    # summary often repeats the start of text (replay): read each distinct field once
    if values["summary"] and values["text"].startswith(values["summary"][:200]):
        values["summary"] = ""
    patterns = {f: _patterns_for(v) for f, v in values.items() if v}
    if not any(patterns.values()):
        return []
    # a digest's items are unrelated: AI elsewhere in it links nothing
    story_ai = not _DIGEST.search(values["title"]) and any(_AI.search(v) for v in values.values() if v)
    lead = _lead_actor(values["title"], values["summary"] + "\n" + values["text"])
    hollywood = _hollywood(values)
    union = _story_union(values)
    found: dict[tuple[str, str], dict] = {}
    for field, value in values.items():
        if not patterns.get(field):
            continue
        context = "\n".join(v for f, v in values.items() if f != field and v)
        for sent in _sentences(field, value):
            hits = _matches(sent.text, patterns[field])
            spans = tuple((h.start(), h.end()) for h, _ in hits)
            for m, name in hits:
                action = _ACTION_OF.get(name, name)
                others = tuple(sp for sp in spans if sp != (m.start(), m.end()))
                _mention(found, sent, m, action, story_ai, story_date, lead, hollywood, context, union,
                         others, fill_only=name == "cut_loss")
    return [_event(v) for v in _story_events(found)]


# a past-perfect or "earlier/previously" action is background to the story's event
_EARLIER = re.compile(r"\b(?:had\s+(?:\w+ly\s+|already\s+|earlier\s+|also\s+)?(?:been\s+)?|earlier\s+|previously\s+)$", re.I)
_ELECTION = re.compile(r"\bif\s+(?:he|she|they|I|we)?\s*(?:is|are|am|gets?|were)?\s*(?:re-?)?elected\b|"
                       r"\bcampaign\s+(?:promise|pledge)|\b(?:presidential|mayoral|gubernatorial)\s+(?:candidate|hopeful|race)", re.I)
_ACTION_OF = {"adopt_generic": "adopt", "adopt_use": "adopt", "cut_loss": "cut"}
# after the trigger: the event is off ("Redundancies suspended", "strike called off")
_CALLED_OFF = re.compile(r"[\s,]*(?:(?:have|has|had|are|is|were|was|been|be)\s+)*(?:suspended|paused|halted|scrapped|"
                         r"cancel+ed|called\s+off|averted|postponed|shelved|put\s+on\s+hold|on\s+hold|reversed|"
                         r"ruled\s+out)\b", re.I)


def _fill_from_title(found: dict, sent: _Sentence, m: re.Match, action: str,
                     others: tuple[tuple[int, int], ...]) -> None:
    """A lede sentence that names no organisation ("Approximately 1,000 people are expected to
    lose their jobs", "Tuesday announced plans to cut about 1,300 workers") tells the headline's
    event: its count or share completes the headline's one event of that action."""
    if sent.field == "title" or action not in ("cut", "hire", "freeze", "replace", "strike"):
        return
    title_events = [v for v in found.values() if v["action"] == action
                    and any(sp.field == "title" for sp in v["evidence"][1:2])]
    if len(title_events) != 1:
        return
    ev = title_events[0]
    if ev["headcount"] is None:
        ev["headcount"], h_span = _numbers_near(sent.text, m.start(), m.end(), others)
        if h_span:
            ev["evidence"].append(Span(sent.field, sent.start + h_span[0], sent.start + h_span[1],
                                       sent.text[h_span[0]:h_span[1]]))
    if ev["percent"] is None and action != "strike":
        ev["percent"], p_span = _percent_near(sent.text, m.start(), m.end(), others)
        if p_span:
            ev["evidence"].append(Span(sent.field, sent.start + p_span[0], sent.start + p_span[1],
                                       sent.text[p_span[0]:p_span[1]]))


def _story_events(found: dict) -> list[dict]:
    """A strike is an event only when it is the story's: when the headline tells another event
    (hiring, a deal, a cut) and no strike, strikes named in the lede are its background
    ("celebrities speak out on the picket line" under "Netflix And Disney Hiring AI Talent")."""
    def in_title(v: dict) -> bool:
        return any(s.field == "title" for s in v["evidence"][1:2])
    events = list(found.values())
    if any(in_title(v) for v in events if v["action"] != "strike") and not any(
            in_title(v) for v in events if v["action"] == "strike"):
        events = [v for v in events if v["action"] != "strike"]
    return events


_DIGEST = re.compile(r"^(?:This|The)\s+Week\s+in\b|\bWeek\s+in\s+Review\b|\bBriefing\b|"
                     r"\b(?:Roundup|Round-up|Newsletter|Digest)\b", re.I)
_WORKPLACE = re.compile(r"\b(?:staff|employees?|workers?|workplace|hiring|hire|jobs?|employers?|"
                        r"employment|recruit\w*|workforce|labou?r|union)\b", re.I)
_SCREEN = re.compile(r"Hollywood|SAG-AFTRA|WGA|Writers\s+Guild|AMPTP|studios|streamers|Netflix|Disney|"
                     r"\b(?:actors|screenwriters|writers)['’]?\s+(?:on\s+|go\s+on\s+|are\s+)?strik|"
                     r"\bstriking\s+(?:hollywood\s+|screen\s*)?(?:actors|writers|screenwriters)", re.I)
# 2023's Hollywood strikes: WGA from 2 May to 27 September, SAG-AFTRA from 14 July to 9 November;
# an unspecified "Hollywood strike" in those weeks is whichever (or both) was on
_WGA_STRIKE = (date(2023, 5, 2), date(2023, 9, 27))
_SAG_STRIKE = (date(2023, 7, 14), date(2023, 11, 9))
_BOTH = re.compile(r"\b(?:actors|performers)['’]?\s+and\s+(?:screen)?writers|\b(?:screen)?writers['’]?\s+and\s+"
                   r"actors|\b(?:twin|double|dual|both|two)\s+(?:hollywood\s+)?strikes|hollywood['’]?s?\s+strikes", re.I)
_UNION = re.compile(r"\b(?:SAG-AFTRA|WGA|Writers\s+Guild(?:\s+of\s+America)?|Screen\s+Actors\s+Guild|UAW|"
                    r"United\s+Auto(?:mobile)?\s+Workers|Teamsters|(?!European\s)(?!The\s)(?:[A-Z][\w&-]*\s+){1,3}(?:Union|Guild))\b")


def _story_union(values: dict[str, str]) -> tuple[str, _Sentence, int, int] | None:
    """The first union or guild the story names: who strikes or signs when a sentence says only
    'workers walked out'."""
    for f, v in values.items():
        if v:
            u = _UNION.search(v)
            if u:
                return u.group(), _Sentence(f, 0, v), u.start(), u.end()
    return None


def _hollywood(values: dict[str, str]) -> str | None:
    """In a story about Hollywood's strikes: which union 'the strike' means ('both' when
    writers and actors are named)."""
    joined = " ".join(values.values())
    if not _SCREEN.search(joined):
        return None
    actors = re.search(r"\bactors?\b|SAG", joined, re.I)
    writers = re.search(r"\b(?:screen)?writers?\b|WGA|Writers\s+Guild", joined, re.I)
    return "SAG-AFTRA" if actors and not writers else "WGA" if writers and not actors else "both"


def _screen_union(sentence: str, hollywood: str, action: str = "strike",
                  story_date: date | None = None) -> list[str]:
    """The union(s) a Hollywood strike or deal in this sentence is: by who is named ('actors',
    'writers', both coordinated or 'Hollywood's strikes'), else by the 2023 strike calendar."""
    actors = re.search(r"\bactors?\b", sentence, re.I)
    writers = re.search(r"writers", sentence, re.I)
    if action == "strike" and _BOTH.search(sentence):
        return ["WGA", "SAG-AFTRA"]
    if actors and not writers:
        return ["SAG-AFTRA"]
    if writers and not actors:
        return ["WGA"]
    if action == "strike" and not (actors or writers) and story_date is not None:
        on = [u for u, (a, b) in (("WGA", _WGA_STRIKE), ("SAG-AFTRA", _SAG_STRIKE)) if a <= story_date <= b]
        if on:
            return on
    return ["SAG-AFTRA" if hollywood == "SAG-AFTRA" or (actors and writers) else "WGA"]


def _lead_actor(title: str, context: str = "") -> tuple[str, _Sentence, int, int] | None:
    """The organisation a headline starts with ('Dropbox lays off ...'): what 'it' and 'the
    company' refer to in the lede."""
    if not title:
        return None
    sent = _Sentence("title", 0, title)
    m = _ORG.match(title.lstrip("‘’'\"“” "), 0)
    if m is None:
        return None
    offset = len(title) - len(title.lstrip("‘’'\"“” "))
    if not _org_ok(m.group(1)):
        return None
    raw, start = _trim_org(m.group(1), m.start(1) + offset)
    if not raw or start != offset or _is_person(raw, title, start):
        return None
    if _is_title_case(title) and not _org_like(raw, context):
        return None
    return raw, sent, start, start + len(raw)


def _quoted(text: str, pos: int) -> bool:
    """Is pos inside a curly-quoted passage ("David Autor: ‘... how we deploy AI’")?"""
    before = text[:pos]
    return before.count("‘") > before.count("’") or before.count("“") > before.count("”")


_PASSING_STRIKE = re.compile(r"\b(?:into|amid|during|despite|since|throughout|while|after|before|ending|end|ends|ended|"
                             r"over|because\s+of|due\s+to|wake\s+of|non|not)[\s-]+(?:(?:the|a|an|its|their|this|"
                             r"monthslong|months-long|weeks-long|ongoing|current|\w+['’]s?|\d+-day|nearly|almost|about|some|"
                             r"more|than|\d[\d,]*|(?:days?|weeks?|months?)(?:\s+(?:of|on|into))?)\s+){0,4}$", re.I)


# a question presupposes a strike it names as a thing: "Want to support the actors' strike?"
_DEFINITE_STRIKE = re.compile(r"^(?:writers|actors|workers|union|guild|staff|nurses|teachers)['’]\s*strikes?$", re.I)
# a question about what a deal holds presupposes the deal: "what's in new labour deal?"
_ASKS_CONTENTS = re.compile(r"\bwhat(?:['’]s|\s+is|\s+are)\s+in\s+(?:the\s+|a\s+|their\s+|its\s+)?(?:\S+\s+){0,3}$", re.I)


def _person_joins(text: str, m: re.Match) -> bool:
    """A named person joining a Hollywood strike, the sentence naming no writers: a performer
    (SAG-AFTRA), not the calendar's guess."""
    if not re.match(r"join", m.group(), re.I) or re.search(r"writers|WGA|Writers\s+Guild", text, re.I):
        return False
    names = [n for n in _ORG.finditer(text, 0, m.start()) if n.end(1) <= m.start()]
    if not names:
        return False
    raw = names[-1].group(1).strip()
    words = raw.split()
    return bool(words) and (words[0].lower() in _FIRST_NAMES or _is_person(raw, text, names[-1].start(1))
                            or (len(words) == 2 and not known_org(raw) and not _ORG_CUE.search(raw)
                                and _is_title_case(text) is False))


def _mention(found: dict, sent: _Sentence, m: re.Match, action: str, story_ai: bool,
             story_date: date | None, lead: tuple[str, _Sentence, int, int] | None,
             hollywood: str | None = None, context: str = "",
             story_union: tuple[str, _Sentence, int, int] | None = None,
             others: tuple[tuple[int, int], ...] = (), fill_only: bool = False) -> None:
    before = re.split(r"[:;—]", sent.text[max(0, m.start() - 40):m.start()])[-1]
    if _NEGATED.search(before) or _CALLED_OFF.match(sent.text, m.end()):
        return  # "to avoid layoffs"; "Redundancies suspended", "strike called off"
    if _FEARED.search(sent.text, max(0, m.start() - 60), m.start()) or _quoted(sent.text, m.start()):
        return  # "amid fears of job losses"; a trigger inside a quotation
    if (sent.text.rstrip().endswith("?") and not (action == "strike" and _DEFINITE_STRIKE.search(m.group()))
            and not (action == "agreement" and _ASKS_CONTENTS.search(sent.text, 0, m.start()))) or (
            _is_title_case(sent.text) and _HEADLINE_MODAL.search(sent.text, 0, m.start())
            and not _OWN_VOICE.search(sent.text)
            # "Studios Can Train AI ... Under Tentative Deal": the modal is the deal's content, not the deal
            and not (action == "agreement" and re.search(r"\b(?:under|in|per)\s+(?:the\s+|a\s+|new\s+)?$",
                                                         sent.text[max(0, m.start() - 12):m.start()], re.I))):
        return  # a question or a forecast headline ("AI Could Drive A Push For Re-Skilling")
    if action in ("cut", "hire", "freeze") and _EARLIER.search(sent.text, max(0, m.start() - 30), m.start()):
        return  # "it had earlier cut 12,000 jobs": an earlier event told as background
    if _DIRECTED.search(sent.text, max(0, m.start() - 50), m.start()):
        return  # "EU tells Musk to hire more staff": an instruction to someone else
    if action == "strike" and (_PASSING_STRIKE.search(sent.text, max(0, m.start() - 40), m.start()) or (
            re.match(r"end", m.group(), re.I) and re.search(r"\b(?:to|would|will|could|that|which)\s+$",
                                                           sent.text[max(0, m.start() - 12):m.start()], re.I))):
        return  # "an agreement that would end a monthslong strike", "100 Days Into Strike": context
    if action in ("adopt", "cut", "hire", "freeze", "replace") and _GENERIC_SUBJECT.search(sent.text, max(0, m.start() - 40), m.start()):
        return  # the subject is companies in general or people, not the organisation named earlier
    actor = _actor(sent, m.start(), m.end(), context)
    if (actor is not None and actor[1] >= m.end() and lead is not None
            and _PRONOUN.search(sent.text, max(0, m.start() - 80), m.start())):
        actor = None  # "the online giant faces its first UK strike, staff in Coventry...": the
        # subject is the headline's organisation, not the place named after the trigger
    union_names = None
    if action in ("strike", "agreement"):
        named = _UNION.search(sent.text)
        if named:
            actor = (named.group(), named.start(), named.end())
        elif hollywood:
            who = re.search(r"Hollywood|(?:screen)?writers|actors", sent.text, re.I)
            if who:
                union_names = _screen_union(sent.text, hollywood, action, story_date)
                actor = (who.group(), who.start(), who.end())
                if action == "strike" and _person_joins(sent.text, m):
                    union_names = ["SAG-AFTRA"]  # "Margot Robbie joins Hollywood strike": a performer
    span_sent = sent
    if actor is None and story_union is not None and action in ("strike", "agreement"):
        raw, span_sent, a_start, a_end = story_union  # "workers walked out": the story's union
    elif actor is None:
        if lead is None or not _PRONOUN.search(sent.text, max(0, m.start() - 80), m.start()):
            _fill_from_title(found, sent, m, action, others)
            return
        raw, span_sent, a_start, a_end = lead
        if fill_only:
            _fill_from_title(found, sent, m, action, others)
            return
    else:
        raw, a_start, a_end = actor
        if fill_only:
            return
        if union_names is None and a_end <= m.start() and _is_forecast(sent.text, a_end, m.start()):
            return
    if (action in ("adopt", "cut", "hire", "freeze", "replace") and actor is not None and a_end <= m.start()
            and _GENERIC_BETWEEN.search(sent.text, a_end, m.start())):
        return  # "Collaboration is key as more companies ... create positions": companies in general
    if action == "policy" and not (_AI.search(sent.text) and _WORKPLACE.search(sent.text)):
        return  # a law about something else, or about AI but not at work
    if action == "hire" and re.search(r"\bhelps?\b|\beasier\b", sent.text[max(0, m.start() - 90):m.start()], re.I):
        return  # a product that helps others hire
    if action in ("cut", "hire", "freeze") and _ELECTION.search(sent.text):
        return  # a candidate's promise: "vowed to cut 1 million federal employees if elected"
    if action not in ("policy", "reskill") and any(
            p in _COUNTRIES or p.rstrip(".") + "." in _COUNTRIES for p in [raw, *re.split(r"\s+(?:and|And)\s+|,\s*", raw)] if p):
        _fill_from_title(found, sent, m, action, others)
        return  # "UK firms cut ...": a place, not an actor; "2,000 workers at London hub will strike"
    if action in ("strike", "agreement") and not re.search(
            r"union|guild|contract|labou?r|SAG|WGA|UAW|Teamsters|dockworkers|picket|Hollywood|" + _WORKERS +
            ("|strik" if action == "agreement" else ""),
            sent.text if action == "strike" else sent.text[:m.start()] + " " + sent.text[m.end():],
            re.I):  # the deal's own "strikes a deal" is no sign of labour
        return  # a missile strike, a trade deal ("strike" itself is no sign of labour)
    listed = None if union_names or actor is None or a_end > m.start() else _LISTED.match(sent.text, a_end)
    if listed and _SUBJECT_GAP.fullmatch(sent.text, listed.end(), m.start()):
        parts = [p for p in re.split(r"\s*,\s*(?:and\s+)?|\s+(?:and|&)\s+", listed.group().strip(" ,")) if p]
        if parts and all(_org_ok(p) and not _LEGAL.fullmatch(p) for p in parts):
            raw, a_end = sent.text[a_start:listed.end()], listed.end()  # "Citi, HSBC, StanChart adopt ...": each
    names = union_names if union_names else [
        normalise_company(part) for part in re.split(r"\s*,\s*(?:and\s+)?|\s+(?:and|And)\s+", raw)
        if part and not _LEGAL.fullmatch(part)]
    for company in names:
        _add(found, sent, m, action, story_ai, story_date, raw, company, span_sent, a_start, a_end, others)


def _add(found: dict, sent: _Sentence, m: re.Match, action: str, story_ai: bool,
         story_date: date | None, raw: str, company: str, span_sent: _Sentence, a_start: int,
         a_end: int, others: tuple[tuple[int, int], ...] = ()) -> None:
    if not company_key(company):
        return
    if action in ("cut", "hire", "freeze", "replace"):  # "replace 30% of back-office jobs"
        headcount, h_span = _numbers_near(sent.text, m.start(), m.end(), others)
        percent, p_span = _percent_near(sent.text, m.start(), m.end(), others)
    else:
        headcount, h_span = _numbers_near(sent.text, m.start(), m.end(), others) if action in ("reskill", "strike") else (None, None)
        percent, p_span = None, None
    explicit = bool(_AI.search(sent.text))
    attribution = "explicit" if explicit else "linked" if story_ai else "none"
    base = sent.start
    spans = [Span(span_sent.field, span_sent.start + a_start, span_sent.start + a_end, raw),
             Span(sent.field, base + m.start(), base + m.end(), m.group())]
    if h_span:
        spans.append(Span(sent.field, base + h_span[0], base + h_span[1], sent.text[h_span[0]:h_span[1]]))
    if p_span:
        spans.append(Span(sent.field, base + p_span[0], base + p_span[1], sent.text[p_span[0]:p_span[1]]))
    country = None
    c = _COUNTRY.search(sent.text)
    if c:
        country = _COUNTRIES[c.group(1)]
    key = (company_key(company), action)
    new = {"company": company, "company_raw": raw, "action": action, "headcount": headcount,
           "percent": percent, "occupation_or_unit": _unit_near(sent.text, m.start(), m.end()),
           "ai_attribution": attribution, "event_date": _event_date(sent.text, story_date),
           "country": country, "evidence": spans}
    old = found.get(key)
    if old is None:
        found[key] = new
        return
    for name in ("headcount", "percent", "occupation_or_unit", "country"):
        if old[name] is None and new[name] is not None:
            old[name] = new[name]
    if ATTRIBUTIONS.index(new["ai_attribution"]) < ATTRIBUTIONS.index(old["ai_attribution"]):
        old["ai_attribution"] = new["ai_attribution"]
    old["evidence"].extend(s for s in spans if s not in old["evidence"])


def _event(v: dict) -> WorkforceEvent:
    return WorkforceEvent(v["company"], v["company_raw"], v["action"], v["headcount"], v["percent"],
                          v["occupation_or_unit"], v["ai_attribution"], v["event_date"],
                          v["country"], tuple(v["evidence"]))
