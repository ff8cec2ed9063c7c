#!/usr/bin/env bash
# A real one-node Slurm cluster (munged + slurmctld + slurmd) on this Debian machine, without
# systemd, so integration tests can submit real `sbatch` job arrays. Used by CI (root).
#
#   scripts/slurm-local.sh start    install slurm-wlm + munge if missing, start, smoke-test
#   scripts/slurm-local.sh stop     cancel jobs, stop exactly the daemons `start` started
#   scripts/slurm-local.sh status   exit 0 when up, 1 when not
#   scripts/slurm-local.sh env      print the `export SLURM_CONF=...` line
#
# How clients find the cluster: everything lives in $SLURM_LOCAL_DIR (default /tmp/landcons-slurm):
# slurm.conf, state, spool, pid files and logs (log/slurmctld.log, log/slurmd.log; munged logs to
# /var/log/munge/munged.log). Every Slurm client reads the file named by $SLURM_CONF, so the
# robust way is `eval "$(scripts/slurm-local.sh start)"` (start prints the export line on stdout,
# everything else goes to stderr). Jobs inherit it too (sbatch exports the caller's environment).
# As a fallback for callers that forget the variable, start also symlinks /etc/slurm/slurm.conf
# to our file, but only when that path is free (a real cluster's config is never touched); stop
# removes the link again.
#
# Without accounting `sacct` does not work. MinJobAge=3600 keeps finished jobs visible to
# `scontrol show job <id>` (JobState=COMPLETED/FAILED, ExitCode=N:0) for an hour, and
# jobcomp/filetxt appends one line per finished job (or array task) to log/jobcomp.log for good.
# Slurm 22.05: if an array task fails, an `afterok:<array>` job stays PENDING with reason
# DependencyNeverSatisfied until scancel'ed (CANCELLED at once with --kill-on-invalid-dep=yes);
# a dependency on a job slurmctld has already forgotten (older than MinJobAge) counts as met.
set -euo pipefail

DIR=${SLURM_LOCAL_DIR:-/tmp/landcons-slurm}
CONF=$DIR/slurm.conf
ETC_CONF=/etc/slurm/slurm.conf
TIMEOUT=${SLURM_LOCAL_TIMEOUT:-60}
export SLURM_CONF=$CONF

log() { echo "slurm-local: $*" >&2; }
die() {
  log "ERROR: $*"
  for f in "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" /var/log/munge/munged.log; do
    [ -r "$f" ] && { echo "----- tail $f" >&2; tail -n 25 "$f" >&2; }
  done
  # A failed start takes down what it had brought up (the logs stay for inspection).
  [ -z "${STARTING:-}" ] || { STARTING=; stop_all quiet; }
  exit 1
}

# Is the process recorded in $DIR/run/NAME.pid alive and really NAME (pids get reused)?
alive() {
  local pid stat comm
  pid=$(cat "$DIR/run/$1.pid" 2>/dev/null) || return 1
  read -r stat comm < <(ps -o stat=,comm= -p "$pid" 2>/dev/null) || return 1
  [ "$comm" = "$1" ] && [[ $stat != Z* ]]
}

stop_one() { # NAME: TERM, wait up to 20 s, then KILL
  local pid
  if alive "$1"; then
    pid=$(cat "$DIR/run/$1.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do alive "$1" || break; sleep 0.2; done
    if alive "$1"; then log "$1 ($pid) ignored SIGTERM, killing"; kill -9 "$pid" 2>/dev/null || true; fi
    log "stopped $1 ($pid)"; REAP+=("$pid")
  fi
  rm -f "$DIR/run/$1.pid"
}

munge_ok() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }

is_up() {
  alive slurmctld && alive slurmd && munge_ok && scontrol ping 2>/dev/null | grep -q UP
}

install_missing() {
  local f missing=
  for f in munged munge slurmctld slurmd sbatch srun; do command -v $f >/dev/null || missing=1; done
  [ -n "$missing" ] || return 0
  log "installing slurm-wlm munge (apt)"
  # Without systemd, package scripts would start daemons via /etc/init.d that we do not
  # track; a temporary policy-rc.d (exit 101 = "not allowed") stops that on machines lacking one.
  local policy=/usr/sbin/policy-rc.d ours=
  if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' >$policy; chmod +x $policy; ours=1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null \
    || { [ -z "$ours" ] || rm -f $policy; die "apt-get install failed"; }
  [ -z "$ours" ] || rm -f $policy
}

