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
    /// A problem at a line of a file (a patch op, an inline patch).
    #[error("{path}:{line}: {message}")]
    At {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A remote `resources:`/`components:` entry that could not be used;
    /// the message names the URL as written.
    #[error("remote resource '{url}': {source}")]
    Remote {
        url: String,
        source: crate::load::remote::RemoteError,
    },
    #[error(transparent)]
    Limit(#[from] crate::model::limits::LimitError),
    #[error(transparent)]
    Budget(#[from] crate::model::heap::Exceeded),
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
        if e.over_budget {
            return BuildError::Invalid {
                path: path.into(),
                message: format!("line {}: {}", e.line, e.message),
            };
        }
        BuildError::Yaml {
            path: path.into(),
            line: e.line,
            message: e.message,
        }
    }
}

pub type Result<T> = std::result::Result<T, BuildError>;

impl From<crate::model::ModelError> for BuildError {
    fn from(e: crate::model::ModelError) -> Self {
        match e {
            crate::model::ModelError::Invalid { path, message } => {
                BuildError::Invalid { path, message }
            }
            crate::model::ModelError::Limit(limit) => BuildError::Limit(limit),
            crate::model::ModelError::Budget(budget) => BuildError::Budget(budget),
        }
    }
}

/// A schema (serde) error without the offending string: serde quotes it
/// (`invalid type: string "hunter2", expected a sequence`), and a string
/// from a repository (a password, a token) must not reach logs or whoever
/// reads the error. Field names, which say what to fix, and booleans and
/// numbers (`boolean \`true\``: which YAML 1.1 typing surprised) are kept.
pub fn schema_error(e: &serde_json::Error) -> String {
    static VALUE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(invalid (?:type|value|length): string) "(?:[^"\\]|\\.)*""#)
            .expect("static regex")
    });
    VALUE.replace_all(&e.to_string(), "$1").into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn schema_errors_do_not_echo_values() {
        let e = serde_json::from_str::<Vec<String>>(r#""hunter2 \" secret""#).unwrap_err();
        let text = super::schema_error(&e);
        assert!(!text.contains("hunter2"), "{text}");
        assert!(
            text.contains("invalid type: string, expected a sequence"),
            "{text}"
        );
    }
}
