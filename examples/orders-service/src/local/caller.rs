//! A client of the API, as another service or a front end calls it: `ApiClient` with the
//! customer's bearer token, and the session state sent in `constitution-state` from the
//! current `Session`.

use std::time::{Duration, Instant};

use updraft::contexts::axum::http::Method;
use updraft::core::Session;
use updraft::invoke::{ApiClient, Error};

use crate::Failure;
use crate::model::{NewOrder, Order};

/// The customer's client.
#[derive(Debug, Clone)]
pub struct Caller {
    api: ApiClient,
    state: String,
}

impl Caller {
    /// A client of the API at `url`, with `token`, in `state`.
    ///
    /// # Errors
    ///
    /// A malformed URL.
    pub fn new(url: &str, token: &str, state: &str) -> Result<Self, Error> {
        let api = ApiClient::builder("orders")
            .base_url(url)
            .token(token)
            .allow_plain_http()
            .build()?;
        Ok(Self {
            api,
            state: state.to_owned(),
        })
    }

    /// `POST /orders`, with `Idempotency-Key: key`.
    ///
    /// # Errors
    ///
    /// The API's answer of 400 or more, or no answer.
    pub async fn create(&self, key: &str, order: &NewOrder) -> Result<Order, Error> {
        let call = self
            .api
            .request(Method::POST, "/orders")
            .header("Idempotency-Key", key)
            .json(order)
            .idempotent()
            .send();
        Session::with_state(&self.state).scope(call).await
    }

    /// `GET /orders/{id}`.
    ///
    /// # Errors
    ///
    /// The API's answer of 400 or more (404 for an order of another state), or no answer.
    pub async fn get(&self, id: &str) -> Result<Order, Error> {
        let path = format!("/orders/{id}");
        Session::with_state(&self.state)
            .scope(self.api.get(&path))
            .await
    }

    /// Reads the order until its status is `status`.
    ///
    /// # Errors
    ///
    /// A failed read, or a status still different after `timeout`.
    pub async fn wait_for(
        &self,
        id: &str,
        status: &str,
        timeout: Duration,
    ) -> Result<Order, Failure> {
        let started = Instant::now();
        loop {
            let order = self.get(id).await?;
            if order.status == status {
                return Ok(order);
            }
            if started.elapsed() > timeout {
                return Err(format!(
                    "order {id} is still `{}` after {timeout:?}, not `{status}`",
                    order.status
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
