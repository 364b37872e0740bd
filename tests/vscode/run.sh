#!/usr/bin/env bash
# The VS Code extension's tests: unit tests (node:test) and end-to-end tests in real VS Code
# (code-server 4.139.1 driven by Debian's chromium through playwright-core) against the real
# `vouch lsp`. Installs what it needs into .cache/vscode (ignored; skipped when present), builds
# the vouch binary and the extension (.vsix), runs everything, saves screenshots under
# test-artifacts/vscode/, and ends with the line "N passed, M failed" (exit status 1 on failure).
#
#   tests/vscode/run.sh                 everything
#   VOUCH_E2E_SCENARIOS=stable tests/vscode/run.sh    only some e2e scenarios (keybinding, proposed, missing, approve)
#   VOUCH_BIN=/path/to/vouch tests/vscode/run.sh      test another binary (no cargo build)
#   KEEP_RUN=1 tests/vscode/run.sh      keep the scratch dir (workspaces, logs) for debugging
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${VOUCH_VSCODE_CACHE:-$REPO/.cache/vscode}
ARTIFACTS=$REPO/test-artifacts/vscode
EXT=$REPO/editors/vscode
SCENARIOS=${VOUCH_E2E_SCENARIOS:-keybinding proposed missing approve}
cd "$REPO"

