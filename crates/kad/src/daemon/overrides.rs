//! The operator's overrides (kad's own `kactl drain`, `disable`, `enable`,
//! `priority`, `failover`), kept in a state file so that they survive a
//! reload and a restart (`--state-file`, default
//! `/var/lib/kad/overrides.json`).

use kactl::{Overrides, PriorityOverride, RsOverride};
use std::path::{Path, PathBuf};

pub const DEFAULT_STATE_FILE: &str = "/var/lib/kad/overrides.json";

#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    pub data: Overrides,
}

impl Store {
    /// Read the state file; a missing one is no override, an unreadable
    /// one is logged and ignored (it is rewritten at the next change).
    pub fn load(path: &Path) -> Store {
        let data = match std::fs::read_to_string(path) {
            Ok(t) => serde_json::from_str(&t).unwrap_or_else(|e| {
                tracing::warn!(
                    "state file {}: {e}; starting without overrides",
                    path.display()
                );
                Overrides::default()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Overrides::default(),
            Err(e) => {
                tracing::warn!(
                    "state file {}: {e}; starting without overrides",
                    path.display()
                );
                Overrides::default()
            }
        };
        Store {
            path: path.to_path_buf(),
            data,
        }
    }

    /// Write the file anew (a temporary file renamed over it).
    pub fn save(&self) -> std::io::Result<()> {
        if let Some(d) = self.path.parent() {
            std::fs::create_dir_all(d)?;
        }
        let tmp = self.path.with_extension("tmp");
        let text = serde_json::to_string_pretty(&self.data).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, text + "\n")?;
        std::fs::rename(&tmp, &self.path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `state`: `drain`, `disable`, or None to clear.
    pub fn set_rs(&mut self, vs: &str, rs: &str, state: Option<&str>) {
        let o = &mut self.data.real_servers;
        o.retain(|r| !(r.vs == vs && r.rs == rs));
        if let Some(s) = state {
            o.push(RsOverride {
                vs: vs.into(),
                rs: rs.into(),
                state: s.into(),
            });
        }
    }

    pub fn set_priority(&mut self, instance: &str, p: Option<(u8, bool)>) {
        let o = &mut self.data.priorities;
        o.retain(|r| r.instance != instance);
        if let Some((priority, failover)) = p {
            o.push(PriorityOverride {
                instance: instance.into(),
                priority,
                failover,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_round_trips_through_its_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/overrides.json");
        let mut s = Store::load(&p);
        assert_eq!(s.data, Overrides::default());
        s.set_rs("[10.0.0.1]:tcp:80", "[10.0.1.1]:tcp:80", Some("drain"));
        s.set_rs("[10.0.0.1]:tcp:80", "[10.0.1.1]:tcp:80", Some("disable"));
        s.set_priority("VI_1", Some((1, true)));
        s.save().unwrap();
        let back = Store::load(&p);
        assert_eq!(back.data.real_servers.len(), 1);
        assert_eq!(back.data.real_servers[0].state, "disable");
        assert_eq!(back.data.priorities[0].priority, 1);
        let mut s = back;
        s.set_rs("[10.0.0.1]:tcp:80", "[10.0.1.1]:tcp:80", None);
        s.set_priority("VI_1", None);
        s.save().unwrap();
        assert_eq!(Store::load(&p).data, Overrides::default());
        std::fs::write(&p, "not json").unwrap();
        assert_eq!(Store::load(&p).data, Overrides::default());
    }
}
