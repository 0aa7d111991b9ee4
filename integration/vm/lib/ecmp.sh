# The ECMP topology (issue 13): a router namespace rt running BIRD with
# ECMP (fib_multipath_hash_policy 1) and BFD, peering over BGP with the
# director namespaces d1..dN on the LAN lanb (10.0.1.0/24), each running kad
# and BIRD; DR real servers r1..r4 on the same LAN echo every line; a
# client c behind the router (10.0.2.100). The VIP is 10.9.9.9:80.
IP=/usr/bin/ip
BB=/bin/busybox
VIP=10.9.9.9
# The configurations (the VM image's /ecmp; the demo on a host with IPVS
# points it at a copy of integration/vm/ecmp).
ECMP=${KAD_ECMP_DIR:-/ecmp}
ecmp_lan() {
    $IP link add lanb type bridge && $IP link set lanb up
    $IP netns add rt
    $IP link add vrt type veth peer name eth0 netns rt
    $IP link set vrt master lanb up
    $IP netns exec rt $IP addr add 10.0.1.1/24 dev eth0
    $IP netns exec rt $IP link set eth0 up
    $IP netns exec rt $IP link set lo up
    $IP netns add c
    $IP link add eth1 netns rt type veth peer name eth0 netns c
    $IP netns exec rt $IP addr add 10.0.2.1/24 dev eth1
    $IP netns exec rt $IP link set eth1 up
    $IP netns exec c $IP addr add 10.0.2.100/24 dev eth0
    $IP netns exec c $IP link set eth0 up
    $IP netns exec c $IP link set lo up
    $IP netns exec c $IP route add default via 10.0.2.1
    $IP netns exec rt $BB sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward;
        echo 1 > /proc/sys/net/ipv4/fib_multipath_hash_policy;
        echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter; echo 0 > /proc/sys/net/ipv4/conf/eth0/rp_filter'
    mkdir -p /run/bird
    $IP netns exec rt /usr/sbin/bird -c $ECMP/router.bird -s /run/bird/rt.ctl -P /run/bird/rt.pid
    for r in 1 2 3 4; do ecmp_host r$r 2$r; ecmp_real_server r$r; done
}
# ecmp_host NAME LASTOCTET: a namespace on lanb, default route via the router.
ecmp_host() {
    $IP netns add $1
    $IP link add v$1 type veth peer name eth0 netns $1
    $IP link set v$1 master lanb up
    $IP netns exec $1 $IP addr add 10.0.1.$2/24 dev eth0
    $IP netns exec $1 $IP link set eth0 up
    $IP netns exec $1 $IP link set lo up
    $IP netns exec $1 $IP route add default via 10.0.1.1
}
# A DR real server: the VIP on lo, no ARP for it, an echo on port 80.
# Its errors stay off the console: a health check's connection ends with a
# reset ("cat: read error: Connection reset by peer"), and a line on the
# console lands inside whatever block the scenario is printing.
ecmp_real_server() {
    $IP netns exec $1 $IP addr add $VIP/32 dev lo
    $IP netns exec $1 $BB sh -c 'echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore; echo 2 > /proc/sys/net/ipv4/conf/all/arp_announce'
    $IP netns exec $1 $BB nc -ll -p 80 -e /bin/cat 2>/dev/null &
}
# ecmp_director N: namespace dN (10.0.1.1N), its BIRD (docs/bgp/bird.conf
# with this director's definitions: kad's table 200 learned, announced over
# BGP with BFD) and kad with /ecmp/director.conf, which announces the VIP
# while the virtual server has quorum (and makes it local on lo).
ecmp_director() {
    d=d$1
    ecmp_host $d 1$1
    sed -e "s/^define DIRECTOR  *=.*/define DIRECTOR = 10.0.1.1$1;/" \
        -e "s/^define ROUTER  *=.*/define ROUTER = 10.0.1.1;/" \
        -e "s/^log syslog all;/log stderr all;/" $ECMP/director.bird > /tmp/$d.bird
    $IP netns exec $d /usr/sbin/bird -c /tmp/$d.bird -s /run/bird/$d.ctl -P /run/bird/$d.pid
    $IP netns exec $d kad -n -f $ECMP/director.conf --socket /tmp/$d.sock -p /tmp/$d.pid >/tmp/$d.log 2>&1 &
}
# The real servers in namespace NS's IPVS table.
ecmp_servers() {
    $IP netns exec $1 ipvsadm -Ln 2>/dev/null | grep -c -- '-> 10.0.1.2'
}
# ecmp_wait_servers COUNT NS...: until each has COUNT real servers in IPVS
# (up to 60 s each).
ecmp_wait_servers() {
    want=$1; shift
    for ns in "$@"; do
        i=0
        while [ $i -lt 600 ] && [ "$(ecmp_servers $ns)" != "$want" ]; do sleep 0.1; i=$((i+1)); done
    done
}
# The router's next hops for the VIP, one per line.
ecmp_hops() {
    $IP netns exec rt $IP route show $VIP | sed -n 's/.*via \(10\.0\.1\.[0-9]*\).*/\1/p' | sort
}
# ecmp_wait_hops N [TENTHS]: until the router has N next hops for the VIP.
ecmp_wait_hops() {
    i=0
    while [ $i -lt ${2:-600} ] && [ "$(ecmp_hops | wc -l)" != "$1" ]; do sleep 0.1; i=$((i+1)); done
}
# ESTABLISHED connections that director dN scheduled itself (LOCAL: not
# learned from another director's sync).
ecmp_local() {
    $IP netns exec d$1 grep ESTABLISHED /proc/net/ip_vs_conn_sync | grep -c LOCAL
}
# ESTABLISHED connections to the VIP in director dN's IPVS table.
ecmp_conns() {
    $IP netns exec d$1 ipvsadm -Lnc | grep -c ESTABLISHED
}
