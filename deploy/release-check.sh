#!/usr/bin/env bash
# Proves the release downloads (slow: it builds both, see deploy/release.sh;
# .ci/run runs it only with SSHFOLIO_RELEASE_CHECK=1):
# - both binaries are fully static (`file`: no interpreter);
# - the checksums match;
# - x86_64: the binary from its tarball serves the portfolio to `ssh -T`;
# - aarch64, under qemu user-mode emulation (Debian's qemu-user-static,
#   installed if missing): `--version`, `check --content content`, and one
#   `ssh -T` if the emulated server starts within a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

if [ "${SSHFOLIO_RELEASE_SKIP_BUILD:-}" != 1 ]; then
  deploy/release.sh
fi
need=()
command -v file >/dev/null 2>&1 || need+=(file)
command -v qemu-aarch64-static >/dev/null 2>&1 || need+=(qemu-user-static)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

echo "== checksums"
(cd dist && sha256sum -c SHA256SUMS)

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Unpacks a target's tarball; prints the directory.
unpack() {
  local name="sshfolio-$version-$1"
  tar -xzf "dist/$name.tar.gz" -C "$work"
  for f in sshfolio README.md LICENSE sshfolio.service content/profile.toml; do
    [ -e "$work/$name/$f" ] || { echo "FAIL: $name.tar.gz lacks $f" >&2; exit 1; }
  done
  echo "$work/$name"
}

# Starts `RUNNER sshfolio serve` from DIR on a free loopback port, waits up
# to LIMIT seconds for it to listen, and prints what `ssh -T` gets.
serve_and_visit() {
  local dir=$1 limit=$2
  shift 2
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  (cd "$dir" && exec "$@" ./sshfolio serve --listen "127.0.0.1:$port" --keys keys --data data) \
    >"$dir/serve.log" 2>&1 &
  pids+=($!)
  local waited=0
  until grep -q "listening on" "$dir/serve.log"; do
    sleep 1
    waited=$((waited + 1))
    if [ "$waited" -ge "$limit" ]; then
      echo "SKIP: not listening within ${limit} s" >&2
      return 2
    fi
  done
  ssh -F /dev/null -T -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=60 visitor@127.0.0.1
}

for target in x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
  echo "== $target"
  dir=$(unpack "$target")
  described=$(file -L "$dir/sshfolio")
  echo "$described"
  case "$described" in
    *"statically linked"* | *"static-pie linked"*) ;;
    *) echo "FAIL: not static" >&2; exit 1 ;;
  esac
  case "$described" in
    *interpreter*) echo "FAIL: has an interpreter" >&2; exit 1 ;;
  esac
  echo "size: $(stat -c %s "$dir/sshfolio") bytes"
done

echo "== x86_64: serves ssh -T"
dir="$work/sshfolio-$version-x86_64-unknown-linux-musl"
"$dir/sshfolio" --version
t0=$(date +%s)
out=$(serve_and_visit "$dir" 30)
grep -q "Akshay Kale" <<<"$out" || { echo "FAIL: résumé not served" >&2; echo "$out" >&2; exit 1; }
echo "ok: résumé served ($(wc -l <<<"$out") lines) in $(( $(date +%s) - t0 )) s"

echo "== aarch64 under qemu-aarch64-static"
dir="$work/sshfolio-$version-aarch64-unknown-linux-musl"
said=$(qemu-aarch64-static "$dir/sshfolio" --version)
echo "$said"
grep -q "^sshfolio $version (commit " <<<"$said" || { echo "FAIL: --version" >&2; exit 1; }
qemu-aarch64-static "$dir/sshfolio" check --content "$dir/content"
t0=$(date +%s)
if out=$(serve_and_visit "$dir" 60 qemu-aarch64-static); then
  grep -q "Akshay Kale" <<<"$out" || { echo "FAIL: résumé not served under qemu" >&2; exit 1; }
  echo "ok: résumé served under emulation in $(( $(date +%s) - t0 )) s"
else
  echo "note: the emulated server did not serve within a minute; --version and check passed"
fi
echo "== release check passed in $(( $(date +%s) - started )) s"
