//! Signatures waiting for their messages to be hashed, then for the batch.
//!
//! Hashing is deferred: whoever checks a record writes the bytes its
//! signature covers into the queue's buffer and defers the signature;
//! [`SignatureQueue::prepare`] then hashes every message of a chunk at once,
//! several per SIMD pass ([`crate::hash`]), and prepares the signatures for
//! the batch verifier. Each signature carries a tag of the caller's (whose
//! record it is), handed back with its answer.

use std::ops::Range;
use std::sync::Arc;

use super::batch::Signature;
use super::tuner::{BatchTuner, verify_in_batches};
use super::{Rejection, VerifyingKey, prepare_framed};
use crate::hash::sha256::{Midstates, sha256_many_resuming};

/// A signature with what it covers, for measuring the verifier alone: the
/// message (after `R ‖ A`), the signature and the key.
pub type Triple = (Vec<u8>, [u8; 64], Arc<VerifyingKey>);

/// The deferred signatures of a chunk, with their messages.
pub struct SignatureQueue<T> {
    /// Canonical proof configurations and documents, framed JWS signing
    /// inputs.
    inputs: Vec<u8>,
    pending: Vec<Pending<T>>,
    /// Signatures ready for the batch, with their tags.
    ready: Vec<Signature>,
    tags: Vec<T>,
    /// The hash states after the start that canonical forms share.
    midstates: Midstates,
    /// When set, every signature's (message, signature, key) is copied here
    /// too, up to the vector's capacity (the throughput command's raw rate).
    pub capture: Option<Vec<Triple>>,
}

impl<T> Default for SignatureQueue<T> {
    fn default() -> Self {
        SignatureQueue {
            inputs: Vec::new(),
            pending: Vec::new(),
            ready: Vec::new(),
            tags: Vec::new(),
            midstates: Midstates::default(),
            capture: None,
        }
    }
}

/// A signature waiting for its message to be hashed.
struct Pending<T> {
    tag: T,
    signature: [u8; 64],
    key: Arc<VerifyingKey>,
    message: Message,
}

/// What a signature covers, as ranges of [`SignatureQueue::inputs`].
enum Message {
    /// Data Integrity: SHA-256(proof configuration) ‖ SHA-256(document).
    HashedPair {
        proof: Range<usize>,
        document: Range<usize>,
    },
    /// A JWS signing input, signed as is, stored framed as the challenge's
    /// input: `R ‖ A ‖ header.payload`.
    Framed(Range<usize>),
}

/// A point to return to with [`SignatureQueue::undo`].
#[derive(Clone, Copy, Debug)]
pub struct Mark {
    inputs: usize,
    pending: usize,
}

impl<T: Clone> SignatureQueue<T> {
    /// Empties the queue, keeping its buffers' capacity.
    pub fn clear(&mut self) {
        self.inputs.clear();
        self.pending.clear();
        self.ready.clear();
        self.tags.clear();
    }

    /// The buffer that messages are written to before they are deferred.
    pub fn inputs(&mut self) -> &mut Vec<u8> {
        &mut self.inputs
    }

    /// Where the queue stands, for [`SignatureQueue::undo`].
    pub fn mark(&self) -> Mark {
        Mark {
            inputs: self.inputs.len(),
            pending: self.pending.len(),
        }
    }

    /// Forgets every message written and every signature deferred since
    /// `mark`.
    pub fn undo(&mut self, mark: Mark) {
        self.inputs.truncate(mark.inputs);
        self.pending.truncate(mark.pending);
    }

    /// Defers a Data Integrity signature over SHA-256 of the proof
    /// configuration and of the document, both already written to
    /// [`SignatureQueue::inputs`] at these ranges.
    pub fn defer_hashed_pair(
        &mut self,
        tag: T,
        signature: &[u8; 64],
        key: Arc<VerifyingKey>,
        proof: Range<usize>,
        document: Range<usize>,
    ) {
        self.pending.push(Pending {
            tag,
            signature: *signature,
            key,
            message: Message::HashedPair { proof, document },
        });
    }

