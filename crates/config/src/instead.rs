//! What a kad operator uses instead of each keyword kad accepts but does
//! not act on (`Support::Ignored`): one line per keyword, shown in the
//! note a configuration gets (`'X' is accepted but not supported by kad;
//! ignored: ...`) and in the keyword reference. Kept in one table so the
//! note and the reference cannot say different things, and so a test can
//! hold it to the keyword tables (`tests/keyword_status.rs`): every
//! ignored keyword has a line, every line names an ignored keyword.
//!
//! Each line names a kad feature that exists (an acting keyword, a flag,
//! a `kactl` command) or says why nothing is needed. A keyword ignored in
//! several blocks (`track_bfd`, `snmp_name`, `linkbeat_use_polling`)
//! means the same in each, so it has one line.

/// keyword → what to use instead. No `|`: the line is a Markdown cell.
pub static INSTEAD: &[(&str, &str)] = &[
    // SNMP: kad has no AgentX sub-agent.
    ("snmp_socket", SNMP),
    ("enable_snmp_vrrp", SNMP),
    ("enable_snmp_keepalived", SNMP),
    ("enable_snmp_checker", SNMP),
    ("enable_snmp_rfc", SNMP),
    ("enable_snmp_rfcv2", SNMP),
    ("enable_snmp_rfcv3", SNMP),
    (
        "enable_traps",
        "no SNMP traps: run a script on each change (`notify`, `vrrp_notify_fifo`, `notify_up`/`notify_down`), mail it (`smtp_alert`), or alert on `--metrics-listen` metrics",
    ),
    (
        "snmp_vs_stats_update_interval",
        "no SNMP: `--metrics-listen` reads the kernel's IPVS counters at each scrape, so there is no cache to age",
    ),
    (
        "snmp_rs_stats_update_interval",
        "no SNMP: `--metrics-listen` reads the kernel's IPVS counters at each scrape, so there is no cache to age",
    ),
    (
        "snmp_name",
        "no SNMP: `kactl status` and the `--metrics-listen` labels name servers by address (`[10.0.0.1]:tcp:80`)",
    ),
    // DBus: kad has a control socket instead.
    ("enable_dbus", DBUS),
    ("dbus_service_name", DBUS),
    (
        "dbus_no_interface_name",
        "no DBus: `kactl status --json` names each instance by its name, with its interface as a field",
    ),
    // Process names: keepalived's children have names; kad is one process.
    ("process_names", PROCESS_NAME),
    ("process_name", PROCESS_NAME),
    ("vrrp_process_name", PROCESS_NAME),
    ("checker_process_name", PROCESS_NAME),
    ("lvs_process_name", PROCESS_NAME),
    ("bfd_process_name", PROCESS_NAME),
    (
        "child_wait_time",
        "kad is one process: there are no child processes to wait for at stop",
    ),
    // BFD: kad has no BFD process.
    ("bfd_priority", BFD_SCHED),
    ("bfd_no_swap", BFD_SCHED),
    ("bfd_cpu_affinity", BFD_SCHED),
    ("bfd_rt_priority", BFD_SCHED),
    ("bfd_rlimit_rttime", BFD_SCHED),
    ("bfd_rlimit_rtime", BFD_SCHED),
    (
        "bfd_instance",
        "no BFD in kad: run BFD in BIRD or FRR (bfdd) and feed the session state to kad through a `track_file` or a `vrrp_script`",
    ),
    (
        "track_bfd",
        "no BFD in kad: run BFD in BIRD or FRR and track its state with `track_file` or `track_script` (VRRP), `FILE_CHECK` or `MISC_CHECK` (real server)",
    ),
    (
        "BFD_CHECK",
        "no BFD in kad: a `MISC_CHECK` script that asks BIRD or FRR for the session state, or a `FILE_CHECK` on a file it writes",
    ),
    // Scripts.
    (
        "use_symlink_paths",
        "kad resolves script paths as keepalived 2.2.7 does: there is no other mode",
    ),
    (
        "set_supplementary_groups",
        "a script run as another user gets no supplementary groups, keepalived's default: make the group it needs its own (`script_user USER GROUP`, `user USER GROUP`)",
    ),
    // Configuration files and reloads.
    (
        "include_check",
        "put the check on the include line (`includer` readable, `includem` a file must match, `includea` both); `--strict` makes every include problem an error",
    ),
    (
        "tmp_config_directory",
        "kad reads the configuration once, in its own memory: there is no copy to place",
    ),
    (
        "config_save_dir",
        "`kad --dump-config` prints the model as JSON; `kactl reload --json` says what a reload changed",
    ),
    (
        "reload_time_file",
        "schedule `kactl reload` (or `systemctl reload kad`, SIGHUP) from a systemd timer or cron",
    ),
    (
        "reload_repeat",
        "schedule `kactl reload` (or `systemctl reload kad`, SIGHUP) from a systemd timer or cron",
    ),
    (
        "reload_file",
        "write the files, then run `kactl reload`: it says what changed (or why nothing did), and a configuration with errors changes nothing",
    ),
    (
        "random_seed",
        "`${_RANDOM}` differs on each read: write fixed values where the configuration must repeat",
    ),
    ("iproute_usr_dir", IPROUTE),
    ("iproute_etc_dir", IPROUTE),
    // Dumps.
    (
        "stats_dump_file",
        "kad writes `keepalived.stats` in `$TMPDIR` (else /tmp): set `TMPDIR` in kad's environment to move it",
    ),
    (
        "json_dump_file",
        "kad writes `keepalived.json` in `$TMPDIR` (else /tmp): set `TMPDIR` in kad's environment to move it; or read `kactl status --json`",
    ),
    // VRRP.
    (
        "log_unknown_vrids",
        "kad drops adverts for VRIDs it has no instance for without a word: see them with `tcpdump -ni IF vrrp`",
    ),
    (
        "vrrp_rx_bufs_policy",
        "kad's VRRP sockets keep the kernel's default receive buffer: size it with the `net.core.rmem_default` sysctl",
    ),
    (
        "vrrp_rx_bufs_multiplier",
        "kad's VRRP sockets keep the kernel's default receive buffer: size it with the `net.core.rmem_default` sysctl",
    ),
    (
        "kernel_rx_buf_size",
        "kad's VRRP sockets keep the kernel's default receive buffer: size it with the `net.core.rmem_default` sysctl",
    ),
    ("vrrp_garp_extra_if", GARP_EXTRA_IF),
    ("vrrp_vmac_garp_intvl", GARP_EXTRA_IF),
    ("garp_extra_if", GARP_EXTRA_IF),
    (
        "use_vmac_addr",
        "kad's `use_vmac` makes one VMAC, on the instance's `interface`, and puts the instance's VIPs on it: put the addresses that need the virtual MAC there",
    ),
    (
        "use_ipvlan",
        "use `use_vmac` (a macvlan carrying the virtual router MAC)",
    ),
    (
        "vrf",
        "give the instance its `interface`: kad binds an instance's adverts to it",
    ),
    (
        "auth_hmac",
        "kad has `authentication { auth_type PASS }` only; against forged adverts use unicast with `check_unicast_src` (adverts only from `unicast_peer`s) or filter VRRP in the firewall",
    ),
    (
        "old_unicast_checksum",
        "kad sends and checks the checksum of keepalived since 1.3.6 (RFC 5798, or `v3_checksum_as_v2`): upgrade the older peers",
    ),
    (
        "debug",
        "not implemented in keepalived either: `kad -D` gives detailed logs",
    ),
    ("linkbeat_use_polling", LINK_EVENTS),
    ("linkbeat_interfaces", LINK_EVENTS),
    (
        "track_group",
        "kad puts deleted static addresses, routes and rules back; to fault instances when one is missing, check it in a `vrrp_script` (`track_script`)",
    ),
    (
        "disable_local_igmp",
        "set `sysctl net.ipv4.igmp_link_local_mcast_reports=0` yourself: it is all the keyword does",
    ),
    // Firewall and IPVS.
    (
        "vrrp_ipsets",
        "kad's firewall rules (`vrrp_strict`) live in an nftables table (`nftables`, `vrrp_iptables`): there are no ipsets to name",
    ),
    (
        "namespace_with_ipsets",
        "kad's firewall rules live in an nftables table, and nftables works in every network namespace: nothing to enable",
    ),
    ("nftables_ipvs", NFT_IPVS),
    ("nftables_ipvs_priority", NFT_IPVS),
    ("nftables_ipvs_start_fwmark", NFT_IPVS),
];

