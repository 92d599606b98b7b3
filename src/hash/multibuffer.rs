//! The lane machinery of the multi-buffer hashes in `sha256` and `sha512`:
//! cutting each message into padded blocks (FIPS 180-4 §5.1), grouping
//! messages so that the lanes of a SIMD kernel finish close together,
//! and putting digests back in input order.
//!
//! SHA-256 and SHA-512 differ here only in block size (64 or 128 bytes) and
//! length field (8 or 16 bytes), so those are const parameters. Everything
//! else (word size, constants, the compression kernels) stays in the hash's
//! own module: the kernels are handed in as closures, so every instance of
//! this code is monomorphic and the group loop calls its kernel directly.
//!
//! Lanes run in lockstep, so a batch is sorted by block count and hashed in
//! groups of similar length; a lane whose message has ended keeps computing
//! on a dummy block until the longest message of its group is done, and the
//! kernel captures its state right after its own last block.

/// One message as a sequence of `BLOCK`-byte blocks: its own full blocks,
/// read in place, then one or two padded blocks (§5.1.1, §5.1.2) in a buffer
/// that `many_lanes` keeps for the whole batch.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(super) struct Lane<'a, const BLOCK: usize, const LEN_BYTES: usize> {
    full: &'a [[u8; BLOCK]],
    tail: &'a [[u8; BLOCK]],
}

#[cfg(target_arch = "x86_64")]
impl<'a, const BLOCK: usize, const LEN_BYTES: usize> Lane<'a, BLOCK, LEN_BYTES> {
    /// What a finished or unused lane reads, so that it never touches memory
    /// outside its own message.
    pub(super) const DUMMY: &'static [u8; BLOCK] = &[0; BLOCK];

    /// A lane with no message, for groups smaller than the vector width.
    const IDLE: Self = Lane {
        full: &[],
        tail: &[],
    };

    /// Number of padded blocks that follow the full ones when `rest` bytes
    /// of the message are left over. The 0x80 byte and the length field
    /// need `LEN_BYTES + 1` bytes after the data; when the last partial
    /// block cannot hold them, padding spills into a second block.
    fn tail_blocks(rest: usize) -> usize {
        if rest < BLOCK - LEN_BYTES { 1 } else { 2 }
    }

    /// Number of blocks of the padded form of a message of `len` bytes.
    fn padded_blocks(len: usize) -> usize {
        len / BLOCK + Self::tail_blocks(len % BLOCK)
    }

    /// The lane of `message` from its block `done` on (the blocks before it
    /// are already compressed), its padded last blocks written to `buf`.
    fn new(message: &'a [u8], done: usize, buf: &'a mut [[u8; BLOCK]; 2]) -> Self {
        // The bit count below is a u128; a longer field would not fit, and
        // a field filling the block would leave no room for the 0x80 byte.
        const { assert!(LEN_BYTES <= 16 && LEN_BYTES < BLOCK) };
        let (full, rest) = message[done * BLOCK..].as_chunks::<BLOCK>();
        let tail_blocks = Self::tail_blocks(rest.len());
        let end = tail_blocks * BLOCK;
        let bytes = buf.as_flattened_mut();
        bytes[..rest.len()].copy_from_slice(rest);
        bytes[rest.len()] = 0x80;
        // The buffer still holds the previous group's message.
        bytes[rest.len() + 1..end - LEN_BYTES].fill(0);
        // A slice is shorter than 2^64 bytes, so its length in bits fits a
        // u128 and SHA-512's 128-bit field. SHA-256's 64-bit field takes the
        // low half, which only drops bits for messages of 2^61 bytes and
        // more, which no slice comes near and FIPS 180-4 does not define.
        let bit_len = (message.len() as u128) * 8;
        bytes[end - LEN_BYTES..end].copy_from_slice(&bit_len.to_be_bytes()[16 - LEN_BYTES..]);
        Lane {
            full,
            tail: &buf[..tail_blocks],
        }
    }

    /// Number of blocks of the padded message still to compress.
    pub(super) fn blocks(&self) -> usize {
        self.full.len() + self.tail.len()
    }

    /// Block `s` of the padded message, or the dummy block past its end.
    pub(super) fn block(&self, s: usize) -> &'a [u8; BLOCK] {
        self.full
            .get(s)
            .or_else(|| self.tail.get(s - self.full.len()))
            .unwrap_or(Self::DUMMY)
    }
}

/// Hashes `messages` in groups of `N` with `group`, which fills in the
/// digests of the non-idle lanes of a group, and stores each digest at its
/// message's index in `out`.
///
/// `done[i]` full blocks of message `i` are already compressed (an empty
/// `done`: none of any message); its lane starts after them, and `group`
/// gets the indices of its lanes' messages to find their states.
#[cfg(target_arch = "x86_64")]
pub(super) fn many_lanes<
    const BLOCK: usize,
    const LEN_BYTES: usize,
    const N: usize,
    const DIGEST: usize,
