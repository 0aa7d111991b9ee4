# Programming 10,000 services × 4 destinations: kad from a configuration,
# then ipvsadm -R from the same table, in the same boot; then a reload that
# changes one destination.
ipvsadm -C
cp /extra/bench.conf /tmp/k.conf
kad -n -f /tmp/k.conf --socket /tmp/kad.sock >/tmp/kad.log 2>&1 &
pid=$!
i=0; while [ $i -lt 3000 ] && ! grep -q "changes applied" /tmp/kad.log; do sleep 0.1; i=$((i+1)); done
grep "changes applied" /tmp/kad.log | sed 's/^.*IPVS:/KAD-APPLY/'
echo "KAD-COUNT $(ipvsadm -S -n | wc -l)"
# Reload changing one weight.
sed 's/weight 4 }/weight 9 }/' /extra/bench.conf > /tmp/k.conf
kill -HUP $pid
i=0; while [ $i -lt 3000 ] && ! grep -q "reload: IPVS reconciled" /tmp/kad.log; do sleep 0.1; i=$((i+1)); done
grep "reload: IPVS reconciled" /tmp/kad.log | sed 's/^.*reload:/KAD-RELOAD/'
kill -TERM $pid; wait $pid
ipvsadm -C
s=$(cut -d' ' -f1 /proc/uptime)
ipvsadm -R < /extra/bench.rules
e=$(cut -d' ' -f1 /proc/uptime)
echo "IPVSADM-RESTORE $s $e"
echo "IPVSADM-COUNT $(ipvsadm -S -n | wc -l)"

# keepalived's checker process programming the same configuration (its
# real servers have no checkers, so all are up), if the image carries it.
if [ -x /sbin/keepalived ]; then
    ipvsadm -C
    s=$(cut -d' ' -f1 /proc/uptime)
    /sbin/keepalived --check -n -f /extra/bench.conf -p /tmp/ka.pid -c /tmp/kac.pid >/tmp/ka.log 2>&1 &
    kpid=$!
    i=0
    while [ $i -lt 600 ]; do
        n=$(ipvsadm -S -n | wc -l)
        [ "$n" -ge 50000 ] && break
        sleep 2; i=$((i+1))
    done
    e=$(cut -d' ' -f1 /proc/uptime)
    echo "KEEPALIVED-APPLY $s $e $n"
    kill -TERM $kpid; wait $kpid
fi
