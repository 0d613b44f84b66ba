"""Untrusted input files (issue 15, finding 4): a replay file with bad lines, implausible
dates and control characters is loaded line by line; bad lines are counted and reported in
one warning line, never a traceback, and nothing unsafe is stored."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from cli.main import app
from flows.replay import BadLine, parse_published, record_of


def _line(**fields) -> str:
    base = {"published": "2023-05-02 10:00:00+00:00", "feed_url": "https://feeds.example.com/rss",
            "title": "t", "summary": "s", "url": "https://example.com/a"}
    base.update(fields)
    return json.dumps(base)


def test_implausible_dates_are_stored_as_unknown():
    assert parse_published("9999-12-31T00:00:00+00:00") is None
    assert parse_published("0001-01-01T00:00:00") is None
    assert parse_published("9999-12-31T23:59:00-01:00") is None  # overflows when made UTC
    assert parse_published("2023-05-02T10:00:00+02:00").isoformat() == "2023-05-02T08:00:00"


def test_each_kind_of_bad_line_has_a_short_reason():
    for raw, reason in [(b"\xff\xfe{}", "UTF-8"), (b"{not json", "not JSON"),
                        (b"[1, 2]", "not a JSON object"), (b"[" * 100000 + b"]" * 100000, "nested"),
                        (_line(title=5).encode(), "'title' is a int")]:
        try:
            record_of(raw)
        except BadLine as exc:
            assert reason in str(exc)
        else:
            raise AssertionError(f"accepted {raw[:30]!r}")
    assert record_of(b"  \n") is None


def test_replay_of_a_hostile_file_loads_the_good_lines_and_reports_the_rest(tmp_path: Path):
    lines = [
        _line(url="https://example.com/good", title="Good \x1b]0;pwned\x07title\x1b[31m"),
        _line(url="https://example.com/lone", summary="lone \ud800 surrogate"),
        _line(url="https://example.com/future", published="9999-12-31T00:00:00+00:00"),
        "{not json",
        _line(url="https://example.com/num", summary=12),
        "[" * 50000 + "]" * 50000,
    ]
    source = tmp_path / "hostile.jsonl"
    source.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass") + b"\xff\xfe\n")
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(app, ["replay", str(source), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "3 new articles" in result.output
    assert "4 bad lines not loaded (line 4: not JSON; line 5: 'summary' is a int" in result.output
    con = duckdb.connect(str(db), read_only=True)
    rows = dict(con.execute("SELECT url, title || ' ' || text FROM articles").fetchall())
    dates = dict(con.execute("SELECT url, published_at FROM articles").fetchall())
    con.close()
    assert rows["https://example.com/good"] == "Good ]0;pwnedtitle[31m s"
    assert "\ud800" not in rows["https://example.com/lone"]
    assert dates["https://example.com/future"] is None
    assert not any("\x1b" in v or "\x07" in v for v in rows.values())


def test_tables_never_send_control_sequences_to_the_terminal():
    import io

    from rich.console import Console

    from cli.output import render

    buf = io.StringIO()
    console = Console(file=buf, width=200, force_terminal=True, color_system=None)
    render(["title"], [("evil \x1b]0;owned\x07 \x9b31m title",)], "table", console)
    render(["title"], [("evil \x1b[2J",)], "csv", console)
    shown = buf.getvalue()
    assert "\x1b]" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert "\x1b[2J" not in shown
    assert "\\x1b]0;owned\\x07" in shown and "\\x1b[2J" in shown


def test_classify_and_eval_inputs_fail_with_one_line_never_a_traceback(tmp_path: Path):
    runner = CliRunner()
    surrogate = tmp_path / "surrogate.jsonl"
    surrogate.write_text('{"id": "a", "title": "AI \\ud800 replaces call-centre jobs"}\n')
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", "--input", str(surrogate), "--output", str(out)])
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["id"] == "a" and "is_ai_work" in record
    for name, body in [("deep.jsonl", b"[" * 100000 + b"]" * 100000 + b"\n"),
                       ("latin1.jsonl", b'{"id": "a", "title": "caf\xe9"}\n'),
                       ("number.jsonl", b'{"id": "a", "title": 5}\n')]:
        bad = tmp_path / name
        bad.write_bytes(body)
        for args in (["classify", "--input", str(bad), "--output", str(tmp_path / "o.jsonl")],
                     ["eval", str(bad)]):
            result = runner.invoke(app, args)
            assert result.exit_code == 1, (name, args, result.output)
            assert "line 1" in result.output and "Traceback" not in result.output
            assert result.exception is None or isinstance(result.exception, SystemExit)


def test_replay_keeps_one_article_per_url_identity(tmp_path: Path):
    """http/https, a trailing slash, tracking parameters and fragments: one story."""
    spellings = ["https://example.com/story", "http://example.com/story/",
                 "https://example.com/story?utm_source=x#top", "http://example.com/story?cmpid=rss"]
    source = tmp_path / "variants.jsonl"
    source.write_text("\n".join(_line(url=u) for u in spellings) + "\n")
    db = tmp_path / "w.duckdb"
    runner = CliRunner()
    result = runner.invoke(app, ["replay", str(source), "--db", str(db)])
    assert result.exit_code == 0 and "1 new articles" in result.output, result.output
    again = tmp_path / "again.jsonl"
    again.write_text(_line(url="http://example.com/story/?utm_medium=feed") + "\n")
    result = runner.invoke(app, ["replay", str(again), "--db", str(db)])
    assert result.exit_code == 0 and "0 new articles" in result.output, result.output


def test_old_implausible_dates_are_cleaned_by_a_migration(tmp_path: Path):
    from warehouse.db import migrate, write_connection

    db = tmp_path / "w.duckdb"
    with write_connection(db) as con:  # a warehouse as an older replay left it
        con.execute("INSERT INTO articles (article_id, url, canonical_url, feed, outlet, title, "
                    "published_at, first_seen_at, source) VALUES "
                    "('a', 'u', 'u', 'f', 'o', 't', TIMESTAMP '9999-12-31', TIMESTAMP '9999-12-31', 'feed'), "
                    "('b', 'v', 'v', 'f', 'o', 't', TIMESTAMP '0001-01-01', TIMESTAMP '0001-01-01', 'feed'), "
                    "('c', 'w', 'w', 'f', 'o', 't', TIMESTAMP '2023-05-02', TIMESTAMP '2023-05-02', 'feed')")
        con.execute("DELETE FROM schema_migrations WHERE version = 15")
        migrate(con)
        rows = dict(con.execute("SELECT article_id, published_at FROM articles").fetchall())
        seen = dict(con.execute("SELECT article_id, year(first_seen_at) FROM articles").fetchall())
    assert rows["a"] is None and rows["b"] is None and rows["c"].year == 2023
    assert seen["c"] == 2023 and 2020 < seen["a"] < 2100 and 2020 < seen["b"] < 2100
