# Benchmark (issue 13, point 5): what a flow loses when a director fails
# hard (its link down) and at a planned stop (SIGTERM), RUNS times each:
# an ECMP group of three kads (BGP to a BIRD router, BFD, mh + sloppy_tcp,
# sync both ways) beside a keepalived 2.2.7 VRRP pair (one active
# director, advert_int 1, lvs_sync_daemon) on the same LAN, real servers
# and client. Each run: 100 flows echoing every 200 ms for 16 s, the event
# at 6 s; echo-flows' summary gives the flows that survived and the longest
# gap of any flow (the time from the event to the last flow resuming).
. /lib-kad/ecmp.sh
RUNS=$(cat /extra/runs 2>/dev/null || echo 5)
ecmp_lan
for n in 1 2 3; do ecmp_director $n; done
ecmp_wait_hops 3
ecmp_wait_servers 4 d1 d2 d3
# flows VIP NAME RUN EVENT...: 100 flows, the event 6 s in, the summary.
flows() {
    vip=$1; name=$2; run=$3; shift 3
    $IP netns exec c echo-flows $vip:80 100 16 200 >/tmp/f.out 2>&1 &
    f=$!
    sleep 6
    "$@"
    wait $f
    echo "result $name $run $(grep '^summary' /tmp/f.out)"
}
kad_pid() { cat /tmp/d$1.pid 2>/dev/null; }
kad_restart() {
    $IP netns exec d$1 kad -n -f /ecmp/director.conf --socket /tmp/d$1.sock -p /tmp/d$1.pid >>/tmp/d$1.log 2>&1 &
}
echo "=== runs"
r=1
while [ $r -le $RUNS ]; do
    flows $VIP kad-kill $r $IP link set vd1 down
    $IP link set vd1 up
    ecmp_wait_hops 3 600
    sleep 2
    r=$((r+1))
done
r=1
while [ $r -le $RUNS ]; do
    flows $VIP kad-stop $r kill $(kad_pid 1)
    i=0; while [ $i -lt 100 ] && [ -n "$(kad_pid 1)" ] && kill -0 $(kad_pid 1) 2>/dev/null; do sleep 0.1; i=$((i+1)); done
    kad_restart 1
    ecmp_wait_hops 3 600
    ecmp_wait_servers 4 d1
    sleep 2
    r=$((r+1))
done
# The keepalived pair: k1 (priority 150) and k2 on the same LAN, the VIP
# 10.0.1.100 held with VRRP; the kads leave.
for n in 1 2 3; do kill $(kad_pid $n) 2>/dev/null; $IP netns exec d$n kill $(cat /run/bird/d$n.pid) 2>/dev/null; done
sleep 3
KVIP=10.0.1.100
for r in 1 2 3 4; do $IP netns exec r$r $IP addr add $KVIP/32 dev lo; done
ka_conf() {
    cat <<EOT
global_defs {
    router_id $1
    lvs_sync_daemon eth0 VI_1 id 9
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 60
    priority $2
    advert_int 1
    virtual_ipaddress {
        $KVIP/32
    }
}
virtual_server $KVIP 80 {
    delay_loop 2
    lb_algo mh
    mh-port
    lb_kind DR
    protocol TCP
EOT
    for r in 21 22 23 24; do
        printf '    real_server 10.0.1.%s 80 {\n        TCP_CHECK {\n            connect_timeout 3\n            retry 2\n            delay_before_retry 1\n        }\n    }\n' $r
    done
    echo "}"
}
ka_start() {
    $IP netns exec k$1 /sbin/keepalived -n -l -D -f /tmp/k$1.conf -p /tmp/k$1.pid -r /tmp/k$1v.pid -c /tmp/k$1c.pid >>/tmp/k$1.log 2>&1 &
}
ka_master() { $IP netns exec k1 $IP addr show eth0 | grep -q "$KVIP/32"; }
ka_wait_master() {
    i=0; while [ $i -lt 300 ] && ! ka_master; do sleep 0.1; i=$((i+1)); done
}
ecmp_host k1 31; ecmp_host k2 32
ka_conf k1 150 >/tmp/k1.conf; ka_conf k2 100 >/tmp/k2.conf
ka_start 1; ka_start 2
ka_wait_master
ecmp_wait_servers 4 k1 k2
sleep 3
r=1
while [ $r -le $RUNS ]; do
    flows $KVIP ka-kill $r $IP link set vk1 down
    $IP link set vk1 up
    ka_wait_master
    sleep 4
    r=$((r+1))
done
r=1
while [ $r -le $RUNS ]; do
    flows $KVIP ka-stop $r kill $(cat /tmp/k1.pid)
    i=0; while [ $i -lt 100 ] && [ -f /tmp/k1.pid ]; do sleep 0.1; i=$((i+1)); done
    ka_start 1
    ka_wait_master
    ecmp_wait_servers 4 k1
    sleep 4
    r=$((r+1))
done
echo "=== end"
