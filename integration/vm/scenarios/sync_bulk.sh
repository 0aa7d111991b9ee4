# Connection sync of idle connections. The director (this namespace, kad)
# and a backup director (namespace b: the kernel's own backup sync daemon
# set up with ipvsadm, the oracle) share a LAN with a client and a DR real
# server that echoes. Idle connections never reach the backup through the
# kernel's sync (2 packets, below sync_threshold; the test measures which
# ones the kernel did sync); `kactl sync-bulk` replays them; after the VIP moves to the backup, a replayed connection
# still echoes and one opened after the replay is reset. Then a second
# backup starting late gets the table from the periodic replay
# (--sync-bulk-interval 20: the first one comes after the checks above).
. /lib-kad/lan.sh
lan c:100 r1:11 b:2
dr_real_servers 10.0.0.50 r1
$IP addr add 10.0.0.50/32 dev br0
# r1: every connection runs cat, so it stays open and echoes.
$IP netns exec r1 $BB nc -ll -p 80 -e /bin/cat &
# The backup: same service, the kernel's backup daemon on eth0, syncid 5.
backup_director b 5 "-p 300"
cat > /tmp/k.conf <<EOT
global_defs {
    lvs_sync_daemon br0 id 5
}
virtual_server 10.0.0.50 80 {
    protocol TCP
    lb_algo rr
    lb_kind DR
    persistence_timeout 300
    real_server 10.0.0.11 80 {
        weight 1
    }
}
EOT
kad -n -f /tmp/k.conf --socket /tmp/kad.sock --sync-bulk-interval 20 >/tmp/kad.log 2>&1 &
i=0; while [ $i -lt 300 ] && ! [ -S /tmp/kad.sock ]; do sleep 0.1; i=$((i+1)); done
# One connection per FIFO, each held open by a writer on fd N; its client's
# pid in pid-NAME.
open_conn() {
    mkfifo /tmp/in-$1
    $IP netns exec c $BB nc 10.0.0.50 80 </tmp/in-$1 >/tmp/out-$1 &
    echo $! >/tmp/pid-$1
    eval "exec $2>/tmp/in-$1"
}
# The client port of connection NAME, in hex as /proc/net/ip_vs_conn prints it.
client_port() {
    for f in /proc/$(cat /tmp/pid-$1)/fd/*; do readlink $f; done |
        sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | while read -r ino; do
        $IP netns exec c cat /proc/net/tcp | awk -v i="$ino" '$10 == i { split($2, a, ":"); print a[2] }'
    done
}
# Until N connections are ESTABLISHED on this director (up to 60 s: on a
# loaded emulated machine a handshake may need retransmissions), then 2 s
# more for late retransmitted handshake packets.
established() {
    i=0
    while [ $i -lt 600 ] && [ "$(grep -c ESTABLISHED /proc/net/ip_vs_conn)" -lt $1 ]; do
        sleep 0.1; i=$((i+1))
    done
    sleep 2
}
# Three candidates for the connection that must survive the failover (fd 3,
# 5, 6), and 18 more.
open_conn cand1 3
open_conn cand2 5
open_conn cand3 6
n=0
while [ $n -lt 18 ]; do
    sleep 1000 | $IP netns exec c $BB nc 10.0.0.50 80 >/dev/null &
    n=$((n+1))
done
established 21
echo "=== master"
grep -c ESTABLISHED /proc/net/ip_vs_conn
# What the kernel's own sync already told the backup: a connection whose
# handshake took a third packet (a retransmitted SYN or ACK on a loaded
# machine) reaches sync_threshold and is synced; an idle one never is.
# The periodic replay must not have run yet (the checks here take seconds,
# the period is 20 s).
echo "=== replays-before"
grep -c "sync bulk: " /tmp/kad.log
echo "=== backup-before"
$IP netns exec b cat /proc/net/ip_vs_conn
# The failover check uses a candidate the backup does not know yet: only the
# replay can tell it.
replayed=
for c in cand1 cand2 cand3; do
    port=$(client_port $c)
    if [ -n "$port" ] && ! $IP netns exec b cat /proc/net/ip_vs_conn | awk '{print $3}' | grep -qx "$port"; then
        replayed=$c
        break
    fi
done
echo "=== replayed-port"
[ -n "$replayed" ] && client_port $replayed
echo "=== replay"
kactl --socket /tmp/kad.sock sync-bulk --json
sleep 1
echo "=== backup-after"
$IP netns exec b cat /proc/net/ip_vs_conn_sync
echo "=== master-conns"
cat /proc/net/ip_vs_conn
# A connection the backup never hears of: two candidates (fd 4, 7), the
# check uses one the kernel's own sync did not tell the backup either.
open_conn late1 4
open_conn late2 7
established 23
late=
for c in late1 late2; do
    port=$(client_port $c)
    if [ -n "$port" ] && ! $IP netns exec b cat /proc/net/ip_vs_conn | awk '{print $3}' | grep -qx "$port"; then
        late=$c
        break
    fi
done
echo "=== replays-before-failover"
grep -c "sync bulk: " /tmp/kad.log
echo "=== late-port"
[ -n "$late" ] && client_port $late
echo "=== backup-before-failover"
$IP netns exec b cat /proc/net/ip_vs_conn
# Fail over: the VIP moves to the backup.
$IP addr del 10.0.0.50/32 dev br0
$IP netns exec b $IP addr add 10.0.0.50/32 dev eth0
$IP netns exec c $IP neigh flush all
case $replayed in
cand1) echo hello-replayed >&3 ;;
cand2) echo hello-replayed >&5 ;;
cand3) echo hello-replayed >&6 ;;
esac
case $late in
late1) echo hello-late >&4 ;;
late2) echo hello-late >&7 ;;
esac
sleep 3
echo "=== echo-replayed"
[ -n "$replayed" ] && cat /tmp/out-$replayed
echo "=== echo-late"
[ -n "$late" ] && cat /tmp/out-$late
# A backup that starts late: only the periodic replay can tell it.
lan_join b2 3
backup_director b2 5 "-p 300"
want=$(grep -c ESTABLISHED /proc/net/ip_vs_conn)
i=0
while [ $i -lt 300 ]; do
    got=$($IP netns exec b2 grep -c ESTABLISHED /proc/net/ip_vs_conn)
    [ "$got" = "$want" ] && break
    sleep 0.1; i=$((i+1))
done
echo "=== late-backup"
echo "master $want"
echo "backup $got"
echo "=== status"
kactl --socket /tmp/kad.sock status --json
echo "=== status-text"
kactl --socket /tmp/kad.sock status | grep "sync replays"
echo "=== backup-stats"
$IP netns exec b ipvsadm -Ln --stats
echo "=== log"
grep -i "sync" /tmp/kad.log
echo "=== end"
