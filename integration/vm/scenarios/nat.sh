# LVS-NAT: the client on its own subnet (10.2.0.0/24) reaches the VIP on the
# director; real servers (10.0.0.0/24) route back through the director.
. /lib-kad/lan.sh
echo 1 > /proc/sys/net/ipv4/ip_forward
lan r1:11 r2:12
for name in r1 r2; do
    $IP netns exec $name $IP route add default via 10.0.0.1
    mkdir -p /tmp/www-$name && echo $name > /tmp/www-$name/index.html
    $IP netns exec $name $BB httpd -p 8080 -h /tmp/www-$name
done
$IP netns add c
$IP link add vc type veth peer name eth0 netns c
$IP addr add 10.2.0.1/24 dev vc && $IP link set vc up
$IP netns exec c $IP addr add 10.2.0.100/24 dev eth0
$IP netns exec c $IP link set eth0 up
$IP netns exec c $IP route add default via 10.2.0.1
cat > /tmp/k.conf <<EOT
virtual_server 10.2.0.1 80 {
    protocol TCP
    lb_algo wrr
    lb_kind NAT
    real_server 10.0.0.11 8080 { weight 1 }
    real_server 10.0.0.12 8080 { weight 3 }
}
EOT
kad -n -f /tmp/k.conf --socket /tmp/kad.sock >/tmp/kad.log 2>&1 &
pid=$!
i=0; while [ $i -lt 300 ] && ! [ -S /tmp/kad.sock ]; do sleep 0.1; i=$((i+1)); done
requests nat-1-3 10.2.0.1 80
kill -TERM $pid; wait $pid
