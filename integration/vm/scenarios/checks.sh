# Health checks driving IPVS: LVS-DR with two real servers (busybox httpd
# in namespaces). Stops and restarts a server's daemon under TCP_CHECK and
# times how long ipvsadm takes to show it; then HTTP_GET with
# inhibit_on_failure, then quorum with a sorry server.
. /lib-kad/lan.sh
lan c:100 r1:11 r2:12 r3:13
dr_real_servers 10.0.0.50 r1 r2 r3
for r in r1 r2 r3; do mkdir -p /tmp/www-$r && echo $r > /tmp/www-$r/index.html; done
echo sorry > /tmp/www-r3/index.html
$IP addr add 10.0.0.50/32 dev br0
# httpd in the foreground: `ip netns exec` execs it, so $! is its pid.
start() { $IP netns exec $1 $BB httpd -f -p 80 -h /tmp/www-$1 & eval "pid_$1=$!"; }
stop() { eval "kill \$pid_$1"; }
start r1; start r2; start r3
# The checker block, one keyword per line (as keepalived reads them).
checker() {
    if [ "$1" = tcp ]; then
        echo "TCP_CHECK {"
    else
        echo "HTTP_GET {
            url {
                path /index.html
            }"
    fi
    echo "            connect_timeout 1
            retry 1
            delay_before_retry 1
            warmup 0
        }"
}
# conf EXTRA-VS-LINES CHECKER: CHECKER is tcp or http.
conf() {
    cat > /tmp/k.conf <<EOT
global_defs { lvs_notify_fifo /tmp/lvs.fifo }
virtual_server 10.0.0.50 80 {
    protocol TCP
    lb_algo rr
    lb_kind DR
    delay_loop 2
$1
    real_server 10.0.0.11 80 {
        weight 1
        $(checker $2)
    }
    real_server 10.0.0.12 80 {
        weight 1
        $(checker $2)
    }
}
EOT
}
now() { cut -d' ' -f1 /proc/uptime; }
# Seconds until `ipvsadm -Ln` matches (or stops matching) a pattern.
until_table() {
    t0=$1; want=$2; pat=$3; i=0
    while [ $i -lt 300 ]; do
        if ipvsadm -Ln | grep -q -- "$pat"; then have=yes; else have=no; fi
        [ $have = $want ] && break
        sleep 0.05; i=$((i+1))
    done
    $BB awk -v a=$t0 -v b=$(now) 'BEGIN { printf "%.2f\n", b - a }'
}
reload() {
    n=$(grep -c "IPVS reconciled" /tmp/kad.log)
    kill -HUP $kpid
    i=0; while [ $i -lt 300 ] && [ "$(grep -c "IPVS reconciled" /tmp/kad.log)" = "$n" ]; do sleep 0.1; i=$((i+1)); done
}

conf "" tcp
# phase NAME stop|start KEY yes|no PATTERN: stop or start r2, then under
# "=== NAME" the seconds until `ipvsadm -Ln` matches (yes) or stops
# matching (no) PATTERN, the table, and requests under NAME-requests.
phase() {
    t=$(now); $2 r2
    echo "=== $1"
    echo "$3 $(until_table $t $4 "$5")"
    ipvsadm -Ln | grep -- "->" | grep 10.0.0
    requests $1-requests
}
kad -n -f /tmp/k.conf --socket /tmp/kad.sock >/tmp/kad.log 2>&1 &
kpid=$!
i=0; while [ $i -lt 300 ] && ! [ -S /tmp/kad.sock ]; do sleep 0.1; i=$((i+1)); done
# The FIFO exists once kad runs: read it from now on.
$BB cat /tmp/lvs.fifo > /tmp/fifo.out &
sleep 3
echo "=== both-up"
ipvsadm -Ln | grep -- "->" | grep 10.0.0
requests both-up-requests
phase r2-stopped stop down_secs no 10.0.0.12:80
echo "=== status-down"
kactl --socket /tmp/kad.sock status | grep -A2 "RS \[10.0.0.12\]"
phase r2-restarted start up_secs yes 10.0.0.12:80
# inhibit_on_failure: weight 0 instead of removal.
conf "    inhibit_on_failure" http
reload
phase inhibit stop down_secs yes '10.0.0.12:80 *Route *0 '
phase inhibit-restarted start up_secs yes '10.0.0.12:80 *Route *1 '
# Quorum 2 with a sorry server: losing r2 installs the sorry server.
conf "    quorum 2
    sorry_server 10.0.0.13 80" http
reload
sleep 1
phase quorum-lost stop sorry_secs yes 10.0.0.13:80
phase quorum-back start back_secs no 10.0.0.13:80
echo "=== http-request-time"
# What one HTTP exchange with busybox httpd costs in this emulated VM.
t=$(now)
for i in 1 2 3 4 5; do printf 'GET /index.html HTTP/1.0\r\n\r\n' | $BB nc -w 3 10.0.0.11 80 >/dev/null; done
echo "http_secs $(awk -v a=$t -v b=$(now) 'BEGIN { printf "%.3f", (b - a) / 5 }')"
echo "=== checks-stats"
kactl --socket /tmp/kad.sock status | grep "Checks:"
echo "=== config-warnings"
grep -c warning /tmp/kad.log
echo "=== fifo"
cat /tmp/fifo.out | tr -d '\000'
echo "=== log"
grep -E "RS |VS |IPVS: TCP" /tmp/kad.log | head -40
kill -TERM $kpid; wait $kpid