    /// Defers a signature over `message` itself (a JWS signing input).
    pub fn defer_message(
        &mut self,
        tag: T,
        signature: &[u8; 64],
        key: Arc<VerifyingKey>,
        message: &[u8],
    ) {
        let start = self.inputs.len();
        self.inputs.extend_from_slice(&signature[..32]);
        self.inputs.extend_from_slice(&key.bytes);
        self.inputs.extend_from_slice(message);
        self.pending.push(Pending {
            tag,
            signature: *signature,
            key,
            message: Message::Framed(start..self.inputs.len()),
        });
    }

    /// Hashes every deferred message and prepares its signature for the
    /// batch. Signatures that the acceptance rule's encoding checks refuse
    /// (see [`Rejection`]) are returned with their tags; the others wait
    /// for [`SignatureQueue::verify`].
    pub fn prepare(&mut self) -> Vec<(T, Rejection)> {
        let inputs = &self.inputs;
        let mut slices: Vec<&[u8]> = Vec::with_capacity(self.pending.len() * 2);
        for p in &self.pending {
            if let Message::HashedPair { proof, document } = &p.message {
                slices.push(&inputs[proof.clone()]);
                slices.push(&inputs[document.clone()]);
            }
        }
        let mut digests = vec![[0u8; 32]; slices.len()];
        sha256_many_resuming(&slices, &mut digests, &mut self.midstates);
        let mut next = digests.chunks_exact(2);
        let mut pending = std::mem::take(&mut self.pending);
        // Hashed pairs are framed here as R ‖ A ‖ digests; JWS signing
        // inputs were framed when deferred.
        let pairs: Vec<[u8; 128]> = pending
            .iter()
            .map(|p| {
                let mut framed = [0u8; 128];
                // Only hashed pairs own digests: a JWS must not consume one.
                if let Message::HashedPair { .. } = p.message
                    && let Some([proof, document]) = next.next()
                {
                    framed[..32].copy_from_slice(&p.signature[..32]);
                    framed[32..64].copy_from_slice(&p.key.bytes);
                    framed[64..96].copy_from_slice(proof);
                    framed[96..].copy_from_slice(document);
                }
                framed
            })
            .collect();
        let items: Vec<(&[u8; 64], &[u8])> = pending
            .iter()
            .zip(&pairs)
            .map(|(p, pair)| {
                let framed: &[u8] = match &p.message {
                    Message::HashedPair { .. } => pair,
                    Message::Framed(r) => &inputs[r.clone()],
                };
                (&p.signature, framed)
            })
            .collect();
        if let Some(capture) = &mut self.capture {
            let room = capture.capacity() - capture.len();
            capture.extend(
                items
                    .iter()
                    .zip(&pending)
                    .take(room)
                    .map(|((sig, framed), p)| (framed[64..].to_vec(), **sig, p.key.clone())),
            );
        }
        let prepared = prepare_framed(&items);
        let mut refused = Vec::new();
        for (p, outcome) in pending.drain(..).zip(prepared) {
            match outcome {
                Ok(prepared) => {
                    self.ready.push(Signature {
                        prepared,
                        key: p.key,
                    });
                    self.tags.push(p.tag);
                }
                Err(rejection) => refused.push((p.tag, rejection)),
            }
        }
        // Emptied, its capacity kept for the next chunk.
        self.pending = pending;
        refused
    }

    /// Verifies the prepared signatures in batches of at most `limit`
    /// whose sizes `tuner` chooses; returns the tags of those that fail.
    pub fn verify(&self, tuner: &mut BatchTuner, limit: usize) -> Vec<T> {
        verify_in_batches(tuner, &self.ready, limit)
            .into_iter()
            .zip(&self.tags)
            .filter(|(good, _)| !good)
            .map(|(_, tag)| tag.clone())
            .collect()
    }

    /// Signatures prepared for the batch.
    pub fn prepared(&self) -> usize {
        self.ready.len()
    }

    /// Each prepared signature's tag with the encoding of the key it is
    /// checked under.
    pub fn signed(&self) -> impl Iterator<Item = (&T, &[u8; 32])> {
        self.tags
            .iter()
            .zip(self.ready.iter().map(|s| &s.key.bytes))
    }
}
