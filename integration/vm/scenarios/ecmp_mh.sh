# ecmp_mh: two kad directors (namespaces d1 and d2) behind a client whose
# route to the VIP is what an ECMP router's choice would be; the same mh
# virtual server (mh-port, mh-fallback) with three DR real servers on
# each, and kad's own IPVS sysctls (lvs_sloppy_tcp, lvs_sloppy_sctp,
# lvs_schedule_icmp, lvs_expire_nodest_conn, lvs_conn_reuse_mode).
# Flows with fixed client ports are opened through d1; the route then moves
# to d2, which has never seen them: with sloppy_tcp, d2 schedules their
# next packet by mh to the same real server, and each connection goes on.
# Then d2 is reloaded with lvs_sloppy_tcp off: a flow moved to it is reset.
# Also: the sh and rr flags (sh-port, sh-fallback, flag-1/2/3) as ipvsadm
# reads them.
# The kernel's console messages (ip_local_port_range's advice on parity)
# would land among the blocks.
echo 1 >/proc/sys/kernel/printk
. /lib-kad/lan.sh
lan c:100 r1:11 r2:12 r3:13 d1:2 d2:3
VIP=10.0.0.50
dr_real_servers $VIP r1 r2 r3
# Each real server names itself, then echoes.
for r in r1 r2 r3; do
    printf '#!/bin/sh\necho %s\nexec cat\n' $r >/tmp/serve-$r
    chmod +x /tmp/serve-$r
    $IP netns exec $r $BB nc -ll -p 80 -e /tmp/serve-$r &
done
# The directors hold the VIP (IPVS takes packets for local addresses).
for d in d1 d2; do $IP -n $d addr add $VIP/32 dev lo; done
# $1: real servers in the order given; $2: lvs_sloppy_tcp's value.
conf() {
    cat <<EOT
global_defs {
    router_id ecmp
    lvs_sloppy_tcp $2
    lvs_sloppy_sctp on
    lvs_schedule_icmp on
    lvs_expire_nodest_conn on
    lvs_conn_reuse_mode 2
}
virtual_server $VIP 80 {
    protocol TCP
    lb_algo mh
    mh-port
    mh-fallback
    lb_kind DR
$1
}
virtual_server 10.0.0.51 80 {
    protocol TCP
    lb_algo sh
    sh-port
    sh-fallback
    lb_kind DR
    real_server 10.0.0.11 80 { weight 1 }
}
virtual_server 10.0.0.52 80 {
    protocol TCP
    lb_algo rr
    flag-1
    flag-2
    flag-3
    lb_kind DR
    real_server 10.0.0.11 80 { weight 1 }
}
EOT
}
rs() { for o in "$@"; do echo "    real_server 10.0.0.$o 80 { weight 1 }"; done; }
# The same service; d2's file lists the real servers in another order.
conf "$(rs 11 12 13)" on >/tmp/d1.conf
conf "$(rs 13 11 12)" on >/tmp/d2.conf
conf "$(rs 13 11 12)" off >/tmp/d2-off.conf
for d in d1 d2; do
    $IP netns exec $d kad -n -f /tmp/$d.conf --socket /tmp/$d.sock -p /tmp/$d.pid >/tmp/$d.log 2>&1 &
    echo $! >/tmp/$d.kad
done
# Until both directors have the three real servers.
for d in d1 d2; do
    i=0
    while [ $i -lt 300 ] && [ "$($IP netns exec $d ipvsadm -Ln | grep -c ' Route ')" != 5 ]; do
        sleep 0.1; i=$((i + 1))
    done
