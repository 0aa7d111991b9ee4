# keepalived's -I (keep IPVS on stop), -P (VRRP only) and -C (checkers and
# IPVS only) on a kernel with IPVS.
ip link add eth0 type dummy && ip addr add 10.9.0.1/24 dev eth0 && ip link set eth0 up
cat > /tmp/k.conf <<EOT
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 71
    priority 150
    advert_int 1
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
for flags in default -I -P -C; do
    ipvsadm -C
    f=$flags; [ "$f" = default ] && f=
    kad -n -f /tmp/k.conf --socket /tmp/kad.sock $f >/tmp/kad.log 2>&1 &
    pid=$!
    i=0; while [ $i -lt 300 ] && ! [ -S /tmp/kad.sock ]; do sleep 0.1; i=$((i+1)); done
    # A lone VRRP instance is MASTER after its Master_Down interval (~3.4 s).
    sleep 5
    echo "=== run $flags"
    ipvsadm -Ln | grep -E "^TCP|->" | sed 's/ \+/ /g'
    echo "vips: $(ip -o addr show dev eth0 | grep -c 10.9.0.50)"
    kill -TERM $pid; wait $pid
    echo "=== stop $flags"
    ipvsadm -Ln | grep -E "^TCP|->" | sed 's/ \+/ /g'
    echo "exit"
done
