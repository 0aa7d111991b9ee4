# Reload speed end to end (reload-bench --vm): 10,000 services × 4
# destinations; one real server's weight changes (4 ↔ 9, bench.conf ↔
# bench2.conf); SIGHUP to the new weight in the kernel, polled with
# ipvsadm on that one service. kad first, then keepalived 2.2.7 on the
# same configuration and the same change, in the same boot.
runs=$(cat /extra/runs)
# Centiseconds since boot (the VM's finest clock busybox gives).
now() { cut -d' ' -f1 /proc/uptime | tr -d .; }
has() { ipvsadm -Ln -t 10.100.0.0:80 2>/dev/null | grep -q -- "-> 172.16.0.4:8080 *Masq *$1 "; }
# bench TAG PID: RUNS reloads of daemon PID; one "TAG MS" line each.
bench() {
    r=0
    while [ $r -lt $runs ]; do
        if [ $((r % 2)) = 0 ]; then cp /extra/bench2.conf /tmp/k.conf; w=9; else cp /extra/bench.conf /tmp/k.conf; w=4; fi
        sync
        t0=$(now)
        kill -HUP $2
        i=0; while [ $i -lt 12000 ] && ! has $w; do sleep 0.05; i=$((i+1)); done
        t1=$(now)
        echo "$1 $(( (t1 - t0) * 10 )) ms"
        # Let the daemon settle (the reload's tail, its logs) before the next.
        sleep 5
        r=$((r+1))
    done
}
ipvsadm -C
cp /extra/bench.conf /tmp/k.conf
kad -n -f /tmp/k.conf --socket /tmp/kad.sock >/tmp/kad.log 2>&1 &
pid=$!
i=0; while [ $i -lt 3000 ] && ! grep -q "changes applied" /tmp/kad.log; do sleep 0.1; i=$((i+1)); done
grep "changes applied" /tmp/kad.log | sed 's/^.*IPVS:/KAD-APPLY/'
sleep 3
bench KAD-RELOAD $pid
grep -E "reload: IPVS" /tmp/kad.log | sed 's/^.*reload:/KAD-LOG reload:/'
kill -TERM $pid; wait $pid
ipvsadm -C
if [ -x /sbin/keepalived ]; then
    cp /extra/bench.conf /tmp/k.conf
    /sbin/keepalived --check -n -l -f /tmp/k.conf -p /tmp/ka.pid -c /tmp/kac.pid >/tmp/ka.log 2>&1 &
    kpid=$!
    i=0
    while [ $i -lt 600 ]; do
        n=$(ipvsadm -S -n | wc -l)
        [ "$n" -ge 50000 ] && break
        sleep 2; i=$((i+1))
    done
    echo "KEEPALIVED-COUNT $n"
    sleep 5
    bench KEEPALIVED-RELOAD $kpid
    kill -TERM $kpid; wait $kpid
else
    echo "KEEPALIVED-MISSING"
fi