passed=0
failed=0
failures=()
T0=$(date +%s.%N)
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }'; }
ok() { passed=$((passed + 1)); echo "ok: $1"; }
bad() { failed=$((failed + 1)); failures+=("$1"); echo "FAILED: $1"; }
finish() {
  [ ${#failures[@]} -eq 0 ] || printf 'failed: %s\n' "${failures[@]}"
  echo "vscode tests took $(elapsed)"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}

RUN=
CS_PGID=
cleanup() {
  if [ -n "$CS_PGID" ]; then
    kill -TERM -- "-$CS_PGID" 2> /dev/null
    sleep 0.5
    kill -KILL -- "-$CS_PGID" 2> /dev/null
  fi
  if [ -n "$RUN" ] && [ -z "${KEEP_RUN:-}" ]; then rm -rf "$RUN"; fi
  [ -n "$RUN" ] && [ -n "${KEEP_RUN:-}" ] && echo "kept $RUN"
  return 0
}
trap cleanup EXIT

echo "== vscode: setup (cache: $CACHE)"
if ! "$REPO/tests/vscode/setup.sh"; then
  bad "setup"
  finish
fi
# shellcheck source=/dev/null
source "$CACHE/env.sh"
echo "setup done at $(elapsed)"

echo "== vscode: vouch binary"
if [ -z "${VOUCH_BIN:-}" ]; then
  if cargo build --quiet --bin vouch; then
    VOUCH_BIN=$REPO/target/debug/vouch
  else
    bad "cargo build"
    finish
  fi
fi
echo "using $VOUCH_BIN ($(elapsed))"

echo "== vscode: extension build"
lock_hash=$(sha256sum "$EXT/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$EXT/node_modules/.vouch-lock" 2> /dev/null)" != "$lock_hash" ]; then
  (cd "$EXT" && npm ci --no-audit --no-fund -s) || {
    bad "npm ci"
    finish
  }
  echo "$lock_hash" > "$EXT/node_modules/.vouch-lock"
fi
# The shipped .vsix must build; the scenarios install the test build (test/e2e/main.ts: the same
# extension plus its test mode, which the shipped bundle does not hold).
VSIX=$CACHE/vouch-e2e.vsix
if (cd "$EXT" && npx tsc --noEmit -p .); then ok "typecheck"; else bad "typecheck"; fi
for build in package package:e2e; do
  out=$CACHE/vouch.vsix
  [ "$build" = package:e2e ] && out=$VSIX
  if (cd "$EXT" && npm run -s "$build" -- -o "$out" > "$CACHE/vsce.log" 2>&1); then
    ok "$build .vsix"
  else
    cat "$CACHE/vsce.log"
    bad "$build .vsix"
    finish
  fi
done
echo "built $CACHE/vouch.vsix and $VSIX ($(elapsed))"

echo "== vscode: unit tests"
unit_out=$( (cd "$EXT" && node esbuild.mjs --tests && node --test --test-reporter=tap dist-test/*.test.js) 2>&1)
unit_status=$?
unit_pass=$(echo "$unit_out" | sed -n 's/^# pass \([0-9]*\)$/\1/p')
unit_fail=$(echo "$unit_out" | sed -n 's/^# fail \([0-9]*\)$/\1/p')
echo "$unit_out" | grep -E '^(not )?ok ' | sed 's/^/  /'
if [ -z "$unit_pass" ]; then
  echo "$unit_out" | tail -30
  bad "unit tests did not run"
else
  passed=$((passed + unit_pass))
  failed=$((failed + ${unit_fail:-0}))
  if [ "$unit_status" -ne 0 ]; then
    echo "$unit_out" | grep -A30 '^not ok' | head -80
    [ "${unit_fail:-0}" -gt 0 ] || bad "unit test runner"
  fi
fi
echo "unit tests: ${unit_pass:-0} passed, ${unit_fail:-?} failed ($(elapsed))"

echo "== vscode: end to end in code-server $("$CODE_SERVER" --version 2> /dev/null | head -1 | cut -d' ' -f1)"
RUN=$(mktemp -d) # short: code-server's socket paths must stay under 107 bytes
mkdir -p "$RUN"/{home,temp,config,data,state,cache} "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.png "$ARTIFACTS"/*.log

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

scenario() {
  local name=$1
  local dir=$RUN/$name
  mkdir -p "$dir"/{ws,ext,ud/User,e2e}
  printf 'fn add(a: i32, b: i32) -> i32 {\n    \n}\n' > "$dir/ws/main.rs"
  git -C "$dir/ws" init -q
  git -C "$dir/ws" config user.name "Vouch E2E"
  git -C "$dir/ws" config user.email "e2e@vouch.test"
  git -C "$dir/ws" add main.rs
  git -C "$dir/ws" commit -qm fixture
  if [ "$name" = approve ]; then
    # Sign-off: main holds the policy and the reviewer's key; HEAD (feature) adds AI lines 4-6 of main.rs
    # through the hooks; the reviewer signs with that key (git's gpg.format = ssh, user.signingKey).
    ssh-keygen -q -t ed25519 -N '' -C reviewer -f "$dir/key" || return 1
    mkdir -p "$dir/ws/.vouch"
    printf '[review]\nsigned = true\n' > "$dir/ws/vouch.toml"
    echo "reviewer@vouch.test $(cut -d' ' -f1,2 "$dir/key.pub")" > "$dir/ws/.vouch/allowed_signers"
    git -C "$dir/ws" add -A && git -C "$dir/ws" commit -qm policy && git -C "$dir/ws" branch -M main || return 1
    (
      cd "$dir/ws" && "$VOUCH_BIN" init > /dev/null && git checkout -qb feature &&
        printf 'fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\nfn sub(a: i32, b: i32) -> i32 {\n    a - b\n}\n' > main.rs &&
        "$VOUCH_BIN" mark main.rs:4-6 --tool claude --model claude-opus-4 > /dev/null &&
        "$VOUCH_BIN" review main.rs > /dev/null && git commit -qam sub &&
        git config gpg.format ssh && git config user.signingKey "$dir/key"
    ) || return 1
  fi
  cat > "$dir/ud/User/settings.json" << EOF
{
  "vouch.path": "$([ "$name" = missing ] && echo "$dir/no-such-vouch" || echo "$VOUCH_BIN")",
  "vouch.decorations": "both",$([ "$name" = approve ] && printf '\n  "vouch.reviewRange": "main..HEAD",')
  "vouch.useChangeReason": $([ "$name" = proposed ] && echo true || echo false),
  "editor.quickSuggestions": { "other": false, "comments": false, "strings": false },
  "editor.suggestOnTriggerCharacters": false,
  "editor.wordBasedSuggestions": "off",
  "editor.inlineSuggest.enabled": true,
  "workbench.startupEditor": "none",
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "chat.disableAIFeatures": true,
  "git.enabled": false,
  "telemetry.telemetryLevel": "off"
}
EOF
  local env_vars=(HOME="$RUN/home" TMPDIR="$RUN/temp" XDG_CONFIG_HOME="$RUN/config" XDG_DATA_HOME="$RUN/data"
    XDG_STATE_HOME="$RUN/state" XDG_CACHE_HOME="$RUN/cache" VOUCH_E2E_DIR="$dir/e2e")
  if ! env "${env_vars[@]}" "$CODE_SERVER" --extensions-dir "$dir/ext" --user-data-dir "$dir/ud" \
    --install-extension "$VSIX" > "$dir/install.log" 2>&1; then
    cat "$dir/install.log"
    return 1
  fi
  local extra=()
  [ "$name" = proposed ] && extra=(--enable-proposed-api vouch.vouch)
  local port
  port=$(free_port)
  env "${env_vars[@]}" setsid "$CODE_SERVER" --auth none --bind-addr "127.0.0.1:$port" \
    --user-data-dir "$dir/ud" --extensions-dir "$dir/ext" \
    --disable-telemetry --disable-update-check --disable-workspace-trust \
    --disable-getting-started-override --ignore-last-opened "${extra[@]}" "$dir/ws" \
    < /dev/null > "$dir/code-server.log" 2>&1 &
  CS_PGID=$!
  for _ in $(seq 600); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
    sleep 0.05
  done
  local status=0
  env HOME="$RUN/home" TMPDIR="$RUN/temp" XDG_CONFIG_HOME="$RUN/config" XDG_CACHE_HOME="$RUN/cache" \
    VOUCH_BIN="$VOUCH_BIN" timeout 180 node "$REPO/tests/vscode/e2e.js" "http://127.0.0.1:$port/?folder=$dir/ws" \
    "$dir/e2e/state.json" "$ARTIFACTS" "$name" || status=1
  kill -TERM -- "-$CS_PGID" 2> /dev/null
  sleep 0.5
  kill -KILL -- "-$CS_PGID" 2> /dev/null
  CS_PGID=
  if [ "$status" -ne 0 ]; then
    cp "$dir/code-server.log" "$ARTIFACTS/$name-code-server.log" 2> /dev/null
    find "$dir/ud/logs" -name '*Vouch*.log' -exec cp {} "$ARTIFACTS/$name-vouch-output.log" \; 2> /dev/null
    find "$dir/ud/logs" -name 'exthost.log' -exec cp {} "$ARTIFACTS/$name-exthost.log" \; 2> /dev/null
    for f in "$ARTIFACTS/$name"-*.log; do
      [ -f "$f" ] && { echo "--- $f (tail)"; tail -25 "$f"; }
    done
  fi
  return $status
}

for s in $SCENARIOS; do
  if scenario "$s"; then ok "e2e $s"; else bad "e2e $s"; fi
  echo "($(elapsed))"
done
ls "$ARTIFACTS"/*.png 2> /dev/null | sed 's/^/artifact: /'
finish