start_munge() {
  if munge_ok; then log "munged already answering; using it (and leaving it alone on stop)"; return; fi
  # munged refuses keys/dirs that are readable or writable by others, or not owned by munge.
  install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
  install -d -o munge -g munge -m 0755 /run/munge   # clients must reach the socket
  if [ ! -s /etc/munge/munge.key ]; then
    log "generating /etc/munge/munge.key"
    if command -v mungekey >/dev/null; then mungekey --create --keyfile=/etc/munge/munge.key --force
    else dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; fi
  fi
  chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
  rm -f /run/munge/munged.pid
  runuser -u munge -- /usr/sbin/munged || die "munged did not start"
  for _ in $(seq 50); do munge_ok && break; sleep 0.2; done
  munge_ok || die "munged does not answer"
  cp /run/munge/munged.pid "$DIR/run/munged.pid"
}

write_conf() {
  # The node line comes from the hardware slurmd sees. RealMemory is kept at 90 % of what
  # slurmd -C reports: if the config claims more than slurmd finds, the node is DRAINed.
  local hw mem
  hw=$(slurmd -C 2>/dev/null | grep -m1 '^NodeName=') || die "slurmd -C failed"
  mem=$(sed -nE 's/.*RealMemory=([0-9]+).*/\1/p' <<<"$hw")
  hw=$(sed -E 's/^NodeName=[^ ]+ ?//; s/ ?RealMemory=[0-9]+//' <<<"$hw")
  cat >"$CONF" <<EOF
# generated by scripts/slurm-local.sh -- one node, no accounting, no cgroups
ClusterName=landcons
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=3600
# Start the next batch job as soon as one ends (default waits up to 3 s): ~2x faster arrays.
SchedulerParameters=batch_sched_delay=0
MailProg=/bin/true
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
NodeName=localhost $hw${mem:+ RealMemory=$((mem * 9 / 10))} State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  if is_up; then log "already up"; echo "export SLURM_CONF=$CONF"; return; fi
  install_missing
  STARTING=1
  # Anything left from an earlier (killed) run goes: its daemons, then its state.
  stop_all quiet
  rm -rf "$DIR/state" "$DIR/spool" "$DIR/run" "$DIR/log" "$CONF"
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/run" "$DIR/log"
  start_munge
  write_conf
  if [ ! -e $ETC_CONF ] && [ ! -L $ETC_CONF ]; then mkdir -p /etc/slurm; ln -s "$CONF" $ETC_CONF; fi
  slurmctld -c -f "$CONF" || die "slurmctld did not start"
  slurmd -c -N localhost -f "$CONF" || die "slurmd did not start"
  local t=0 state=
  while [ $t -lt "$TIMEOUT" ]; do
    state=$(sinfo -h -N -n localhost -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    # A daemon that dies after forking (e.g. port 6817/6818 taken) is fatal: do not wait it out.
    [ $t -lt 2 ] || { alive slurmctld && alive slurmd; } || die "slurmctld or slurmd exited"
    sleep 1; t=$((t + 1))
  done
  [ "$state" = idle ] || { sinfo -R >&2 || true; die "node not idle after ${TIMEOUT}s (state: ${state:-none})"; }
  timeout "$TIMEOUT" srun -N1 -t 1 true || die "smoke job (srun -N1 true) failed"
  log "up after ${t}s; node idle, smoke job ok; logs in $DIR/log"
  echo "export SLURM_CONF=$CONF"
}

stop_all() {
  if [ "${1:-}" != quiet ] && alive slurmctld; then
    # slurmd leaves running job steps alone when it stops, so cancel jobs first.
    scancel --partition=debug 2>/dev/null || true
    for _ in $(seq 30); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.5; done
  fi
  REAP=()
  stop_one slurmd
  stop_one slurmctld
  stop_one munged
  # Daemons are orphans; a lazy PID 1 (as in this VM) reaps them only every ~2 s, and until
  # then `pgrep` still lists the zombies. Wait (bounded) so "no daemons left" holds on return.
  local pid
  for pid in "${REAP[@]}"; do for _ in $(seq 50); do [ -e "/proc/$pid" ] || break; sleep 0.1; done; done
  [ "$(readlink $ETC_CONF 2>/dev/null)" != "$CONF" ] || rm -f $ETC_CONF
  if [ "${1:-}" != quiet ] && pgrep -x slurmstepd >/dev/null; then log "warning: slurmstepd still running"; fi
  return 0
}

cmd=${1:-}
case $cmd in
  start | stop)
    if [ "$(id -u)" -ne 0 ]; then exec sudo SLURM_LOCAL_DIR="$DIR" SLURM_LOCAL_TIMEOUT="$TIMEOUT" bash "$0" "$@"; fi ;;
esac
case $cmd in
  start) start ;;
  stop) stop_all; log "stopped" ;;
  status) if is_up; then echo "up ($CONF)"; else echo "down"; exit 1; fi ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
