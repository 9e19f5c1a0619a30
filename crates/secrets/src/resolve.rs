//! Resolving the secret references of the environment and `.env` at start-up.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use updraft_core::{Env, SdkConfig};

use crate::error::Unresolved;
use crate::reference::{Reference, Store};
use crate::{Error, Provider, Request, Secret, SecretsManager, Ssm};

/// Resolves `secret://`, `ssm://` and `secretsmanager://` references through two providers:
/// one for SSM, one for Secrets Manager (each may be a [`Cache`](crate::Cache) or the
/// [`Extension`](crate::Extension)). `secret://` reads from the default store, SSM unless
/// changed.
#[derive(Debug, Clone)]
pub struct Resolver<S = Ssm, M = SecretsManager> {
    ssm: S,
    secrets_manager: M,
    default: Store,
}

impl Resolver {
    /// SSM and Secrets Manager through the clients of `config`.
    #[must_use]
    pub fn new(config: &SdkConfig) -> Self {
        Self::with_providers(Ssm::new(config), SecretsManager::new(config))
    }
}

impl<S: Provider, M: Provider> Resolver<S, M> {
    /// These providers for `ssm://` and `secretsmanager://`.
    pub fn with_providers(ssm: S, secrets_manager: M) -> Self {
        Self {
            ssm,
            secrets_manager,
            default: Store::Ssm,
        }
    }

    /// Makes `secret://` read from `store`.
    #[must_use]
    pub fn default_store(mut self, store: Store) -> Self {
        self.default = store;
        self
    }

    /// Resolves every variable of `env` (the process environment and the `.env` file that
    /// [`Env::load`] reads) whose value is a reference. All references are read at once, in
    /// as few batched calls as the providers allow.
    ///
    /// # Errors
    ///
    /// [`Error::Unresolved`] listing every variable whose reference is malformed, missing, or
    /// picks a missing JSON field, with the reference (never a value).
    pub async fn resolve(&self, env: &Env) -> Result<Resolved, Error> {
        let mut wanted: Vec<(String, String, Reference)> = Vec::new();
        let mut unresolved = Vec::new();
        for variable in env.names_with_prefix("") {
            let Some(value) = env.get(variable) else {
                continue;
            };
            match Reference::parse(value) {
                Ok(Some(reference)) => {
                    wanted.push((variable.to_owned(), value.trim().to_owned(), reference));
                }
                Ok(None) => {}
                Err(error) => unresolved.push(Unresolved {
                    variable: variable.to_owned(),
                    reference: value.trim().to_owned(),
                    error: Box::new(error),
                }),
            }
        }
        let mut by_store: HashMap<Store, Vec<Request>> = HashMap::new();
        for (_, _, reference) in &wanted {
            let requests = by_store
                .entry(reference.store.unwrap_or(self.default))
                .or_default();
            if !requests.contains(&reference.request) {
                requests.push(reference.request.clone());
            }
        }
        let for_ssm = by_store.remove(&Store::Ssm).unwrap_or_default();
        let for_secrets_manager = by_store.remove(&Store::SecretsManager).unwrap_or_default();
        let (ssm_answers, secrets_manager_answers) = futures_util::future::join(
            self.read(&self.ssm, &for_ssm),
            self.read(&self.secrets_manager, &for_secrets_manager),
        )
        .await;
        let answers: HashMap<(Store, &Request), &Result<Secret, Error>> = for_ssm
            .iter()
            .zip(&ssm_answers)
            .map(|(r, a)| ((Store::Ssm, r), a))
            .chain(
                for_secrets_manager
                    .iter()
                    .zip(&secrets_manager_answers)
                    .map(|(r, a)| ((Store::SecretsManager, r), a)),
            )
            .collect();
        let mut values = BTreeMap::new();
        for (variable, text, reference) in wanted {
            let store = reference.store.unwrap_or(self.default);
            let answer = answers
                .get(&(store, &reference.request))
                .map_or_else(|| Err(Error::Invalid("not read".into())), |a| (*a).clone());
            let picked = answer.and_then(|secret| match &reference.field {
                Some(field) => secret.pick(field),
                None => Ok(secret),
            });
            match picked {
                Ok(secret) => {
                    values.insert(variable, secret);
                }
                Err(error) => unresolved.push(Unresolved {
                    variable,
                    reference: text,
                    error: Box::new(error),
                }),
            }
        }
        if unresolved.is_empty() {
            tracing::debug!(resolved = values.len(), "secret references resolved");
            Ok(Resolved { values })
        } else {
            Err(Error::Unresolved(unresolved))
        }
    }

    async fn read<P: Provider>(
        &self,
        provider: &P,
        requests: &[Request],
    ) -> Vec<Result<Secret, Error>> {
        if requests.is_empty() {
            Vec::new()
        } else {
            provider.fetch_many(requests).await
        }
    }
}

/// Reads `.env` (if present) and the environment, and resolves their references through SSM
/// and Secrets Manager.
///
/// # Errors
///
/// [`Error::Invalid`] for an unreadable `.env`, and [`Resolver::resolve`]'s errors.
pub async fn resolve_env(config: &SdkConfig) -> Result<Resolved, Error> {
    let env = Env::load().map_err(|e| Error::Invalid(e.to_string()))?;
    Resolver::new(config).resolve(&env).await
}

/// The resolved references: each variable's secret. `Debug` shows the names, never the values.
#[derive(Clone, Default)]
pub struct Resolved {
    values: BTreeMap<String, Secret>,
}

impl Resolved {
    /// The secret of `variable`, if it held a reference.
    #[must_use]
    pub fn get(&self, variable: &str) -> Option<&Secret> {
        self.values.get(variable)
    }

    /// The secret of `variable`.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] naming the variable when it held no reference.
    pub fn require(&self, variable: &str) -> Result<&Secret, Error> {
        self.get(variable)
            .ok_or_else(|| Error::Invalid(format!("{variable} holds no secret reference")))
    }

    /// Every variable and its secret, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Secret)> {
        self.values
            .iter()
            .map(|(name, secret)| (name.as_str(), secret))
    }

    /// How many variables were resolved.
    #[must_use]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no variable held a reference.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.values.keys().map(|name| (name, crate::REDACTED)))
            .finish()
    }
}
