//! Fixed-base tables for the keys a worker checks most, so that a single
//! check needs no doubling chain.
//!
//! [`verify_prepared`](super::verify_prepared) computes `[S]B − [k]A` with one variable-base
//! double-scalar multiplication: about 253 doublings plus the additions of
//! both scalars. A [`FixedBase`] table of the multiples `[j·256^i]P`
//! (`j` = 1 to 128, `i` = 0 to 31) turns `[S]B` into at most 33 additions
//! and no doubling, each addend read straight from the table by the
//! scalar's signed byte; an export has few issuers, so the same table built
//! once per key `A` does the same for `[k]A`.
//!
//! The lookups are variable-time, unlike curve25519-dalek's
//! `EdwardsBasepointTable`, whose constant-time selection scans every
//! entry of a row for each digit: verification handles only public data
//! (keys, signatures, messages), so there is no secret to leak.
//! `benches/forged.rs -- --micro` on one Zen 4 core puts `[S]B − [k]A`
//! through two such tables at about half the time of the double-scalar
//! multiplication, and at about 40% less than through curve25519-dalek's
//! constant-time radix-32 tables, which this module used before (see
//! `BENCHMARKS.md`, "Forged-heavy exports"). The additions are
//! curve25519-dalek's own (`EdwardsPoint + EdwardsPoint`); nothing here
//! does field arithmetic.
//!
//! The point `[S]B − [k]A` is the same point whichever way it is computed,
//! and it is compared with `R` as [`verify_prepared`](super::verify_prepared)
//! compares it, so the answer is exactly that function's.
//!
//! A table costs as much to build as some hundred checks save and
//! takes 660 KB, and a hostile export can name a new key on every record:
//! a key gets a table only once a worker has checked [`TABLE_AFTER`] of
//! its signatures one by one, at most [`MAX_TABLES`] keys per worker get
//! one, and past [`MAX_COUNTED`] counted keys without a table the counts
//! start over. Every other signature takes the plain path.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;

use super::batch::Signature;
use super::{Prepared, VerifyingKey};

/// Single checks under one key, in one worker, before the key gets a
/// table. `benches/forged.rs -- --micro` on a Zen 4 core: a table takes
/// about 1.5 ms to build and saves about 13 µs a check (against 27 µs),
/// so it pays for itself after about a hundred checks. Building it once
/// the key has cost about that much without one (the ski-rental rule)
/// never spends more than twice the best choice made in hindsight.
pub const TABLE_AFTER: u32 = 128;

/// Keys with a table, per worker: 660 KB each, so at most 5.3 MB a worker
/// (and the basepoint's, shared by all), and at most some 15 ms a worker
/// spends building tables, whatever the export.
pub const MAX_TABLES: usize = 8;

/// Bits per digit of a [`FixedBase`] scalar: signed bytes.
const WINDOW: u32 = 8;

/// Entries per row of a [`FixedBase`]: the multiples 1 to 2^(WINDOW−1)
/// (a negative digit adds the negation).
const ROW: usize = 1 << (WINDOW - 1);

/// Rows of a [`FixedBase`]: one per byte of a scalar.
const ROWS: usize = 32;

/// The multiples of one point that put a scalar multiple of it together
/// without doubling: row `i` holds `[j·256^i]P` for `j` = 1 to 128, and
/// `top` is `[256^32]P`, for the carry out of a scalar's last byte.
pub struct FixedBase {
    rows: Box<[EdwardsPoint]>,
    top: EdwardsPoint,
}

impl fmt::Debug for FixedBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FixedBase").finish_non_exhaustive()
    }
}

impl FixedBase {
    /// The table of `point`: 4,096 additions, 660 KB.
    pub fn new(point: &EdwardsPoint) -> FixedBase {
        let mut rows = Vec::with_capacity(ROWS * ROW);
        let mut base = *point;
        for _ in 0..ROWS {
            let mut multiple = base;
            rows.push(multiple);
            for _ in 1..ROW {
                multiple += base;
                rows.push(multiple);
            }
            // multiple = [128]base, so the next row's base is [256]base.
            base = multiple + multiple;
        }
        FixedBase {
            rows: rows.into_boxed_slice(),
            top: base,
        }
    }

