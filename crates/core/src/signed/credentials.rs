//! A credentials cache for signed requests: one refresh at a time, five minutes before expiry.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use tokio::sync::Mutex;

use crate::Error;

/// Credentials are refreshed this long before they expire, so a request signed with them
/// cannot reach AWS after its credentials lapse.
const REFRESH_MARGIN: Duration = Duration::from_mins(5);

#[derive(Debug)]
pub(crate) struct CredentialsCache {
    provider: SharedCredentialsProvider,
    current: Mutex<Option<Credentials>>,
}

impl CredentialsCache {
    pub(crate) fn new(provider: SharedCredentialsProvider) -> Self {
        Self {
            provider,
            current: Mutex::new(None),
        }
    }

    /// Valid credentials; callers that arrive during a refresh wait for it instead of starting
    /// their own.
    pub(crate) async fn get(&self) -> Result<Credentials, Error> {
        let mut current = self.current.lock().await;
        if let Some(credentials) = current.as_ref().filter(|c| fresh(c, SystemTime::now())) {
            return Ok(credentials.clone());
        }
        let credentials = self
            .provider
            .provide_credentials()
            .await
            .map_err(crate::aws::credentials_error)?;
        *current = Some(credentials.clone());
        Ok(credentials)
    }

    /// Drops the cached credentials, after AWS said they expired.
    pub(crate) async fn invalidate(&self) {
        *self.current.lock().await = None;
    }
}

fn fresh(credentials: &Credentials, now: SystemTime) -> bool {
    credentials
        .expiry()
        .is_none_or(|expiry| expiry > now + REFRESH_MARGIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fake provider: counting refreshes needs a provider no server offers.
    #[derive(Debug, Clone)]
    struct CountingFakeProvider {
        calls: Arc<AtomicUsize>,
        lifetime: Duration,
    }

    impl ProvideCredentials for CountingFakeProvider {
        fn provide_credentials<'a>(
            &'a self,
        ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let expiry = SystemTime::now() + self.lifetime;
            aws_credential_types::provider::future::ProvideCredentials::ready(Ok(Credentials::new(
                "AKID",
                "secret",
                None,
                Some(expiry),
                "fake",
            )))
        }
    }

    fn cache(lifetime: Duration) -> (CredentialsCache, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let provider = CountingFakeProvider {
            calls: calls.clone(),
            lifetime,
        };
        (
            CredentialsCache::new(SharedCredentialsProvider::new(provider)),
            calls,
        )
    }

    #[tokio::test]
    async fn long_lived_credentials_are_fetched_once() {
        let (cache, calls) = cache(Duration::from_hours(1));
        for _ in 0..5 {
            cache.get().await.unwrap();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        cache.invalidate().await;
        cache.get().await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn credentials_inside_the_margin_are_refreshed() {
        let (cache, calls) = cache(Duration::from_mins(1));
        cache.get().await.unwrap();
        cache.get().await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
