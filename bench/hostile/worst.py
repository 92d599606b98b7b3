"""Builds the worst record of each kind that credverify's bounds allow
(issue 14, "Unbreakable"): one file per kind in the directory given.

    python3 bench/hostile/worst.py /tmp/worst
    bench/hostile/measure.sh /tmp/worst

The key is fixed (the Ed25519 key of 32 bytes of 7); proof values are well
formed but wrong, so every check before the signature runs in full.
"""
import json, os, sys
ALPH='123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
def b58(b):
    n=int.from_bytes(b,'big'); s=''
    while n: n,r=divmod(n,58); s=ALPH[r]+s
    return '1'*(len(b)-len(b.lstrip(b'\0')))+s
mk='z6MkvDqGT54cXesYGvABpF1UapVNwjCqRcafi4Px6Thv5T3Z'
DID='did:key:'+mk; VM=DID+'#'+mk; PV='z'+b58(bytes(range(64)))
def proof(suite, extra=None):
    p={"type":"DataIntegrityProof","cryptosuite":suite,"created":"2024-01-01T00:00:00Z","verificationMethod":VM,"proofPurpose":"assertionMethod","proofValue":PV}
    if extra: p.update(extra)
    return p
CTX=["https://www.w3.org/ns/credentials/v2",{"@vocab":"https://ex.org/#"}]
def cred(subject, ctx=CTX, pr=None):
    return {"@context":ctx,"id":"urn:uuid:h","type":["VerifiableCredential"],"issuer":DID,"validFrom":"2024-01-01T00:00:00Z","credentialSubject":subject,"proof":pr}
out=sys.argv[1]; os.makedirs(out,exist_ok=True)
def w(name, o):
    s=json.dumps(o,separators=(',',':')) if not isinstance(o,str) else o
    open(os.path.join(out,name+'.jsonl'),'w').write(s+'\n')
MB=1<<20
big='x'*(15*MB)
chain16=lambda suite:[proof(suite,{"id":"urn:p:%d"%i, **({"previousProof":["urn:p:%d"%j for j in range(i)]} if i else {})}) for i in range(8)]
w('proofs8_jcs_15MB', cred({"id":"did:ex:s","blob":big}, pr=chain16("eddsa-jcs-2022")))
w('proofs8_rdfc_15MB', cred({"id":"did:ex:s","blob":big}, pr=chain16("eddsa-rdfc-2022")))
# many nodes for rdfc: 15 MB of small nodes
n=150000
w('rdfc_nodes_15MB', cred([{"id":"_:b%d"%i,"v":"a%d"%i} for i in range(n)], pr=proof("eddsa-rdfc-2022")))
# blank nodes fat enough to pass the expansion budget: the RDFC bounds decide
w('rdfc_fat_nodes_4MB', cred([{"id":"_:b%d"%i,"v":("a%d"%i).ljust(180,'x')} for i in range(20000)], pr=proof("eddsa-rdfc-2022")))
w('rdfc_fat_nodes_edge', cred([{"id":"_:b%d"%i,"v":("a%d"%i).ljust(180,'x')} for i in range(8000)], pr=proof("eddsa-rdfc-2022")))
w('blank_chain_1MB', cred([{"id":"_:b%d"%i,"next":{"id":"_:b%d"%(i+1)}} for i in range(25000)], pr=proof("eddsa-rdfc-2022")))
# rdfc poison graph: many identical blank nodes all connected (clique-ish)
k=12
w('rdfc_poison', cred([{"id":"_:p%d"%i,"knows":[{"id":"_:p%d"%j} for j in range(k) if j!=i]} for i in range(k)], pr=proof("eddsa-rdfc-2022")))
# inline context sized to the budget edge, 1 MB and 15 MB
for mb in (1,15):
    terms=int((32768 + mb*MB/16)/4)-200
    ctx=["https://www.w3.org/ns/credentials/v2",{"t%d"%i:"https://ex.org/t%d"%i for i in range(terms)},{"@vocab":"https://ex.org/#"}]
    pad='y'*max(0, mb*MB - terms*40)
    w('context_edge_%dMB'%mb, cred({"id":"did:ex:s","pad":pad}, ctx=ctx, pr=proof("eddsa-rdfc-2022")))
# scoped contexts at the edge
props=300; tn=100
terms={"s%d"%i:{"@id":"https://ex.org/s%d"%i,"@context":{"u%d"%j:"https://ex.org/u%d"%j for j in range(tn)}} for i in range(props)}
subj={"id":"did:ex:s"}; subj.update({"s%d"%i:{"u1":"v"} for i in range(props)})
w('scoped_edge', cred(subj, ctx=["https://www.w3.org/ns/credentials/v2",terms,{"@vocab":"https://ex.org/#"}], pr=proof("eddsa-rdfc-2022")))
# numbers: 15 MB of floats
nums=",".join("1.%d"%(i%1000+1) for i in range(2000000))
base=json.dumps(cred({"id":"did:ex:s","n":[0]},pr=proof("eddsa-jcs-2022")),separators=(',',':'))
w('numbers_15MB', base.replace('"n":[0]','"n":['+nums+']'))
# many keys: duplicate check by sort
keys=",".join('"k%d":1'%i for i in range(1200000))
w('keys_15MB', base.replace('"n":[0]','"n":{'+keys+'}'))
# deep nesting repeated
deep=",".join(["["*60+"1"+"]"*60]*100000)
w('nesting_12MB', base.replace('"n":[0]','"n":['+deep+']'))
# jcs: 15 MB of strings with escapes
esc=",".join(['"\\u00e9\\n\\"a"']*1000000)
w('escapes_15MB', base.replace('"n":[0]','"n":['+esc+']'))
# ECDSA P-384 (issue 17): the most proofs a record may hold, each an
# ecdsa-jcs-2019 proof under its own did:key (eight P-384 points to
# decompress) with a wrong 96-byte signature, so every check runs in full.
# The keys were made once with Python's `cryptography` and are fixed here.
P384=['z82LkuK6XmrtCKkHLKVntm7JV6WdM5ivUCWMYGqvhHgftdjabfAiXKna85ZFWQzNELwBjTh', 'z82Lkz42BMAkaJ9UYUYdeb9Mc7FuuZkw2brhXpP1HANkqGdPycvWF8w31GLLpYzHS6bpmDm', 'z82LkksHX9kDaDQ9Uw2Atr1yYWTY8cpvWB37sPdvuSfMhHfJ3ZTW9FA2omqDePvejMxusdX', 'z82LkwWtYqpFAkR2RbjEx4wGCRKie2weBD8A1e64SQ2vCFrn4aavGddF6gk8tFzsVGs49eQ', 'z82Lkm2ycQm7Uh2KHN9ViNJ17XMijrPZNfy2XxED4vuYktuXQawYhyREXANCuCqD7U2fFEG', 'z82LkmexukY3W3FyNhZJxyj9PkUunaEttPZ5yrokp3iC49vSCaHjM9FQUNQPUCxSoBv2wAf', 'z82Lkpd2dR5efkejMrMmhR3CJqa5rke6rhKAi3gqk6Qa5g45sg9ttNZ81X9G2LYe32wBaSK', 'z82Lm44Y9QAK56gq2rb1ujcCykAkB7NHLGLfu1a7ZjH1kS3YU2Ff61gNxciS7NbgFEtq8Tb']
w('ecdsa_p384_x8', cred({"id":"did:ex:s"}, pr=[dict(proof("ecdsa-jcs-2019"), verificationMethod="did:key:%s#%s"%(k,k), proofValue='z'+b58(bytes(range(96)))) for k in P384]))
