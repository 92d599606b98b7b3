//! `eddsa-rdfc-2022` (W3C Data Integrity EdDSA Cryptosuites v1.0 §3.2):
//! the proof configuration and the document as RDFC-1.0 canonical N-Quads
//! of their JSON-LD. `Ed25519Signature2020` signs the same forms.

use std::borrow::Cow;

use super::{Canonicalizers, Cryptosuite, Failure, SecuredDocument};
use crate::canon::rdfc::append_canonical_nquads;
use crate::json::Value;
use crate::jsonld::LdError;
use crate::jsonld::json::Json;
use crate::rdf::dataset::Dataset;
use crate::verdict::{Evidence, Format, Problem};

/// The `eddsa-rdfc-2022` cryptosuite (also under its draft name
/// `eddsa-2022`).
pub struct EddsaRdfc2022;

impl Cryptosuite for EddsaRdfc2022 {
    fn format(&self) -> Format {
        Format::EddsaRdfc2022
    }

    fn write_hash_inputs(
        &self,
        document: &SecuredDocument<'_, '_>,
        tools: &mut Canonicalizers<'_, '_, '_>,
        out: &mut Vec<u8>,
    ) -> Result<usize, Failure> {
        write_canonical_nquads(document, tools, out)
    }
}

/// Appends the canonical N-Quads (RDFC-1.0) of the proof configuration and
/// of the document to `out` and returns where the document's start.
pub(super) fn write_canonical_nquads(
    document: &SecuredDocument<'_, '_>,
    tools: &mut Canonicalizers<'_, '_, '_>,
    out: &mut Vec<u8>,
) -> Result<usize, Failure> {
    let (config_quads, doc_quads) = rdf_datasets(document, tools)?;
    let (limits, hash) = (tools.rdfc_limits, tools.rdfc_hash);
    let canonical = |quads: &Dataset, out: &mut Vec<u8>| {
        append_canonical_nquads(quads, hash, limits, out)
            .map_err(|_| Failure::from(Problem::CanonicalizationBound))
    };
    let mark = out.len();
    canonical(&config_quads, out)?;
    let document_start = out.len();
    if let Err(e) = canonical(&doc_quads, out) {
        out.truncate(mark);
        return Err(e);
    }
    tools.shapes.recycle(config_quads);
    tools.shapes.recycle(doc_quads);
    Ok(document_start)
}

/// The RDF datasets of the proof configuration and of the document. The
/// proof configuration is the proof without `proofValue`, under the
/// document's `@context` (vc-di-eddsa §3.2.5), or the proof's own when it
/// has one (which opens the document's); the document is the credential
/// without `proof`, or with the proofs a chained proof names.
pub(super) fn rdf_datasets(
    document: &SecuredDocument<'_, '_>,
    tools: &mut Canonicalizers<'_, '_, '_>,
) -> Result<(Dataset, Dataset), Failure> {
    let credential = document.credential;
    let context = document.proof_context.unwrap_or(credential.context);
    let context = Json::from_value(context);
    let config = Json::Object(members_without(document.proof, &["proofValue", "@context"]));
    let mut body = members_without(credential.root, &["proof", "@context"]);
    match document.chained {
        Some((true, previous)) => body.push((
            Cow::Borrowed("proof"),
            Json::Array(previous.iter().map(|p| Json::from_value(*p)).collect()),
        )),
        Some((false, previous)) => {
            body.push((Cow::Borrowed("proof"), Json::from_value(previous[0])))
        }
        None => {}
    }
    let body = Json::Object(body);
    let budget = tools.jsonld_budget;
    let active = tools.jsonld.context(&context, budget).map_err(ld_problem)?;
    let config_quads = tools
        .jsonld
        .to_rdf_shaped(tools.shapes, &active, &config, budget)
        .map_err(ld_problem)?;
    let doc_quads = tools
        .jsonld
        .to_rdf_shaped(tools.shapes, &active, &body, budget)
        .map_err(ld_problem)?;
    *tools.contexts = Some(active);
    Ok((config_quads, doc_quads))
}

/// An object's members as trees, but those named in `skip`; one
/// allocation (a filtered iterator would grow the vector step by step).
fn members_without<'a>(object: Value<'a>, skip: &[&str]) -> Vec<(Cow<'a, str>, Json<'a>)> {
    let mut members = Vec::with_capacity(object.len() + 1);
    members.extend(
        object
            .members()
            .filter(|(k, _)| !skip.contains(k))
            .map(|(k, v)| (Cow::Borrowed(k), Json::from_value(v))),
    );
    members
}

/// The problem a JSON-LD failure is, with the unknown context's URL.
fn ld_problem(e: LdError) -> Failure {
    match e {
        LdError::UnknownContext(url) => Failure::with(
            Problem::UnknownContext,
            Evidence::Context { url: url.into() },
        ),
        LdError::DataLoss(_) => Problem::DataLoss.into(),
        LdError::Invalid(_) | LdError::Unsupported(_) => Problem::JsonLdInvalid.into(),
        LdError::Bound => Problem::JsonLdBound.into(),
    }
}
