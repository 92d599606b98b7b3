// Baseline: Digital Bazaar's `vc` library verifying a credverify export,
// sequentially, in one Node process, with an offline document loader.
//
//   node verify.mjs CREDENTIALS.jsonl DIDS_DIR N [--verdicts PATH] [--now RFC3339]
//
// Reads the first N lines of CREDENTIALS.jsonl, verifies every JSON object
// with vc.verifyCredential (DataIntegrityProof with eddsa-jcs-2022 or
// eddsa-rdfc-2022), and prints
//
//   vc-js: N records in T s = R records/s (V verified, F failed)
//
// Lines that are not JSON objects (VC-JWT strings, malformed lines) are
// skipped, counted and reported on a second line; they are not in N.
// A second line gives the CPU time (user+system) of the same section.
// T covers reading, parsing and verifying the records; it excludes Node's
// start-up, module loading and the loader's set-up (reading contexts and DID
// documents), all of which is done before the clock starts.
// --verdicts PATH writes one JSON line per input line:
//   {"line":L,"verified":true|false,"error":"…"} or {"line":L,"skipped":"…"}
// Nothing is ever fetched: a URL the loader does not hold is an error.

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite as createJcsVerifyCryptosuite} from
  '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as didKey from '@digitalbazaar/did-method-key';
import {contexts as bundledContexts} from
  '@digitalbazaar/credentials-context';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------- arguments
function usage(msg) {
  if(msg) {
    console.error(`verify.mjs: ${msg}`);
  }
  console.error(
    'usage: node verify.mjs CREDENTIALS.jsonl DIDS_DIR N ' +
    '[--verdicts PATH] [--now RFC3339] [--contexts-dir DIR]');
  process.exit(2);
}

const positional = [];
const opts = {
  verdicts: null,
  now: '2026-01-01T00:00:00Z',
  contextsDir: path.resolve(HERE, '../../src/jsonld/contexts')
};
{
  const argv = process.argv.slice(2);
  for(let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if(i + 1 >= argv.length) {
        usage(`${a} needs a value`);
      }
      return argv[++i];
    };
    if(a === '--verdicts') {
      opts.verdicts = value();
    } else if(a === '--now') {
      opts.now = value();
    } else if(a === '--contexts-dir') {
      opts.contextsDir = value();
    } else if(a === '-h' || a === '--help') {
      usage();
    } else if(a.startsWith('--')) {
      usage(`unknown option ${a}`);
    } else {
      positional.push(a);
    }
  }
}
if(positional.length !== 3) {
  usage('expected CREDENTIALS.jsonl DIDS_DIR N');
}
const [inputPath, didsDir, nArg] = positional;
const limit = Number(nArg);
if(!Number.isSafeInteger(limit) || limit <= 0) {
  usage(`N must be a positive integer, not "${nArg}"`);
}
const NOW = new Date(opts.now);
if(Number.isNaN(NOW.getTime())) {
  usage(`--now: not a date: "${opts.now}"`);
}

