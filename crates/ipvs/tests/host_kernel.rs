//! The IPVS client against the running kernel. The build machines' kernel
//! has no IPVS: the client must say so (and not pretend); in the VM, with
//! IPVS, it reads the table.

use kad_ipvs::netlink::client::{Client, IpvsError};

#[test]
fn client_tells_whether_the_kernel_has_ipvs() {
    let has_ipvs = std::path::Path::new("/proc/net/ip_vs").exists();
    match Client::open() {
        Err(IpvsError::NotAvailable) => {
            assert!(!has_ipvs, "IPVS exists but the family did not resolve")
        }
        Ok(mut c) => {
            assert!(
                has_ipvs,
                "resolved IPVS on a kernel without /proc/net/ip_vs"
            );
            c.table().expect("dump the table");
        }
        Err(e) => panic!("unexpected: {e}"),
    }
}
