//! `updraft`: per-stage encrypted configuration from the command line.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod edit;
mod ssm;
use updraft_config_crypto::open::ConfigFile;
use updraft_config_crypto::{Environments, Error, Kms, closed, output, render, sops};
use updraft_core::error::{Report, Surface};

/// Per-stage encrypted configuration, in fleece's format and SOPS's.
#[derive(Parser)]
#[command(name = "updraft", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with a service's configuration file.
    Config(ConfigArgs),
}

/// The exit codes, shown under `updraft --help` and `updraft config --help`.
macro_rules! exit_codes {
    () => {
        "\
Exit codes:
  0   success
  2   bad command-line usage
  65  bad input: a key or value KMS or SSM refuses
  69  a service (KMS, SSM) is unreachable
  70  an internal error
  74  the output cannot be written
  75  throttled or timed out: retry later
  77  access refused by AWS (credentials, key policy)
  78  configuration: a malformed file, an unknown stage, a MAC that does not match, an
      account that environments.yml does not allow
Errors name the file, the path in it (config.db.password.+prod) and the stage."
    };
}

const EXIT_CODES: &str = exit_codes!();

const CONFIG_HELP: &str = concat!(
    "\
Examples:
  updraft config import --input open.yml        close open.yml into config.yml
  updraft config export > open.yml              the open form, secrets marked :encrypt:
  updraft config edit                           edit in $FLEECE_EDITOR, $VISUAL or $EDITOR
  updraft config render prod --format dotenv    one stage as KEY=\"value\" lines
  updraft config render prod --format sops > prod.sops.yaml
  updraft config render prod --parameter-store /orders/prod --dry-run
  updraft config decrypt prod.sops.yaml         open a file sops wrote with a KMS key

Each stage's KMS calls use the AWS profile named by its `environment` when one exists, else
the default credential chain. With environments.yml (fleece's format) present, every key
must live in its environment's account.

",
    exit_codes!()
);

#[derive(clap::Args)]
#[command(after_help = CONFIG_HELP)]
struct ConfigArgs {
    /// The closed configuration file.
    #[arg(long, short, default_value = "config.yml", global = true)]
    config: PathBuf,
    /// fleece's environments file: the AWS account of each environment, checked against
    /// every KMS key a stage uses. Skipped when the default file does not exist.
    #[arg(long, value_name = "FILE", global = true)]
    environments: Option<PathBuf>,
    #[command(subcommand)]
    action: Action,
}

#[derive(Clone, Copy, ValueEnum)]
enum OpenFormat {
    Yaml,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum RenderFormat {
    Yaml,
    Json,
    Dotenv,
    Sops,
}

#[derive(Subcommand)]
enum Action {
    /// Reads the open form (YAML or JSON) from stdin or --input and writes the closed file.
    Import {
        /// Read the open form from this file instead of stdin.
        #[arg(long, short)]
        input: Option<PathBuf>,
    },
    /// Writes the open form, with `:encrypt:` back on secrets, to stdout.
    Export {
        /// The output format.
        #[arg(long, value_enum, default_value = "yaml")]
        format: OpenFormat,
        /// fleece's flag: the same as `--format json`.
        #[arg(long)]
        json: bool,
    },
    /// Opens the open form in an editor and imports the result.
    Edit {
        /// The editor (default `FLEECE_EDITOR`, `VISUAL`, `EDITOR`, then `vi`).
        #[arg(long)]
        editor: Option<String>,
        /// Edit JSON instead of YAML.
        #[arg(long)]
        json: bool,
    },
    /// Writes one stage's values to stdout.
    Render {
        /// The stage.
        stage: String,
        /// The output format (`sops`: a SOPS file under the stage's KMS key).
        #[arg(long, value_enum, default_value = "yaml")]
        format: RenderFormat,
        /// fleece's flag: the same as `--format json`.
        #[arg(long)]
        json: bool,
        /// Write the values as SecureString parameters under this path instead of printing
        /// them.
        #[arg(long, value_name = "PREFIX")]
        parameter_store: Option<String>,
        /// The KMS key of the parameters (default: Parameter Store's own).
        #[arg(long, requires = "parameter_store")]
        ssm_kms_key: Option<String>,
        /// With --parameter-store: list the parameters that would be written, write nothing.
        #[arg(long, requires = "parameter_store")]
        dry_run: bool,
        /// fleece's `--encrypt`: refused, naming its replacement (`--format sops`).
        #[arg(long, hide = true)]
        encrypt: bool,
        /// fleece's `--python`: refused, naming its replacement (`--format sops`).
        #[arg(long, hide = true)]
        python: bool,
    },
    /// Opens a SOPS file encrypted with a KMS key and writes its values as YAML.
    Decrypt {
        /// The SOPS file.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Command::Config(ConfigArgs { action, .. }) = &cli.command;
    if let Action::Render {
        encrypt, python, ..
    } = action
        && (*encrypt || *python)
    {
        <Cli as clap::CommandFactory>::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "fleece's --encrypt and --python are `--format sops` in updraft: a standard SOPS \
                     file that `sops decrypt` and `config_crypto::load_sops` open",
            )
            .exit();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("updraft: cannot start: {error}");
            return ExitCode::from(70);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(text) => {
            use std::io::Write as _;
            match std::io::stdout().write_all(text.as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("updraft: cannot write the output: {error}");
                    ExitCode::from(74)
                }
            }
        }
        Err(error) => {
            eprintln!("updraft: {}", Report(&error));
            ExitCode::from(u8::try_from(error.kind().exit_code()).unwrap_or(70))
        }
    }
}

/// KMS with each stage's environment as its AWS profile, and the accounts of
/// `environments` (or `./environments.yml` when it exists) checked.
fn kms(environments: Option<&Path>) -> Result<Kms, Error> {
    let kms = Kms::per_environment();
    let accounts = match environments {
        Some(path) => Some(Environments::read(path)?.ok_or_else(|| Error::Io {
            path: path.to_owned(),
            source: std::io::ErrorKind::NotFound.into(),
        })?),
        None => Environments::read(Path::new("environments.yml"))?,
    };
    Ok(match accounts {
        Some(accounts) => kms.check_accounts(accounts),
        None => kms,
    })
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || "config.yml".to_owned(),
        |name| name.to_string_lossy().into_owned(),
    )
}

