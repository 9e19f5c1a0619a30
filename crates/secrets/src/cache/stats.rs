//! The cache's counters.

use std::sync::atomic::{AtomicU64, Ordering};

/// What a cache has done since it was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Reads answered from the cache (a read that waited for another's fetch included).
    pub hits: u64,
    /// Reads that needed the provider.
    pub misses: u64,
    /// Calls to the provider (a retry of a throttled read counts again; a batched read of
    /// many keys counts once).
    pub provider_calls: u64,
    /// Reads answered with a stale value because the provider failed transiently.
    pub stale_served: u64,
    /// Reads that failed.
    pub errors: u64,
    /// Keys held now.
    pub entries: usize,
}

#[derive(Debug, Default)]
pub(super) struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    provider_calls: AtomicU64,
    stale_served: AtomicU64,
    errors: AtomicU64,
}

impl Counters {
    pub(super) fn hit(&self) {
        self.hits(1);
    }

    pub(super) fn hits(&self, n: usize) {
        self.hits.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(super) fn miss(&self) {
        self.misses(1);
    }

    pub(super) fn misses(&self, n: usize) {
        self.misses.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(super) fn provider_call(&self) {
        self.provider_calls.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn stale(&self) {
        self.stale_served.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn snapshot(&self, entries: usize) -> Stats {
        Stats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            provider_calls: self.provider_calls.load(Ordering::Relaxed),
            stale_served: self.stale_served.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            entries,
        }
    }
}
