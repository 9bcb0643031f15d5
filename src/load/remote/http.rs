//! Downloads a resource file named by an HTTP(S) URL (kustomize's
//! `Load` of a remote file). Unlike kustomize, which reads any body to the
//! end with no deadline, the body is capped and the whole request has a
//! time limit (and shares the run's deadline), so a hostile or broken
//! server cannot exhaust memory or stall a build.

use super::RemoteError;
use std::time::Duration;

/// The largest file accepted: far above any real manifest bundle.
pub const MAX_BYTES: u64 = 32 * 1024 * 1024;
/// Connect, redirects and body together.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The body of a successful (2xx) GET of `url`.
pub fn download(url: &str) -> Result<Vec<u8>, RemoteError> {
    download_limited(url, MAX_BYTES)
}

pub fn download_limited(url: &str, max_bytes: u64) -> Result<Vec<u8>, RemoteError> {
    // The request gets its own cap, or what is left of the run's deadline.
    let timeout = crate::model::limits::time_for(TIMEOUT, url)
        .map_err(|e| RemoteError::Http(e.to_string()))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        // Statuses are ours to report (and a non-2xx repository URL falls
        // back to cloning), not errors of the transport.
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .get(url)
        .call()
        .map_err(|e| RemoteError::Http(e.to_string()))?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(RemoteError::HttpStatus(status));
    }
    response
        .body_mut()
        .with_config()
        .limit(max_bytes)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => RemoteError::TooLarge(max_bytes),
            e => RemoteError::Http(e.to_string()),
        })
        .inspect(|body| crate::model::heap::add_input(body.len() as u64))
}
