//! The env file the tests and examples read: the servers' addresses, dummy credentials, the
//! region and the tools' paths.

use std::path::Path;

use super::{Kind, State, postgres};

/// The text of the env file for `state`.
pub(super) fn env_file(state: &State, venv_bin: &Path) -> String {
    let moto = state.port(Kind::Moto);
    let ca = state
        .postgres
        .as_ref()
        .map(postgres::Cluster::ca_cert)
        .unwrap_or_default();
    format!(
        "# Written by `cargo xtask servers start`; read by the tests and examples.\n\
         AWS_REGION=us-east-1\n\
         AWS_ACCESS_KEY_ID=testing\n\
         AWS_SECRET_ACCESS_KEY=testing\n\
         AWS_ENDPOINT_URL=http://127.0.0.1:{moto}\n\
         AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:{dynamodb}\n\
         MOTO_URL=http://127.0.0.1:{moto}\n\
         MONGODB_URI=mongodb://127.0.0.1:{mongo}/?directConnection=true\n\
         DATABASE_URL=postgres://{user}:{password}@127.0.0.1:{pg}/postgres\n\
         UPDRAFT_PG_CA_CERT={ca}\n\
         CARGO_LAMBDA={lambda}\n\
         MOTO_SERVER={moto_server}\n",
        dynamodb = state.port(Kind::DynamoDb),
        mongo = state.port(Kind::Mongo),
        pg = state.port(Kind::Postgres),
        user = postgres::USER,
        password = postgres::PASSWORD,
        ca = ca.display(),
        lambda = venv_bin.join("cargo-lambda").display(),
        moto_server = venv_bin.join("moto_server").display(),
    )
}