    /// Adds `[scalar]P` to `sum` (or subtracts it, when `negate`), one
    /// addition per nonzero signed byte of `scalar`, in variable time.
    pub fn add_multiple(&self, sum: &mut EdwardsPoint, scalar: &Scalar, negate: bool) {
        let mut carry = 0i16;
        for (i, &byte) in scalar.as_bytes().iter().enumerate() {
            // Signed bytes: a digit of 128 or more becomes digit − 256,
            // carrying one into the next byte.
            let mut digit = i16::from(byte) + carry;
            carry = i16::from(digit >= ROW as i16);
            digit -= carry << WINDOW;
            if digit != 0 {
                let entry = &self.rows[i * ROW + usize::from(digit.unsigned_abs()) - 1];
                if (digit < 0) != negate {
                    *sum -= entry;
                } else {
                    *sum += entry;
                }
            }
        }
        if carry != 0 {
            if negate {
                *sum -= self.top;
            } else {
                *sum += self.top;
            }
        }
    }
}

/// Keys counted towards [`TABLE_AFTER`] without a table yet; past this the
/// counts are forgotten, so an export naming a new key on every record
/// holds the map to a bounded size.
pub const MAX_COUNTED: usize = 4096;

/// A worker's per-key tables; see the module documentation.
#[derive(Clone)]
pub struct KeyTables {
    keys: HashMap<u32, Entry>,
    tables: usize,
    after: u32,
    max_tables: usize,
}

impl Default for KeyTables {
    /// Tables after [`TABLE_AFTER`] single checks, for at most
    /// [`MAX_TABLES`] keys.
    fn default() -> Self {
        KeyTables::new(TABLE_AFTER, MAX_TABLES)
    }
}

#[derive(Clone)]
struct Entry {
    /// The key's encoding, compared so that two keys numbered alike never
    /// share a table.
    bytes: [u8; 32],
    singles: u32,
    table: Option<Arc<FixedBase>>,
}

impl fmt::Debug for KeyTables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyTables")
            .field("counted", &self.keys.len())
            .field("tables", &self.tables)
            .field("after", &self.after)
            .field("max_tables", &self.max_tables)
            .finish()
    }
}

impl KeyTables {
    /// Tables for at most `max_tables` keys, each built at a key's
    /// `after`-th single check (1: at its first; tests use this to put
    /// every signature through a table).
    pub fn new(after: u32, max_tables: usize) -> KeyTables {
        KeyTables {
            keys: HashMap::new(),
            tables: 0,
            after: after.max(1),
            max_tables,
        }
    }

    /// The cofactored equation for one signature, as [`verify_prepared`]
    /// answers it, through `key`'s table when it has one.
    ///
    /// [`verify_prepared`]: super::verify_prepared
    pub fn check(&mut self, p: &Prepared, key: &VerifyingKey) -> bool {
        let image = self.image(p, key);
        p.settle(&image, &image.compress())
    }

    /// [`KeyTables::check`] for each signature: the points `[S]B − [k]A`
    /// are encoded together (one field inversion for all of them,
    /// [`EdwardsPoint::compress_batch_alloc`]) and compared with each `R`;
    /// only a signature whose `R` differs has `R` decompressed.
    pub fn check_many(&mut self, items: &[Signature]) -> Vec<bool> {
        let images: Vec<EdwardsPoint> = items
            .iter()
            .map(|s| self.image(&s.prepared, &s.key))
            .collect();
        let encoded = EdwardsPoint::compress_batch_alloc(&images);
        items
            .iter()
            .zip(images.iter().zip(&encoded))
            .map(|(s, (image, encoded))| s.prepared.settle(image, encoded))
            .collect()
    }

    /// The error point `e = R + [k]A − [S]B` of a signature whose `R` is
    /// the point `r`: `[8]e = 0` exactly when the signature satisfies the
    /// cofactored equation.
    pub(crate) fn error(
        &mut self,
        p: &Prepared,
        r: &EdwardsPoint,
        key: &VerifyingKey,
    ) -> EdwardsPoint {
        r - self.image(p, key)
    }

    /// `[S]B − [k]A`, through `key`'s table when it has one.
    fn image(&mut self, p: &Prepared, key: &VerifyingKey) -> EdwardsPoint {
        match self.table(key) {
            Some(table) => image_with_table(p, table),
            None => p.image(key),
        }
    }

