#!/usr/bin/env bash
# Fuzzes one Jazzer target for a chosen time (coverage-guided, bug-detector hooks on).
#
#   scripts/fuzz.sh MODULE TEST_CLASS#METHOD [DURATION]      e.g.
#   scripts/fuzz.sh exproto-server GatewayConfigFileFuzzTest#loadsOrRefuses 10m
#
# DURATION is anything timeout(1) takes (90s, 10m, 2h); default 5m. A crashing input is written
# next to the committed ones (src/test/resources/<package>/<Class>Inputs/<method>/crash-*), where
# 'mvn verify' replays it from then on; the growing corpus stays in MODULE/.cifuzz-corpus (not
# committed). Builds into MODULE/target-fuzz, apart from other builds. Exits 0 when the time is up without a finding, non-zero on a finding.
set -uo pipefail
if [[ $# -lt 2 ]]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
module=$1
target=$2
duration=${3:-5m}
cd "$(dirname "$0")/.."
JAZZER_FUZZ=1 timeout --signal=INT --kill-after=60s "$duration" \
  mvn -B -q -pl "$module" -am test -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false \
  -Djazzer.hooks=true -Dexproto.buildDir=target-fuzz
rc=$?
if [[ $rc -eq 124 ]]; then
  echo "fuzzed $target for $duration: no finding"
  exit 0
fi
exit $rc
