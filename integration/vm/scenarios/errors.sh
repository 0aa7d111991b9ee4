# What the kernel refuses is named: a scheduler whose module is not there
# (ENOENT) fails that service only; the others are programmed.
ipvsadm -C
cat > /tmp/k.conf <<EOT
virtual_server 10.3.0.1 80 {
    protocol TCP
    lb_algo twos
    real_server 10.3.0.2 80 { weight 1 }
}
virtual_server 10.3.0.5 80 {
    protocol TCP
    lb_algo rr
    real_server 10.3.0.6 80 { weight 1 }
}
EOT
# The image carries no ip_vs_twos module.
kad -n -f /tmp/k.conf --socket /tmp/kad.sock >/tmp/kad.log 2>&1 &
pid=$!
i=0; while [ $i -lt 300 ] && ! [ -S /tmp/kad.sock ]; do sleep 0.1; i=$((i+1)); done
echo "=== table"; ipvsadm -S -n | sort
echo "=== log"; grep "IPVS" /tmp/kad.log | sed 's/^.*IPVS/IPVS/'
kill -TERM $pid; wait $pid
