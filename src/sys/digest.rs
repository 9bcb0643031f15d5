//! SHA-256, from the CPU's SHA extensions where an input is big enough to
//! pay for asking the CPU about them.
//!
//! Why two implementations: ring's SHA-256 runs on the SHA extensions
//! (0.5 ms per MB on the project machine) but probes the CPU with `cpuid`
//! at its first use, which on a virtual machine traps to the hypervisor
//! (about 12 us in all). hmac-sha256 is plain Rust with no probe (2.4 ms
//! per MB). Most digests a build takes are of a few hundred bytes (a
//! generated ConfigMap's hash, a cache key's text); a Grafana dashboard in
//! a generator or a helm chart with its CRDs runs to megabytes. Both give
//! the same digest.

/// From this many bytes the probe costs less than the plain hash would.
const PROBE_PAYS_FROM: usize = 8 * 1024;

/// The SHA-256 digest of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    if bytes.len() < PROBE_PAYS_FROM {
        return hmac_sha256::Hash::hash(bytes);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref());
    out
}

/// A SHA-256 over input fed in parts whose total is usually big (a helm
/// chart's files): always the CPU's extensions.
pub struct Sha256(ring::digest::Context);

impl Default for Sha256 {
    fn default() -> Self {
        Sha256(ring::digest::Context::new(&ring::digest::SHA256))
    }
}

impl Sha256 {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn finish(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.0.finish().as_ref());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both implementations, on each side of the threshold, against
    /// SHA-256's published test vectors and each other.
    #[test]
    fn both_paths_give_sha256() {
        let hex = |d: [u8; 32]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let million_a = vec![b'a'; 1_000_000];
        assert_eq!(
            hex(sha256(&million_a)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
        for len in [
            0,
            1,
            PROBE_PAYS_FROM - 1,
            PROBE_PAYS_FROM,
            PROBE_PAYS_FROM + 1,
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let mut streamed = Sha256::default();
            let (a, b) = bytes.split_at(len / 3);
            streamed.update(a);
            streamed.update(b);
            assert_eq!(sha256(&bytes), hmac_sha256::Hash::hash(&bytes), "{len}");
            assert_eq!(streamed.finish(), sha256(&bytes), "{len}");
        }
    }
}
