# Real traffic through kad's IPVS: LVS-DR, a client and two real servers in
# namespaces on a bridge, the director in the VM's root namespace.
# Prints the server that answered each request, per phase.
. /lib-kad/lan.sh
lan c:100 r1:11 r2:12
dr_real_servers 10.0.0.50 r1 r2
for r in r1 r2; do
    mkdir -p /tmp/www-$r && echo $r > /tmp/www-$r/index.html
    $IP netns exec $r $BB httpd -p 80 -h /tmp/www-$r
done
$IP addr add 10.0.0.50/32 dev br0
conf() {
    cat > /tmp/k.conf <<EOT
virtual_server 10.0.0.50 80 {
    protocol TCP
    lb_algo wrr
    lb_kind DR
$1
}
virtual_server 10.0.0.50 9000 {
    protocol TCP
    lb_algo rr
    lb_kind DR
    real_server 10.0.0.11 9000 { weight 1 }
}
EOT
}
# A long-lived connection through the 9000 service, which no reload touches.
# (nc ends when its stdin does: keep the listener's stdin open.)
$IP netns exec r1 $BB sh -c "$BB sleep 120 | $BB nc -l -p 9000 > /tmp/long.out &"
conf "    real_server 10.0.0.11 80 { weight 3 }
    real_server 10.0.0.12 80 { weight 1 }"
kad -n -f /tmp/k.conf --socket /tmp/kad.sock >/tmp/kad.log 2>&1 &
pid=$!
i=0; while [ $i -lt 300 ] && ! [ -S /tmp/kad.sock ]; do sleep 0.1; i=$((i+1)); done
requests weights-3-1
ipvsadm -Ln
started=$(cut -d' ' -f1 /proc/uptime)
( i=1; while [ $i -le 60 ]; do echo line$i; sleep 0.2; i=$((i+1)); done ) | $IP netns exec c $BB nc -w 2 10.0.0.50 9000 &
long=$!
reload() {
    n=$(grep -c "IPVS reconciled" /tmp/kad.log)
    kill -HUP $pid
    i=0; while [ $i -lt 300 ] && [ "$(grep -c "IPVS reconciled" /tmp/kad.log)" = "$n" ]; do sleep 0.1; i=$((i+1)); done
}
conf "    real_server 10.0.0.11 80 { weight 3 }
    real_server 10.0.0.12 80 { weight 0 }"
reload
requests r2-weight-0
conf "    real_server 10.0.0.12 80 { weight 1 }"
reload
reloaded=$(cut -d' ' -f1 /proc/uptime)
requests r1-removed
wait $long
echo "=== long-connection"
echo "lines $(grep -c line /tmp/long.out)"
echo "still-open-after-reloads $($BB awk -v r=$reloaded -v s=$started 'BEGIN { print (r < s + 11.5) ? "yes" : "no" }')"
kill -TERM $pid; wait $pid
