//! Starting, watching and stopping the server processes, by PID and never by name.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::{Result, fail};

/// Set when SIGINT or SIGTERM arrives, so long waits can stop early and clean up.
pub fn interrupted() -> &'static Arc<AtomicBool> {
    static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // If registration fails the default handler stays, which still ends the run.
            let _ = signal_hook::flag::register(signal, flag.clone());
        }
        flag
    })
}

/// Whether Ctrl-C (or SIGTERM) has been received.
pub fn was_interrupted() -> bool {
    interrupted().load(Ordering::SeqCst)
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A process xtask started, identified by PID and by its start time, so a recycled PID is
/// never mistaken for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    /// The process id.
    pub pid: i32,
    /// When it started, in clock ticks since boot.
    pub start_time: u64,
}

impl Tracked {
    /// Tracks `pid` if it is alive.
    pub fn of(pid: i32) -> Option<Self> {
        start_time(pid).map(|start_time| Self { pid, start_time })
    }

    /// Whether this exact process is still running.
    pub fn alive(&self) -> bool {
        reap(self.pid);
        start_time(self.pid) == Some(self.start_time)
    }

    /// Stops the process and its process group: SIGTERM, then SIGKILL after `grace`.
    pub fn stop(&self, grace: Duration) {
        if !self.alive() {
            return;
        }
        signal_group(self.pid, libc::SIGTERM);
        let deadline = Instant::now() + grace;
        while self.alive() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if self.alive() {
            signal_group(self.pid, libc::SIGKILL);
            let deadline = Instant::now() + Duration::from_secs(5);
            while self.alive() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// Sends `signal` to the process group led by `pid` (xtask gives each server its own group),
/// or to `pid` alone when it leads no group, as a daemonized postmaster does not.
fn signal_group(pid: i32, signal: i32) {
    #[allow(unsafe_code, reason = "kill(2) has no safe wrapper in std")]
    // SAFETY: kill has no memory-safety preconditions; -pid names the group xtask created.
    unsafe {
        if libc::kill(-pid, signal) != 0 {
            libc::kill(pid, signal);
        }
    }
}

/// Collects the exit status of `pid` if it is a child of this process that has exited, so it
/// does not linger as a zombie that still looks alive.
fn reap(pid: i32) {
    let mut status = 0;
    #[allow(unsafe_code, reason = "waitpid(2) has no safe wrapper in std")]
    // SAFETY: waitpid with WNOHANG only writes the status integer we own.
    unsafe {
        libc::waitpid(pid, &raw mut status, libc::WNOHANG);
    }
}

/// The start time of `pid` in clock ticks since boot (field 22 of /proc/pid/stat), or `None`
/// when no such process runs (or it is a zombie).
fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    if fields.first() == Some(&"Z") {
        return None;
    }
    fields.get(19)?.parse().ok()
}

/// Spawns `command` in a process group of its own, with output appended to `log`, detached
/// from the terminal's Ctrl-C so that xtask decides when it stops.
pub fn spawn(mut command: Command, log: &Path) -> Result<Tracked> {
    let out = File::options().create(true).append(true).open(log)?;
    let err = out.try_clone()?;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .process_group(0);
    let program = command.get_program().to_string_lossy().into_owned();
    let child = command
        .spawn()
        .map_err(|e| fail(format!("cannot start {program}: {e}")))?;
    let pid = i32::try_from(child.id()).map_err(|_| fail("pid out of range"))?;
    // The Child handle is dropped on purpose: the process outlives it, and `reap` collects it.
    Tracked::of(pid).ok_or_else(|| fail(format!("{program} exited at once; see {}", log.display())))
}

/// Waits until `ready` says yes, failing early when the process dies or Ctrl-C arrives.
pub fn wait_until(
    name: &str,
    process: Option<&Tracked>,
    log: &Path,
    timeout: Duration,
    mut ready: impl FnMut() -> bool,
) -> Result<Duration> {
    let started = Instant::now();
    loop {
        if ready() {
            return Ok(started.elapsed());
        }
        if was_interrupted() {
            return Err(fail("interrupted"));
        }
        if process.is_some_and(|p| !p.alive()) {
            return Err(fail(format!(
                "{name} exited during start-up; its log says:\n{}",
                tail(log, 20)
            )));
        }
        if started.elapsed() > timeout {
            return Err(fail(format!(
                "{name} was not ready after {timeout:?}; its log says:\n{}",
                tail(log, 20)
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
pub fn accepts(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

/// The status code of a plain HTTP GET to 127.0.0.1:`port``path`, if anything answers.
pub fn http_status(port: u16, path: &str) -> Option<u16> {
    http(port, "GET", path, &[], "").map(|(status, _)| status)
}

/// One HTTP/1.1 exchange with 127.0.0.1:`port`: the status and the body, if anything answers.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<(u16, String)> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(300)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        let _ = write!(request, "{name}: {value}\r\n");
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    let status = answer.split_whitespace().nth(1)?.parse().ok()?;
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    Some((status, body))
}

/// The last `lines` lines of a log file, for error messages.
pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Runs `command` to completion, failing with its output when it does not succeed.
pub fn run(command: &mut Command) -> Result<String> {
    let output = command.output().map_err(|e| {
        fail(format!(
            "cannot run {}: {e}",
            command.get_program().display()
        ))
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(fail(format!(
            "{command:?} failed ({}):\n{}{}",
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

/// Whether `program` can be found on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Writes `text` to `path` atomically.
pub fn write_atomic(path: &Path, text: &str) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_and_stops_a_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("sleep.log");
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 30 & sleep 30"]);
        let tracked = spawn(command, &log).unwrap();
        assert!(tracked.alive());
        tracked.stop(Duration::from_secs(5));
        assert!(!tracked.alive());
    }

    #[test]
    fn a_recycled_pid_is_not_the_tracked_process() {
        let me = Tracked::of(i32::try_from(std::process::id()).unwrap()).unwrap();
        let impostor = Tracked {
            start_time: me.start_time + 1,
            ..me.clone()
        };
        assert!(me.alive());
        assert!(!impostor.alive());
    }

    #[test]
    fn free_ports_are_free() {
        let port = free_port().unwrap();
        assert!(!accepts(port));
        let _listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        assert!(accepts(port));
    }
}
