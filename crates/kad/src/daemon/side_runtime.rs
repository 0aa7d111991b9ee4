//! A thread of its own with a current-thread tokio runtime, for the parts
//! of the daemon that must never run on the VRRP loop (the control
//! socket, the e-mail sender): named, with the process's own scheduling
//! (not the VRRP or checker settings), running `f`'s future to its end.

use std::future::Future;

/// Start thread `name` running `f()`; `what` names it in the log if its
/// runtime cannot be built.
pub fn spawn<F, Fut>(name: &str, what: &'static str, f: F) -> std::io::Result<()>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            super::sched::as_helper();
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(f()),
                Err(e) => tracing::error!("{what}: cannot start a runtime: {e}"),
            }
        })
        .map(|_| ())
}
