# Active-active directors behind ECMP (issue 13): a fourth director joins
# the three while 100 flows run, then a real server is removed. The share
# of each director's traffic (IPVS InPkts) is measured over a window before
# and after the join, and the router's next hop for each flow before and
# after (which flows moved, and where); every flow must go on across the
# join, and the real server's removal may break only the flows that were
# on it.
. /lib-kad/ecmp.sh
ecmp_lan
for n in 1 2 3; do ecmp_director $n; done
ecmp_wait_hops 3
ecmp_wait_servers 4 d1 d2 d3
# Packets each director forwarded so far (the service's InPkts).
inpkts() {
    $IP netns exec d$1 ipvsadm -Ln --stats --exact | awk '$1 == "TCP" { print $4 }'
}
window() {
    for n in $*; do eval "a$n=$(inpkts $n)"; done
    sleep 5
    for n in $*; do eval "echo d$n \$(( \$(inpkts $n) - a$n ))"; done
}
# The director the router sends each flow to: "PORT NEXTHOP" per flow of
# the client (its ports read from its TCP table once, in hex), the next hop
# from the router's own multipath choice for the flow (`ip route get` with
# the ports builds the packet's L4 header, so it hashes as forwarding
# does; the choice depends on the route only, not on the flow being alive).
client_ports() {
    $IP netns exec c cat /proc/net/tcp | awk '$3 == "0909090A:0050" && $4 == "01" { split($2, a, ":"); print a[2] }'
}
routes() {
    # One `ip -batch` in rt for all the lookups (a process per lookup
    # costs the emulated machine's one CPU seconds, which the flows need);
    # protocol 6 by number (the image has no /etc/protocols). A batch in
    # which a lookup found no route (the VIP's route being replaced, or a
    # BFD session of a slow emulated machine blinking) is asked again, for
    # up to 5 s.
    for hex in $ports; do echo $((0x$hex)); done >/tmp/ports
    awk '{ print "route get '$VIP' from 10.0.2.100 iif eth1 ipproto 6 sport " $1 " dport 80" }' /tmp/ports >/tmp/lookups
    i=0
    while [ $i -lt 50 ]; do
        $IP netns exec rt $IP -force -batch /tmp/lookups 2>/dev/null | sed -n 's/.*via \(10\.0\.1\.[0-9]*\).*/\1/p' >/tmp/vias
        [ "$(wc -l </tmp/vias)" = "$(wc -l </tmp/ports)" ] && break
        sleep 0.1; i=$((i+1))
    done
    awk 'NR == FNR { via[FNR] = $1; next } { print $1, via[FNR] }' /tmp/vias /tmp/ports | sort -n
}
$IP netns exec c echo-flows $VIP:80 100 80 200 >/tmp/flows.out 2>&1 &
flows=$!
sleep 6
echo "=== share-3"
window 1 2 3
ports=$(client_ports)
echo "=== routes-3"
routes
ecmp_director 4
ecmp_wait_hops 4 150
echo "=== hops-4"
ecmp_hops
sleep 2
echo "=== share-4"
window 1 2 3 4
# Each flow's real server (client port, in hex as ipvsadm -c prints it).
echo "=== on-r4"
$IP netns exec d1 cat /proc/net/ip_vs_conn | awk '$8 == "ESTABLISHED" && $6 == "0A000118" { print $3 }' | sort
# The real server goes (its link down); the checkers take it out.
$IP link set vr4 down
# Until every director's checker has taken it out (the flows run on).
ecmp_wait_servers 3 d1 d2 d3 d4
echo "=== r4-out"
for n in 1 2 3 4; do ecmp_servers d$n; done
wait $flows
# The same flows' next hops with d4 in the group (the router still has
# the four).
echo "=== routes-4"
routes
echo "=== flows"
grep -v '^flow .* ok ' /tmp/flows.out
echo "=== end"
