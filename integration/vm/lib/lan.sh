# Shared by the VM scenarios: a bridge br0 (10.0.0.1/24) in the director's
# namespace and one namespace per host on it.
# Usage: lan NAME:LASTOCTET ...   (e.g. lan c:100 r1:11 r2:12)
IP=/usr/bin/ip
BB=/bin/busybox
lan() {
    $IP link add br0 type bridge && $IP link set br0 up
    $IP addr add 10.0.0.1/24 dev br0
    for h in "$@"; do
        lan_join ${h%%:*} ${h##*:}
    done
}
# lan_join NAME LASTOCTET: one more namespace on br0 (eth0 = 10.0.0.LASTOCTET).
lan_join() {
    $IP netns add $1
    $IP link add v$1 type veth peer name eth0 netns $1
    $IP link set v$1 master br0 up
    $IP netns exec $1 $IP addr add 10.0.0.$2/24 dev eth0
    $IP netns exec $1 $IP link set eth0 up
    $IP netns exec $1 $IP link set lo up
}
# backup_director NAME SYNCID: the DR service 10.0.0.50:80 -> 10.0.0.11:80
# set up with ipvsadm and the kernel's backup sync daemon on eth0.
backup_director() {
    $IP netns exec $1 ipvsadm -A -t 10.0.0.50:80 -s rr ${3:-}
    $IP netns exec $1 ipvsadm -a -t 10.0.0.50:80 -r 10.0.0.11:80 -g
    $IP netns exec $1 ipvsadm --start-daemon backup --mcast-interface eth0 --syncid $2
}
# DR real servers: the VIP on lo, never answering ARP for it.
dr_real_servers() {
    vip=$1; shift
    for r in "$@"; do
        $IP netns exec $r $IP addr add $vip/32 dev lo
        $IP netns exec $r $BB sh -c 'echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore; echo 2 > /proc/sys/net/ipv4/conf/all/arp_announce'
    done
}
# Eight HTTP/1.0 requests from namespace c to VIP:PORT (default
# 10.0.0.50:80) under a "=== NAME" header; prints the last line of each
# answer (or "none").
requests() {
    echo "=== $1"
    vip=${2:-10.0.0.50}; vport=${3:-80}
    j=0
    while [ $j -lt 8 ]; do
        # busybox wget crashes inside a namespace; nc speaks HTTP/1.0 fine.
        r=$(printf 'GET / HTTP/1.0\r\n\r\n' | $IP netns exec c $BB nc -w 3 $vip $vport | tail -1)
        echo "${r:-none}"
        j=$((j+1))
    done
}
