"""OPML import/export (issue 20): feeds.toml keeps its comments and order, duplicates and bad
entries are reported, no entity is expanded, export round-trips."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from extractors.config import load_config
from extractors.opml import OpmlError, export_opml, import_opml

EXE = Path(sys.executable).with_name("workwatch")

FEEDS = '''# my feeds, my comments
[fetch]
per_host_delay_s = 0.5   # be nice

[[feeds]]
name = "guardian"
url = "https://www.theguardian.com/technology/rss"
outlet = "The Guardian"
'''

OPML = '''<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Reader export</title></head>
  <body>
    <outline text="Tech">
      <outline type="rss" text="The Guardian" xmlUrl="https://www.theguardian.com/technology/rss/"/>
      <outline type="rss" text="Ars Technica" title="Ars Technica" xmlUrl="https://feeds.arstechnica.com/arstechnica/index"/>
      <outline type="rss" text="Ars again" xmlUrl="https://feeds.arstechnica.com/arstechnica/index"/>
    </outline>
    <outline type="rss" text="Wired &amp; Co" xmlUrl="https://www.wired.com/feed/rss"/>
    <outline type="rss" text="Gopher" xmlUrl="gopher://old.example/feed"/>
    <outline type="rss" text="No URL"/>
  </body>
</opml>
'''


def test_import_appends_and_reports(tmp_path):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS, encoding="utf-8")
    opml = tmp_path / "list.opml"
    opml.write_text(OPML, encoding="utf-8")
    report = import_opml(opml, feeds)
    assert report.added == (("ars-technica", "https://feeds.arstechnica.com/arstechnica/index"),
                            ("wired-co", "https://www.wired.com/feed/rss"))
    # (a URL repeated inside the OPML file is collapsed by listparser itself)
    assert report.duplicates == ("https://www.theguardian.com/technology/rss/",)
    assert [b.split(":")[0] for b in report.bad] == ["Gopher", "No URL"]
    text = feeds.read_text(encoding="utf-8")
    assert text.startswith(FEEDS)  # comments, order, formatting kept
    config = load_config(feeds)
    assert [f.name for f in config.feeds] == ["guardian", "ars-technica", "wired-co"]
    assert config.feeds[2].outlet == "Wired & Co"
    again = import_opml(opml, feeds)
    assert again.added == () and not again.written and feeds.read_text(encoding="utf-8") == text


def test_no_entity_expansion_and_no_fetching(tmp_path):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS, encoding="utf-8")
    evil = tmp_path / "evil.opml"
    evil.write_text('''<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaaaaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY ext SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body>
<outline type="rss" text="&d;&ext;" xmlUrl="https://bomb.example/feed"/>
</body></opml>''', encoding="utf-8")
    report = import_opml(evil, feeds)
    text = feeds.read_text(encoding="utf-8")
    assert "aaaaaaaaaa" * 10 not in text and "root:" not in text
    assert len(report.added) <= 1


def test_not_opml_is_one_line_error(tmp_path):
    bad = tmp_path / "x.opml"
    bad.write_bytes(b"\x00\x01 not xml at all")
    with pytest.raises(OpmlError):
        import_opml(bad, tmp_path / "feeds.toml")


def test_export_round_trips(tmp_path):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS + '\n[[feeds]]\nname = "secret"\nurl = "https://user:pw@private.example/rss"\n'
                     'outlet = "Private"\nenabled = false\n', encoding="utf-8")
    text = export_opml(feeds)
    assert "pw@" not in text and 'xmlUrl="https://private.example/rss"' in text
    opml = tmp_path / "out.opml"
    opml.write_text(text, encoding="utf-8")
    fresh = tmp_path / "fresh.toml"
    report = import_opml(opml, fresh)
    assert [u for _, u in report.added] == ["https://www.theguardian.com/technology/rss",
                                            "https://private.example/rss"]


def test_cli(tmp_path):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS, encoding="utf-8")
    opml = tmp_path / "list.opml"
    opml.write_text(OPML, encoding="utf-8")
    dry = subprocess.run([str(EXE), "feeds-import", str(opml), "--feeds", str(feeds), "--dry-run"],
                         capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0, dry.stderr
    assert "would add ars-technica" in dry.stdout and feeds.read_text(encoding="utf-8") == FEEDS
    done = subprocess.run([str(EXE), "feeds-import", str(opml), "--feeds", str(feeds)],
                          capture_output=True, text=True, timeout=120)
    assert "2 added, 1 duplicates, 2 bad entries" in done.stderr
    out = tmp_path / "out.opml"
    exported = subprocess.run([str(EXE), "feeds-export", "--output", str(out), "--feeds", str(feeds)],
                              capture_output=True, text=True, timeout=120)
    assert exported.returncode == 0 and "3 feeds ->" in exported.stderr
    missing = subprocess.run([str(EXE), "feeds-import", str(tmp_path / "nope.opml"), "--feeds", str(feeds)],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and missing.stderr.startswith("error: ")
