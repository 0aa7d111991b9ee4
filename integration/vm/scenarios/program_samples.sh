# kad programs each sample's virtual servers; ipvsadm reads them back.
# Output per sample: "=== NAME" then `ipvsadm -S -n`, sorted.
# The samples' VRRP instances name eth0 and eth1: give them dummies.
ip link add eth0 type dummy && ip addr add 192.168.200.2/24 dev eth0 && ip link set eth0 up
ip link add eth1 type dummy && ip addr add 192.168.201.2/24 dev eth1 && ip link set eth1 up
# The MISC_CHECK samples run /usr/local/bin/script.sh; without it the check
# fails at once and races the snapshot below. A passing script keeps the
# start-up table (what this test compares) stable.
# The samples' other real servers sit behind the dummies too, so their probes
# hang until connect_timeout instead of failing at once with "no route".
ip route add 10.0.0.0/8 dev eth0
ip -6 addr add ae00::2/64 dev eth1 nodad
mkdir -p /usr/local/bin && printf '#!/bin/sh\nexit 0\n' >/usr/local/bin/script.sh && chmod +x /usr/local/bin/script.sh
for f in /samples/*; do
    name=$(basename "$f")
    grep -q virtual_server "$f" || continue
    # kad refuses auth_type AH (it does not implement it; see README); the
    # SSL_GET sample's VRRP instance uses it. This test is about the
    # virtual servers, so that instance authenticates with PASS here.
    if grep -q "auth_type AH" "$f"; then
        sed 's/auth_type AH/auth_type PASS/' "$f" >/tmp/sample.conf
        f=/tmp/sample.conf
    fi
    ipvsadm -C
    kad -n -f "$f" -i high --socket /tmp/kad.sock >/tmp/kad.log 2>&1 &
    pid=$!
    i=0
    # Ready when the control socket is up (the emulated CPU is slow).
    while [ $i -lt 300 ] && ! [ -S /tmp/kad.sock ]; do sleep 0.1; i=$((i+1)); done
    echo "=== $name"
    ipvsadm -S -n | sort
    grep "IPVS:" /tmp/kad.log | sed 's/^.*IPVS:/IPVS:/'
    kill -TERM $pid
    wait $pid
    echo "kad exit: $?"
    tail -4 /tmp/kad.log | sed 's/^/log: /'
    echo "--- after stop"
    ipvsadm -S -n | sort
done