    /// Keys that have a table.
    pub fn tables(&self) -> usize {
        self.tables
    }

    /// Counts a single check under `key` and returns its table, building
    /// it when the key has just earned one.
    fn table(&mut self, key: &VerifyingKey) -> Option<&FixedBase> {
        if !self.keys.contains_key(&key.id) && self.keys.len() - self.tables >= MAX_COUNTED {
            self.keys.retain(|_, e| e.table.is_some());
        }
        let entry = self.keys.entry(key.id).or_insert(Entry {
            bytes: key.bytes,
            singles: 0,
            table: None,
        });
        if entry.bytes != key.bytes {
            return None;
        }
        if entry.table.is_none() {
            entry.singles = entry.singles.saturating_add(1);
            if entry.singles < self.after || self.tables >= self.max_tables {
                return None;
            }
            entry.table = Some(Arc::new(FixedBase::new(&key.point)));
            self.tables += 1;
        }
        entry.table.as_deref()
    }
}

/// The basepoint's table, built on first use.
fn basepoint_table() -> &'static FixedBase {
    static TABLE: OnceLock<FixedBase> = OnceLock::new();
    TABLE.get_or_init(|| FixedBase::new(&ED25519_BASEPOINT_POINT))
}

/// `[S]B − [k]A` with `A`'s table and the basepoint's.
fn image_with_table(p: &Prepared, table: &FixedBase) -> EdwardsPoint {
    let mut image = EdwardsPoint::identity();
    basepoint_table().add_multiple(&mut image, &p.s, false);
    table.add_multiple(&mut image, &p.k, true);
    image
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::verify_prepared;
    use curve25519_dalek::constants::EIGHT_TORSION;
    use curve25519_dalek::scalar::Scalar;
    use sha2::{Digest, Sha512};

    fn scalar(seed: u8) -> Scalar {
        Scalar::from_bytes_mod_order_wide(&[seed; 64])
    }

    /// A key with a known secret `a`.
    fn key(seed: u8, id: u32) -> (Scalar, VerifyingKey) {
        let a = scalar(seed);
        let bytes = EdwardsPoint::mul_base(&a).compress().to_bytes();
        (
            a,
            VerifyingKey::screen(bytes, id).expect("a prime-order key"),
        )
    }

    /// Signs `message` with the nonce point `[r]B + torsion`, so that `R`
    /// has a small-order component when `torsion` is not the identity.
    fn sign(
        a: &Scalar,
        key: &VerifyingKey,
        message: &[u8],
        r: &Scalar,
        torsion: &EdwardsPoint,
    ) -> [u8; 64] {
        let r_bytes = (EdwardsPoint::mul_base(r) + torsion).compress().to_bytes();
        let mut h = Sha512::new();
        h.update(r_bytes);
        h.update(key.bytes);
        h.update(message);
        let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        let s = r + k * a;
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&r_bytes);
        sig[32..].copy_from_slice(s.as_bytes());
        sig
    }

    /// (signature, message, expected answer) for `key`: honest ones, ones
    /// whose `R` has each small-order component (the cofactored equation
    /// accepts them), and tampered ones.
    fn cases(a: &Scalar, key: &VerifyingKey) -> Vec<([u8; 64], Vec<u8>, bool)> {
        let mut out = Vec::new();
        for (i, torsion) in EIGHT_TORSION.iter().enumerate() {
            let message = vec![i as u8; 10 + i];
            let sig = sign(a, key, &message, &scalar(100 + i as u8), torsion);
            out.push((sig, message.clone(), true));
            let mut other = message.clone();
            other[0] ^= 1;
            out.push((sig, other, false));
            let mut s_changed = sig;
            s_changed[40] ^= 4; // S stays below ℓ
            out.push((s_changed, message.clone(), false));
            // A signature over the message by another key.
            let (b, _) = key_of_other();
            out.push((sign(&b, key, &message, &scalar(7), torsion), message, false));
        }
        out
    }

    fn key_of_other() -> (Scalar, VerifyingKey) {
        key(99, 99)
    }

    #[test]
    fn fixed_base_multiples_agree_with_scalar_multiplication() {
        let point = EdwardsPoint::mul_base(&scalar(5));
        let table = FixedBase::new(&point);
        let minus_one = -Scalar::ONE;
        let mut scalars = vec![Scalar::ZERO, Scalar::ONE, minus_one, scalar(9)];
        // Every byte value in every position, and the carry runs that
        // 0x7f, 0x80 and 0xff bytes make.
        for byte in [0x01u8, 0x7f, 0x80, 0x81, 0xfe, 0xff] {
            scalars.push(Scalar::from_bytes_mod_order([byte; 32]));
            let mut one_byte = [0u8; 32];
            for i in (0..32).step_by(5) {
                one_byte[i] = byte;
            }
            scalars.push(Scalar::from_bytes_mod_order(one_byte));
        }
        let mut high = [0u8; 32];
        high[31] = 0x10; // 2^252, just below ℓ
        scalars.push(Scalar::from_bytes_mod_order(high));
        for (n, s) in scalars.iter().enumerate() {
            let mut sum = EdwardsPoint::identity();
            table.add_multiple(&mut sum, s, false);
            assert_eq!(sum, point * s, "scalar {n}");
            let mut difference = point;
            table.add_multiple(&mut difference, s, true);
            assert_eq!(difference, point - point * s, "scalar {n}, negated");
        }
    }

    #[test]
    fn the_table_path_agrees_with_verify_prepared() {
        for seed in 1..4u8 {
            let (a, key) = key(seed, u32::from(seed));
            let mut tables = KeyTables::new(1, 4);
            let shared = std::sync::Arc::new(key.clone());
            let mut all = Vec::new();
            let mut answers = Vec::new();
            for (n, (sig, message, expected)) in cases(&a, &key).into_iter().enumerate() {
                let p = Prepared::new(&sig, &key, &message).expect("reaches the equation");
                assert_eq!(verify_prepared(&p, &key), expected, "key {seed}, case {n}");
                assert_eq!(tables.check(&p, &key), expected, "key {seed}, case {n}");
                assert_eq!(tables.tables(), 1, "key {seed}, case {n}");
                let r = p.r_point().expect("R is a point");
                let through = tables.error(&p, &r, &key);
                let plain = r - p.image(&key);
                assert_eq!(through, plain, "key {seed}, case {n}: the error point");
                all.push(Signature {
                    prepared: p,
                    key: shared.clone(),
                });
                answers.push(expected);
            }
            assert_eq!(tables.check_many(&all), answers, "key {seed}, together");
            let mut plain = KeyTables::new(u32::MAX, 0);
            assert_eq!(plain.check_many(&all), answers, "key {seed}, no table");
            assert_eq!(plain.tables(), 0);
        }
    }

    #[test]
    fn tables_are_bounded_and_never_shared_between_keys() {
        let (a, first) = key(1, 0);
        let (b, second) = key(2, 1);
        // Numbered alike: the second must not use the first's table.
        let (c, same_id) = key(3, 0);
        let mut tables = KeyTables::new(2, 1);
        for round in 0..3 {
            for (secret, k) in [(&a, &first), (&b, &second), (&c, &same_id)] {
                for (n, (sig, message, expected)) in cases(secret, k).into_iter().enumerate() {
                    let p = Prepared::new(&sig, k, &message).expect("reaches the equation");
                    let what = format!("round {round}, key {}, case {n}", k.bytes[0]);
                    assert_eq!(tables.check(&p, k), expected, "{what}");
                }
            }
        }
        assert_eq!(tables.tables(), 1);
    }

    #[test]
    fn counts_are_forgotten_past_the_bound() {
        let (a, key) = key(1, 0);
        let (sig, message, _) = cases(&a, &key).remove(0);
        let mut tables = KeyTables::new(3, 1);
        for id in 0..(MAX_COUNTED as u32 + 10) {
            let mut numbered = key.clone();
            numbered.id = id;
            let p = Prepared::new(&sig, &numbered, &message).expect("prepares");
            assert!(tables.check(&p, &numbered), "id {id}");
            assert!(tables.keys.len() <= MAX_COUNTED + tables.tables, "id {id}");
        }
        assert_eq!(tables.tables(), 0);
    }
}
