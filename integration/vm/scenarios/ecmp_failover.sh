# Active-active directors behind ECMP (issue 13): three directors announce
# the VIP to the router over BGP (BFD on); 100 long-lived flows from the
# client spread over them; director d1 is killed hard (its link goes down)
# and every flow goes on through the others (mh + sloppy_tcp: the same
# real server whichever director a flow reaches).
. /lib-kad/ecmp.sh
ecmp_lan
for n in 1 2 3; do ecmp_director $n; done
ecmp_wait_hops 3
echo "=== hops"
ecmp_hops
echo "=== router-route"
$IP netns exec rt $IP route show $VIP
# Until every director's checks have the real servers in IPVS.
ecmp_wait_servers 4 d1 d2 d3
$IP netns exec c echo-flows $VIP:80 100 30 200 >/tmp/flows.out 2>&1 &
flows=$!
sleep 10
echo "=== spread"
for n in 1 2 3; do echo "d$n $(ecmp_local $n)"; done
# Hard failure: d1's link down.
$IP link set vd1 down
ecmp_wait_hops 2 100
echo "=== hops-after"
ecmp_hops
wait $flows
echo "=== flows"
grep -v '^flow .* ok ' /tmp/flows.out
echo "=== gaps"
grep '^flow .* ok ' /tmp/flows.out | awk '{print $5}' | sort -n | tail -3
echo "=== bfd"
$IP netns exec rt /usr/sbin/birdc -s /run/bird/rt.ctl show bfd sessions
echo "=== checks"
grep -h "TCP connection" /tmp/d1.log /tmp/d2.log /tmp/d3.log | grep -v success
echo "=== end"
