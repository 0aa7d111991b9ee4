# A director that starts late asks the others for their connection tables
# (kad's table request) and gets them at once. Director a (this namespace)
# and director b (namespace b) run kad with the same configuration and
# lvs_sync_daemon without `inst`: both of the kernel's sync daemons run on
# each, the active-active way. a holds idle connections (the kernel never
# syncs them, and b had no daemon when they opened); b starts and asks; a
# replays at once — long before its periodic replay (60 s by default).
. /lib-kad/lan.sh
lan c:100 r1:11 b:2
dr_real_servers 10.0.0.50 r1
$IP addr add 10.0.0.50/32 dev br0
$IP netns exec r1 $BB nc -ll -p 80 -e /bin/cat &
conf() {
    cat <<EOT
global_defs {
    lvs_sync_daemon $1 id 5
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
}
conf br0 >/tmp/a.conf
conf eth0 >/tmp/b.conf
kad -n -f /tmp/a.conf --socket /tmp/a.sock -p /tmp/a.pid >/tmp/a.log 2>&1 &
i=0; while [ $i -lt 300 ] && ! [ -S /tmp/a.sock ]; do sleep 0.1; i=$((i+1)); done
n=0
while [ $n -lt 10 ]; do
    sleep 1000 | $IP netns exec c $BB nc 10.0.0.50 80 >/dev/null &
    n=$((n+1))
done
# Until the 10 are ESTABLISHED here (a loaded emulated machine may need
# retransmissions).
i=0
while [ $i -lt 600 ] && [ "$(grep -c ESTABLISHED /proc/net/ip_vs_conn)" -lt 10 ]; do
    sleep 0.1; i=$((i+1))
done
echo "=== a"
grep -c ESTABLISHED /proc/net/ip_vs_conn
echo "=== b-before"
$IP netns exec b grep -c ESTABLISHED /proc/net/ip_vs_conn
$IP netns exec b kad -n -f /tmp/b.conf --socket /tmp/b.sock -p /tmp/b.pid >/tmp/b.log 2>&1 &
# Up to 20 s (a's periodic replay is 60 s after its start).
i=0
while [ $i -lt 200 ]; do
    got=$($IP netns exec b grep -c ESTABLISHED /proc/net/ip_vs_conn)
    [ "$got" -ge 10 ] && break
    sleep 0.1; i=$((i+1))
done
echo "=== b-after"
echo "$got"
echo "=== b-rows"
$IP netns exec b cat /proc/net/ip_vs_conn_sync
echo "=== a-status"
kactl --socket /tmp/a.sock status | grep -A3 "sync replays"
echo "=== b-status"
$IP netns exec b kactl --socket /tmp/b.sock status | grep "peer "
echo "=== a-log"
grep "sync" /tmp/a.log
echo "=== b-log"
grep "sync" /tmp/b.log
echo "=== end"
