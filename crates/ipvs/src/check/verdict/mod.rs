//! What each probe type's answer means, without any I/O: the bytes a
//! server sent in, a pass or a failure (with its reason) out.

pub mod dns;
pub mod file;
pub mod http;
pub mod misc;
pub mod smtp;
pub mod udp;
