//! [`LogBuffer`]: log output kept in memory, so a test can read what was logged (and check that
//! no secret was).

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

/// An in-memory writer whose clones all append to one buffer: give
/// `move || buffer.clone()` to a `tracing_subscriber` as its writer, then read
/// [`LogBuffer::text`].
#[derive(Debug, Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

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
