//! `vrrp_netlink_cmd_rcv_bufs`, `vrrp_netlink_monitor_rcv_bufs`,
//! `lvs_netlink_cmd_rcv_bufs`, `lvs_netlink_monitor_rcv_bufs` and their
//! `_force`: the receive buffer of each rtnetlink socket, as the kernel
//! reports it (`ss -f netlink -e -m`, `rb`), for kad in one namespace and
//! keepalived 2.2.7 (VRRP side, its IPVS side needs the VM) in another.
//!
//! The kernel keeps twice the size asked; `SO_RCVBUF` is capped at
//! `net.core.rmem_max` first, `SO_RCVBUFFORCE` is not. rmem_max is the
//! host's (read-only in a namespace), so the sizes are chosen above it:
//! a forced size and an unforced one end up apart, and both apart from
//! the 64 KiB keepalived sets when no size is configured.
//!
//! The sockets are told apart by their multicast groups: a command socket
//! joins none, a monitor some. kad's VRRP side has its command socket and
//! three monitors (links; addresses; deletions of addresses, routes and
//! rules), its checker side a command socket (the address dump of
//! `ha_suspend`) and an address monitor.

use kad_integration::netns::{wait_for, Lab};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

fn rmem_max() -> u64 {
    std::fs::read_to_string("/proc/sys/net/core/rmem_max")
        .expect("rmem_max")
        .trim()
        .parse()
        .expect("rmem_max")
}

/// What the kernel reports for `size` asked with or without force.
fn rb(size: u64, force: bool) -> u64 {
    if force {
        2 * size
    } else {
        2 * size.min(rmem_max())
    }
}

/// One rtnetlink socket of a process: its groups (0: a command socket)
/// and its receive buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Sock {
    groups: u32,
    rb: u64,
}

/// Socket inodes held by `pid`.
fn inodes(pid: u32) -> BTreeSet<u64> {
    let Ok(rd) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return BTreeSet::new();
    };
    rd.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy().into_owned();
            l.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
        })
        .collect()
}

/// The rtnetlink sockets of `pid` in host h's namespace: the inodes the
/// process holds, their port ids and groups from /proc/net/netlink, and
/// `rb` of those ports from ss.
fn rtnl_socks(lab: &Lab, h: usize, pid: u32) -> Vec<Sock> {
    let mine = inodes(pid);
    let table = String::from_utf8_lossy(&lab.exec(h, "cat /proc/net/netlink").stdout).into_owned();
    // Port id (as ss prints it, signed) -> groups.
    let mut ports: HashMap<i32, u32> = HashMap::new();
    for l in table.lines().skip(1) {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() < 10 || f[1] != "0" {
            continue;
        }
        let (Ok(port), Ok(groups), Ok(ino)) = (
            f[2].parse::<u32>(),
            u32::from_str_radix(f[3], 16),
            f[9].parse::<u64>(),
        ) else {
            continue;
        };
        if mine.contains(&ino) {
            ports.insert(port as i32, groups);
        }
    }
    let ss = String::from_utf8_lossy(&lab.exec(h, "ss -f netlink -e -m -n").stdout).into_owned();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for l in ss.lines() {
        // `-n`: the local address is PROTOCOL:PORT, rtnetlink's protocol 0.
        let Some(port) = l
            .split_whitespace()
            .find_map(|w| w.strip_prefix("0:"))
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        let Some(&groups) = ports.get(&port) else {
            continue;
        };
        let Some(rb) = l
            .split("rb")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .and_then(|r| r.parse().ok())
        else {
            continue;
        };
        // ss lists a socket more than once.
        if seen.insert(port) {
            out.push(Sock { groups, rb });
        }
    }
    out.sort();
    out
}

/// The buffers of the command sockets (no groups) and of the monitors.
fn split(socks: &[Sock]) -> (Vec<u64>, Vec<u64>) {
    let mut cmd: Vec<u64> = socks
        .iter()
        .filter(|s| s.groups == 0)
        .map(|s| s.rb)
        .collect();
    let mut mon: Vec<u64> = socks
        .iter()
        .filter(|s| s.groups != 0)
        .map(|s| s.rb)
        .collect();
    cmd.sort();
    mon.sort();
    (cmd, mon)
}

/// (size, force) of each of the four sockets.
struct Bufs {
    vrrp_cmd: (u64, bool),
    vrrp_monitor: (u64, bool),
    lvs_cmd: (u64, bool),
    lvs_monitor: (u64, bool),
}

