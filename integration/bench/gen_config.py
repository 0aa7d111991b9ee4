#!/usr/bin/env python3
"""Write a keepalived.conf with N virtual_servers of 4 real_servers, each
with a TCP_CHECK (the shape of the parse benchmark)."""
import sys

def main():
    n = int(sys.argv[1])
    out = sys.stdout
    out.write("global_defs {\n    router_id bench\n}\n\n")
    for i in range(n):
        a, b = divmod(i, 250)
        vip = f"10.{a // 250}.{a % 250}.{b + 1}"
        out.write(f"virtual_server {vip} 80 {{\n    delay_loop 6\n    lb_algo wrr\n    lb_kind NAT\n    protocol TCP\n\n")
        for r in range(4):
            out.write(f"    real_server 172.16.{i % 250}.{r + 1} 8080 {{\n        weight {r + 1}\n"
                      f"        TCP_CHECK {{\n            connect_timeout 3\n        }}\n    }}\n")
        out.write("}\n\n")

main()
