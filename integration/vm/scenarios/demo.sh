# The demo (README's first command): the whole job in one run.
# 1. A VRRP pair of kads (k1 master, k2 backup) with four DR real servers
#    behind a router; a client's connections go on across the master's hard
#    failure (its link down); `kactl status` of both before and after.
# 2. The same service on three active kads behind a BIRD router (ECMP, BGP,
#    BFD); one director is removed (link down) and every flow goes on.
. ${KAD_LIB_DIR:-/lib-kad}/ecmp.sh
say() { echo; echo "== $*"; }
say "a LAN (10.0.1.0/24) with a router (10.0.1.1) to the client (10.0.2.100) and four DR real servers r1..r4 (10.0.1.21-24) that echo"
ecmp_lan
KVIP=10.0.1.100
for r in 1 2 3 4; do $IP netns exec r$r $IP addr add $KVIP/32 dev lo; done
pair_conf() {
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
        printf '    real_server 10.0.1.%s 80 {\n        TCP_CHECK {\n            connect_timeout 3\n        }\n    }\n' $r
    done
    echo "}"
}
say "part 1: a VRRP pair, kad on k1 (priority 150) and k2 (100), VIP $KVIP, connection sync"
ecmp_host k1 31; ecmp_host k2 32
pair_conf k1 150 >/tmp/k1.conf; pair_conf k2 100 >/tmp/k2.conf
cat /tmp/k1.conf
for n in 1 2; do
    $IP netns exec k$n kad -n -f /tmp/k$n.conf --socket /tmp/k$n.sock -p /tmp/k$n.pid >/tmp/k$n.log 2>&1 &
done
i=0; while [ $i -lt 300 ] && ! $IP netns exec k1 $IP addr show eth0 | grep -q "$KVIP/32"; do sleep 0.1; i=$((i+1)); done
sleep 3
say "kactl status on k1"; kactl --socket /tmp/k1.sock status
say "kactl status on k2"; kactl --socket /tmp/k2.sock status | head -8
say "the client opens 10 connections, each echoing a line every 200 ms; 5 s in, k1's link goes down"
$IP netns exec c echo-flows $KVIP:80 10 14 200 >/tmp/pair.out 2>&1 &
f=$!
sleep 5
$IP link set vk1 down
wait $f
cat /tmp/pair.out
say "kactl status on k2 after the failure (k1 is unreachable)"; kactl --socket /tmp/k2.sock status
say "kactl status on k1 (its link is down: FAULT)"; kactl --socket /tmp/k1.sock status | head -6
for n in 1 2; do kill $(cat /tmp/k$n.pid) 2>/dev/null; done
sleep 3

say "part 2: the same service on three active directors d1..d3 behind the router's ECMP, announced over BGP with BFD (docs/bgp/bird.conf)"
cat $ECMP/director.conf
for n in 1 2 3; do ecmp_director $n; done
ecmp_wait_hops 3
ecmp_wait_servers 4 d1 d2 d3
say "the router's route to the VIP $VIP: three equal next hops"
$IP netns exec rt $IP route show $VIP
say "kactl status on d1"; kactl --socket /tmp/d1.sock status
say "100 flows from the client, an echo every 200 ms; 6 s in, d1's link goes down"
$IP netns exec c echo-flows $VIP:80 100 16 200 >/tmp/ecmp.out 2>&1 &
f=$!
sleep 6
echo "flows each director scheduled itself: d1 $(ecmp_local 1), d2 $(ecmp_local 2), d3 $(ecmp_local 3)"
$IP link set vd1 down
wait $f
grep -v '^flow .* ok ' /tmp/ecmp.out
say "the router's route after d1's failure"
$IP netns exec rt $IP route show $VIP
say "kactl status on d2"; kactl --socket /tmp/d2.sock status
echo "=== end"
