from pathlib import Path

from graph.cli import main

SCHEMA_FILE = Path(__file__).parent.parent / "schema.graphql"


def test_schema_graphql_is_the_output_of_export_schema(capsys):
    assert main(["export-schema"]) == 0
    exported = capsys.readouterr().out
    assert SCHEMA_FILE.read_text() == exported, (
        "schema.graphql is stale: run `.venv/bin/importer export-schema > schema.graphql`"
    )
