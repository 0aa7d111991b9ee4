# kad's operator overrides on a kernel with IPVS: LVS-DR with two real
# servers under TCP_CHECK; `kactl drain` sets a weight of 0 in the kernel,
# `disable` takes a server out, `enable` restores both; a drain survives a
# restart (the state file); /metrics carries the kernel's counters.
. /lib-kad/lan.sh
lan c:100 r1:11 r2:12
dr_real_servers 10.0.0.50 r1 r2
for r in r1 r2; do mkdir -p /tmp/www-$r && echo $r > /tmp/www-$r/index.html; done
$IP addr add 10.0.0.50/32 dev br0
for r in r1 r2; do $IP netns exec $r $BB httpd -f -p 80 -h /tmp/www-$r & done
cat > /tmp/k.conf <<EOT
virtual_server 10.0.0.50 80 {
    protocol TCP
    lb_algo rr
    lb_kind DR
    delay_loop 2
    real_server 10.0.0.11 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            warmup 0
        }
    }
    real_server 10.0.0.12 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            warmup 0
        }
    }
}
EOT
start_kad() {
    kad -n -f /tmp/k.conf --socket /tmp/kad.sock --state-file /tmp/state.json \
        --metrics-listen 127.0.0.1:9101 >>/tmp/kad.log 2>&1 &
    kpid=$!
    i=0; while [ $i -lt 300 ] && ! [ -S /tmp/kad.sock ]; do sleep 0.1; i=$((i+1)); done
    sleep 2
}
table() { echo "=== $1"; ipvsadm -Ln | grep -- "->" | grep 10.0.0; }
# Each kactl answer under its own header.
k() { echo "=== kactl $1"; kactl --socket /tmp/kad.sock "$@"; }
start_kad
table before
requests before-requests
k drain 10.0.0.50:80 10.0.0.11:80
sleep 0.5
table drained
requests drained-requests
k disable 10.0.0.50:80 10.0.0.12:80
sleep 0.5
table disabled
echo "=== status"
k status | grep -E "RS |drain|disable"
k enable 10.0.0.50:80 10.0.0.12:80
k reload
sleep 0.5
table reloaded
kill -TERM $kpid; wait $kpid
start_kad
table restarted
k enable 10.0.0.50:80 10.0.0.11:80
sleep 0.5
table enabled
requests enabled-requests
# The kernel sums its per-CPU counters every 2 s (the estimator).
sleep 3
echo "=== metrics"
printf 'GET /metrics HTTP/1.0\r\n\r\n' | $BB nc 127.0.0.1 9101 | grep -E "^kad_ipvs_(weight|connections_total|packets_total|bytes_total)"
echo "=== log"
grep -E "operator|override" /tmp/kad.log | head -20
kill -TERM $kpid; wait $kpid
