//! `nftables_ifindex`: keepalived matches a blocked IPv6 link-local VIP
//! together with its interface. For an instance with `dont_track_primary`
//! it uses the interface's name (set `vips_link_local_name`, `iifname` /
//! `oifname`), unless `nftables_ifindex` asks for the index (set
//! `vips_link_local`, `iif` / `oif`), which every other instance uses.
//! Witness: `nft list ruleset` of Debian's keepalived 2.2.7 and of kad,
//! each MASTER of its own instance with the same options.

use kad_integration::netns::{wait_for, Lab};
use std::time::Duration;

fn ruleset(lab: &Lab, h: usize) -> String {
    kad_integration::require("nft");
    String::from_utf8_lossy(&lab.exec(h, "nft list ruleset").stdout).into_owned()
}

/// The ruleset's words (counters differ from run to run; none are set).
fn shape(ruleset: &str) -> String {
    ruleset.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// keepalived on h0, kad on h1, each MASTER of a strict IPv6 instance with
/// `dont_track_primary` and a link-local VIP; `global` goes in global_defs.
/// Returns both rulesets once both block the VIP.
fn rulesets(global: &str) -> (String, String) {
    let mut lab = Lab::new(2);
    let text = format!(
        "global_defs {{\n  vrrp_strict\n{global}\n}}\n\
         vrrp_instance V6 {{\n  interface eth0\n  dont_track_primary\n\
         @h0 virtual_router_id 52\n@h1 virtual_router_id 53\n\
           priority 100\n  advert_int 1\n  virtual_ipaddress {{\n    fe80::100/64\n  }}\n}}\n"
    );
    let c = lab.write("k.conf", &text);
    let ka = lab.keepalived(0, &c, "h0");
    let kad = lab.kad(1, &c, "h1");
    let ready = |lab: &Lab, h: usize| ruleset(lab, h).contains("fe80::100 . \"eth0\"");
    assert!(
        wait_for(Duration::from_secs(10), || ready(&lab, 0) && ready(&lab, 1)),
        "keepalived:\n{}\nkad:\n{}\n{}",
        ruleset(&lab, 0),
        ruleset(&lab, 1),
        lab.log("kad1.log")
    );
    let both = (ruleset(&lab, 0), ruleset(&lab, 1));
    lab.signal(ka, "TERM");
    lab.signal(kad, "TERM");
    assert!(lab.wait(kad, Duration::from_secs(5)).is_some());
    assert!(lab.wait(ka, Duration::from_secs(5)).is_some());
    both
}

#[test]
fn dont_track_primary_matches_link_local_vips_by_name() {
    let (ka, kad) = rulesets("");
    assert!(
        kad.contains("set vips_link_local_name")
            && kad.contains("type ipv6_addr . ifname")
            && kad.contains("ip6 daddr . iifname @vips_link_local_name drop")
            && kad.contains("ip6 saddr . oifname @vips_link_local_name drop"),
        "{kad}"
    );
    assert!(!kad.contains("iface_index"), "{kad}");
    assert_eq!(shape(&kad), shape(&ka), "kad:\n{kad}\nkeepalived:\n{ka}");
}

#[test]
fn nftables_ifindex_matches_them_by_index() {
    let (ka, kad) = rulesets("  nftables_ifindex");
    assert!(
        kad.contains("set vips_link_local {")
            && kad.contains("type ipv6_addr . iface_index")
            && kad.contains("ip6 daddr . iif @vips_link_local drop")
            && kad.contains("ip6 saddr . oif @vips_link_local drop"),
        "{kad}"
    );
    assert!(!kad.contains("vips_link_local_name"), "{kad}");
    assert_eq!(shape(&kad), shape(&ka), "kad:\n{kad}\nkeepalived:\n{ka}");
}
