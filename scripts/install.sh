#!/bin/sh
# Puts pullkey on this node: copies the executable into the kubelet's credential provider bin
# dir, writes pullkey's config and the kubelet's CredentialProviderConfig entry, and sets the
# kubelet flags where the flavour needs them. The logic lives in `pullkey install` (TypeScript,
# tested against fixture trees); this script finds the executable, checks it runs on this node,
# and hands over.
#
#   sh install.sh [--executable FILE] --docker-config FILE [options]   Docker Hub from a docker config
#   sh install.sh [--executable FILE] --pullkey-config FILE [options]  any pullkey config
#   sh install.sh --uninstall [--root DIR] [--dry-run] [--restart]     take out pullkey's edits
#
# --executable is the same option as `pullkey install --executable`; --binary is an alias.
#
# Options worth knowing: --dry-run (print the diff of every file, change nothing), --restart
# (restart the kubelet when something changed), --flavour kubeadm|k3s|rke2|eks|systemd,
# --root DIR (act on DIR as if it were /). All options: sh install.sh --help
set -eu

die() {
  printf 'install.sh: %s\n' "$1" >&2
  exit 2
}

here=$(dirname "$0")
binary=""
mode=install
root=/
help=no

# Take this script's own options out of "$@" and keep the rest, in order, for pullkey.
n=$#
while [ "$n" -gt 0 ]; do
  arg=$1
  shift
  n=$((n - 1))
  case $arg in
    --executable | --binary)
      [ "$n" -gt 0 ] || die "$arg needs a FILE"
      binary=$1
      shift
      n=$((n - 1))
      ;;
    --executable=*) binary=${arg#--executable=} ;;
    --binary=*) binary=${arg#--binary=} ;;
    --uninstall) mode=uninstall ;;
    --root)
      [ "$n" -gt 0 ] || die "--root needs a DIR"
      root=$1
      set -- "$@" --root "$1"
      shift
      n=$((n - 1))
      ;;
    --root=*)
      root=${arg#--root=}
      set -- "$@" "$arg"
      ;;
    -h | --help)
      help=yes
      set -- "$@" "$arg"
      ;;
    *) set -- "$@" "$arg" ;;
  esac
done

if [ -z "$binary" ]; then
  for candidate in "$here/../dist/pullkey" "$here/pullkey" "$here/../dist/pullkey.cjs"; do
    if [ -f "$candidate" ]; then
      binary=$candidate
      break
    fi
  done
fi
[ -n "$binary" ] || die "no pullkey executable found next to this script or in dist/; pass --executable FILE"
[ -f "$binary" ] || die "--executable $binary: no such file"
[ -x "$binary" ] || die "--executable $binary is not executable (chmod 0755 it)"
case $binary in
  /*) ;;
  *) binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary") ;;
esac

# The single executable is built for one architecture (amd64 or arm64) and needs glibc: a
# release for the wrong machine fails here, before anything is written.
if ! version=$("$binary" version 2>&1); then
  die "$binary does not run on this node: $version"
fi

if [ "$help" = no ] && [ "$root" = / ] && [ "$(id -u)" != 0 ]; then
  die "run as root (the kubelet's files belong to root), or pass --root DIR"
fi

if [ "$mode" = uninstall ]; then
  exec "$binary" uninstall "$@"
fi
exec "$binary" install --executable "$binary" "$@"
