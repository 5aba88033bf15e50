#!/usr/bin/env bash
# The Pythons of today for the Python side, on a machine that has none: a free-threaded CPython
# and a GIL build of the same source with the same flags (the pair isolates free-threading;
# the GIL build is also the interpreter with subinterpreters, `InterpreterPoolExecutor`).
#
#   scripts/python-interpreters.sh               # 3.13t, 3.13 and 3.14 (the default)
#   scripts/python-interpreters.sh 3.14t 3.14    # any of: 3.13t 3.13 3.14t 3.14
#
# Each NAME ends up as target/python/NAME/bin/python3, which scripts/python-bench.sh takes:
#   scripts/python-bench.sh --python target/python/3.13t/bin/python3
# An interpreter already on the PATH (python3.13t, python3.14, ...) of the right build is
# linked there instead. Otherwise:
# - 3.13t and 3.13 are built from the CPython tarball that Debian's source package carries
#   (trixie's python3.13, checksum pinned below), out of tree, with `./configure
#   [--disable-gil]` and the same flags for both (no PGO, no LTO: the pair differs in
#   free-threading only). The build needs gcc, make and the -dev packages below; missing ones
#   are installed from Debian's packages.
# - 3.14t would be built the same way from forky's python3.14 source; the archive this machine
#   reaches serves python3.14's binary packages but not its source (404), so it is tried and,
#   failing, says so.
# - 3.14 (GIL build, the interpreter with `InterpreterPoolExecutor`) is Debian forky's
#   python3.14 package. It needs a newer C library than bookworm's, so it lives in a Debian
#   root of its own made by debootstrap (target/python/debian-forky); target/python/3.14/enter
#   runs a command there in a private mount namespace (the repository, /proc, /dev, /sys and
#   the host's certificates bound in, gone when the command ends: nothing under target/ stays
#   a mount point), and bin/python3 is `enter /usr/bin/python3.14`. Needs root (unshare,
#   mount, chroot).
# Opt-in: CI does not run it. Each step's time is printed. CB_PYTHON_SOURCE=FILE builds from
# a tarball already here.
set -euo pipefail
cd "$(dirname "$0")/.."

# The source per minor version: Debian's orig tarball (upstream's), its address and sha256.
declare -A url=(
  [3.14]="http://deb.debian.org/debian/pool/main/p/python3.14/python3.14_3.14.8.orig.tar.xz"
  [3.13]="http://deb.debian.org/debian/pool/main/p/python3.13/python3.13_3.13.5.orig.tar.xz"
)
declare -A sha256=(
  [3.14]="c2215904f02b175596dc49351585104f4bc20341e1c47378b26a2c274360ce73"
  [3.13]="93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640"
)
# forky: the Debian release that carries python3.14 (its packages need a newer libc).
debian_suite=forky
build_deps=(gcc make pkg-config libssl-dev libffi-dev zlib1g-dev libbz2-dev liblzma-dev
  libsqlite3-dev uuid-dev)

names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(3.13t 3.13 3.14)
root="$PWD/target/python"
exec 3>&2 # step times go here, whatever a step's own output is redirected to
mkdir -p "$root"

timed() { # timed "what" command...: runs it, prints how long it took
  local what="$1" started=$SECONDS status=0
  shift
  "$@" || status=$?
  local failed=""
  [[ $status -eq 0 ]] || failed=" (failed, exit $status)"
  printf '    %s: %d s%s\n' "$what" $((SECONDS - started)) "$failed" >&3
  return "$status"
}

# The build a Python reports: "free-threaded" (Py_GIL_DISABLED) or "gil".
build_of() {
  "$1" -c 'import sysconfig; print("free-threaded" if sysconfig.get_config_var("Py_GIL_DISABLED") else "gil")' 2>/dev/null
}

install_debian() { # install_debian package...: installs the ones that are missing
  local missing=()
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  echo "==> Debian packages needed: ${missing[*]}"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  timed "apt-get install" "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
}

# The unpacked source of a minor version, fetched and checked once.
source_dir() {
  local minor="$1" tarball dir="$root/src/$minor"
  if [[ -f "$dir/configure" ]]; then
    echo "$dir"
    return
  fi
  tarball="${CB_PYTHON_SOURCE:-$root/src/$(basename "${url[$minor]}")}"
  if [[ ! -f "$tarball" ]]; then
    echo "==> download ${url[$minor]}" >&2
    mkdir -p "$root/src"
    if ! timed "download" curl -fsSL --retry 3 -o "$tarball.part" "${url[$minor]}" >&2; then
      rm -f "$tarball.part"
      echo "error: ${url[$minor]}: download failed (the archive may not serve this source, or Debian moved on from this version: set CB_PYTHON_SOURCE to a CPython $minor source tarball)" >&2
      exit 1
    fi
    mv "$tarball.part" "$tarball"
  fi
  if [[ -z "${CB_PYTHON_SOURCE:-}" ]]; then
    local got
    got="$(sha256sum "$tarball" | cut -d' ' -f1)"
    if [[ "$got" != "${sha256[$minor]}" ]]; then
      echo "error: $tarball: sha256 $got, expected ${sha256[$minor]} (a changed or broken download; delete it to fetch again)" >&2
      exit 1
    fi
  fi
  rm -rf "$dir.part"
  mkdir -p "$dir.part"
  timed "unpack" tar -xJf "$tarball" -C "$dir.part" --strip-components=1 >&2
  mv "$dir.part" "$dir"
  echo "$dir"
}

