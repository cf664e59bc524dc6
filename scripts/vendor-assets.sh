#!/usr/bin/env bash
# Re-fetch the front-end assets that /docs (Swagger UI) and /redoc serve, so the API docs render
# without a network: pinned npm tarballs, checked against the registry's sha512, unpacked into
# api/static/vendor/. To upgrade, change a version and its integrity (`npm view NAME@VERSION
# dist.integrity`), run this, and update docs/dependencies.md.
#   bash scripts/vendor-assets.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SWAGGER_UI_VERSION=5.35.0
SWAGGER_UI_INTEGRITY=sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==
REDOC_VERSION=2.5.4
REDOC_INTEGRITY=sha512-M6jWhG1qoBnH6TFmzJnstyCZ87HmOY/UzDm78mHiYihEdlV/YcS9ogOo1NlElnJMeLsyxHFe2yFc4sNjHTrABQ==
HTMX_VERSION=2.0.11  # the web app's partial pages (ADR 0048)
HTMX_INTEGRITY=sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==

vendor=api/static/vendor
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# fetch NAME VERSION INTEGRITY: download the registry tarball, check it, unpack it under $work/NAME
fetch() {
  local name=$1 version=$2 integrity=$3 tarball="$work/$1.tgz"
  curl -fsSL --retry 3 -o "$tarball" "https://registry.npmjs.org/$name/-/$name-$version.tgz"
  local actual
  actual="sha512-$(python3 -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.sha512(open(sys.argv[1],"rb").read()).digest()).decode())' "$tarball")"
  if [[ "$actual" != "$integrity" ]]; then
    echo "integrity mismatch for $name@$version: expected $integrity, got $actual" >&2
    exit 1
  fi
  mkdir -p "$work/$name" && tar -xzf "$tarball" -C "$work/$name" --strip-components=1
}

fetch swagger-ui-dist "$SWAGGER_UI_VERSION" "$SWAGGER_UI_INTEGRITY"
fetch redoc "$REDOC_VERSION" "$REDOC_INTEGRITY"
fetch htmx.org "$HTMX_VERSION" "$HTMX_INTEGRITY"

rm -rf "$vendor/swagger-ui" "$vendor/redoc" "$vendor/htmx"
mkdir -p "$vendor/swagger-ui" "$vendor/redoc" "$vendor/htmx"
for file in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css favicon-32x32.png LICENSE NOTICE; do
  cp "$work/swagger-ui-dist/$file" "$vendor/swagger-ui/"
done
for file in bundles/redoc.standalone.js bundles/redoc.standalone.js.LICENSE.txt LICENSE; do
  cp "$work/redoc/$file" "$vendor/redoc/"
done
for file in dist/htmx.min.js LICENSE; do
  cp "$work/htmx.org/$file" "$vendor/htmx/"
done
# ReDoc's sidebar shows Redocly's logo from their CDN: point it at Keel's own icon, so the page
# asks nothing of the network
sed -i 's#https://cdn.redoc.ly/redoc/logo-mini.svg#/static/favicon.svg#g' "$vendor/redoc/redoc.standalone.js"
cat >"$vendor/VERSIONS" <<VERSIONS
swagger-ui-dist $SWAGGER_UI_VERSION $SWAGGER_UI_INTEGRITY
redoc $REDOC_VERSION $REDOC_INTEGRITY
htmx.org $HTMX_VERSION $HTMX_INTEGRITY
VERSIONS
echo "vendored swagger-ui-dist $SWAGGER_UI_VERSION, redoc $REDOC_VERSION and htmx.org $HTMX_VERSION into $vendor"
