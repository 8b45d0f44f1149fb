"""The `importer` command line: tokens, help."""

from __future__ import annotations

from graph.cli import main
from tests.helpers import gql


def run(capsys, *argv: str) -> tuple[int, list[str]]:  # noqa: ANN001
    code = main(list(argv))
    return code, capsys.readouterr().out.strip().splitlines()


def test_token_create_prints_a_working_token_alone_on_the_last_line(client, settings, capsys):
    code, lines = run(capsys, "token", "create", "--data-dir", str(settings.data_dir), "--organisation", "CLI Spa")
    assert code == 0
    token = lines[-1]
    assert token.startswith("imp_") and " " not in token
    result = gql(client, "{ imports(first: 1) { edges { cursor } } }", token=token)
    assert result["data"] == {"imports": {"edges": []}}


def test_a_revoked_token_stops_working_at_once(client, settings, capsys):
    _, lines = run(capsys, "token", "create", "--data-dir", str(settings.data_dir), "--email", "temp@spa.test",
                   "--role", "viewer")
    token = lines[-1]
    _, listing = run(capsys, "token", "list", "--data-dir", str(settings.data_dir))
    assert any(token[:12] in line and "temp@spa.test" in line and "active" in line for line in listing)
    assert token not in "\n".join(listing)

    code, _ = run(capsys, "token", "revoke", token[:12], "--data-dir", str(settings.data_dir))
    assert code == 0
    result = gql(client, "{ importTypes { type } }", token=token)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    _, listing = run(capsys, "token", "list", "--data-dir", str(settings.data_dir))
    assert any(token[:12] in line and "revoked" in line for line in listing)


def test_an_expired_token_is_unauthenticated(client, settings, capsys, db):
    from datetime import timedelta

    from domain.auth import issue_token

    token = issue_token(db, email="brief@spa.test", expires_in=timedelta(seconds=-1)).token
    result = gql(client, "{ importTypes { type } }", token=token)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "expired" in result["errors"][0]["message"]


def test_help_explains_every_command(capsys):
    try:
        main(["--help"])
    except SystemExit:
        pass
    text = capsys.readouterr().out
    for command in ("serve", "worker", "migrate", "token", "export-schema"):
        assert command in text
