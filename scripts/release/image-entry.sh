#!/bin/sh
# The installer image's entry point (/opt/pullkey/entry.sh, run by the image's static busybox).
#
#   entry.sh install ARGS...    run `pullkey install ARGS` on the host
#   entry.sh uninstall ARGS...  run `pullkey uninstall ARGS` on the host
#   entry.sh pause              wait until the pod stops (the DaemonSet's main container)
#
# pullkey is a glibc program and this image has no libc, so it cannot run here: it runs on the
# host, in the host's mount namespace (nsenter -t 1 -m; the pod needs hostPID and privileges),
# where the host's loader and libc are. It gets there through the stage, a host folder mounted
# at /stage (the chart's hostPath, $PULLKEY_STAGE on the host): this script copies the
# executable, busybox and the Secret's files (/config) into it and runs pullkey with the stage as
# its working directory, so the chart's relative arguments (--executable=pullkey,
# --pullkey-config=config/config.yaml) name those copies. The copies are removed afterwards:
# pullkey install has put what it needs under /etc/pullkey and the kubelet's bin dir.
set -eu

bb=/bin/busybox
host_stage=${PULLKEY_STAGE:-/var/lib/pullkey-installer}
# The process whose mount namespace is the host's: with hostPID, the host's init.
host_pid=${PULLKEY_HOST_PID:-1}
stage=/stage
run=$stage/run

mode=${1:-}
case $mode in
  install | uninstall) ;;
  pause)
    # PID 1 ignores SIGTERM without a handler: exit at once when the pod is stopped.
    # A signal interrupts `wait` at once (a foreground sleep would delay the trap until it ends).
    sleeper=""
    trap '[ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null || :; exit 0' TERM INT
    while :; do
      $bb sleep 3600 &
      sleeper=$!
      # Should the sleep not start, pause for a second rather than spin.
      wait "$sleeper" || $bb sleep 1
    done
    ;;
  *)
    echo "entry.sh: the first argument is install, uninstall or pause, not '$mode'" >&2
    exit 2
    ;;
esac

[ -d "$stage" ] || {
  echo "entry.sh: $stage is not mounted (the host folder $host_stage, a hostPath volume)" >&2
  exit 2
}

umask 077
$bb rm -rf "$run"
$bb mkdir -p "$run/config"
trap '$bb rm -rf "$run"' EXIT
$bb cp /opt/pullkey/pullkey "$run/pullkey"
$bb chmod 0700 "$run/pullkey"
if [ -d /config ]; then
  # A Secret volume holds each key as a symlink into a ..data folder: copy the files they name.
  for file in /config/*; do
    if [ -f "$file" ]; then $bb cp -L "$file" "$run/config/"; fi
  done
fi

$bb cp $bb "$run/busybox"

# In the host's mount namespace the working directory must be a host path, so the static
# busybox copied beside pullkey changes to it there (nsenter -w would keep the container's
# mount, whose path the host cannot name, and relative arguments would not resolve).
status=0
# shellcheck disable=SC2016 # $0 and $@ belong to the inner shell
$bb nsenter -t "$host_pid" -m -- "$host_stage/run/busybox" sh -c 'cd "$0" && exec "$0/pullkey" "$@"' \
  "$host_stage/run" "$@" || status=$?
exit "$status"
