//! Loading a service's configuration at cold start: the closed file shipped with the function,
//! one stage rendered, one KMS `Decrypt` per stage definition it uses.

use std::path::{Path, PathBuf};

use updraft_core::Env;

use crate::kms::Kms;
use crate::open::ConfigFile;
use crate::value::Value;
use crate::{Error, render};

/// The variable naming the stage.
pub const STAGE_VAR: &str = "UPDRAFT_STAGE";
/// The variable naming the closed file.
pub const FILE_VAR: &str = "UPDRAFT_CONFIG_FILE";

/// Where the closed file is: `UPDRAFT_CONFIG_FILE`, else `config.yml` beside the binary, else
/// `config.yml` in the working directory.
fn locate(env: &Env) -> PathBuf {
    if let Some(path) = env.non_empty(FILE_VAR) {
        return PathBuf::from(path);
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("config.yml")));
    match beside {
        Some(path) if path.is_file() => path,
        _ => PathBuf::from("config.yml"),
    }
}

/// Loads `stage` (or `UPDRAFT_STAGE`) of the closed file, with the process's environment and
/// AWS configuration.
///
/// # Errors
///
/// [`Error::Core`] for a missing `UPDRAFT_STAGE` or AWS configuration; [`Error::Io`] for a
/// file that cannot be read; as [`render::render`].
pub async fn load(stage: Option<&str>) -> Result<Value, Error> {
    let env = Env::load()?;
    let config = updraft_core::aws::load().await?;
    load_with(&env, stage, &Kms::new(&config)).await
}

/// [`load`] with an explicit environment and KMS client.
///
/// # Errors
///
/// As [`load`].
pub async fn load_with(env: &Env, stage: Option<&str>, kms: &Kms) -> Result<Value, Error> {
    let stage = match stage {
        Some(stage) => stage.to_owned(),
        None => env.require(STAGE_VAR)?.to_owned(),
    };
    let path = locate(env);
    let file = read_file(&path)?;
    render::render(&file, &stage, kms)
        .await
        .map_err(|error| error.in_file(&path))
}

/// Reads and checks a configuration file.
///
/// # Errors
///
/// [`Error::Io`]; [`Error::Format`] naming the file and the path in it.
pub fn read_file(path: &Path) -> Result<ConfigFile, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    ConfigFile::from_text(&text).map_err(|error| error.in_file(path))
}

/// Loads a SOPS file encrypted with a KMS key.
///
/// # Errors
///
/// [`Error::Io`]; as [`crate::sops::read`].
pub async fn load_sops(path: impl AsRef<Path>) -> Result<Value, Error> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let config = updraft_core::aws::load().await?;
    crate::sops::read(&text, &Kms::new(&config)).await
}
