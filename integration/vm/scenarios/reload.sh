# SIGHUP reload: only the changed entry changes; a configuration with
# errors changes nothing; a removed service goes; stop cleans up.
svc() {
    cat <<EOT
virtual_server 10.0.0.1 80 {
    protocol TCP
    lb_algo rr
    lb_kind NAT
    real_server 10.1.0.1 80 { weight 1 }
    real_server 10.1.0.2 80 { weight $1 }
}
EOT
    [ "$2" = with-s2 ] && cat <<EOT
virtual_server 10.0.0.2 80 {
    protocol TCP
    lb_algo wlc
    lb_kind DR
    real_server 10.1.0.3 80 { weight 1 }
}
EOT
    true
}
ipvsadm -C
svc 1 with-s2 > /tmp/k.conf
kad -n -f /tmp/k.conf --socket /tmp/kad.sock >/tmp/kad.log 2>&1 &
pid=$!
i=0; while [ $i -lt 300 ] && ! [ -S /tmp/kad.sock ]; do sleep 0.1; i=$((i+1)); done
hup() {
    n=$(grep -c "$2" /tmp/kad.log)
    kill -HUP $pid
    i=0; while [ $i -lt 300 ] && [ "$(grep -c "$2" /tmp/kad.log)" = "$n" ]; do sleep 0.1; i=$((i+1)); done
    echo "=== $1"
    ipvsadm -S -n | sort
    grep "$2" /tmp/kad.log | tail -1 | sed 's/^.*reload/reload/'
}
echo "=== start"; ipvsadm -S -n | sort
echo "=== status"; kactl --socket /tmp/kad.sock status --json | tr -d '\n'; echo
echo "=== status-text"; kactl --socket /tmp/kad.sock status
svc 5 with-s2 > /tmp/k.conf; hup weight "IPVS reconciled"
# Broken as keepalived too refuses it (a keyword without its value: it
# aborts); what it merely corrects (an unknown lb_algo) would be applied.
printf 'virtual_server 10.0.0.1 80 {\n  lb_algo\n}\n' > /tmp/k.conf; hup broken "reload refused"
svc 5 only-s1 > /tmp/k.conf; hup removed "IPVS reconciled"
kill -TERM $pid; wait $pid
echo "=== stopped"; ipvsadm -S -n | sort
