//! SHA-256 and SHA-512 over many messages at once.
//!
//! Canonical documents are hashed hundreds per chunk, and every Ed25519
//! challenge is a SHA-512: [`sha256`] and [`sha512`] can run one message
//! per SIMD lane, 16 or 8 SHA-256 lanes (AVX-512, AVX2), 8 or 4 SHA-512
//! lanes, or hand each message to the `sha2` crate, which uses the SHA
//! extensions where the CPU has them. Which [`Kernel`] runs is decided once
//! per process from the CPU's features ([`Cpu`]), by a rule each hash
//! states with the measurements it rests on ([`sha256::choose`],
//! [`sha512::choose`]); `benches/hashing.rs` prints the choice and times
//! every kernel the CPU has, so the rule can be checked on any machine.

mod multibuffer;
pub mod sha256;
pub mod sha512;

/// A way of hashing a batch of messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// One message per lane of a 512-bit vector (AVX-512F; SHA-512 also
    /// needs AVX-512BW).
    Avx512,
    /// One message per lane of a 256-bit vector (AVX2).
    Avx2,
    /// One message at a time with the `sha2` crate: its SHA extensions
    /// code (SHA-NI) for SHA-256 where the CPU has them, else portable or
    /// AVX2 code of its own.
    Sha2,
}

impl Kernel {
    /// Every kernel, widest first.
    pub const ALL: [Kernel; 3] = [Kernel::Avx512, Kernel::Avx2, Kernel::Sha2];

    /// The kernel's name in benchmark reports.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Avx512 => "avx512",
            Kernel::Avx2 => "avx2",
            Kernel::Sha2 => "sha2",
        }
    }
}

/// The CPU features the kernels depend on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cpu {
    /// AVX-512 Foundation.
    pub avx512f: bool,
    /// AVX-512 Byte and Word instructions.
    pub avx512bw: bool,
    /// AVX2.
    pub avx2: bool,
    /// The SHA extensions (SHA-NI), which accelerate SHA-256 (and SHA-1).
    pub sha: bool,
}

impl Cpu {
    /// The features of the CPU this process runs on.
    pub fn detect() -> Cpu {
        #[cfg(target_arch = "x86_64")]
        {
            Cpu {
                avx512f: std::is_x86_feature_detected!("avx512f"),
                avx512bw: std::is_x86_feature_detected!("avx512bw"),
                avx2: std::is_x86_feature_detected!("avx2"),
                sha: std::is_x86_feature_detected!("sha")
                    && std::is_x86_feature_detected!("sse4.1"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        Cpu::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_cpu_gets_its_kernels() {
        let cpu = |avx512f, avx512bw, avx2, sha| Cpu {
            avx512f,
            avx512bw,
            avx2,
            sha,
        };
        // (CPU, SHA-256 kernel, SHA-512 kernel)
        let kinds = [
            // AMD Zen 4 and 5, Intel Ice Lake and later servers.
            (cpu(true, true, true, true), Kernel::Avx512, Kernel::Avx512),
            // Intel Skylake-SP and Cascade Lake.
            (cpu(true, true, true, false), Kernel::Avx512, Kernel::Avx512),
            // AMD Zen 2 and 3, Intel Alder Lake and later clients.
            (
                cpu(false, false, true, true),
                sha256::choose(&cpu(false, false, true, true)),
                Kernel::Avx2,
            ),
            // Intel Haswell to Coffee Lake.
            (cpu(false, false, true, false), Kernel::Avx2, Kernel::Avx2),
            // Atom-class cores with SHA but no AVX2 (Goldmont).
            (cpu(false, false, false, true), Kernel::Sha2, Kernel::Sha2),
            (Cpu::default(), Kernel::Sha2, Kernel::Sha2),
        ];
        for (cpu, sha256_kernel, sha512_kernel) in kinds {
            assert_eq!(sha256::choose(&cpu), sha256_kernel, "{cpu:?}");
            assert_eq!(sha512::choose(&cpu), sha512_kernel, "{cpu:?}");
        }
        // What is chosen runs here.
        let mut out = [[0u8; 32]; 2];
        assert!(sha256::sha256_many_with(
            sha256::kernel(),
            &[b"a", b"b"],
            &mut out
        ));
        let mut out = [[0u8; 64]; 2];
        assert!(sha512::sha512_many_with(
            sha512::kernel(),
            &[b"a", b"b"],
            &mut out
        ));
    }
}