// ----------------------------------------------------- offline doc loader
// Contexts: credverify's built-in ones (the BUILTIN table of
// src/jsonld/mod.rs: URL -> file in src/jsonld/contexts/), then the contexts
// bundled with the vc package (@digitalbazaar/credentials-context) for URLs
// not in that table.
const CREDVERIFY_CONTEXTS = [
  ['https://www.w3.org/ns/credentials/v2', 'credentials-v2.jsonld'],
  ['https://www.w3.org/2018/credentials/v1', 'credentials-v1.jsonld'],
  ['https://w3id.org/security/data-integrity/v1', 'data-integrity-v1.jsonld'],
  ['https://w3id.org/security/data-integrity/v2', 'data-integrity-v2.jsonld'],
  ['https://w3id.org/security/multikey/v1', 'multikey-v1.jsonld'],
  ['https://w3id.org/security/suites/ed25519-2020/v1', 'ed25519-2020-v1.jsonld'],
  ['https://www.w3.org/ns/credentials/status/v1',
    'bitstring-status-list-v1.jsonld'],
  ['https://w3id.org/vc/status-list/2021/v1', 'status-list-2021-v1.jsonld'],
  ['https://purl.imsglobal.org/spec/ob/v3p0/context.json',
    'ob-v3p0-context.json'],
  ['https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json',
    'ob-v3p0-context-3.0.1.json'],
  ['https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json',
    'ob-v3p0-context-3.0.2.json'],
  ['https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    'ob-v3p0-context-3.0.3.json'],
  ['https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
    'ob-v3p0-extensions.json'],
  ['https://purl.imsglobal.org/spec/clr/v2p0/context.json', 'clr-v2p0.json'],
  ['https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json',
    'clr-v2p0-2.0.1.json'],
];

function deepFreeze(o) {
  if(o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for(const v of Object.values(o)) {
      deepFreeze(v);
    }
  }
  return o;
}

const contexts = new Map();
for(const [url, file] of CREDVERIFY_CONTEXTS) {
  const p = path.join(opts.contextsDir, file);
  contexts.set(url, deepFreeze(JSON.parse(fs.readFileSync(p, 'utf8'))));
}
for(const [url, doc] of bundledContexts) {
  if(!contexts.has(url)) {
    contexts.set(url, doc);
  }
}

// DID documents of the export's dids/ directory, keyed by their `id`.
const didDocs = new Map();
for(const name of fs.readdirSync(didsDir).sort()) {
  if(!name.endsWith('.json') || name === 'index.json') {
    continue;
  }
  const doc = JSON.parse(fs.readFileSync(path.join(didsDir, name), 'utf8'));
  if(doc && typeof doc === 'object' && typeof doc.id === 'string') {
    didDocs.set(doc.id, deepFreeze(doc));
  }
}

// did:key through the did-method-key driver (Ed25519 Multikey only).
const didKeyDriver = didKey.driver();
didKeyDriver.use({
  multibaseMultikeyHeader: 'z6Mk',
  fromMultibase: Ed25519Multikey.from
});

// A verification method `DID#frag` of a stored DID document: the method
// object whose id is the URL (absolute or relative `#frag`), found in
// `verificationMethod` or embedded in a verification relationship, with the
// document's @context added (Ed25519Multikey.from requires the Multikey
// context on the method).
const RELATIONSHIPS = ['verificationMethod', 'assertionMethod',
  'authentication', 'capabilityInvocation', 'capabilityDelegation'];
function methodOf(doc, url) {
  const frag = url.slice(url.indexOf('#'));
  for(const rel of RELATIONSHIPS) {
    for(const vm of [].concat(doc[rel] ?? [])) {
      if(vm && typeof vm === 'object' &&
        (vm.id === url || vm.id === frag)) {
        const method = {'@context': doc['@context'], ...vm, id: url};
        if(method.controller === undefined) {
          method.controller = doc.id;
        }
        return method;
      }
    }
  }
  return null;
}

// Resolved DIDs and methods are cached for the run, as the usual
// Digital Bazaar set-up (security-document-loader's CachedResolver) does.
const resolved = new Map();
async function resolve(url) {
  if(url.startsWith('did:key:')) {
    return deepFreeze(await didKeyDriver.get({url}));
  }
  const hash = url.indexOf('#');
  const did = hash < 0 ? url : url.slice(0, hash);
  const doc = didDocs.get(did);
  if(!doc) {
    return null;
  }
  return hash < 0 ? doc : deepFreeze(methodOf(doc, url));
}

async function documentLoader(url) {
  const context = contexts.get(url);
  if(context !== undefined) {
    return {contextUrl: null, documentUrl: url, document: context};
  }
  let document = resolved.get(url);
  if(document === undefined) {
    document = await resolve(url);
    resolved.set(url, document);
  }
  if(!document) {
    throw new Error(`offline document loader: no document for "${url}"`);
  }
  return {contextUrl: null, documentUrl: url, document};
}

// -------------------------------------------------------------- verifying
const suite = [
  new DataIntegrityProof({cryptosuite: createJcsVerifyCryptosuite()}),
  new DataIntegrityProof({cryptosuite: eddsaRdfc2022})
];

function errorText(result) {
  const errors = [];
  const collect = e => {
    for(const x of [].concat(e ?? [])) {
      errors.push(x?.message ?? String(x));
    }
  };
  collect(result.error);
  for(const r of result.results ?? []) {
    collect(r.error);
    collect(r.purposeResult?.error);
  }
  return [...new Set(errors)].join('; ') || 'not verified';
}

const verdictOut = opts.verdicts ?
  fs.openSync(opts.verdicts, 'w') : null;
const verdictLines = [];

let verified = 0;
let failed = 0;
let skipped = 0;
let lineNo = 0;

const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const rl = readline.createInterface({
  input: fs.createReadStream(inputPath),
  crlfDelay: Infinity
});
for await (const line of rl) {
  if(lineNo >= limit) {
    break;
  }
  lineNo++;
  if(line.trim() === '') {
    lineNo--;
    continue;
  }
  let credential;
  try {
    credential = JSON.parse(line);
  } catch{
    credential = undefined;
  }
  if(!credential || typeof credential !== 'object' ||
    Array.isArray(credential)) {
    skipped++;
    if(verdictOut !== null) {
      verdictLines.push(JSON.stringify({
        line: lineNo,
        skipped: credential === undefined ? 'not JSON' : 'not a JSON object'
      }));
    }
    continue;
  }
  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    now: NOW
    // no checkStatus: the export carries no status entries
  });
  if(result.verified) {
    verified++;
  } else {
    failed++;
  }
  if(verdictOut !== null) {
    verdictLines.push(JSON.stringify(result.verified ?
      {line: lineNo, verified: true} :
      {line: lineNo, verified: false, error: errorText(result)}));
  }
}
rl.close();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;

if(verdictOut !== null) {
  fs.writeSync(verdictOut, verdictLines.join('\n') + '\n');
  fs.closeSync(verdictOut);
}

const n = verified + failed;
console.log(
  `vc-js: ${n} records in ${seconds.toFixed(3)} s = ` +
  `${(n / seconds).toFixed(1)} records/s ` +
  `(${verified} verified, ${failed} failed)`);
// CPU time of the same section: on a busy machine wall time overstates the
// cost, and records per CPU-second is the figure to compare.
console.log(
  `vc-js: CPU ${cpuSeconds.toFixed(3)} s (user+system) = ` +
  `${(n / cpuSeconds).toFixed(1)} records per CPU-second`);
if(skipped > 0) {
  console.log(`vc-js: ${skipped} lines skipped (not JSON objects)`);
}
if(lineNo < limit) {
  console.log(`vc-js: the input has only ${lineNo} non-empty lines`);
}
