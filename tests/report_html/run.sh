#!/usr/bin/env bash
# `vouch report --format html` in real headless chromium (Debian's, driven by
# playwright-core from the VS Code suite's .cache/vscode): a repository with
# approved and unapproved AI lines, the page loaded offline, every highlighted
# line checked against `--format json`, a screenshot kept in
# test-artifacts/report-html/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache="$root/.cache/vscode"
[ -f "$cache/env.sh" ] || "$root/tests/vscode/setup.sh"
# shellcheck disable=SC1091
source "$cache/env.sh"
cargo build -q --manifest-path "$root/Cargo.toml" -p vouch
vouch="$root/target/debug/vouch"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo="$work/repo"
git init -q -b main "$repo"
cd "$repo"
git config user.name Alice && git config user.email alice@example.com && git config commit.gpgsign false
"$vouch" init >/dev/null
printf '[review]\nsigned = false\n' > vouch.toml
printf 'pub fn one() -> u32 {\n    1\n}\n' > lib.rs
git add -A && git commit -q -m base
git checkout -q -b feature
printf 'pub fn one() -> u32 {\n    1\n}\npub fn total(xs: &[u32]) -> u32 {\n    xs.iter().sum()\n}\n// <script>alert(1)</script> by hand\n' > lib.rs
printf 'def twice(x):\n    return x * 2\n\n\ndef half(x):\n    return x / 2\n' > util.py
"$vouch" mark lib.rs:4-6 --tool claude --model claude-opus-4 >/dev/null
"$vouch" review lib.rs:4-6 --as 'Grace <grace@example.com>' >/dev/null
"$vouch" mark util.py:1-2 --tool copilot --model gpt-5 >/dev/null
"$vouch" mark util.py:5-6 --tool cursor >/dev/null
git add -A && git commit -q --no-verify -m feature
"$vouch" report main..feature --format html > "$work/report.html"
"$vouch" report main..feature --format json > "$work/report.json"
mkdir -p "$root/test-artifacts/report-html"
node "$here/check.js" "$work/report.html" "$work/report.json" "$root/test-artifacts/report-html/report.png"
echo "report-html: ok (screenshot in test-artifacts/report-html/report.png)"
