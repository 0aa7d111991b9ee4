//! Where the data dump (SIGUSR1) goes: keepalived master's
//! `open_dump_file`, which `state_dump_file` steers. A path starting with
//! `/` names the directory (all of it when it ends in `/`, else up to its
//! last `/`); anything else keeps keepalived's directory (`$TMPDIR` or
//! /tmp). A path not ending in `/` names the file (its last component),
//! else the file is `keepalived.data`. With `data_use_instance` the
//! namespace and instance names go in before the file's extension.

use kad_config::Identity;
use std::path::{Path, PathBuf};

/// The data dump's path. `suffix` is what keepalived adds for a process
/// other than VRRP's (`_check`, ...; kad, one process, passes "").
pub fn data_file(
    state_dump_file: Option<&str>,
    tmp_dir: &Path,
    suffix: &str,
    use_instance: bool,
    id: &Identity,
) -> PathBuf {
    let given = state_dump_file.filter(|s| !s.is_empty());
    let dir: PathBuf = match given {
        Some(s) if s.starts_with('/') => match s.rfind('/') {
            // "/name": the root directory.
            Some(0) => PathBuf::from("/"),
            Some(i) => PathBuf::from(&s[..i]),
            None => PathBuf::from(s),
        },
        _ => tmp_dir.to_path_buf(),
    };
    let file = match given {
        Some(s) if !s.ends_with('/') => s.rsplit('/').next().unwrap_or(s),
        _ => "keepalived.data",
    };
    let (base, ext) = match file.rfind('.') {
        Some(i) => file.split_at(i),
        None => (file, ""),
    };
    let names: Vec<&str> = [&id.net_namespace, &id.instance]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let inst = if use_instance && !names.is_empty() {
        format!(".{}", names.join("_"))
    } else {
        String::new()
    };
    dir.join(format!("{base}{suffix}{inst}{ext}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ns: Option<&str>, inst: Option<&str>) -> Identity {
        Identity {
            net_namespace: ns.map(Into::into),
            instance: inst.map(Into::into),
            use_pid_dir: false,
            ..Default::default()
        }
    }

    fn at(sdf: Option<&str>) -> PathBuf {
        data_file(sdf, Path::new("/tmp"), "", false, &id(None, None))
    }

    #[test]
    fn without_state_dump_file_keepalived_data_in_tmp_dir() {
        assert_eq!(at(None), PathBuf::from("/tmp/keepalived.data"));
        assert_eq!(
            data_file(
                None,
                Path::new("/var/tmp"),
                "",
                true,
                &id(Some("red"), Some("lb1"))
            ),
            PathBuf::from("/var/tmp/keepalived.red_lb1.data")
        );
    }

    #[test]
    fn an_absolute_path_names_directory_and_file() {
        assert_eq!(
            at(Some("/run/ka/state.txt")),
            PathBuf::from("/run/ka/state.txt")
        );
        assert_eq!(at(Some("/run/ka/state")), PathBuf::from("/run/ka/state"));
        assert_eq!(at(Some("/state.txt")), PathBuf::from("/state.txt"));
        assert_eq!(
            at(Some("/run/ka/")),
            PathBuf::from("/run/ka/keepalived.data")
        );
    }

    #[test]
    fn a_relative_path_keeps_the_tmp_dir_and_names_only_the_file() {
        assert_eq!(at(Some("state.txt")), PathBuf::from("/tmp/state.txt"));
        assert_eq!(at(Some("sub/state.txt")), PathBuf::from("/tmp/state.txt"));
        assert_eq!(at(Some("sub/")), PathBuf::from("/tmp/keepalived.data"));
    }

    #[test]
    fn suffix_and_instance_go_before_the_extension() {
        let both = id(Some("red"), Some("lb1"));
        assert_eq!(
            data_file(
                Some("/run/ka/s.v1.txt"),
                Path::new("/tmp"),
                "_check",
                true,
                &both
            ),
            PathBuf::from("/run/ka/s.v1_check.red_lb1.txt")
        );
        assert_eq!(
            data_file(
                Some("/run/ka/state"),
                Path::new("/tmp"),
                "",
                true,
                &id(None, Some("lb1"))
            ),
            PathBuf::from("/run/ka/state.lb1")
        );
        assert_eq!(
            data_file(Some("/run/ka/state"), Path::new("/tmp"), "", false, &both),
            PathBuf::from("/run/ka/state")
        );
    }
}
