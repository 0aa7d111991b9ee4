# Health checks at scale, kad then keepalived's checker process, on the
# same configuration (/extra/checks.conf: N real servers with TCP_CHECK
# every second against listeners served by /extra/checks-bench).
# Prints "KAD-CPU ticks wall_secs rss_kib alive checks" and "KA-CPU ...".
read n secs < /extra/params
ulimit -n 65536
/extra/checks-bench serve $n >/tmp/serve.log 2>&1 &
i=0; while [ $i -lt 600 ] && ! grep -q serving /tmp/serve.log; do sleep 0.1; i=$((i+1)); done
now() { cut -d' ' -f1 /proc/uptime; }
ticks() {   # utime + stime of the given pids
    t=0
    for p in "$@"; do
        set -- $(sed 's/^.*) //' /proc/$p/stat)
        t=$((t + ${12} + ${13}))
    done
    echo $t
}
rss() { t=0; for p in "$@"; do r=$(awk '/VmRSS/ {print $2}' /proc/$p/status); t=$((t + ${r:-0})); done; echo $t; }
alive() { ipvsadm -Ln | grep -c -- "-> 127.1."; }
# Connections the listeners accepted (TCP PassiveOpens): the checks made.
opens() { awk '/^Tcp:/ { n++; if (n == 2) print $7 }' /proc/net/snmp; }
measure() {
    label=$1; shift
    sleep 8
    a=$(ticks "$@"); s=$(now); o1=$(opens)
    sleep $secs
    b=$(ticks "$@"); e=$(now); o2=$(opens)
    echo "$label $((b - a)) $(awk -v s=$s -v e=$e 'BEGIN { printf "%.2f", e - s }') $(rss "$@") $(alive) $((o2 - o1))"
}
ipvsadm -C
kad -n -f /extra/checks.conf --socket /tmp/kad.sock >/tmp/kad.log 2>&1 &
kpid=$!
measure KAD-CPU $kpid
kactl --socket /tmp/kad.sock status | grep "Checks:"
kill -TERM $kpid; wait $kpid
ipvsadm -C
if [ -x /sbin/keepalived ]; then
    /sbin/keepalived --check -n -f /extra/checks.conf -p /tmp/ka.pid -c /tmp/kac.pid >/tmp/ka.log 2>&1 &
    kapid=$!
    sleep 2
    pids=$(for d in /proc/[0-9]*; do [ "$(cat $d/comm 2>/dev/null)" = keepalived ] && basename $d; done)
    measure KA-CPU $pids
    kill -TERM $kapid; wait $kapid
fi