done
sysctls() {
    for f in sloppy_tcp sloppy_sctp schedule_icmp expire_nodest_conn conn_reuse_mode; do
        echo "$f $($IP netns exec $1 cat /proc/sys/net/ipv4/vs/$f)"
    done
}
echo "=== d1 sysctls"; sysctls d1
echo "=== d2 sysctls"; sysctls d2
# The namespace where kad does not run keeps the kernel's defaults.
echo "=== root sysctls"; cat /proc/sys/net/ipv4/vs/sloppy_tcp /proc/sys/net/ipv4/vs/conn_reuse_mode
echo "=== d1 services"; $IP netns exec d1 ipvsadm -Ln | grep -E "^TCP|->" | grep -v RemoteAddress | sed 's/ \+/ /g'
$IP -n c route add $VIP/32 via 10.0.0.2
# open_flow PORT FLAG: a connection from client port PORT (the only one
# the client may use), which sends a second line once FLAG exists and stays
# open until /tmp/end does; its output in /tmp/o-PORT, nc's pid in
# /tmp/p-PORT. Returns once the real server has answered the first line.
open_flow() {
    $IP netns exec c $BB sh -c "echo $1 $1 > /proc/sys/net/ipv4/ip_local_port_range"
    (
        echo first-$1
        while ! [ -f $2 ]; do sleep 0.1; done
        echo second-$1
        while ! [ -f /tmp/end ]; do sleep 0.2; done
    ) | $IP netns exec c $BB nc $VIP 80 >/tmp/o-$1 &
    echo $! >/tmp/p-$1
    i=0
    while [ $i -lt 300 ] && ! grep -qs first-$1 /tmp/o-$1; do sleep 0.1; i=$((i + 1)); done
}
# Until each flow has its second answer or its client has gone.
settled() {
    for p in "$@"; do
        i=0
        while [ $i -lt 300 ] && ! grep -qs second-$p /tmp/o-$p && kill -0 $(cat /tmp/p-$p) 2>/dev/null; do
            sleep 0.1; i=$((i + 1))
        done
    done
}
conns() {
    $IP netns exec $1 ipvsadm -Lnc | awk '$4 ~ /^10.0.0.100:/ && $5 == "'$VIP':80" { print $4, $6 }' | sort
}
PORTS=""
p=40001
while [ $p -le 40016 ]; do PORTS="$PORTS $p"; p=$((p + 1)); done
for p in $PORTS; do open_flow $p /tmp/move; done
echo "=== d1 conns"; conns d1
# The router moves every flow to d2.
$IP -n c route replace $VIP/32 via 10.0.0.3
touch /tmp/move
settled $PORTS
echo "=== d2 conns"; conns d2
# PORT, the server that answered first, and whether the second line came back.
echo "=== answers"
for p in $PORTS; do echo "$p $(head -1 /tmp/o-$p) $(grep -c second-$p /tmp/o-$p)"; done
# kad -t on the file that turns sloppy_tcp off, in d2.
echo "=== check off"; $IP netns exec d2 kad -t -f /tmp/d2-off.conf 2>&1 | grep -E "warning|note" | grep -v "^[0-9]* error"
# d2 reloaded with it: kad writes 0.
cp /tmp/d2-off.conf /tmp/d2.conf
kill -HUP $(cat /tmp/d2.kad)
i=0
while [ $i -lt 300 ] && ! grep -qs "net.ipv4.vs.sloppy_tcp = 0" /tmp/d2.log; do sleep 0.1; i=$((i + 1)); done
echo "=== d2 sysctls after reload"; sysctls d2
# kad -t of the first file, in d2 now: the running value differs.
echo "=== check running"; $IP netns exec d2 kad -t -f /tmp/d1.conf 2>&1 | grep -E "note|warning"
# A flow opened through d1 and moved to d2, which is no longer sloppy.
$IP -n c route replace $VIP/32 via 10.0.0.2
open_flow 40100 /tmp/move2
$IP -n c route replace $VIP/32 via 10.0.0.3
touch /tmp/move2
settled 40100
echo "=== not sloppy"
echo "40100 $(head -1 /tmp/o-40100) $(grep -c second-40100 /tmp/o-40100)"
if kill -0 $(cat /tmp/p-40100) 2>/dev/null; then echo "client open"; else echo "client gone"; fi
echo "=== d2 conns not sloppy"; conns d2 | grep 40100
# Changed outside kad in d1: its next IPVS audit (every 10 s) puts it back
# (the second time kad logs that change; the first was at start).
$IP netns exec d1 $BB sh -c 'echo 0 > /proc/sys/net/ipv4/vs/sloppy_tcp'
i=0
while [ $i -lt 300 ] && [ "$(grep -c 'net.ipv4.vs.sloppy_tcp = 1 (lvs_sloppy_tcp; was 0)' /tmp/d1.log)" -lt 2 ]; do
    sleep 0.1; i=$((i + 1))
done
echo "=== d1 after audit"; $IP netns exec d1 cat /proc/sys/net/ipv4/vs/sloppy_tcp
touch /tmp/end
for d in d1 d2; do kill -TERM $(cat /tmp/$d.kad); wait $(cat /tmp/$d.kad); done
echo "=== log"; grep -hE "IPVS|sysctl" /tmp/d1.log /tmp/d2.log
echo "=== end"
