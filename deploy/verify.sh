#!/usr/bin/env bash
# Checks deploy/sshfolio.service: `systemd-analyze verify` must print nothing
# (any warning or error fails), and `systemd-analyze security --offline` must
# rate its exposure at most $SSHFOLIO_MAX_EXPOSURE (0.0-10.0, default 2.0).
# Skips (exit 0) when systemd-analyze is missing, unless
# SSHFOLIO_REQUIRE_SYSTEMD=1. Exit 1 on any failure. Needs no root.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
unit="$here/sshfolio.service"
max_exposure="${SSHFOLIO_MAX_EXPOSURE:-2.0}"

if ! command -v systemd-analyze >/dev/null 2>&1; then
  if [ "${SSHFOLIO_REQUIRE_SYSTEMD:-0}" = 1 ]; then
    echo "FAIL: systemd-analyze not found (Debian/Ubuntu: apt-get install systemd)" >&2
    exit 1
  fi
  echo "SKIP: systemd-analyze not found; deploy/sshfolio.service not verified (Debian/Ubuntu: apt-get install systemd)"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# verify insists that ExecStart's binary exists: check a copy of the unit
# (same file name, which verify also checks) pointing at a stub.
mkdir -p "$tmp/bin" "$tmp/unit"
printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/sshfolio"
chmod 755 "$tmp/bin/sshfolio"
if ! grep -q '^ExecStart=/usr/local/bin/sshfolio ' "$unit"; then
  echo "FAIL: ExecStart no longer runs /usr/local/bin/sshfolio; update verify.sh" >&2
  exit 1
fi
copy="$tmp/unit/sshfolio.service"
sed "s#/usr/local/bin/sshfolio#$tmp/bin/sshfolio#g" "$unit" >"$copy"
has_option() { systemd-analyze --help 2>&1 | grep -q -- "$1"; }

status=0
echo "== systemd-analyze verify sshfolio.service ($(systemd-analyze --version | head -1))"
opts=(--man=no)
# Judge this unit, not the machine's other units (systemd >= 250).
has_option --recursive-errors && opts+=(--recursive-errors=no)
out="$(systemd-analyze verify "${opts[@]}" "$copy" 2>&1)" || status=1
if [ -n "$out" ] || [ "$status" != 0 ]; then
  printf '%s\n' "$out" | sed "s#$tmp/[a-z]*/##g" >&2
  echo "FAIL: systemd-analyze verify reported the above" >&2
  status=1
else
  echo "ok: no warnings, no errors"
fi

echo "== systemd-analyze security --offline (at most $max_exposure)"
if has_option --offline; then
  # --threshold takes tenths: 2.0 -> 20.
  threshold="$(awk -v x="$max_exposure" 'BEGIN { printf "%d", x * 10 + 0.5 }')"
  rc=0
  sec="$(systemd-analyze security --offline=yes --threshold="$threshold" --no-pager "$copy" 2>&1)" || rc=$?
  line="$(printf '%s\n' "$sec" | grep 'Overall exposure level' | sed "s#$tmp/[a-z]*/##g" || true)"
  if [ -z "$line" ]; then
    printf '%s\n' "$sec" >&2
    status=1
  elif [ "$rc" != 0 ]; then
    printf '%s\n' "$sec" | grep '✗' >&2 || true
    echo "FAIL: $line (allowed: $max_exposure)" >&2
    status=1
  else
    echo "ok: $line"
  fi
else
  echo "skip: this systemd-analyze has no --offline (needs systemd >= 250)"
fi

[ "$status" = 0 ] || { echo "FAIL: deploy/sshfolio.service" >&2; exit 1; }
echo "ok: deploy/sshfolio.service"
