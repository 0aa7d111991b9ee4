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
# A reload after a refusal reconciles with the kernel's table (the refused
# service gets its second chance); once in sync, a reload applies only the
# configuration's difference.
hup() {
    n=$(grep -c "reload: IPVS reconciled" /tmp/kad.log)
    kill -HUP $pid
    i=0; while [ $i -lt 300 ] && [ "$(grep -c "reload: IPVS reconciled" /tmp/kad.log)" = "$n" ]; do sleep 0.1; i=$((i+1)); done
}
sed -i 's/lb_algo twos/lb_algo wrr/' /tmp/k.conf
hup
echo "=== after-fix"; ipvsadm -S -n | sort
grep -E "reconciling|difference" /tmp/kad.log | tail -1 | sed 's/^.*IPVS/IPVS/'
sed -i 's/10.3.0.6 80 { weight 1 }/10.3.0.6 80 { weight 2 }/' /tmp/k.conf
hup
echo "=== in-sync"; ipvsadm -S -n | sort
grep -E "reconciling|difference" /tmp/kad.log | tail -1 | sed 's/^.*IPVS/IPVS/'
grep "reload: IPVS reconciled" /tmp/kad.log | tail -1 | sed 's/^.*reload/reload/'
kill -TERM $pid; wait $pid
