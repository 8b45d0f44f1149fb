"""The `importer` command line, run as a person runs it: a real process, from some folder,
with the environment the shell gives it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

import pytest

from domain.accounts.auth import issue_token
from graph.cli import _parser
from tests.helpers import gql
from tests.processes import free_port
from tests.services import postgres_database

IMPORTER = Path(sys.executable).parent / "importer"
# What the shell may carry that would point the command elsewhere than the test says.
POINTERS = ("DATABASE_URL", "BROKER_URL", "IMPORTER_DATA_DIR")


def importer(*argv: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in POINTERS} | (env or {})
    return subprocess.run([str(IMPORTER), *argv], cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=120)


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    """What `| tail -n 1` gives a script."""
    return done.stdout.splitlines()[-1]


def test_version_prints_the_installed_version(tmp_path):
    done = importer("--version", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"importer {version('importer')}\n"


def test_token_alone_shows_the_token_commands(tmp_path):
    done = importer("token", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout.startswith("usage: importer token")
    for command in ("create", "list", "revoke"):
        assert f"    {command} " in done.stdout
    assert "export-schema" not in done.stdout  # not the top-level help
    assert not (tmp_path / "importer-data").exists()


def test_help_names_every_command(tmp_path):
    done = importer("--help", cwd=tmp_path)
    assert done.returncode == 0
    for command in ("serve", "worker", "migrate", "token", "export-schema", "--version"):
        assert command in done.stdout


def _commands(parser: argparse.ArgumentParser, name: str = "importer"):  # noqa: ANN202
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _commands(sub, f"{name} {sub_name}")


def test_every_option_of_every_command_is_explained():
    unexplained = [f"{name} {action.option_strings or action.dest}"
                   for name, parser in _commands(_parser()) for action in parser._actions
                   if not isinstance(action, argparse._SubParsersAction) and not (action.help or "").strip()]
    assert unexplained == []


def test_token_create_from_another_folder_refuses_and_creates_nothing(tmp_path):
    done = importer("token", "create", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""  # `TOKEN=$(importer token create | tail -n 1)` gets nothing
    data_dir = tmp_path / "importer-data"
    assert f"there is no database at {data_dir / 'importer.sqlite3'}" in done.stderr
    assert f"looked in the data directory {data_dir}" in done.stderr
    for way in ("--data-dir", "IMPORTER_DATA_DIR", "DATABASE_URL", "--init"):
        assert way in done.stderr
    assert not data_dir.exists()


def test_token_list_and_revoke_on_a_missing_database_refuse_too(tmp_path):
    for argv in (("token", "list"), ("token", "revoke", "imp_abcdefgh")):
        done = importer(*argv, cwd=tmp_path)
        assert done.returncode == 1, argv
        assert "there is no database at" in done.stderr
        assert "--init" not in done.stderr
    assert not (tmp_path / "importer-data").exists()


def test_token_create_with_init_starts_a_new_database_the_server_then_uses(tmp_path, settings, client):
    done = importer("token", "create", "--init", "--data-dir", str(settings.data_dir), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"database: SQLite file {settings.data_dir.resolve() / 'importer.sqlite3'}" in done.stderr
    token = last_line(done)
    assert token.startswith("imp_") and " " not in token
    assert gql(client, "{ imports(first: 1) { edges { cursor } } }", token=token)["data"] == {
        "imports": {"edges": []}}

    again = importer("token", "create", "--data-dir", str(settings.data_dir), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "'My organisation'" in again.stdout
    listing = importer("token", "list", "--data-dir", str(settings.data_dir), cwd=tmp_path).stdout
    assert listing.count("My organisation") == 2  # the same organisation twice, not a second one


def test_a_database_without_an_organisation_is_refused_without_init(tmp_path, settings, client):
    # The app has created and migrated the SQLite file; nobody has started `importer serve` on it.
    done = importer("token", "create", cwd=tmp_path, env={"IMPORTER_DATA_DIR": str(settings.data_dir)})
    assert done.returncode == 1
    assert "the database has no organisation yet" in done.stderr
    assert "--init" in done.stderr
    assert importer("token", "create", "--init", cwd=tmp_path,
                    env={"IMPORTER_DATA_DIR": str(settings.data_dir)}).returncode == 0


def test_token_create_prints_a_working_token_alone_on_the_last_line(tmp_path, settings, client, token):
    done = importer("token", "create", "--data-dir", str(settings.data_dir), "--organisation", "CLI Spa",
                    "--email", "ops@cli-spa.test", "--role", "member", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "token for ops@cli-spa.test (member) of 'CLI Spa':" in done.stdout
    assert str(settings.data_dir.resolve() / "importer.sqlite3") in done.stderr
    result = gql(client, "{ imports(first: 1) { edges { cursor } } }", token=last_line(done))
    assert result["data"] == {"imports": {"edges": []}}


def test_an_unknown_role_is_refused_by_the_command_line(tmp_path, settings, client, token):
    done = importer("token", "create", "--data-dir", str(settings.data_dir), "--role", "owner", cwd=tmp_path)
    assert done.returncode == 2
    assert "invalid choice: 'owner'" in done.stderr


def test_token_list_has_a_header_row_and_never_shows_a_token(tmp_path, settings, client, token):
    done = importer("token", "list", "--data-dir", str(settings.data_dir), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split() == ["TOKEN", "ORGANISATION", "EMAIL", "ROLE", "CREATED", "STATE"]
    assert len(rows) == 1
    assert rows[0].startswith(token[:12] + "…") and "owner@spa-one.test" in rows[0] and rows[0].endswith("active")
    assert token not in done.stdout


def test_a_revoked_token_stops_working_at_once(tmp_path, settings, client, token):
    data_dir = ("--data-dir", str(settings.data_dir))
    temporary = last_line(importer("token", "create", *data_dir, "--email", "temp@spa.test", "--role", "viewer",
                                   cwd=tmp_path))
    listing = importer("token", "list", *data_dir, cwd=tmp_path).stdout.splitlines()
    assert any(temporary[:12] in line and "temp@spa.test" in line and "active" in line for line in listing)

    done = importer("token", "revoke", temporary[:12], *data_dir, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "revoked 1 token(s)\n"
    result = gql(client, "{ importTypes { type } }", token=temporary)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    listing = importer("token", "list", *data_dir, cwd=tmp_path).stdout.splitlines()
    assert any(temporary[:12] in line and "revoked" in line for line in listing)
    assert gql(client, "{ importTypes { type } }", token=token)["data"]  # the others still work

    again = importer("token", "revoke", temporary[:12], *data_dir, cwd=tmp_path)
    assert again.returncode == 1 and again.stdout == "revoked 0 token(s)\n"
    short = importer("token", "revoke", "imp_", *data_dir, cwd=tmp_path)
    assert short.returncode == 2 and "first 8 characters" in short.stderr


def test_an_expired_token_is_unauthenticated(client, db):
    token = issue_token(db, email="brief@spa.test", expires_in=timedelta(seconds=-1)).token
    result = gql(client, "{ importTypes { type } }", token=token)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "expired" in result["errors"][0]["message"]


def test_a_database_that_does_not_answer_is_named_and_nothing_is_created(tmp_path):
    unused_port = free_port()
    done = importer("token", "create", "--init", cwd=tmp_path,
                    env={"DATABASE_URL": f"postgresql://importer:secret@127.0.0.1:{unused_port}/importer"})
    assert done.returncode == 1
    assert f"database: postgresql://importer@127.0.0.1:{unused_port}/importer" in done.stderr
    assert "the database is not answering" in done.stderr
    assert "secret" not in done.stderr and "--init" not in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "importer-data").exists()


@pytest.fixture
def postgres_url() -> str:
    with postgres_database() as url:
        # with a password, which the command must not print (the local server trusts loopback)
        yield url.replace("postgres@", "postgres:not-to-be-shown@")


def test_on_postgresql_token_create_names_the_url_without_its_password(tmp_path, postgres_url):
    env = {"DATABASE_URL": postgres_url}
    shown = postgres_url.replace(":not-to-be-shown", "")

    unmigrated = importer("token", "create", "--init", cwd=tmp_path, env=env)
    assert unmigrated.returncode == 1
    assert f"database: {shown}" in unmigrated.stderr
    assert "run `importer migrate` first" in unmigrated.stderr
    assert "add --init" not in unmigrated.stderr  # it would not help

    assert importer("migrate", cwd=tmp_path, env=env).returncode == 0
    empty = importer("token", "create", cwd=tmp_path, env=env)
    assert empty.returncode == 1
    assert "the database has no organisation yet (looked in DATABASE_URL)" in empty.stderr

    done = importer("token", "create", "--init", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert f"database: {shown}" in done.stderr
    assert last_line(done).startswith("imp_")
    for output in (unmigrated, empty, done):
        assert "not-to-be-shown" not in output.stderr + output.stdout
    assert not (tmp_path / "importer-data").exists()
