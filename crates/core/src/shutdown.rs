//! The signals that stop a long-running process: Ctrl-C, or SIGTERM as ECS, Kubernetes and
//! systemd send it. The contexts' local server and SQS poller and the Fargate task entry point
//! all wait on [`signal`].

/// Which stop signal arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Signal {
    /// Ctrl-C (SIGINT).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl Signal {
    /// The signal's number: 2 or 15.
    #[must_use]
    pub fn number(self) -> u8 {
        match self {
            Signal::Interrupt => 2,
            Signal::Terminate => 15,
        }
    }

    /// The exit code a shell reports for a process this signal stopped: 128 + its number.
    #[must_use]
    pub fn exit_code(self) -> u8 {
        128 + self.number()
    }
}

/// Completes when Ctrl-C or SIGTERM arrives, with which one. A signal that cannot be listened
/// for (no handler can be installed) never completes.
pub async fn signal() -> Signal {
    let interrupt = async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => Signal::Interrupt,
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
                Signal::Terminate
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<Signal>();
    tokio::select! {
        signal = interrupt => signal,
        signal = terminate => signal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_shells() {
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Terminate.exit_code(), 143);
    }
}
