//! The committed sample's verdicts equal its truth file, case by case.

use crate::util::{self, run_with};

#[test]
fn committed_sample_matches_its_truth() {
    let dir = util::repo().join("datasets/sample");
    let truth = std::fs::read_to_string(dir.join("truth.jsonl")).expect("truth.jsonl");
    let (out, summary) = run_with(&[&dir.join("credentials.jsonl")], |c| {
        c.dids = vec![dir.join("dids").display().to_string()];
        c.status_lists = vec![dir.join("status").display().to_string()];
        c.threads = 2;
    });
    let got = util::parse_verdicts(&out);
    let mut parser = credverify::parse::json::JsonParser::default();
    let expected: Vec<(u64, String, String, Vec<String>)> = truth
        .lines()
        .map(|l| {
            parser
                .with_doc(l.as_bytes(), |v| {
                    let s = |k| {
                        v.get(k)
                            .and_then(credverify::parse::json::Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    (
                        v.get("line")
                            .and_then(credverify::parse::json::Value::as_u64)
                            .unwrap_or(0),
                        s("case"),
                        s("verdict"),
                        v.get("status_messages")
                            .map(|m| {
                                m.elements()
                                    .filter_map(|e| e.as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    )
                })
                .expect("truth line")
        })
        .collect();
    assert_eq!(got.len(), expected.len());
    assert_eq!(summary.records as usize, expected.len());
    for (g, (line, case, verdict, messages)) in got.iter().zip(&expected) {
        assert_eq!(
            (g.line, &g.verdict, &g.status_messages),
            (*line, verdict, messages),
            "line {line}, case {case}: problems {:?}",
            g.problems
        );
    }
    // Every case of the generator is present in the sample.
    for case in credverify::generate::Case::ALL {
        assert!(
            expected.iter().any(|e| e.1 == case.name()),
            "the sample lacks {}",
            case.name()
        );
    }
}
