//! An in-memory LRU of completed records, so hot repeats within one execution environment are
//! answered without a DynamoDB read.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use crate::store::Record;

/// A completed outcome as the cache keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Completed {
    pub(crate) payload_hash: String,
    /// The response JSON, or the stored failure.
    pub(crate) outcome: Result<String, String>,
    pub(crate) expires: SystemTime,
}

impl Completed {
    /// The outcome a completed record holds, and its id.
    pub(crate) fn of(record: Record) -> (String, Self) {
        let outcome = match (record.response, record.failure) {
            (Some(response), _) => Ok(response),
            (None, failure) => Err(failure.unwrap_or_default()),
        };
        let expires = SystemTime::UNIX_EPOCH
            + Duration::from_secs(u64::try_from(record.expiration).unwrap_or_default());
        (
            record.id,
            Self {
                payload_hash: record.payload_hash,
                outcome,
                expires,
            },
        )
    }
}

/// At most `capacity` entries; the least recently used goes first.
#[derive(Debug)]
pub(crate) struct Lru {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    tick: u64,
    entries: HashMap<String, (Completed, u64)>,
}

impl Lru {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The entries, and the tick of this use.
    fn touch(&self) -> (MutexGuard<'_, Inner>, u64) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.tick += 1;
        let tick = inner.tick;
        (inner, tick)
    }

    pub(crate) fn get(&self, id: &str, now: SystemTime) -> Option<Completed> {
        if self.capacity == 0 {
            return None;
        }
        let (mut inner, tick) = self.touch();
        let (completed, used) = inner.entries.get_mut(id)?;
        if completed.expires <= now {
            inner.entries.remove(id);
            return None;
        }
        *used = tick;
        Some(completed.clone())
    }

    pub(crate) fn put(&self, id: String, completed: Completed) {
        if self.capacity == 0 {
            return;
        }
        let (mut inner, tick) = self.touch();
        if inner.entries.len() >= self.capacity && !inner.entries.contains_key(&id) {
            let oldest = inner
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                inner.entries.remove(&oldest);
            }
        }
        inner.entries.insert(id, (completed, tick));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner
            .lock()
            .map(|i| i.entries.len())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn done(expires: SystemTime) -> Completed {
        Completed {
            payload_hash: "h".into(),
            outcome: Ok("1".into()),
            expires,
        }
    }

    #[test]
    fn the_least_recently_used_goes_and_expired_entries_are_misses() {
        let now = SystemTime::now();
        let later = now + Duration::from_secs(60);
        let lru = Lru::new(2);
        lru.put("a".into(), done(later));
        lru.put("b".into(), done(later));
        assert!(lru.get("a", now).is_some(), "a is now the most recent");
        lru.put("c".into(), done(later));
        assert!(lru.get("b", now).is_none(), "b was the least recently used");
        assert!(lru.get("a", now).is_some() && lru.get("c", now).is_some());
        assert_eq!(lru.len(), 2);
        lru.put("d".into(), done(now));
        assert!(lru.get("d", now).is_none(), "expired");
        let off = Lru::new(0);
        off.put("a".into(), done(later));
        assert!(off.get("a", now).is_none());
    }
}
