# sync-bench: for each "N RATE" line of /extra/params, N idle connections are injected
# into director m's table through its kernel backup daemon (syncid 5), kad
# in m replays them (syncid 6) to the kernel backup in b, and we time how
# long b takes to hold them all, kad sending RATE datagrams a second.
# Prints "RESULT N RATE in_table before sent datagrams replay_ms installed
# seconds send_ms".
. /lib-kad/lan.sh
lan c:100 r1:11
now() { cut -d' ' -f1 /proc/uptime; }
director() {
    lan_join $1 $2
    backup_director $1 $3
}
# Established connections bound to the real server: the kernel's counter
# (reading 100,000 rows of /proc under emulation takes seconds).
count() { $IP netns exec $1 ipvsadm -Ln | awk '/10.0.0.11:80/ { print $5 }'; }
# Wait until namespace $1 holds $2 connections, or its count has not moved
# for 10 s; sets $done to the uptime of the last change.
wait_count() {
    last=-1; done=$(now); still=0
    while [ $still -lt 50 ]; do
        c=$(count $1)
        [ "$c" -ge $2 ] && { done=$(now); break; }
        if [ "$c" = "$last" ]; then still=$((still+1)); else still=0; last=$c; done=$(now); fi
        sleep 0.2
    done
}
k=0
while read n rate; do
    k=$((k+1))
    m=m$k; b=b$k
    director $m $((20+k)) 5
    director $b $((40+k)) 6
    /extra/sync-bench inject $n br0 5
    wait_count $m $n
    in_table=$(count $m)
    before=$(count $b)
    cat > /tmp/$m.conf <<EOT
global_defs {
    lvs_sync_daemon eth0 id 6
}
virtual_server 10.0.0.50 80 {
    protocol TCP
    lb_algo rr
    lb_kind DR
    real_server 10.0.0.11 80 {
        weight 1
    }
}
EOT
    $IP netns exec $m kad -n -f /tmp/$m.conf --socket /tmp/$m.sock -p /tmp/$m.pid --sync-bulk-rate $rate >/tmp/$m.log 2>&1 &
    kpid=$!
    i=0; while [ $i -lt 300 ] && ! [ -S /tmp/$m.sock ]; do sleep 0.1; i=$((i+1)); done
    t0=$(now)
    $IP netns exec $m kactl --socket /tmp/$m.sock sync-bulk --json > /tmp/$m.json
    wait_count $b $n
    secs=$(echo "$done $t0" | awk '{ printf "%.2f", $1 - $2 }')
    installed=$(count $b)
    sent=$(sed -n 's/.*"sent": \([0-9]*\).*/\1/p' /tmp/$m.json)
    dg=$(sed -n 's/.*"datagrams": \([0-9]*\).*/\1/p' /tmp/$m.json)
    ms=$(sed -n 's/.*"millis": \([0-9]*\).*/\1/p' /tmp/$m.json | head -1)
    sms=$(sed -n 's/.*"send_millis": \([0-9]*\).*/\1/p' /tmp/$m.json)
    echo "RESULT $n $rate $in_table $before ${sent:-0} ${dg:-0} ${ms:-0} $installed $secs ${sms:-0}"
    cat /tmp/$m.json
    kill $kpid; wait $kpid
done < /extra/params
