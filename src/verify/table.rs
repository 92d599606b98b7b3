//! Fixed-base tables for the keys a worker checks most, so that a single
//! check needs no doubling chain.
//!
//! [`verify_prepared`](super::verify_prepared) computes `[S]B − [k]A` with one variable-base
//! double-scalar multiplication: about 253 doublings plus the additions of
//! both scalars. A table of the multiples `[j·32^i]B` of the basepoint
//! turns `[S]B` into 52 additions and 5 doublings; an export has few
//! issuers, so the same table built once per key `A`
//! ([`EdwardsBasepointTableRadix32::create`], 60 KB) does the same for
//! `[k]A`. (`benches/forged.rs -- --micro`: radix 32 is about 4% faster
//! than radix 16 on a Zen 4 core; radix 64 is no faster, its constant-time
//! lookups scanning twice as many points.)
//! The point `[S]B − [k]A` is the same point whichever way it is computed,
//! and it is compared with `R` as [`verify_prepared`](super::verify_prepared)
//! compares it, so the answer is exactly that function's.
//!
//! The gain is modest (the basepoint's table and the key's together cost
//! about 10% less than the double-scalar multiplication, whose vector code
//! is faster than the tables' serial additions), a table costs as much to
//! build as some 40 checks, and a hostile export can name a new key on
//! every record: a key gets a table only once a worker has checked
//! [`TABLE_AFTER`] of its signatures one by one, at most [`MAX_TABLES`]
//! keys per worker get one, and past [`MAX_COUNTED`] counted keys without
//! a table the counts start over. Every other signature takes the plain
//! path.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{EdwardsBasepointTableRadix32, EdwardsPoint};
use curve25519_dalek::traits::BasepointTable;

use super::batch::Signature;
use super::{Prepared, VerifyingKey};

/// Single checks under one key, in one worker, before the key gets a
/// table. `benches/forged.rs -- --micro` on a Zen 4 core: a table takes
/// about 2 ms to build and saves 2 to 3 µs a check (against 26 µs), so it
/// pays for itself after about a thousand checks. Building it once
/// the key has cost about that much without one (the ski-rental rule)
/// never spends more than twice the best choice made in hindsight.
pub const TABLE_AFTER: u32 = 1024;

/// Keys with a table, per worker: 60 KB each, so at most 960 KB a worker
/// (a Zen 4 core has 2 MB of L2), and at most some 35 ms a worker spends
/// building tables, whatever the export.
pub const MAX_TABLES: usize = 16;

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
    table: Option<Box<EdwardsBasepointTableRadix32>>,
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
    fn table(&mut self, key: &VerifyingKey) -> Option<&EdwardsBasepointTableRadix32> {
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
            entry.table = Some(Box::new(EdwardsBasepointTableRadix32::create(&key.point)));
            self.tables += 1;
        }
        entry.table.as_deref()
    }
}

/// The basepoint's radix-32 table, built on first use (curve25519-dalek
/// ships only the radix-16 one as a constant).
fn basepoint_table() -> &'static EdwardsBasepointTableRadix32 {
    static TABLE: OnceLock<EdwardsBasepointTableRadix32> = OnceLock::new();
    TABLE.get_or_init(|| EdwardsBasepointTableRadix32::create(&ED25519_BASEPOINT_POINT))
}

/// `[S]B − [k]A` with `A`'s table and the basepoint's.
fn image_with_table(p: &Prepared, table: &EdwardsBasepointTableRadix32) -> EdwardsPoint {
    let ka = table.mul_base(&p.k);
    let sb = basepoint_table().mul_base(&p.s);
    sb - ka
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
