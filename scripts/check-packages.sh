#!/usr/bin/env bash
# Package surfaces, as published: publint (package.json against the packed files) and
# arethetypeswrong (the declarations each export resolves to) on every workspace package.
# Run after `npm run build`. The packages are ESM only, so require() from CommonJS is
# out of scope (attw's esm-only profile).
set -euo pipefail
cd "$(dirname "$0")/.."
for pkg in packages/*/; do
  echo "== $(node -p "require('./${pkg}package.json').name")"
  npx publint --strict "$pkg"
  npx attw --pack "$pkg" --profile esm-only --format table-flipped
done
