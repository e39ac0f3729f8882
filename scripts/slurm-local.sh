#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for testing `xpusim sweep slurm`.
#
#   scripts/slurm-local.sh start        install slurm-wlm and munge if missing (apt-get),
#                                       then start munged, slurmctld and slurmd
#   scripts/slurm-local.sh run CMD...   run CMD (e.g. sbatch, squeue) against the cluster
#   scripts/slurm-local.sh status       say whether it runs
#   scripts/slurm-local.sh stop         stop every process `start` started
#
# Loopback only: the daemons run in a network namespace of their own whose only interface
# is the loopback, so nothing outside this machine (or outside the namespace) can reach
# them; `run` enters that namespace. Munge uses its own key and socket and Slurm its own
# config, ports and spool folders, all under $XPUSIM_SLURM_DIR (default /tmp/xpusim-slurm);
# nothing under /etc is changed, and a system Slurm or munge, if any, is left alone.
# Needs root (munged and slurmd run as root here; jobs run as root).
set -euo pipefail

STATE=${XPUSIM_SLURM_DIR:-/tmp/xpusim-slurm}
NODE=xpusim-node
CONF=$STATE/slurm.conf

die() { echo "slurm-local: $*" >&2; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

in_ns() {
    alive "$STATE/netns.pid" || die "not running (start it with: $0 start)"
    SLURM_CONF=$CONF nsenter --net="/proc/$(cat "$STATE/netns.pid")/ns/net" -- "$@"
}

install_if_missing() {
    local need=()
    command -v slurmctld >/dev/null || need+=(slurmctld)
    command -v slurmd >/dev/null || need+=(slurmd)
    command -v sbatch >/dev/null || need+=(slurm-client)
    command -v munged >/dev/null || need+=(munge)
    command -v nsenter >/dev/null || need+=(util-linux)
    command -v ip >/dev/null || need+=(iproute2)
    if [ ${#need[@]} -gt 0 ]; then
        echo "slurm-local: installing ${need[*]} with apt-get" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
    fi
}

write_config() {
    local cpus mem
    cpus=$(nproc)
    mem=$(awk '/MemTotal/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)
    cat >"$CONF" <<EOF
# Written by scripts/slurm-local.sh: one node, loopback only, no accounting, no cgroups.
ClusterName=xpusim
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$STATE/munge.socket
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=$NODE NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
    [ "$(id -u)" = 0 ] || die "needs root (munged and slurmd run as root)"
    if alive "$STATE/netns.pid" && alive "$STATE/slurmctld.pid" && alive "$STATE/slurmd.pid"; then
        echo "slurm-local: already running (SLURM_CONF=$CONF)"
        return 0
    fi
    stop quiet
    install_if_missing
    mkdir -p "$STATE/ctld" "$STATE/d"
    chmod 755 "$STATE"
    # A network namespace with only the loopback, held open by a sleeping process. The
    # second loopback address is there because glibc's getaddrinfo(AI_ADDRCONFIG), which
    # Slurm uses to open its listening sockets, ignores 127.0.0.1 when it looks for a
    # configured IPv4 address.
    unshare --net sh -c 'ip link set lo up && ip addr add 127.0.0.2/8 dev lo && exec sleep infinity' \
        </dev/null >/dev/null 2>&1 &
    echo $! >"$STATE/netns.pid"
    sleep 0.2
    alive "$STATE/netns.pid" || die "cannot create a network namespace (unshare --net)"
    # Munge with a key of its own.
    if [ ! -s "$STATE/munge.key" ]; then
        dd if=/dev/urandom of="$STATE/munge.key" bs=1024 count=1 status=none
    fi
    chmod 400 "$STATE/munge.key"
    in_ns munged --force --key-file="$STATE/munge.key" --socket="$STATE/munge.socket" \
        --pid-file="$STATE/munged.pid" --log-file="$STATE/munged.log" --seed-file="$STATE/munge.seed"
    write_config
    in_ns slurmctld -f "$CONF"
    in_ns slurmd -f "$CONF" -N "$NODE"
    # Wait until the node takes jobs.
    for _ in $(seq 1 60); do
        state=$(in_ns sinfo -h -N -o '%t' 2>/dev/null | head -n1 || true)
        case "$state" in
            idle* | mix* | alloc*)
                echo "slurm-local: running (node $NODE: $state; SLURM_CONF=$CONF)"
                return 0
                ;;
        esac
        sleep 1
    done
    echo "slurm-local: the node did not come up; logs:" >&2
    tail -n 20 "$STATE"/*.log >&2 || true
    stop quiet
    exit 1
}

stop() {
    local any=0
    for d in slurmd slurmctld munged netns; do
        if alive "$STATE/$d.pid"; then
            kill "$(cat "$STATE/$d.pid")" 2>/dev/null || true
            any=1
        fi
    done
    # Give the daemons a moment, then make sure.
    for _ in $(seq 1 20); do
        local left=0
        for d in slurmd slurmctld munged netns; do
            alive "$STATE/$d.pid" && left=1
        done
        [ $left = 0 ] && break
        sleep 0.25
    done
    for d in slurmd slurmctld munged netns; do
        if alive "$STATE/$d.pid"; then
            kill -9 "$(cat "$STATE/$d.pid")" 2>/dev/null || true
        fi
        rm -f "$STATE/$d.pid"
    done
    [ "${1:-}" = quiet ] || { [ $any = 1 ] && echo "slurm-local: stopped" || echo "slurm-local: was not running"; }
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status)
        if alive "$STATE/netns.pid" && alive "$STATE/slurmctld.pid" && alive "$STATE/slurmd.pid"; then
            echo "running (SLURM_CONF=$CONF)"
        else
            echo "not running"
            exit 1
        fi
        ;;
    run)
        shift
        [ $# -gt 0 ] || die "usage: $0 run CMD [ARGS...]"
        in_ns "$@"
        ;;
    *) die "usage: $0 start|stop|status|run CMD..." ;;
esac
