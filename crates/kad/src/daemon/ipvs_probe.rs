//! Whether this kernel has IPVS at all. kad says so once and carries on
//! with VRRP when it has not; it never pretends to have programmed it.

pub fn available() -> bool {
    // This thread's namespace (or net_namespace_ipvs's): /proc/net is the
    // main thread's.
    super::ipvs_netns::within(|| std::path::Path::new("/proc/thread-self/net/ip_vs").exists())
        .unwrap_or(false)
}
