#!/usr/bin/env bash
# Runs every test in the solution and prints "N passed, N failed" from the real TRX results.
# Needs only the .NET SDK: no test here needs a service yet (later ones install and start their own).
set -uo pipefail
cd "$(dirname "$0")"
results="$(pwd)/TestResults"
rm -rf "$results"
dotnet test Vault.sln --configuration Release --logger "trx" --results-directory "$results" "$@"
status=$?
passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test failed before all tests ran (a build error or a crashed test host): see above"
fi
echo "${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
