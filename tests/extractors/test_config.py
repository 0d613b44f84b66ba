from pathlib import Path

import pytest

from extractors.config import load_config, parse_config
from extractors.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
[[feeds]]
name = "one"
url = "https://example.org/feed"
outlet = "Example"

[[feeds]]
name = "two"
url = "https://example.net/rss"
outlet = "Other"
language = "de"
enabled = false
"""


def test_parses_feeds_with_defaults():
    config = parse_config(GOOD)
    assert [f.name for f in config.feeds] == ["one", "two"]
    assert config.feeds[0].language == "en" and config.feeds[0].enabled
    assert config.feeds[1].language == "de" and not config.feeds[1].enabled
    assert [f.name for f in config.enabled_feeds()] == ["one"]
    assert [f.name for f in config.enabled_feeds(["two"])] == ["two"]


def test_unknown_key_names_the_line():
    text = GOOD.replace('language = "de"', 'langauge = "de"')
    with pytest.raises(ConfigError, match=r"feeds.toml:11: unknown key 'langauge'"):
        parse_config(text)


def test_unknown_table_and_missing_field():
    with pytest.raises(ConfigError, match=r":2: unknown table 'feed'"):
        parse_config('\n[[feed]]\nname = "x"\n')
    with pytest.raises(ConfigError, match="needs a non-empty 'url'"):
        parse_config('[[feeds]]\nname = "x"\noutlet = "X"\n')


def test_unknown_feed_name_and_fetch_setting():
    with pytest.raises(ConfigError, match="unknown feed nope"):
        parse_config(GOOD).enabled_feeds(["nope"])
    with pytest.raises(ConfigError, match="unknown fetch setting 'speed'"):
        parse_config("[fetch]\nspeed = 3\n")


def test_duplicate_names_and_bad_scheme():
    with pytest.raises(ConfigError, match="used twice"):
        parse_config(GOOD.replace('"two"', '"one"'))
    with pytest.raises(ConfigError, match="must be http"):
        parse_config(GOOD.replace("https://example.org/feed", "ftp://example.org/feed"))


def test_toml_syntax_error_is_a_config_error():
    with pytest.raises(ConfigError, match="feeds.toml"):
        parse_config("[[feeds]\nname=")


def test_bundled_feed_list_is_valid():
    config = load_config(ROOT / "feeds.toml")
    assert len(config.feeds) >= 20
    outlets = {f.outlet for f in config.feeds}
    for expected in ("TechCrunch", "The Verge", "Wired", "MIT Technology Review", "NPR",
                     "BBC News", "HR Dive", "Fast Company"):
        assert expected in outlets
    assert all(f.url.startswith("https://") for f in config.feeds)
    assert config.fetch.user_agent.startswith("workwatch/")


# ------------------------------------------------------------ types and ranges (issue 15)

_FEED = '[[feeds]]\nname = "a"\nurl = "https://example.com/feed"\noutlet = "A"\n'


@pytest.mark.parametrize("fetch_line, message", [
    ('allow_private_links = "false"', 'allow_private_links must be true or false'),
    ('respect_robots = 0', 'respect_robots must be true or false'),
    ('per_host_concurrency = 0', 'per_host_concurrency must be at least 1'),
    ('total_concurrency = -3', 'total_concurrency must be at least 1'),
    ('max_page_bytes = "five"', 'max_page_bytes must be a number of bytes'),
    ('read_timeout_s = "20"', 'read_timeout_s must be a number'),
    ('request_deadline_s = 0', 'request_deadline_s must be more than 0'),
    ('retries = 1.5', 'retries must be a whole number'),
    ('contact_url = 5', 'contact_url must be a string'),
])
def test_fetch_settings_are_checked_by_type_and_range(fetch_line, message):
    text = _FEED + "\n[fetch]\n" + fetch_line + "\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, "feeds.toml")
    assert f"feeds.toml:7: [fetch] {message}" in str(info.value)


def test_sizes_can_be_written_with_units():
    text = _FEED + '\n[fetch]\nmax_page_bytes = "5MB"\nmax_feed_bytes = "2MiB"\nretries = 3.0\n'
    fetch = parse_config(text).fetch
    assert (fetch.max_page_bytes, fetch.max_feed_bytes, fetch.retries) == (5_000_000, 2 * 1024**2, 3)


@pytest.mark.parametrize("line, message", [
    ('enabled = "false"', ':5: enabled must be true or false'),
    ('language = 5', ':5: language must be a string'),
])
def test_feed_values_are_checked_by_type(line, message):
    with pytest.raises(ConfigError) as info:
        parse_config(_FEED + line + "\n", "feeds.toml")
    assert message in str(info.value)
