//! The large configurations of the benchmarks, generated: SERVICES NAT
//! services × 4 real servers.

use std::fmt::Write as _;

/// `n` services × 4 real servers. `changed`: the first service's 4th
/// server weighs 9 instead of 4 — the one real server a reload changes.
/// `checked`: each service's first server has a TCP_CHECK (against a
/// closed port on loopback: fails at once, 30 s apart), so that the
/// checkers' state is as large as the table.
pub fn services(n: usize, changed: bool, checked: bool) -> String {
    let mut conf = String::new();
    for i in 0..n {
        let vip = format!("10.{}.{}.{}", 100 + i / 65536, (i / 256) % 256, i % 256);
        let _ = writeln!(
            conf,
            "virtual_server {vip} 80 {{\n protocol TCP\n lb_algo wlc\n lb_kind NAT"
        );
        if checked {
            let _ = writeln!(conf, " delay_loop 30");
        }
        for r in 1..=4u32 {
            let rip = format!("172.16.{}.{}", i % 250, r);
            let w = if i == 0 && r == 4 && changed { 9 } else { r };
            if checked && r == 1 {
                let _ = writeln!(
                    conf,
                    " real_server {rip} 8080 {{ weight {w}\n  TCP_CHECK {{ connect_ip 127.0.0.1 connect_port 9 }}\n }}"
                );
            } else {
                let _ = writeln!(conf, " real_server {rip} 8080 {{ weight {w} }}");
            }
        }
        let _ = writeln!(conf, "}}");
    }
    conf
}
