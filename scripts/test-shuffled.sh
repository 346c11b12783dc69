#!/usr/bin/env bash
# Run the whole suite in a shuffled order (files and the tests inside them), printing the seed
# first, so an order dependence shows up, and reproduces with `SEED=<printed seed> npm run test:shuffled`.
set -euo pipefail
cd "$(dirname "$0")/.."
SEED="${SEED:-$(date +%s)}"
echo "test order seed: ${SEED} (reproduce with SEED=${SEED} npm run test:shuffled)"
exec npx vitest run --sequence.shuffle --sequence.seed="${SEED}" "$@"