/// `SIZE_KW size` and, when forced, `FORCE_KW`.
fn keywords(size_kw: &str, force_kw: &str, (size, force): (u64, bool)) -> String {
    let mut s = format!(" {size_kw} {size}\n");
    if force {
        s.push_str(&format!(" {force_kw}\n"));
    }
    s
}

fn vrrp_globals(b: &Bufs) -> String {
    keywords(
        "vrrp_netlink_cmd_rcv_bufs",
        "vrrp_netlink_cmd_rcv_bufs_force",
        b.vrrp_cmd,
    ) + &keywords(
        "vrrp_netlink_monitor_rcv_bufs",
        "vrrp_netlink_monitor_rcv_bufs_force",
        b.vrrp_monitor,
    )
}

fn lvs_globals(b: &Bufs) -> String {
    keywords(
        "lvs_netlink_cmd_rcv_bufs",
        "lvs_netlink_cmd_rcv_bufs_force",
        b.lvs_cmd,
    ) + &keywords(
        "lvs_netlink_monitor_rcv_bufs",
        "lvs_netlink_monitor_rcv_bufs_force",
        b.lvs_monitor,
    )
}

fn instance(lab: &Lab, vrid: u8) -> String {
    format!(
        "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id {vrid}\n priority 100\n advert_int 1\n\
          virtual_ipaddress {{\n 10.{net}.9.{vrid}/24\n }}\n}}\n",
        net = lab.net
    )
}

/// kad's and keepalived's configurations: kad with a checker whose
/// virtual server has `ha_suspend` (its command socket is bound by the
/// address dump that asks for).
fn confs(lab: &Lab, globals: &str, ka_globals: &str) -> (String, String) {
    let kad = format!(
        "global_defs {{\n router_id rb\n{globals}}}\n{vi}\
         virtual_server 10.{net}.9.80 80 {{\n delay_loop 1\n lb_kind DR\n protocol TCP\n ha_suspend\n\
          real_server 10.{net}.0.2 80 {{\n  TCP_CHECK {{\n   connect_timeout 1\n  }}\n }}\n}}\n",
        vi = instance(lab, 41),
        net = lab.net
    );
    let ka = format!(
        "global_defs {{\n router_id rb\n{ka_globals}}}\n{}",
        instance(lab, 42)
    );
    (kad, ka)
}

/// What the sockets must show: kad's command sockets (VRRP's, the
/// checker's) and monitors (VRRP's three, the checker's), keepalived's
/// VRRP command socket and monitor; each sorted.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    kad_cmd: Vec<u64>,
    kad_mon: Vec<u64>,
    ka_cmd: Vec<u64>,
    ka_mon: Vec<u64>,
}

fn expected(b: &Bufs) -> Seen {
    let (vc, vm) = (
        rb(b.vrrp_cmd.0, b.vrrp_cmd.1),
        rb(b.vrrp_monitor.0, b.vrrp_monitor.1),
    );
    let (lc, lm) = (
        rb(b.lvs_cmd.0, b.lvs_cmd.1),
        rb(b.lvs_monitor.0, b.lvs_monitor.1),
    );
    let mut kad_cmd = vec![vc, lc];
    kad_cmd.sort();
    let mut kad_mon = vec![vm, vm, vm, lm];
    kad_mon.sort();
    Seen {
        kad_cmd,
        kad_mon,
        ka_cmd: vec![vc],
        ka_mon: vec![vm],
    }
}

/// kad on host 0 with all four, keepalived on host 1 with the VRRP two.
struct Pair {
    lab: Lab,
    kad: usize,
    ka: usize,
}

impl Pair {
    fn start(globals: &str, ka_globals: &str) -> Pair {
        let mut lab = Lab::new(2);
        let (kad_conf, ka_conf) = confs(&lab, globals, ka_globals);
        let kad_conf = lab.write("kad.conf", &kad_conf);
        let ka_conf = lab.write("ka.conf", &ka_conf);
        let kad = lab.kad(0, &kad_conf, "rb");
        let ka = lab.keepalived(1, &ka_conf, "rb");
        Pair { lab, kad, ka }
    }