fn read_text(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

/// The closed file at `path` (written by updraft, or by fleece with `:decrypt:` values),
/// opened: the open form with its secrets.
async fn open_file(path: &Path, kms: &Kms) -> Result<ConfigFile, Error> {
    let file = updraft_config_crypto::read_file(path)?;
    let config = closed::open(&file.stages, &file.config, file.meta.as_ref(), kms)
        .await
        .map_err(|error| error.in_file(path))?;
    Ok(ConfigFile {
        stages: file.stages,
        config,
        meta: None,
    })
}

/// Closes `open` and replaces the file at `path` with it (atomically: a failure leaves the
/// old file).
async fn close_into(path: &Path, open: ConfigFile, kms: &Kms) -> Result<(), Error> {
    open.close(kms, &file_name(path)).await?.save(path)
}

async fn run(cli: Cli) -> Result<String, Error> {
    let Command::Config(args) = cli.command;
    let path = &args.config;
    let kms = kms(args.environments.as_deref())?;
    match args.action {
        Action::Import { input } => {
            let text = if let Some(input) = input {
                read_text(&input)?
            } else {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|source| Error::Io {
                        path: PathBuf::from("(stdin)"),
                        source,
                    })?;
                text
            };
            let open = ConfigFile::from_text(&text)?;
            if open.meta.is_some() {
                return Err(Error::Format {
                    path: "updraft".into(),
                    reason:
                        "the input is a closed file: import takes the open form (export it first)"
                            .into(),
                });
            }
            close_into(path, open, &kms).await?;
            Ok(String::new())
        }
        Action::Edit { editor, json } => {
            let open = open_file(path, &kms).await?;
            let (text, extension) = if json {
                (open.to_json()?, "json")
            } else {
                (open.to_yaml()?, "yml")
            };
            if let Some(edited) = edit::edit(&text, extension, &edit::editor(editor)).await? {
                close_into(path, edited, &kms).await?;
            }
            Ok(String::new())
        }
        Action::Export { format, json } => {
            let open = open_file(path, &kms).await?;
            match (format, json) {
                (OpenFormat::Json, _) | (_, true) => open.to_json().map(|text| text + "\n"),
                (OpenFormat::Yaml, false) => open.to_yaml(),
            }
        }
        Action::Render {
            stage,
            format,
            json,
            parameter_store,
            ssm_kms_key,
            dry_run,
            ..
        } => {
            let file = updraft_config_crypto::read_file(path)?;
            let (_, definition) = file
                .stages
                .resolve(&stage)
                .ok_or_else(|| Error::UnknownStage(stage.clone()))?;
            let value = render::render(&file, &stage, &kms)
                .await
                .map_err(|error| error.in_file(path))?;
            if let Some(prefix) = parameter_store {
                let parameters = ssm::parameters(&value, &prefix)?;
                let names: String = parameters
                    .iter()
                    .flat_map(|p| [p.name.as_str(), "\n"])
                    .collect();
                if !dry_run {
                    let config = kms.sdk_config(Some(&definition.environment)).await?;
                    let client = updraft_core::traced_client!(aws_sdk_ssm, &config);
                    ssm::put(&client, &parameters, ssm_kms_key.as_deref()).await?;
                }
                return Ok(names);
            }
            let format = if json { RenderFormat::Json } else { format };
            match format {
                RenderFormat::Yaml => output::to_yaml(&value),
                RenderFormat::Json => Ok(output::to_json(&value).to_string() + "\n"),
                RenderFormat::Dotenv => output::to_dotenv(&value),
                RenderFormat::Sops => {
                    sops::write(&value, definition, &kms, std::time::SystemTime::now()).await
                }
            }
        }
        Action::Decrypt { file } => {
            let text = read_text(&file)?;
            let value = sops::read(&text, &kms).await?;
            output::to_yaml(&value)
        }
    }
}