>(
    messages: &[&[u8]],
    done: &[usize],
    out: &mut [[u8; DIGEST]],
    mut group: impl FnMut(&[Lane<'_, BLOCK, LEN_BYTES>; N], &[usize], &mut [[u8; DIGEST]; N]),
) {
    let done_of = |i: usize| done.get(i).copied().unwrap_or(0);
    // A group costs as many compressions as its longest lane, so grouping
    // lanes of similar length keeps the finished-lane waste small.
    let mut order: Vec<usize> = (0..messages.len()).collect();
    order.sort_unstable_by_key(|&i| {
        std::cmp::Reverse(Lane::<BLOCK, LEN_BYTES>::padded_blocks(messages[i].len()) - done_of(i))
    });
    // The padded blocks are written in place for each group: building them
    // inside the lanes and moving those around cost a quarter of the time
    // on 64-byte messages with SHA-512.
    let mut tails = [[[0; BLOCK]; 2]; N];
    for chunk in order.chunks(N) {
        let mut lanes = [Lane::IDLE; N];
        for ((lane, buf), &i) in lanes.iter_mut().zip(&mut tails).zip(chunk) {
            *lane = Lane::new(messages[i], done_of(i), buf);
        }
        let mut digests = [[0; DIGEST]; N];
        group(&lanes, chunk, &mut digests);
        for (&i, digest) in chunk.iter().zip(&digests) {
            out[i] = *digest;
        }
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    /// §5.1.1 / §5.1.2 spelled out byte by byte: the message, 0x80, zeros
    /// up to `LEN_BYTES` before a block boundary, the bit count.
    fn reference_padding<const BLOCK: usize, const LEN_BYTES: usize>(message: &[u8]) -> Vec<u8> {
        let mut padded = message.to_vec();
        padded.push(0x80);
        while padded.len() % BLOCK != BLOCK - LEN_BYTES {
            padded.push(0);
        }
        let bit_len = (message.len() as u128) * 8;
        padded.extend_from_slice(&bit_len.to_be_bytes()[16 - LEN_BYTES..]);
        padded
    }

    /// Every length up to three blocks, through one reused buffer as in
    /// `many_lanes`, longest first so that stale bytes would show.
    fn check_padding<const BLOCK: usize, const LEN_BYTES: usize>() {
        let data: Vec<u8> = (0..3 * BLOCK).map(|i| (i * 7 + 1) as u8).collect();
        let mut buf = [[0xEE; BLOCK]; 2];
        for len in (0..=data.len()).rev() {
            let message = &data[..len];
            let lane = Lane::<BLOCK, LEN_BYTES>::new(message, 0, &mut buf);
            let padded: Vec<u8> = (0..lane.blocks()).flat_map(|s| *lane.block(s)).collect();
            assert_eq!(
                padded,
                reference_padding::<BLOCK, LEN_BYTES>(message),
                "length {len}"
            );
            assert_eq!(lane.blocks(), Lane::<BLOCK, LEN_BYTES>::padded_blocks(len));
            assert_eq!(lane.block(lane.blocks()), Lane::<BLOCK, LEN_BYTES>::DUMMY);
            // Resumed after its first full blocks, a lane holds the rest of
            // the same padded form: the length field counts every byte.
            for done in 1..=len / BLOCK {
                let lane = Lane::<BLOCK, LEN_BYTES>::new(message, done, &mut buf);
                let rest: Vec<u8> = (0..lane.blocks()).flat_map(|s| *lane.block(s)).collect();
                assert_eq!(
                    rest,
                    reference_padding::<BLOCK, LEN_BYTES>(message)[done * BLOCK..],
                    "length {len}, {done} blocks done"
                );
            }
        }
    }

    #[test]
    fn sha256_padding() {
        check_padding::<64, 8>();
    }

    #[test]
    fn sha512_padding() {
        check_padding::<128, 16>();
    }

    #[test]
    fn many_lanes_returns_digests_in_input_order() {
        // 7 messages in groups of 3: a partial last group, and sorting that
        // moves most messages. The "digest" is the first byte and the block
        // count, enough to tell which message landed where.
        let owned: Vec<Vec<u8>> = [5, 200, 0, 64, 130, 56, 1000]
            .iter()
            .enumerate()
            .map(|(i, &len)| vec![i as u8; len])
            .collect();
        let messages: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        let mut out = vec![[0xAA; 2]; messages.len()];
        many_lanes(
            &messages,
            &[],
            &mut out,
            |lanes: &[Lane<'_, 64, 8>; 3], _, digests| {
                for (lane, digest) in lanes.iter().zip(digests) {
                    *digest = [lane.block(0)[0], lane.blocks() as u8];
                }
            },
        );
        for (message, digest) in messages.iter().zip(&out) {
            let first = message.first().copied().unwrap_or(0x80);
            let blocks = Lane::<64, 8>::padded_blocks(message.len()) as u8;
            assert_eq!(*digest, [first, blocks]);
        }
    }
}
