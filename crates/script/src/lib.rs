//! What the VRRP side (vrrp_script, notify scripts, track_file) and the
//! checkers (MISC_CHECK, FILE_CHECK, notify_up/down, quorum scripts) both
//! use, so that neither borrows the other's code: running a script as
//! keepalived does and reading a track file's value.

pub mod exec;
pub mod security;
pub mod track_file;
