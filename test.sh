#!/usr/bin/env bash
# Runs every test in the solution on SQLite, then the server tests (tests/Vault.Server.Tests) again on PostgreSQL with
# the two-node tests (two servers on one PostgreSQL and one Redis) and without the blob store tests, and prints
# "N passed, N failed" summed from the real TRX results of both runs.
# PostgreSQL comes from Debian's packages, installed when missing (needs root and apt) and run as a private instance
# for the length of this script (.ci/postgres.sh). If it cannot be installed or started, this fails: half a run is no pass.
set -uo pipefail
cd "$(dirname "$0")"
results="$(pwd)/TestResults"
rm -rf "$results"

pgdir=$(mktemp -d "${TMPDIR:-/tmp}/vault-pg.XXXXXX")
trap '.ci/postgres.sh stop "$pgdir"' EXIT
postgres=$(.ci/postgres.sh start "$pgdir") || postgres=""

# Debian packages the tests need, installed when missing (needs root and apt); the packages' own services are kept
# from starting (policy-rc.d), as .ci/postgres.sh does for PostgreSQL's. Without recommends: docker-compose would pull
# in the docker.io engine, which nothing here needs (`docker-compose config` validates without one).
install_package() { # COMMAND PACKAGE WHAT-FAILS
  command -v "$1" >/dev/null && return
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    local policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      policy=/usr/sbin/policy-rc.d; printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >&2 \
      || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >&2; } \
      || echo "$2 could not be installed: $3 will fail" >&2
    [ -z "$policy" ] || rm -f "$policy"
  else
    echo "$1 is missing and installing it ($2) needs root and apt-get: $3 will fail" >&2
  fi
}
install_package redis-server redis-server "the two-node tests (started per test by RedisServer)"
install_package docker-compose docker-compose "the compose tests (ComposeTests run \`docker-compose config\`)"

# s3rver (npm) for the S3 blob store tests (started per test by S3Server), from tests/s3rver/package-lock.json when missing.
if [ ! -e tests/s3rver/node_modules/s3rver/bin/s3rver.js ]; then
  if command -v npm >/dev/null && command -v node >/dev/null; then
    npm ci --prefix tests/s3rver --no-audit --no-fund >&2 \
      || echo "s3rver could not be installed (npm ci --prefix tests/s3rver failed, see above): the S3 tests will fail" >&2
  else
    echo "node or npm is missing (install Node.js with npm, e.g. apt-get install nodejs npm): s3rver cannot be installed and the S3 tests will fail" >&2
  fi
fi

status=0
# Several nodes need PostgreSQL: the two-node tests (Category=Cluster) run in the PostgreSQL run only.
# The blob store tests (Category=Storage) and the compose tests (Category=Deployment) barely touch the database: they
# run in the SQLite run only.
dotnet test Vault.sln --configuration Release --logger "trx" --results-directory "$results/sqlite" --filter "Category!=Cluster" "$@" || status=$?
if [ -n "$postgres" ]; then
  # The same server tests against PostgreSQL: each test server gets its own database on this instance.
  VAULT_TEST_POSTGRES="$postgres" dotnet test tests/Vault.Server.Tests --configuration Release --no-build --filter "Category!=Storage&Category!=Deployment" \
    --logger "trx;LogFileName=server-tests-postgres.trx" --results-directory "$results/postgres" "$@" || status=$?
fi

passed=0; failed=0; runs=""
for trx in "$results"/sqlite/*.trx "$results"/postgres/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  runs="$runs $(basename "$(dirname "$trx")")"
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test failed before all tests ran (a build error or a crashed test host): see above"
fi
if ! grep -qw postgres <<<"$runs"; then
  # Counted as a failure, not left out: a run without its PostgreSQL half is not a pass.
  echo "the server tests did not run on PostgreSQL (it could not be installed or started, or the run crashed: see above); counted as 1 failed"
  failed=$((failed + 1))
fi
echo "${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
