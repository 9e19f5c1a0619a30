//! `config edit`: the open form in a private temp file, the editor on it, and the result
//! imported. The temp directory (mode 0700) is removed afterwards, also on an error or Ctrl-C;
//! an edit that does not parse is offered again with the text as it was left, never lost.

use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;

use updraft_config_crypto::Error;
use updraft_config_crypto::open::ConfigFile;

/// The private directory of one edit, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, Error> {
        let mut random = [0_u8; 8];
        let _ = getrandom::fill(&mut random);
        let path = std::env::temp_dir().join(format!(
            "updraft-edit-{}-{}",
            std::process::id(),
            updraft_core::digest::hex(&random)
        ));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        Ok(Self(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The editor: `--editor`, else `FLEECE_EDITOR`, else `VISUAL`, else `EDITOR`, else `vi`.
pub(crate) fn editor(flag: Option<String>) -> String {
    flag.or_else(|| std::env::var("FLEECE_EDITOR").ok())
        .or_else(|| std::env::var("VISUAL").ok())
        .or_else(|| std::env::var("EDITOR").ok())
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".to_owned())
}

fn run_editor(editor: &str, file: &Path) -> Result<(), Error> {
    // Through the shell, so an editor with arguments (`code --wait`) works.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file)
        .status()
        .map_err(|source| Error::Io {
            path: PathBuf::from(editor),
            source,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::Format {
            path: editor.to_owned(),
            reason: format!("the editor exited with {status}; nothing was imported"),
        })
    }
}

/// Edits `text` (the open form, `extension` `yml` or `json`); returns the edited, checked file,
/// or `None` when nothing changed.
pub(crate) async fn edit(
    text: &str,
    extension: &str,
    editor: &str,
) -> Result<Option<ConfigFile>, Error> {
    let scratch = Scratch::new()?;
    let file = scratch.0.join(format!("config.{extension}"));
    let io = |source| Error::Io {
        path: file.clone(),
        source,
    };
    std::fs::write(&file, text).map_err(io)?;
    // Ctrl-C reaches the editor; this process waits for it and cleans up.
    let interrupted = tokio::spawn(tokio::signal::ctrl_c());
    let outcome = loop {
        let editor = editor.to_owned();
        let path = file.clone();
        let ran = tokio::task::spawn_blocking(move || run_editor(&editor, &path))
            .await
            .unwrap_or_else(|_| Err(Error::format("(editor)", "the editor task failed")));
        if let Err(error) = ran {
            break Err(error);
        }
        if interrupted.is_finished() {
            break Err(Error::format(
                "(editor)",
                "interrupted; nothing was imported",
            ));
        }
        let edited = std::fs::read_to_string(&file).map_err(io)?;
        if edited == text {
            break Ok(None);
        }
        match ConfigFile::from_text(&edited) {
            Ok(parsed) => break Ok(Some(parsed)),
            Err(error) => {
                eprintln!("updraft: the edit does not parse: {error}");
                eprint!("updraft: edit it again? [Y/n] ");
                let _ = std::io::stderr().flush();
                let mut answer = String::new();
                let read = std::io::stdin().lock().read_line(&mut answer);
                // No answer (stdin closed) abandons too: never loop without a person.
                if matches!(read, Ok(0) | Err(_)) || answer.trim().eq_ignore_ascii_case("n") {
                    break Err(Error::format(
                        "(editor)",
                        "the edit was abandoned; nothing was imported",
                    ));
                }
            }
        }
    };
    interrupted.abort();
    drop(scratch);
    outcome
}
