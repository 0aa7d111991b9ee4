# lvs_sync_daemon: without `inst` both threads run for kad's life; with
# `inst` the backup thread runs and becomes master when the instance does.
ip link add eth0 type dummy && ip addr add 10.9.0.1/24 dev eth0 && ip link set eth0 up
cat > /tmp/a.conf <<EOT
global_defs {
    lvs_sync_daemon eth0 id 51
    lvs_timeouts tcp 901 tcpfin 61 udp 301
}
virtual_server 10.9.0.100 80 {
    protocol TCP
    lb_algo rr
    real_server 10.9.0.2 80 { weight 1 }
}
EOT
kad -n -f /tmp/a.conf --socket /tmp/a.sock -p /tmp/a.pid >/tmp/a.log 2>&1 &
pid=$!
i=0; while [ $i -lt 300 ] && ! [ -S /tmp/a.sock ]; do sleep 0.1; i=$((i+1)); done
echo "=== no-inst"; ipvsadm -L --daemon; ipvsadm -L --timeout
kill -TERM $pid; wait $pid
echo "=== no-inst-stopped"; ipvsadm -L --daemon
cat > /tmp/b.conf <<EOT
global_defs {
    lvs_sync_daemon eth0 inst VI_1
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 61
    priority 150
    advert_int 0.5
    version 3
    virtual_ipaddress {
        10.9.0.50/24
    }
}
virtual_server 10.9.0.100 80 {
    protocol TCP
    lb_algo rr
    real_server 10.9.0.2 80 { weight 1 }
}
EOT
kad -n -f /tmp/b.conf --socket /tmp/b.sock -p /tmp/b.pid >/tmp/b.log 2>&1 &
pid=$!
i=0; while [ $i -lt 300 ] && ! [ -S /tmp/b.sock ]; do sleep 0.1; i=$((i+1)); done
echo "=== inst-backup"; ipvsadm -L --daemon
i=0; while [ $i -lt 300 ] && ! grep -q "Entering MASTER" /tmp/b.log; do sleep 0.1; i=$((i+1)); done
sleep 1
echo "=== inst-master"; ipvsadm -L --daemon
kill -TERM $pid; wait $pid
echo "=== inst-stopped"; ipvsadm -L --daemon
