//! The one error type the build returns; each variant names the file involved.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: YAML syntax error: {message}")]
    Yaml {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// A remote `resources:`/`components:` entry that could not be used;
    /// the message names the URL as written.
    #[error("remote resource '{url}': {source}")]
    Remote {
        url: String,
        source: crate::load::remote::RemoteError,
    },
    #[error(transparent)]
    Limit(#[from] crate::load::limits::LimitError),
    #[error("{0}")]
    Other(String),
}

impl BuildError {
    pub fn invalid(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        BuildError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        BuildError::Io {
            path: path.into(),
            source,
        }
    }
    pub fn yaml(path: impl Into<PathBuf>, e: crate::yaml::YamlError) -> Self {
        BuildError::Yaml {
            path: path.into(),
            line: e.line,
            message: e.message,
        }
    }
}

pub type Result<T> = std::result::Result<T, BuildError>;
