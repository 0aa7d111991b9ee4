//! Whether this kernel has IPVS at all. kad says so once and carries on
//! with VRRP when it has not; it never pretends to have programmed it.

pub fn available() -> bool {
    std::path::Path::new("/proc/net/ip_vs").exists()
}
