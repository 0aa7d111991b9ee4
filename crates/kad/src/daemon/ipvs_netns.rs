//! `net_namespace_ipvs`: IPVS programmed in another network namespace
//! than the one kad runs (and checks) in. As keepalived does, each IPVS
//! socket is opened with the calling thread moved into that namespace for
//! the moment of opening (a socket keeps the namespace it was made in), and
//! what kad reads of IPVS in /proc is read from there too. The namespace is
//! chosen once at start: a reload cannot change it.

use kad_ipvs::netlink::client::{Client, IpvsError};
use std::path::PathBuf;
use std::sync::OnceLock;

static TARGET: OnceLock<Option<(String, PathBuf)>> = OnceLock::new();

/// At start: `""` is the initial namespace, a name /run/netns/NAME.
pub fn set(ns: Option<&str>) {
    TARGET.get_or_init(|| {
        ns.map(|n| {
            let path = if n.is_empty() {
                PathBuf::from("/proc/1/ns/net")
            } else {
                PathBuf::from(format!("/run/netns/{n}"))
            };
            (n.to_string(), path)
        })
    });
}

/// Run `f` on this thread inside the IPVS namespace (or here, without
/// one), and come back.
pub fn within<T>(f: impl FnOnce() -> T) -> std::io::Result<T> {
    let Some(Some((name, path))) = TARGET.get() else {
        return Ok(f());
    };
    let enter = |p: &std::path::Path| -> std::io::Result<()> {
        let fd = std::fs::File::open(p)?;
        rustix::thread::move_into_link_name_space(
            std::os::fd::AsFd::as_fd(&fd),
            Some(rustix::thread::LinkNameSpaceType::Network),
        )?;
        Ok(())
    };
    let here = std::fs::File::open("/proc/thread-self/ns/net")?;
    if let Err(e) = enter(path) {
        tracing::info!("Unable to set network namespace {name} ({e})");
        return Err(e);
    }
    let out = f();
    let back = rustix::thread::move_into_link_name_space(
        std::os::fd::AsFd::as_fd(&here),
        Some(rustix::thread::LinkNameSpaceType::Network),
    );
    if let Err(e) = back {
        // This thread would go on in the wrong namespace: nothing may.
        tracing::error!("Open socket - unable to restore default namespace ({e})");
        std::process::abort();
    }
    Ok(out)
}

/// An IPVS client on the IPVS namespace's kernel.
pub fn open_client() -> Result<Client, IpvsError> {
    within(Client::open).map_err(IpvsError::from)?
}
