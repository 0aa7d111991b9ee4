# Active-active directors behind ECMP (issue 13): the virtual server loses
# quorum on one director only (d2 can no longer reach the real servers), so
# d2 withdraws its announcement and the router moves d2's flows to the
# others, where they go on (mh: the same real servers).
. /lib-kad/ecmp.sh
ecmp_lan
for n in 1 2 3; do ecmp_director $n; done
ecmp_wait_hops 3
ecmp_wait_servers 4 d1 d2 d3
echo "=== status-before"
kactl --socket /tmp/d2.sock status --json | grep -o -E '"state": *"(announced|withdrawn)"' | head -1
$IP netns exec c echo-flows $VIP:80 100 50 200 >/tmp/flows.out 2>&1 &
flows=$!
sleep 8
echo "=== d2-before"
ecmp_local 2
# d2 loses its way to every real server: its checkers fail, quorum is lost.
for r in 21 22 23 24; do $IP netns exec d2 $IP route add prohibit 10.0.1.$r/32; done
ecmp_wait_hops 2 600
echo "=== hops-after"
ecmp_hops
echo "=== status-after"
kactl --socket /tmp/d2.sock status | grep -i -A2 "announce" | head -4
wait $flows
echo "=== flows"
grep -v '^flow .* ok ' /tmp/flows.out
# What d1 heard from the other directors on the sync group.
echo "=== sync-peers"
kactl --socket /tmp/d1.sock status | grep "  peer "
echo "=== end"
