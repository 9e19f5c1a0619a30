//! [`LogBuffer`]: log output kept in memory, so a test can read what was logged (and check that
//! no secret was).

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

/// An in-memory writer whose clones all append to one buffer: give
/// `move || buffer.clone()` to a `tracing_subscriber` as its writer, then read
/// [`LogBuffer::text`].
#[derive(Debug, Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

/// Installs, once per test binary, a global subscriber that takes every event and drops it, so
/// that tests capturing logs with a thread-local subscriber never miss an event.
///
/// Without it, when one test captures with `tracing::subscriber::set_default` while other
/// tests of the binary log with no subscriber, a callsite that one of those reaches while the
/// capturing test installs its subscriber can have its interest cached as "never" (a race in
/// tracing's callsite cache), and the capture misses the event. With an interested global
/// subscriber in place first, and the capturing test's own subscriber installed after it (which
/// makes tracing recompute every callsite), no callsite stays "never". Call it in the capturing
/// test, before it installs its subscriber. Not for binaries whose tests capture through a
/// *global* subscriber: the first one set wins.
pub fn every_callsite_interesting() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing::subscriber::set_global_default(Interested);
    });
}

/// A subscriber interested in everything that records nothing.
struct Interested;

impl tracing::Subscriber for Interested {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::always()
    }

    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, _: &tracing::Event<'_>) {}

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

impl LogBuffer {
    /// Everything written so far, as text (invalid UTF-8 replaced).
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }

    /// Each line written so far, parsed as JSON (a line that is not JSON becomes a string).
    #[must_use]
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.text()
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|_| serde_json::Value::String(line.to_owned()))
            })
            .collect()
    }
}

impl Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_buffer() {
        let buffer = LogBuffer::default();
        let mut writer = buffer.clone();
        writer.write_all(b"{\"a\": 1}\nplain\n").unwrap();
        assert_eq!(buffer.text(), "{\"a\": 1}\nplain\n");
        assert_eq!(
            buffer.json_lines(),
            [serde_json::json!({"a": 1}), serde_json::json!("plain")]
        );
    }
}
