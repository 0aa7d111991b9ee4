//! The VMAC's macvlan through rtnetlink (crate::vmac decides what), and
//! the `/proc/sys/net` settings keepalived makes around it.

use super::{nl, os, IoError};
use futures::TryStreamExt;
use netlink_packet_route::link::{InfoKind, LinkAttribute, LinkInfo, MacVlanMode};
use rtnetlink::{LinkMacVlan, LinkUnspec};

/// Whether interface `name` exists, and if so whether it is a macvlan.
async fn kind(handle: &rtnetlink::Handle, name: &str) -> Result<Option<(u32, bool)>, IoError> {
    let mut links = handle.link().get().match_name(name.to_string()).execute();
    match links.try_next().await {
        Ok(Some(l)) => {
            let macvlan = l.attributes.iter().any(|a| match a {
                LinkAttribute::LinkInfo(i) => i
                    .iter()
                    .any(|x| matches!(x, LinkInfo::Kind(InfoKind::MacVlan))),
                _ => false,
            });
            Ok(Some((l.header.index, macvlan)))
        }
        Ok(None) => Ok(None),
        Err(rtnetlink::Error::NetlinkError(e)) if e.raw_code() == -libc::ENODEV => Ok(None),
        Err(e) => Err(nl(format!("reading link {name}"))(e)),
    }
}

/// Create macvlan `name` (private mode, MAC `mac`) on interface
/// `base`, left down. A macvlan of that name left behind (by an earlier
/// run, or on another base, or with another MAC) is deleted first, as
/// keepalived replaces one that does not match; any other interface of
/// that name is a conflict.
pub async fn create(
    handle: &rtnetlink::Handle,
    name: &str,
    base: u32,
    mac: [u8; 6],
) -> Result<(), IoError> {
    match kind(handle, name).await? {
        Some((index, true)) => delete(handle, index, name).await?,
        Some((_, false)) => {
            return Err(IoError::Os {
                what: format!("VMAC {name} conflicts with existing interface"),
                source: std::io::Error::from_raw_os_error(libc::EEXIST),
            })
        }
        None => {}
    }
    let msg = LinkMacVlan::new(name, base, MacVlanMode::Private)
        .address(mac.to_vec())
        .build();
    handle
        .link()
        .add(msg)
        .execute()
        .await
        .map_err(nl(format!("creating VMAC interface {name}")))
}

/// Bring interface `index` up.
pub async fn up(handle: &rtnetlink::Handle, index: u32, name: &str) -> Result<(), IoError> {
    let msg = LinkUnspec::new_with_index(index).up().build();
    handle
        .link()
        .set(msg)
        .execute()
        .await
        .map_err(nl(format!("setting {name} up")))
}

/// Delete interface `index`; one already gone is fine.
pub async fn delete(handle: &rtnetlink::Handle, index: u32, name: &str) -> Result<(), IoError> {
    match handle.link().del(index).execute().await {
        Ok(()) => Ok(()),
        Err(rtnetlink::Error::NetlinkError(e)) if e.raw_code() == -libc::ENODEV => Ok(()),
        Err(e) => Err(nl(format!("removing VMAC interface {name}"))(e)),
    }
}

fn path(ipv6: bool, interface: &str, key: &str) -> String {
    let fam = if ipv6 { "ipv6" } else { "ipv4" };
    format!("/proc/sys/net/{fam}/conf/{interface}/{key}")
}

/// Read `net.ipv{4,6}.conf.IF.KEY` (blocking).
pub fn sysctl_get(ipv6: bool, interface: &str, key: &str) -> Result<u32, IoError> {
    let p = path(ipv6, interface, key);
    let text = std::fs::read_to_string(&p).map_err(os(format!("reading {p}")))?;
    text.trim().parse().map_err(|_| IoError::Os {
        what: format!("reading {p}: {text:?}"),
        source: std::io::Error::from(std::io::ErrorKind::InvalidData),
    })
}

/// Write `net.ipv{4,6}.conf.IF.KEY` (blocking).
pub fn sysctl_set(ipv6: bool, interface: &str, key: &str, value: u32) -> Result<(), IoError> {
    let p = path(ipv6, interface, key);
    std::fs::write(&p, value.to_string()).map_err(os(format!("writing {p}")))
}

/// The IPv4 interfaces `/proc/sys/net/ipv4/conf` lists (with `all` and
/// `default`), blocking.
pub fn ipv4_conf_names() -> Vec<String> {
    std::fs::read_dir("/proc/sys/net/ipv4/conf")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default()
}
