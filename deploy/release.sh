#!/usr/bin/env bash
# Builds the release downloads from this checkout: fully static binaries
# for x86_64 and aarch64 Linux (musl), each in a tarball with the README,
# the LICENSE, the systemd unit and the shipped content, and their
# checksums:
#
#   dist/sshfolio-VERSION-x86_64-unknown-linux-musl.tar.gz
#   dist/sshfolio-VERSION-aarch64-unknown-linux-musl.tar.gz
#   dist/SHA256SUMS
#
# Cross-compiling uses cargo-zigbuild with the zig that PyPI's `ziglang`
# ships (both installed here if missing, idempotently), so one x86_64
# Linux machine builds both. The public repository's release workflow
# runs this same script. Usage: deploy/release.sh [TARGET…]
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && ! git diff --quiet HEAD -- 2>/dev/null; then
  commit="$commit-dirty"
fi

echo "== tools"
rustup target add "${targets[@]}" >/dev/null
if ! python3 -c "import ziglang" 2>/dev/null; then
  echo "installing ziglang (PyPI)"
  python3 -m pip install --quiet --disable-pip-version-check ziglang
fi
if ! command -v cargo-zigbuild >/dev/null 2>&1; then
  echo "installing cargo-zigbuild (PyPI)"
  python3 -m pip install --quiet --disable-pip-version-check cargo-zigbuild
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
  hash -r
fi
echo "zig $(python3 -m ziglang version), $(cargo-zigbuild --version)"

export SSHFOLIO_COMMIT="$commit"
mkdir -p dist
rm -f dist/SHA256SUMS
for target in "${targets[@]}"; do
  echo "== $target"
  t0=$(date +%s)
  cargo zigbuild --locked --profile dist --target "$target" --bin sshfolio
  bin="target/$target/dist/sshfolio"
  name="sshfolio-$version-$target"
  stage="dist/$name"
  rm -rf "$stage"
  mkdir -p "$stage"
  install -m 755 "$bin" "$stage/sshfolio"
  install -m 644 README.md LICENSE deploy/sshfolio.service "$stage/"
  cp -r content "$stage/content"
  # The same inputs give the same tarball: fixed order, owner and time.
  mtime=$(git log -1 --format=%ct 2>/dev/null || echo 0)
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" \
    -C dist -cf - "$name" | gzip -n -9 >"dist/$name.tar.gz"
  rm -rf "$stage"
  echo "$name: $(stat -c %s "$bin") bytes, built in $(( $(date +%s) - t0 )) s"
done
(cd dist && sha256sum ./*.tar.gz | sed 's# \./# #' >SHA256SUMS)
cat dist/SHA256SUMS
echo "== done in $(( $(date +%s) - started )) s (sshfolio $version, commit $commit)"