provide() {
  local name="$1" minor="${1%t}" want=gil
  [[ "$name" == *t ]] && want=free-threaded
  if [[ -z "${url[$minor]:-}" ]]; then
    echo "error: $name: not one of 3.14t 3.14 3.13t 3.13" >&2
    exit 2
  fi
  local prefix="$root/$name" python="$root/$name/bin/python3"
  echo "==> $name ($want build of CPython $minor)"
  local found
  found="$(command -v "python$name" || true)"
  if [[ -n "$found" && "$(build_of "$found")" == "$want" ]]; then
    echo "    on the PATH: $found ($("$found" -VV | head -1)), linked, not built"
    mkdir -p "$prefix/bin"
    ln -sfn "$found" "$python"
    return
  fi
  if [[ "$name" == 3.14 ]]; then
    provide_debian "$name" "$prefix"
    return
  fi
  if [[ -x "$python" && "$(build_of "$python")" == "$want" ]]; then
    echo "    already provided: $python ($("$python" -VV | head -1))"
    return
  fi
  install_debian "${build_deps[@]}"
  local src build="$root/build/$name" started=$SECONDS
  src="$(source_dir "$minor")"
  local flags=(--prefix="$prefix" --with-ensurepip=no)
  [[ "$want" == free-threaded ]] && flags+=(--disable-gil)
  rm -rf "$build" "$prefix"
  mkdir -p "$build"
  (
    cd "$build"
    timed "configure ${flags[*]}" "$src/configure" -q "${flags[@]}" >configure.log 2>&1
    timed "make -j$(nproc)" make -j"$(nproc)" >make.log 2>&1
    timed "make install" make install >install.log 2>&1
  ) || {
    echo "error: $name: the build failed; its logs are in $build (configure.log, make.log, install.log)" >&2
    exit 1
  }
  "$python" -c 'import ssl, zlib, bz2, lzma, ctypes, venv' || {
    echo "error: $python: built without a module pip or pandas needs (see $build/make.log)" >&2
    exit 1
  }
  printf '    %s: %s, build %s, %d s in all\n' "$python" "$("$python" -VV | head -1)" \
    "$(build_of "$python")" $((SECONDS - started))
}

# Debian's python3.14 in a root of its own, and the enter/python3 wrappers.
provide_debian() {
  local name="$1" prefix="$2" fs="$root/debian-$debian_suite" started=$SECONDS
  if [[ ! -x "$fs/usr/bin/python3.14" ]]; then
    install_debian debootstrap
    rm -rf "$fs.part"
    # bookworm's debootstrap has no forky script; sid's is the one every testing suite uses.
    timed "debootstrap $debian_suite (minbase with python3.14, python3.14-venv)" \
      debootstrap --variant=minbase --include=python3.14,python3.14-venv,ca-certificates \
      "$debian_suite" "$fs.part" http://deb.debian.org/debian \
      /usr/share/debootstrap/scripts/sid >"$root/debootstrap.log" 2>&1 || {
      echo "error: debootstrap of $debian_suite failed; its log is $root/debootstrap.log" >&2
      exit 1
    }
    mv "$fs.part" "$fs"
  fi
  mkdir -p "$prefix/bin"
  cat >"$prefix/enter" <<ENTER
#!/bin/sh
# Runs a command in $fs (Debian $debian_suite) with the working directory kept: a private mount
# namespace binds the repository, /proc, /dev, /sys and this machine's certificates (its
# package index may sit behind a proxy of its own) in, and ends with the command.
# Written by scripts/python-interpreters.sh.
[ "\$#" -gt 0 ] || { echo "usage: \$0 COMMAND [ARG...]" >&2; exit 2; }
exec unshare --mount --propagation private /bin/sh -c '
  fs="\$1" repo="\$2" cwd="\$3"; shift 3
  mount -t proc proc "\$fs/proc" && mount --rbind /sys "\$fs/sys" && mount --rbind /dev "\$fs/dev" \\
    && mkdir -p "\$fs\$repo" && mount --bind "\$repo" "\$fs\$repo" \\
    && mount --bind /etc/ssl/certs "\$fs/etc/ssl/certs" \\
    && cp /etc/resolv.conf "\$fs/etc/resolv.conf" || exit 125
  exec chroot "\$fs" /bin/sh -c "cd \\"\\\$0\\" && exec \\"\\\$@\\"" "\$cwd" "\$@"
' sh "$fs" "$PWD" "\$PWD" "\$@"
ENTER
  cat >"$prefix/bin/python3" <<PYTHON
#!/bin/sh
# Debian $debian_suite's CPython 3.14, run in its root (see ../enter).
exec "$prefix/enter" /usr/bin/python3.14 "\$@"
PYTHON
  chmod +x "$prefix/enter" "$prefix/bin/python3"
  "$prefix/bin/python3" -c 'import ssl, venv, concurrent.futures as f; f.InterpreterPoolExecutor' || {
    echo "error: $prefix/bin/python3 does not run, or lacks ssl, venv or InterpreterPoolExecutor" >&2
    exit 1
  }
  printf '    %s: %s, build %s, %d s in all\n' "$prefix/bin/python3" \
    "$("$prefix/bin/python3" -VV | head -1)" "$(build_of "$prefix/bin/python3")" $((SECONDS - started))
}

for name in "${names[@]}"; do
  provide "$name"
done
echo "interpreters under $root: ${names[*]} (scripts/python-bench.sh --python $root/NAME/bin/python3)"
