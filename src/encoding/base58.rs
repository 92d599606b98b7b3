//! Base58btc (the Bitcoin alphabet) decoding into fixed-size values: a
//! `proofValue` (64 bytes; 96 for an ECDSA P-384 signature) or a Multikey
//! (34 bytes; 35 and 51 for P-256 and P-384 points).
//!
//! The general decoders process one character per pass over the whole
//! number; this one takes ten characters at a time (58^10 < 2^64) into
//! 64-bit limbs, a few dozen multiplications for a `proofValue`, and fails
//! without allocating when the value does not have exactly `N` bytes.

const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

const DIGITS: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < 58 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// 58^10, 58^9, …, 58^0: the place values of a group of ten digits
/// (58^10 < 2^64), and the scale of a whole group.
const POWERS: [u64; 11] = {
    let mut powers = [1u64; 11];
    let mut i = 9;
    loop {
        powers[i] = powers[i + 1] * 58;
        if i == 0 {
            break;
        }
        i -= 1;
    }
    powers
};

/// The widest value decoded, in 64-bit limbs: 104 bytes and the spare.
const LIMBS: usize = 14;

/// Decodes base58btc text whose value is exactly `N` bytes long, leading
/// zero bytes written as leading `1`s (the usual convention).
pub fn decode_exact<const N: usize>(text: &str) -> Option<[u8; N]> {
    let bytes = text.as_bytes();
    let zeros = bytes.iter().take_while(|&&b| b == b'1').count();
    if zeros > N {
        return None;
    }
    // Little-endian 64-bit limbs, one spare to detect overflow.
    let mut limbs = [0u64; LIMBS];
    let width = N.div_ceil(8) + 1;
    if width > limbs.len() {
        return None;
    }
    let digits = &bytes[zeros..];
    let mut used = 0usize;
    for group in digits.chunks(10) {
        // Each digit times its own power of 58: independent products
        // instead of a chain of ten dependent multiply-adds. A character
        // outside the alphabet maps to 0xff, which the OR catches.
        let powers = &POWERS[POWERS.len() - group.len()..];
        let mut value = 0u64;
        let mut seen = 0u8;
        for (&c, &power) in group.iter().zip(powers) {
            let d = DIGITS[c as usize];
            seen |= d;
            value += u64::from(d) * power;
        }
        if seen == 0xff {
            return None;
        }
        let scale = POWERS[POWERS.len() - 1 - group.len()];
        let mut carry = value;
        for limb in limbs.iter_mut().take(used) {
            let t = u128::from(*limb) * u128::from(scale) + u128::from(carry);
            *limb = t as u64;
            carry = (t >> 64) as u64;
        }
        if carry != 0 {
            if used >= width {
                return None;
            }
            limbs[used] = carry;
            used += 1;
        }
    }
    // The number must fill exactly N - zeros bytes, its top byte non-zero
    // (or be zero when all bytes are leading zeros).
    let mut out = [0u8; N];
    let number_len = N - zeros;
    let mut be = [0u8; 8 * LIMBS];
    for (i, limb) in limbs.iter().take(width).enumerate() {
        let at = be.len() - 8 * (i + 1);
        be[at..at + 8].copy_from_slice(&limb.to_be_bytes());
    }
    let significant = be
        .iter()
        .position(|&b| b != 0)
        .map_or(0, |first| be.len() - first);
    if significant != number_len {
        return None;
    }
    out[zeros..].copy_from_slice(&be[be.len() - number_len..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_bs58_on_random_values() {
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u8
        };
        for round in 0..3000 {
            let mut value = [0u8; 64];
            value.iter_mut().for_each(|b| *b = next());
            // Leading zero bytes now and then.
            for b in value.iter_mut().take(round % 4) {
                *b = 0;
            }
            let text = bs58::encode(value).into_string();
            assert_eq!(
                decode_exact::<64>(&text),
                Some(value),
                "round {round}: {text}"
            );
            assert_eq!(
                decode_exact::<63>(&text),
                None,
                "round {round}: too long for 63"
            );
            assert_eq!(
                decode_exact::<65>(&text),
                None,
                "round {round}: too short for 65"
            );
        }
    }

    /// The widest values (an ECDSA P-384 signature, 96 bytes; the most
    /// the limbs hold, 104), and one too wide, refused without panic.
    #[test]
    fn wide_values_decode_and_wider_ones_are_refused() {
        for (i, fill) in [0x01u8, 0x7f, 0xff].into_iter().enumerate() {
            let mut value = [fill; 104];
            value[0] = if i == 0 { 0 } else { fill };
            let text = bs58::encode(&value[..96]).into_string();
            assert_eq!(
                decode_exact::<96>(&text).map(|v| v.to_vec()),
                Some(value[..96].to_vec())
            );
            assert_eq!(decode_exact::<64>(&text), None);
            let text = bs58::encode(value).into_string();
            assert_eq!(
                decode_exact::<104>(&text).map(|v| v.to_vec()),
                Some(value.to_vec())
            );
            assert_eq!(decode_exact::<96>(&text), None);
        }
        let wide = bs58::encode([0xffu8; 120]).into_string();
        assert_eq!(decode_exact::<104>(&wide), None);
        assert_eq!(decode_exact::<120>(&wide), None, "wider than the limbs");
    }

    #[test]
    fn refuses_foreign_characters_and_odd_lengths() {
        assert_eq!(decode_exact::<4>("0OIl"), None);
        assert_eq!(decode_exact::<2>(""), None);
        assert_eq!(decode_exact::<1>("1"), Some([0]));
        assert_eq!(decode_exact::<2>("11"), Some([0, 0]));
        assert_eq!(
            decode_exact::<1>(&bs58::encode([255u8]).into_string()),
            Some([255])
        );
        let multikey = bs58::encode([0xedu8, 1, 9, 9]).into_string();
        assert_eq!(decode_exact::<4>(&multikey), Some([0xed, 1, 9, 9]));
    }
}
