# net_namespace_ipvs: IPVS programmed in another network namespace than
# kad's own, where its health checks still run (as keepalived's checker).
IP=/usr/bin/ip
BB=/bin/busybox
$IP link set lo up
$IP link add eth0 type dummy && $IP addr add 10.9.0.1/24 dev eth0 && $IP link set eth0 up
$IP netns add lvs
# A namespace without a local table (lo down) refuses every destination.
$IP -n lvs link set lo up
mkdir -p /tmp/www && echo ok > /tmp/www/index.html
# The real server answers only in kad's namespace (its own address).
$BB httpd -f -p 10.9.0.1:8080 -h /tmp/www &
web=$!
ipvs() { "$@" ipvsadm -Ln | grep -E "^TCP|->" | grep -v RemoteAddress | sed 's/ \+/ /g'; }
# wait_rs N: until the lvs namespace's table has N entries for the server.
wait_rs() {
    i=0
    while [ $i -lt 200 ]; do
        n=$($IP netns exec lvs ipvsadm -Ln | grep -c "10.9.0.1:8080")
        [ "$n" = "$1" ] && { echo "after $((i * 100)) ms"; return 0; }
        sleep 0.1; i=$((i + 1))
    done
    echo never
}
cat > /tmp/k.conf <<EOT
net_namespace_ipvs lvs
virtual_server 10.9.0.100 80 {
    protocol TCP
    lb_algo rr
    delay_loop 1
    real_server 10.9.0.1 8080 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 0
            warmup 0
        }
    }
}
EOT
kad -n -f /tmp/k.conf --socket /tmp/kad.sock >/tmp/kad.log 2>&1 &
pid=$!
echo "=== up"; wait_rs 1
echo "=== root"; ipvs
echo "=== lvs"; ipvs $IP netns exec lvs
kill $web
echo "=== down"; wait_rs 0
kill -TERM $pid; wait $pid
echo "=== lvs after stop"; ipvs $IP netns exec lvs
echo "=== log"; grep -E "IPVS|namespace" /tmp/kad.log

# kad in a namespace of its own (net_namespace), IPVS in the initial one
# (net_namespace_ipvs without a name).
$IP netns add vrrp
$IP -n vrrp link set lo up
cat > /tmp/k2.conf <<EOT
net_namespace vrrp
net_namespace_ipvs
virtual_server 10.9.0.101 80 {
    protocol TCP
    lb_algo rr
    real_server 10.9.0.3 80 {
        weight 1
    }
}
EOT
kad -n -f /tmp/k2.conf --socket /tmp/kad2.sock >/tmp/kad2.log 2>&1 &
pid=$!
i=0
while [ $i -lt 200 ] && ! ipvsadm -Ln | grep -q 10.9.0.101; do sleep 0.1; i=$((i + 1)); done
echo "=== default root"; ipvs
echo "=== default vrrp"; ipvs $IP netns exec vrrp
kill -TERM $pid; wait $pid
echo "=== default root after stop"; ipvs
echo "=== end"
