//! Ctrl-C and SIGTERM at any moment, the writing of outputs included: the
//! temporary files staged so far are removed (see [`super::fsutil`]), a line
//! says so on stderr, and the process exits 130 (SIGINT) or 143 (SIGTERM),
//! as a shell reports a process a signal ended.

use std::io::{IsTerminal, Write};

/// Exit code after SIGINT.
pub const EXIT_SIGINT: u8 = 130;
/// Exit code after SIGTERM.
pub const EXIT_SIGTERM: u8 = 143;

/// Installs the handler: a thread that waits for SIGINT or SIGTERM, then
/// abandons the staged outputs, prints `message(n)` (`n`: files already put
/// in place by this process) and exits. Returns once the handler is in place.
pub fn install(message: fn(usize) -> String) -> std::io::Result<()> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_io()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                let code = match wait(ready_tx).await {
                    Some(code) => code,
                    None => return,
                };
                let written = super::fsutil::abandon();
                let mut err = std::io::stderr().lock();
                // After a progress bar's line, on a line of its own.
                let nl = if std::io::stderr().is_terminal() {
                    "\n"
                } else {
                    ""
                };
                let _ = writeln!(err, "{nl}{}", message(written));
                let _ = err.flush();
                std::process::exit(i32::from(code));
            });
        })?;
    ready_rx
        .recv()
        .unwrap_or_else(|_| Err(std::io::Error::other("the signal thread ended")))
}

#[cfg(unix)]
async fn wait(ready: std::sync::mpsc::Sender<std::io::Result<()>>) -> Option<u8> {
    use tokio::signal::unix::{signal, SignalKind};
    let handlers = signal(SignalKind::interrupt())
        .and_then(|i| signal(SignalKind::terminate()).map(|t| (i, t)));
    let (mut int, mut term) = match handlers {
        Ok(h) => {
            let _ = ready.send(Ok(()));
            h
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return None;
        }
    };
    tokio::select! {
        _ = int.recv() => Some(EXIT_SIGINT),
        _ = term.recv() => Some(EXIT_SIGTERM),
    }
}

#[cfg(not(unix))]
async fn wait(ready: std::sync::mpsc::Sender<std::io::Result<()>>) -> Option<u8> {
    let _ = ready.send(Ok(()));
    tokio::signal::ctrl_c().await.ok().map(|_| EXIT_SIGINT)
}