const SNMP: &str = "no SNMP agent: scrape Prometheus metrics from `--metrics-listen ADDR:PORT`, or read `kactl status --json`";

const DBUS: &str = "no DBus: read state with `kactl status --json`, change it with `kactl failover` / `kactl priority`";

const PROCESS_NAME: &str = "kad is one process (`kad`), logging under keepalived's syslog idents: `instance NAME` or `-s NAME` tells two apart";

const BFD_SCHED: &str =
    "no BFD process in kad: the `vrrp_*` and `checker_*` scheduling keywords set kad's VRRP and checker threads";

const GARP_EXTRA_IF: &str = "kad announces only the VIPs on the instance's own interface: put those that need GARPs there, with `vrrp_garp_master_refresh` for the repeats";

const IPROUTE: &str = "kad reads no iproute2 name files: give routing tables by number (or `main`, `local`, `default`)";

const LINK_EVENTS: &str =
    "kad follows link state from rtnetlink events (`track_interface`): nothing to poll";

const NFT_IPVS: &str = "kad programs each address of a `virtual_server_group` as its own IPVS service: there are no fwmarks to allocate";

/// What to use instead of `keyword`, an ignored keyword.
pub fn advice(keyword: &str) -> Option<&'static str> {
    INSTEAD.iter().find(|(k, _)| *k == keyword).map(|(_, a)| *a)
}
