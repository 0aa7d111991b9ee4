# kad's IPVS audit (kad's own lvs_audit_interval, here 1 s): a destination
# kad owns deleted with `ipvsadm -d` comes back, a weight changed with
# `ipvsadm -e` is restored, a destination added by hand to kad's service is
# removed, and a service added by hand (not in kad's configuration) is left
# exactly as it is through several audits. Each repair is in kad's log.
cat > /tmp/k.conf <<EOF
global_defs {
    lvs_audit_interval 1
}
virtual_server 10.0.0.50 80 {
    protocol TCP
    lb_algo rr
    lb_kind NAT
    real_server 10.0.0.11 80 {
        weight 1
    }
    real_server 10.0.0.12 80 {
        weight 2
    }
}
EOF
kad -n -f /tmp/k.conf --socket /tmp/kad.sock >/tmp/kad.log 2>&1 &
kpid=$!
i=0; while [ $i -lt 300 ] && ! [ -S /tmp/kad.sock ]; do sleep 0.1; i=$((i+1)); done
# Centiseconds since boot.
now() { cut -d' ' -f1 /proc/uptime | tr -d .; }
table() { echo "=== $1"; ipvsadm -Ln | grep -E "^TCP|->" | grep 10.0.0 | sed 's/  */ /g'; }
# drift NAME CHANGE CHECK: make CHANGE with ipvsadm, then poll CHECK every
# 50 ms (up to 20 s); print how long after the change it held.
drift() {
    name=$1
    t0=$(now)
    eval "$2"
    i=0
    while [ $i -lt 400 ] && ! eval "$3" >/dev/null 2>&1; do sleep 0.05; i=$((i+1)); done
    echo "=== $name"
    if eval "$3" >/dev/null 2>&1; then echo "after $(( ($(now) - t0) * 10 )) ms"; else echo "never"; fi
}
table before
# A destination kad owns, deleted by hand.
drift deleted-back "ipvsadm -d -t 10.0.0.50:80 -r 10.0.0.12:80" \
    "ipvsadm -Ln -t 10.0.0.50:80 | grep -q -- '-> 10.0.0.12:80 *Masq *2 '"
# A weight changed by hand.
drift weight-back "ipvsadm -e -t 10.0.0.50:80 -r 10.0.0.11:80 -m -w 5" \
    "ipvsadm -Ln -t 10.0.0.50:80 | grep -q -- '-> 10.0.0.11:80 *Masq *1 '"
# A destination added by hand to kad's service.
drift added-gone "ipvsadm -a -t 10.0.0.50:80 -r 10.0.0.19:80 -m -w 1" \
    "! ipvsadm -Ln -t 10.0.0.50:80 | grep -q 10.0.0.19"
# A service of someone else's: several audits later, as it was.
ipvsadm -A -t 10.0.0.60:80 -s wlc
ipvsadm -a -t 10.0.0.60:80 -r 10.0.0.13:80 -m -w 3
ipvsadm -a -t 10.0.0.60:80 -r 10.0.0.14:80 -g -w 0
table foreign-before
sleep 4
table foreign-after
table after
echo "=== log"
grep "IPVS audit" /tmp/kad.log
kill -TERM $kpid; wait $kpid
table stopped
