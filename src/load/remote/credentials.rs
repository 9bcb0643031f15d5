//! Which git commands may use the credentials ArgoCD hands a plugin.
//!
//! With `provideGitCreds`, ArgoCD's repo-server puts the credentials of the
//! Application's source repository in the plugin's environment: an askpass
//! program with a nonce (`GIT_ASKPASS`, `ARGOCD_GIT_ASKPASS_NONCE`,
//! `ARGOCD_ASK_PASS_SOCK`), auth headers, a client certificate or an SSH
//! key command. Its askpass answers whatever host git asks about, so a
//! repository naming `https://elsewhere/x` as a remote base would have git
//! send the source repository's token to that host. Under ArgoCD (the
//! environment names the source repository) those variables reach git only
//! for URLs on the source repository's host; elsewhere git runs without
//! them. Outside ArgoCD the user's environment is theirs and passes as is.

use std::process::Command;

/// The variables that carry the source repository's credentials.
const CARRIERS: &[&str] = &[
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "ARGOCD_GIT_ASKPASS_NONCE",
    "ARGOCD_ASK_PASS_SOCK",
    "ARGOCD_GIT_AUTH_HEADER",
    "ARGOCD_GIT_BEARER_AUTH_HEADER",
    "GIT_SSL_CERT",
    "GIT_SSL_KEY",
    "GIT_SSH_COMMAND",
];

/// The auth headers ArgoCD's own git client passes as `http.extraHeader`
/// (plain git ignores the variables).
const HEADERS: &[&str] = &["ARGOCD_GIT_AUTH_HEADER", "ARGOCD_GIT_BEARER_AUTH_HEADER"];

/// Sets up `cmd` (a git command about to contact `url`) for the
/// credentials: given, with the auth headers as git config, when `url` is
/// on the source repository's host; taken away when it is not.
pub fn scope(cmd: &mut Command, url: &str) {
    let Some(source) = std::env::var("ARGOCD_APP_SOURCE_REPO_URL")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        return;
    };
    if host(url).is_some() && host(url) == host(&source) {
        for var in HEADERS {
            if std::env::var_os(var).is_some() {
                cmd.arg(format!("--config-env=http.extraHeader={var}"));
            }
        }
    } else {
        for var in CARRIERS {
            cmd.env_remove(var);
        }
    }
}

/// Takes the credentials away from a child that is not git: a plugin or a
/// container runtime, which a repository chooses, must not reach them.
pub fn withhold(cmd: &mut Command) {
    for var in CARRIERS {
        cmd.env_remove(var);
    }
}

/// What fetched content was fetched as, for the cache's key: the source
/// repository's URL when git was given its credentials for `url`, so a
/// private repository's tree fetched for one Application is never served
/// to an Application of another source repository; None when fetched
/// without credentials (anyone could fetch it).
pub fn fetched_as(url: &str) -> Option<String> {
    let source = std::env::var("ARGOCD_APP_SOURCE_REPO_URL")
        .ok()
        .filter(|s| !s.is_empty())?;
    let carried = CARRIERS.iter().any(|v| std::env::var_os(v).is_some());
    (carried && host(url).is_some() && host(url) == host(&source)).then_some(source)
}

/// The host (with its port) a git URL names, lowercased: `scheme://[user@]
/// host[:port]/...` or scp-like `user@host:path`.
fn host(url: &str) -> Option<String> {
    let authority = match url.split_once("://") {
        Some((_, rest)) => rest.split('/').next()?,
        None => url.split_once(':')?.0,
    };
    let host = authority.rsplit('@').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::host;

    #[test]
    fn hosts_of_git_urls() {
        for (url, want) in [
            ("https://github.com/org/repo.git", Some("github.com")),
            (
                "https://x-access-token@GitHub.com/org/repo",
                Some("github.com"),
            ),
            ("http://127.0.0.1:8080/r.git", Some("127.0.0.1:8080")),
            (
                "ssh://git@gitlab.example:2222/r",
                Some("gitlab.example:2222"),
            ),
            ("git@github.com:org/repo.git", Some("github.com")),
            ("file:///srv/r", None),
        ] {
            assert_eq!(host(url).as_deref(), want, "{url}");
        }
    }
}