    fn seen(&self) -> Seen {
        let kav_pid = self.lab.dir.path().join("kav1.pid");
        let ka_vrrp: Option<u32> = std::fs::read_to_string(kav_pid)
            .ok()
            .and_then(|p| p.trim().parse().ok());
        let (kad_cmd, kad_mon) = split(&rtnl_socks(&self.lab, 0, self.lab.pid(self.kad)));
        let (ka_cmd, ka_mon) =
            ka_vrrp.map_or_else(Default::default, |p| split(&rtnl_socks(&self.lab, 1, p)));
        Seen {
            kad_cmd,
            kad_mon,
            ka_cmd,
            ka_mon,
        }
    }

    /// Each socket's buffer becomes what the kernel gives for `want`, in
    /// kad and in keepalived.
    fn expect(&self, want: &Bufs) {
        let want = expected(want);
        let mut seen = self.seen();
        wait_for(Duration::from_secs(10), || {
            seen = self.seen();
            seen == want
        });
        assert_eq!(
            seen,
            want,
            "{}\n{}",
            self.lab.log("kad0.log"),
            self.lab.log("keepalived1.log")
        );
    }

    /// Both reload a new configuration.
    fn reload(&self, globals: &str, ka_globals: &str) {
        let (kad_conf, ka_conf) = confs(&self.lab, globals, ka_globals);
        self.lab.write("kad.conf", &kad_conf);
        self.lab.write("ka.conf", &ka_conf);
        self.lab.signal(self.kad, "HUP");
        self.lab.signal(self.ka, "HUP");
    }
}

fn run(globals: &str, ka_globals: &str, want: &Bufs) {
    Pair::start(globals, ka_globals).expect(want);
}

#[test]
fn without_keywords_every_socket_has_keepalived_s_64k() {
    let d = (65536, false);
    run(
        "",
        "",
        &Bufs {
            vrrp_cmd: d,
            vrrp_monitor: d,
            lvs_cmd: d,
            lvs_monitor: d,
        },
    );
}

#[test]
fn vrrp_buffers_forced_past_rmem_max_lvs_ones_capped() {
    let m = rmem_max();
    let b = Bufs {
        vrrp_cmd: (m + 4096, true),
        vrrp_monitor: (m + 8192, true),
        lvs_cmd: (m + 12288, false),
        lvs_monitor: (m / 2 + 4096, false),
    };
    run(
        &(vrrp_globals(&b) + &lvs_globals(&b)),
        &vrrp_globals(&b),
        &b,
    );
}

#[test]
fn lvs_buffers_forced_past_rmem_max_vrrp_ones_capped() {
    let m = rmem_max();
    let b = Bufs {
        vrrp_cmd: (m / 2 + 4096, false),
        vrrp_monitor: (m + 4096, false),
        lvs_cmd: (m + 8192, true),
        lvs_monitor: (m + 12288, true),
    };
    // `_force` takes a boolean ("false" undoes an earlier one), in any
    // order with the size; a size of 0 leaves the one before.
    let vrrp = vrrp_globals(&b)
        + " vrrp_netlink_monitor_rcv_bufs_force\n vrrp_netlink_monitor_rcv_bufs_force false\n";
    let lvs = format!(
        " lvs_netlink_cmd_rcv_bufs {}\n lvs_netlink_cmd_rcv_bufs_force\n lvs_netlink_cmd_rcv_bufs 0\n\
         lvs_netlink_monitor_rcv_bufs_force yes\n lvs_netlink_monitor_rcv_bufs {}\n",
        b.lvs_cmd.0, b.lvs_monitor.0
    );
    run(&(vrrp.clone() + &lvs), &vrrp, &b);
}

#[test]
fn a_reload_sets_every_buffer_again() {
    let m = rmem_max();
    let before = Bufs {
        vrrp_cmd: (m + 4096, true),
        vrrp_monitor: (m / 2 + 4096, false),
        lvs_cmd: (m + 8192, true),
        lvs_monitor: (m / 2 + 8192, false),
    };
    let after = Bufs {
        vrrp_cmd: (m / 2 + 12288, false),
        vrrp_monitor: (m + 12288, true),
        lvs_cmd: (m / 2 + 16384, false),
        lvs_monitor: (m + 16384, true),
    };
    let p = Pair::start(
        &(vrrp_globals(&before) + &lvs_globals(&before)),
        &vrrp_globals(&before),
    );
    p.expect(&before);
    p.reload(
        &(vrrp_globals(&after) + &lvs_globals(&after)),
        &vrrp_globals(&after),
    );
    p.expect(&after);
}
