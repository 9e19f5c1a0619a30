//! [`Cache`]: one cache in front of any provider, with a time to live per value, a bounded
//! size, single-flight fetches, stale values on transient errors, and counters.

// Over 400 lines on purpose: time to live, single-flight fetches, stale-on-error and eviction
// all act on one slot map under one lock (settings and counters are their own modules).

mod settings;
mod stats;

pub use settings::{CacheSettings, MAX_ENTRIES_VAR, MAX_STALENESS_VAR, MAX_TTL, TTL_VAR};
pub use stats::Stats;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use updraft_core::Env;
use updraft_core::error::{Kind, Surface};

use crate::{Error, Provider, Request, Secret};
use stats::Counters;

/// Options of one read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct ReadOptions {
    ttl: Option<Duration>,
    force_refresh: bool,
}

impl ReadOptions {
    /// The cache's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value this long, instead of the cache's time to live.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Fetches the value even when a fresh one is cached (Powertools' `force_fetch`).
    pub fn force_refresh(mut self) -> Self {
        self.force_refresh = true;
        self
    }
}

/// A cache in front of provider `P`, itself a [`Provider`]. Cheap to clone; clones share the
/// values and the counters. Safe to share between concurrent invocations.
///
/// Concurrent reads of a key that is not cached make one provider call: the first fetches,
/// the others wait for its answer (single-flight), success or failure.
#[derive(Debug)]
pub struct Cache<P> {
    shared: Arc<Shared<P>>,
}

impl<P> Clone for Cache<P> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
        }
    }
}

#[derive(Debug)]
struct Shared<P> {
    provider: P,
    settings: CacheSettings,
    slots: RwLock<HashMap<Request, Arc<Slot>>>,
    counters: Counters,
}

/// One key: its value, the lock its fetch holds, and its last failure for the waiters.
#[derive(Debug, Default)]
struct Slot {
    stored: RwLock<Option<Stored>>,
    filling: tokio::sync::Mutex<()>,
    failure: Mutex<Option<(Instant, Error)>>,
}

#[derive(Debug, Clone)]
struct Stored {
    secret: Secret,
    fetched: Instant,
    /// `None`: a time to live too long for the clock, so never.
    expires: Option<Instant>,
}

impl Stored {
    fn new(secret: Secret, ttl: Duration) -> Self {
        let fetched = Instant::now();
        Self {
            secret,
            fetched,
            expires: fetched.checked_add(ttl),
        }
    }

    fn is_fresh(&self, now: Instant) -> bool {
        self.expires.is_none_or(|expires| expires > now)
    }

    /// Whether it may still be served stale at `now`, `limit` past its expiry.
    fn within(&self, limit: Duration, now: Instant) -> bool {
        self.expires
            .and_then(|expires| expires.checked_add(limit))
            .is_none_or(|until| now <= until)
    }
}

impl Slot {
    fn stored(&self) -> Option<Stored> {
        self.stored
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn fresh(&self, now: Instant) -> Option<Secret> {
        let stored = self.stored.read().unwrap_or_else(PoisonError::into_inner);
        stored
            .as_ref()
            .filter(|s| s.is_fresh(now))
            .map(|s| s.secret.clone())
    }
}

impl<P: Provider> Cache<P> {
    /// A cache with the default [`CacheSettings`].
    pub fn new(provider: P) -> Self {
        Self::with_settings(provider, CacheSettings::default())
    }

    /// A cache with the settings of the environment (see [`CacheSettings::from_env`]).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] naming a malformed variable.
    pub fn from_env(provider: P, env: &Env) -> Result<Self, Error> {
        Ok(Self::with_settings(provider, CacheSettings::from_env(env)?))
    }

    /// A cache with these settings.
    pub fn with_settings(provider: P, settings: CacheSettings) -> Self {
        let shared = Shared {
            provider,
            settings,
            slots: RwLock::default(),
            counters: Counters::default(),
        };
        Self {
            shared: Arc::new(shared),
        }
    }

    /// The provider behind the cache.
    #[must_use]
    pub fn provider(&self) -> &P {
        &self.shared.provider
    }

    /// The counters so far.
    #[must_use]
    pub fn stats(&self) -> Stats {
        let entries = self
            .shared
            .slots
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        self.shared.counters.snapshot(entries)
    }

    /// Reads `request` with `options`.
    ///
    /// # Errors
    ///
    /// The provider's error, after retries of throttling, unless a stale value may be served.
    pub async fn get_with(
        &self,
        request: impl Into<Request>,
        options: ReadOptions,
    ) -> Result<Secret, Error> {
        self.read(&request.into(), options).await
    }

    /// Reads `request` from the provider even when it is cached, and caches the answer.
    ///
    /// # Errors
    ///
    /// See [`Cache::get_with`].
    pub async fn force_refresh(&self, request: impl Into<Request>) -> Result<Secret, Error> {
        self.read(&request.into(), ReadOptions::new().force_refresh())
            .await
    }

    /// Forgets `request`'s value.
    pub fn invalidate(&self, request: impl Into<Request>) {
        self.shared
            .slots
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&request.into());
    }

