//! A spec-first pet store: the OpenAPI spec is the contract, its three operations are bound to
//! handlers by `operationId`, and every request is checked against the spec before a handler
//! sees it. The pets live in memory.
//!
//! - `listPets`: `GET /pets?limit=N`, the pets oldest first;
//! - `createPet`: `POST /pets` with `{"name", "tag"?}`, answered 201 with the pet and its id;
//! - `getPet`: `GET /pets/{petId}`, 404 for an id no pet has.
//!
//! `PETS_SPEC` names the spec file to serve; without it the bundled `pets.yaml` is used. The
//! checks follow the spec that was loaded: tighten a bound in the file and the API refuses
//! what it accepted before, with no change to the code.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use updraft::contexts::Error;
use updraft::contexts::axum::extract::{Path, Query, State};
use updraft::contexts::axum::http::StatusCode;
use updraft::contexts::axum::{Json, Router};
use updraft::contexts::http::openapi::OpenApi;
use updraft::contexts::http::{ApiError, ApiResult, App};
use updraft::core::Env;

/// The variable naming the spec file to serve.
pub const SPEC_VAR: &str = "PETS_SPEC";

/// The spec the binary bundles.
pub const BUNDLED_SPEC: &str = include_str!("../pets.yaml");

/// A pet as the API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pet {
    /// Given by the store, from 1.
    pub id: u64,
    /// The pet's name.
    pub name: String,
    /// An optional tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// A pet to add. The spec has already checked it; the types only read it.
#[derive(Debug, Deserialize)]
struct NewPet {
    name: String,
    tag: Option<String>,
}

/// The pets, in memory.
#[derive(Debug, Clone, Default)]
pub struct Store(Arc<Mutex<BTreeMap<u64, Pet>>>);

impl Store {
    fn with<R>(&self, f: impl FnOnce(&mut BTreeMap<u64, Pet>) -> R) -> R {
        // A poisoned lock still holds whole pets: each change is one insert.
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[derive(Debug, Deserialize)]
struct Limit {
    limit: Option<usize>,
}

async fn list_pets(State(store): State<Store>, Query(query): Query<Limit>) -> Json<Vec<Pet>> {
    let limit = query.limit.unwrap_or(usize::MAX);
    Json(store.with(|pets| pets.values().take(limit).cloned().collect()))
}

async fn create_pet(
    State(store): State<Store>,
    Json(new): Json<NewPet>,
) -> (StatusCode, Json<Pet>) {
    let pet = store.with(|pets| {
        let id = pets.keys().next_back().map_or(1, |last| last + 1);
        let pet = Pet {
            id,
            name: new.name,
            tag: new.tag,
        };
        pets.insert(id, pet.clone());
        pet
    });
    (StatusCode::CREATED, Json(pet))
}

async fn get_pet(State(store): State<Store>, Path(id): Path<u64>) -> ApiResult<Json<Pet>> {
    store
        .with(|pets| pets.get(&id).cloned())
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no pet {id}")))
}

/// The spec `env` names in [`SPEC_VAR`], or the bundled one.
///
/// # Errors
///
/// [`Error::OpenApi`] when the file cannot be read or is not a spec.
pub fn spec(env: &Env) -> Result<OpenApi, Error> {
    Ok(match env.get(SPEC_VAR) {
        Some(path) => OpenApi::from_file(path)?,
        None => OpenApi::from_text(BUNDLED_SPEC)?,
    })
}

/// The router: the spec's operations bound to the handlers over `store`; the spec is served at
/// `/openapi.json`.
///
/// # Errors
///
/// [`Error::OpenApi`] listing every operation of the spec without a handler here (and every
/// other mismatch).
pub fn router(spec: OpenApi, store: Store) -> Result<Router, Error> {
    Ok(spec
        .routes()
        .operation("listPets", list_pets)
        .operation("createPet", create_pet)
        .operation("getPet", get_pet)
        .build()?
        .with_state(store))
}

/// The app, configured from `env`.
///
/// # Errors
///
/// As [`spec`] and [`router`].
pub fn app(env: &Env) -> Result<App, Error> {
    Ok(App::new(router(spec(env)?, Store::default())?).env(env.clone()))
}
