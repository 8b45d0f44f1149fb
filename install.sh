#!/usr/bin/env bash
# Installs everything the service and its tests need, from the package registries only:
# a virtualenv in .venv with the project (editable) and its test tools, GraphiQL's assets
# (npm, pinned by graph/graphiql/package-lock.json), the import page's graphql-ws client
# (graph/web/package-lock.json) and the npm checks the tests drive.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[dev]'
npm ci --prefix graph/graphiql --no-audit --no-fund --loglevel=error
npm ci --prefix graph/web --no-audit --no-fund --loglevel=error
if [ -f tests/node/package-lock.json ]; then
  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
fi
echo "installed: run .venv/bin/importer serve"