    /// Forgets every value.
    pub fn clear(&self) {
        self.shared
            .slots
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    async fn read(&self, request: &Request, options: ReadOptions) -> Result<Secret, Error> {
        let counters = &self.shared.counters;
        let started = Instant::now();
        if !options.force_refresh
            && let Some(secret) = self.cached(request, started)
        {
            counters.hit();
            return Ok(secret);
        }
        let slot = self.slot(request);
        let _filling = slot.filling.lock().await;
        let now = Instant::now();
        // Another read may have fetched it while this one waited.
        if let Some(stored) = slot.stored()
            && (stored.fetched >= started || (!options.force_refresh && stored.is_fresh(now)))
        {
            counters.hit();
            return Ok(stored.secret);
        }
        if let Some((failed, error)) = slot
            .failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            && failed >= started
        {
            counters.error();
            return Err(error);
        }
        counters.miss();
        let ttl = options.ttl.unwrap_or(self.shared.settings.ttl);
        match self.fetch_with_retries(request).await {
            Ok(secret) => {
                self.store(request, &slot, Stored::new(secret.clone(), ttl));
                *slot.failure.lock().unwrap_or_else(PoisonError::into_inner) = None;
                Ok(secret)
            }
            Err(error) => {
                *slot.failure.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some((Instant::now(), error.clone()));
                self.forget_if_empty(request, &slot);
                self.stale_or(&slot, request, error)
            }
        }
    }

    /// Stores a value in `slot`; when that makes one value too many, the least recently
    /// fetched other value goes. Only values are counted: slots without one (a read in flight)
    /// never push a value out.
    fn store(&self, request: &Request, slot: &Arc<Slot>, stored: Stored) {
        let had_value = slot.stored().is_some();
        *slot.stored.write().unwrap_or_else(PoisonError::into_inner) = Some(stored);
        let mut slots = self
            .shared
            .slots
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        // A concurrent `invalidate` or eviction may have dropped the slot: put it back.
        slots.entry(request.clone()).or_insert_with(|| slot.clone());
        if had_value {
            return;
        }
        let values = slots.values().filter(|s| s.stored().is_some()).count();
        if values > self.shared.settings.max_entries {
            let oldest = slots
                .iter()
                .filter(|(key, _)| *key != request)
                .filter_map(|(key, slot)| Some((key, slot.stored()?.fetched)))
                .min_by_key(|(_, fetched)| *fetched)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                slots.remove(&oldest);
            }
        }
    }

    /// After a failed read: a slot that holds no value is dropped, so names that fail (a
    /// caller asking for names that do not exist, say) never pile up. Reads that were waiting
    /// on it hold it still and get its failure.
    fn forget_if_empty(&self, request: &Request, slot: &Arc<Slot>) {
        if slot.stored().is_some() {
            return;
        }
        let mut slots = self
            .shared
            .slots
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if slots.get(request).is_some_and(|s| Arc::ptr_eq(s, slot)) {
            slots.remove(request);
        }
    }

    /// The stale value when the error may pass and the value is within the staleness limit;
    /// else the error.
    fn stale_or(&self, slot: &Slot, request: &Request, error: Error) -> Result<Secret, Error> {
        let counters = &self.shared.counters;
        if let (true, Some(limit), Some(stored)) = (
            error.is_transient(),
            self.shared.settings.max_staleness,
            slot.stored(),
        ) && stored.within(limit, Instant::now())
        {
            counters.stale();
            tracing::warn!(name = %request, provider = self.shared.provider.provider_name(), %error, "serving a stale secret");
            return Ok(stored.secret);
        }
        counters.error();
        Err(error)
    }

    async fn fetch_with_retries(&self, request: &Request) -> Result<Secret, Error> {
        let counters = &self.shared.counters;
        let provider = &self.shared.provider;
        self.shared
            .settings
            .retry
            .retry(
                |error: &Error| error.kind() == Kind::Throttled,
                || {
                    counters.provider_call();
                    provider.fetch(request)
                },
            )
            .await
    }

    fn cached(&self, request: &Request, now: Instant) -> Option<Secret> {
        let slots = self
            .shared
            .slots
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        slots.get(request)?.fresh(now)
    }

    /// The slot of `request`, made if there is none. Making one evicts nothing: a value is
    /// evicted only when another value is stored ([`Cache::store`]).
    fn slot(&self, request: &Request) -> Arc<Slot> {
        if let Some(slot) = self
            .shared
            .slots
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(request)
        {
            return slot.clone();
        }
        self.shared
            .slots
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(request.clone())
            .or_default()
            .clone()
    }
}

impl<P: Provider> Provider for Cache<P> {
    fn provider_name(&self) -> &'static str {
        self.shared.provider.provider_name()
    }

    async fn fetch(&self, request: &Request) -> Result<Secret, Error> {
        self.read(request, ReadOptions::new()).await
    }

    /// Cached values from the cache, the rest in one batched read of the provider. (Reads of a
    /// key that is being fetched by [`Provider::get`] at the same time are not coalesced.)
    async fn fetch_many(&self, requests: &[Request]) -> Vec<Result<Secret, Error>> {
        let now = Instant::now();
        let mut results: Vec<Option<Result<Secret, Error>>> = requests
            .iter()
            .map(|r| self.cached(r, now).map(Ok))
            .collect();
        let missing: Vec<Request> = requests
            .iter()
            .zip(&results)
            .filter(|(_, r)| r.is_none())
            .map(|(q, _)| q.clone())
            .collect();
        let counters = &self.shared.counters;
        counters.hits(requests.len() - missing.len());
        if !missing.is_empty() {
            counters.misses(missing.len());
            counters.provider_call();
            let fetched = self.shared.provider.fetch_many(&missing).await;
            let mut fetched = missing.iter().zip(fetched);
            for result in results.iter_mut().filter(|r| r.is_none()) {
                let Some((request, answer)) = fetched.next() else {
                    break;
                };
                let slot = self.slot(request);
                *result = Some(match answer {
                    Ok(secret) => {
                        let stored = Stored::new(secret.clone(), self.shared.settings.ttl);
                        self.store(request, &slot, stored);
                        Ok(secret)
                    }
                    Err(error) => {
                        self.forget_if_empty(request, &slot);
                        self.stale_or(&slot, request, error)
                    }
                });
            }
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(Error::Invalid("the provider left a read unanswered".into()))
                })
            })
            .collect()
    }
}
