"""The SQL door (issue 15, finding 1): `sql`, `query` and their exports can read the
warehouse and nothing else; they can never change it, overwrite it, or reach files or URLs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    from warehouse.db import write_connection

    with write_connection(db) as con:
        con.execute("CREATE TABLE probe AS SELECT 42 AS answer")
    return db


def _run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def _intact(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT answer FROM probe").fetchall() == [(42,)]
    finally:
        con.close()


@pytest.mark.parametrize("target", ["w.duckdb", "w.duckdb.wal", "other.duckdb"])
def test_an_export_never_writes_over_a_warehouse_file(warehouse: Path, target: str):
    other = warehouse.parent / "other.duckdb"
    duckdb.connect(str(other)).close()
    before = other.read_bytes()
    out = warehouse.parent / target
    for args in (["sql", "select 1", "-f", "parquet", "--output", out, "--db", warehouse],
                 ["query", "trend", "-f", "parquet", "--output", out, "--db", warehouse]):
        code, text = _run(*args)
        assert code == 1 and "refusing to write over a DuckDB warehouse file" in text, text
        assert "Traceback" not in text
    _intact(warehouse)
    assert other.read_bytes() == before


def test_a_parquet_export_through_a_symlink_keeps_the_link(warehouse: Path, tmp_path: Path):
    real = tmp_path / "real.parquet"
    real.write_bytes(b"")
    link = tmp_path / "link.parquet"
    link.symlink_to(real)
    code, text = _run("sql", "select 1 as one, interval 1 day as i", "-f", "parquet",
                      "--output", link, "--db", warehouse)
    assert code == 0, text
    assert link.is_symlink()
    con = duckdb.connect()
    assert con.execute(f"select one from '{real}'").fetchall() == [(1,)]


@pytest.mark.parametrize("statement", [
    "ATTACH '{db}' AS rw (READ_WRITE)",
    "COPY (SELECT 1) TO '{db}'",
    "COPY (SELECT 1) TO '{dir}/leak.csv'",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('http://127.0.0.1:9/x')",
    "SELECT * FROM glob('/etc/*')",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "DELETE FROM probe",
    "DROP TABLE probe",
    "CREATE TABLE x AS SELECT 1",
])
def test_sql_cannot_write_or_reach_outside_the_warehouse(warehouse: Path, statement: str):
    query = statement.format(db=warehouse, dir=warehouse.parent)
    code, text = _run("sql", query, "--db", warehouse)
    assert code == 1, text
    assert text.startswith("error: ") and "Traceback" not in text
    _intact(warehouse)
    assert not (warehouse.parent / "leak.csv").exists()


def test_attaching_the_same_file_again_stays_read_only(warehouse: Path):
    code, text = _run("sql", f"ATTACH '{warehouse}' AS again; DELETE FROM again.probe", "--db", warehouse)
    assert code == 1
    _intact(warehouse)


def test_reads_still_work(warehouse: Path):
    code, text = _run("sql", "select answer * 2 as twice from probe", "-f", "csv", "--db", warehouse)
    assert code == 0 and "84" in text
