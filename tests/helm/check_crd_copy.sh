#!/usr/bin/env bash
# The chart installs the CustomResourceDefinition from helm/pgrevise/crds/; it must be byte-identical to the
# single source in crds/. Update the copy with:
#   cp crds/postgresmigrations.pgrevise.dev.yaml helm/pgrevise/crds/
set -euo pipefail

source_dir=$1
name=postgresmigrations.pgrevise.dev.yaml
top=$source_dir/crds/$name
copy=$source_dir/helm/pgrevise/crds/$name

if [ ! -f "$top" ]; then
  echo "FAIL: $top, the single source of the CRD, is missing"
  exit 1
fi
if [ ! -f "$copy" ]; then
  echo "FAIL: the chart has no copy of the CRD; run: cp crds/$name helm/pgrevise/crds/"
  exit 1
fi
if ! cmp -s "$top" "$copy"; then
  echo "FAIL: helm/pgrevise/crds/$name differs from crds/$name; run: cp crds/$name helm/pgrevise/crds/"
  diff -u "$top" "$copy" | head -40 || true
  exit 1
fi
extra=$(find "$source_dir/helm/pgrevise/crds" -type f ! -name "$name" | sort)
if [ -n "$extra" ]; then
  echo "FAIL: files in the chart's crds/ with no top-level source: $extra"
  exit 1
fi
echo "OK: the chart's CRD is identical to crds/$name"
