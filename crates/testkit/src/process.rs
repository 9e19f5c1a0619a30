//! Child processes that tests start, stopped when the test ends, also when it fails.

use std::io::Write as _;
use std::process::{Child, Command, Output, Stdio};

/// Runs `command` with `stdin` as its standard input and returns what it printed and how it
/// exited (stdin is closed after writing, so a program that reads to the end finishes).
///
/// # Panics
///
/// When the program cannot be started, naming it.
pub fn output_with_stdin(command: &mut Command, stdin: &str) -> Output {
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child = match command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => panic!("cannot start {program}: {e}"),
    };
    if let Some(mut input) = child.stdin.take() {
        // A program that exits without reading its input is what the test will see.
        let _ = input.write_all(stdin.as_bytes());
    }
    match child.wait_with_output() {
        Ok(output) => output,
        Err(e) => panic!("cannot wait for {program}: {e}"),
    }
}

/// A child process that is killed and reaped when dropped, so a failing test leaves nothing
/// running.
#[derive(Debug)]
pub struct ChildGuard {
    name: String,
    child: Child,
}

impl ChildGuard {
    /// Spawns `command`.
    ///
    /// # Panics
    ///
    /// When the program cannot be started, naming it.
    pub fn spawn(name: impl Into<String>, command: &mut Command) -> Self {
        let name = name.into();
        match command.spawn() {
            Ok(child) => Self { name, child },
            Err(e) => panic!(
                "cannot start {name} ({}): {e}",
                command.get_program().display()
            ),
        }
    }

    /// The process id.
    #[must_use]
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process still runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Stops the process now.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        if self.is_running() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill();
        tracing::debug!(name = %self.name, "stopped a test process");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropping_the_guard_stops_the_process() {
        let mut guard = ChildGuard::spawn("sleep", Command::new("sleep").arg("30"));
        assert!(guard.is_running());
        let pid = guard.id();
        drop(guard);
        let alive = std::path::Path::new(&format!("/proc/{pid}/status")).exists()
            && !std::fs::read_to_string(format!("/proc/{pid}/status"))
                .unwrap_or_default()
                .contains("State:\tZ");
        assert!(!alive, "pid {pid} still runs");
    }
}
