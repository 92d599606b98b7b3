//! Validity windows, judged at one injected instant (`--as-of`).
//!
//! `validUntil` (VC 2.0), `expirationDate` (VC 1.1) or a JWT's `exp`
//! before the instant is `expired`; `validFrom`, `issuanceDate` or `nbf`
//! after it is `not_yet_valid`. An instant equal to the judging instant is
//! within the window at both ends.

use crate::time::Timestamp;
pub use crate::verdict::Window;
use crate::verdict::{Evidence, Findings, Problem};

/// Judges `window` at `as_of`, recording `expired` with the earliest end
/// that is past and `not_yet_valid` with the latest start still to come.
pub fn judge(window: &Window, as_of: Timestamp, findings: &mut Findings) {
    if let Some(valid_until) = window.ends.iter().flatten().filter(|t| **t < as_of).min() {
        findings.problem_with(
            Problem::Expired,
            Evidence::Expired {
                valid_until: *valid_until,
                as_of,
            },
        );
    }
    if let Some(valid_from) = window.starts.iter().flatten().filter(|t| **t > as_of).max() {
        findings.problem_with(
            Problem::NotYetValid,
            Evidence::NotYetValid {
                valid_from: *valid_from,
                as_of,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).expect("date")
    }

    fn judged(starts: [Option<&str>; 2], ends: [Option<&str>; 2], as_of: &str) -> Findings {
        let window = Window {
            starts: starts.map(|s| s.map(t)),
            ends: ends.map(|s| s.map(t)),
        };
        let mut findings = Findings::default();
        judge(&window, t(as_of), &mut findings);
        findings
    }

    #[test]
    fn the_window_includes_both_of_its_ends() {
        let at = "2026-01-01T00:00:00Z";
        let f = judged([Some(at), None], [Some(at), None], at);
        assert!(f.problems.is_empty(), "{f:?}");
        // One nanosecond either side is outside.
        let f = judged(
            [None, None],
            [Some("2025-12-31T23:59:59.999999999Z"), None],
            at,
        );
        assert!(f.problems.contains(Problem::Expired));
        let f = judged(
            [Some("2026-01-01T00:00:00.000000001Z"), None],
            [None, None],
            at,
        );
        assert!(f.problems.contains(Problem::NotYetValid));
        assert!(!f.problems.contains(Problem::Expired));
    }

    #[test]
    fn evidence_names_the_deciding_instant() {
        let as_of = "2026-01-01T00:00:00Z";
        // Expired since the earlier of two past ends.
        let f = judged(
            [None, None],
            [Some("2025-06-01T00:00:00Z"), Some("2025-03-01T00:00:00Z")],
            as_of,
        );
        assert_eq!(
            f.evidence.get(Problem::Expired),
            Some(&Evidence::Expired {
                valid_until: t("2025-03-01T00:00:00Z"),
                as_of: t(as_of)
            })
        );
        // Not valid until the later of two future starts; an end still to
        // come decides nothing.
        let f = judged(
            [Some("2026-02-01T00:00:00Z"), Some("2026-05-01T00:00:00Z")],
            [Some("2027-01-01T00:00:00Z"), None],
            as_of,
        );
        assert_eq!(
            f.problems.iter().collect::<Vec<_>>(),
            [Problem::NotYetValid]
        );
        assert_eq!(
            f.evidence
                .get(Problem::NotYetValid)
                .map(ToString::to_string),
            Some("valid from 2026-05-01T00:00:00Z, judged at 2026-01-01T00:00:00Z".into())
        );
    }

    #[test]
    fn a_window_can_be_both_past_and_future() {
        // A credential whose start is after its end: both problems.
        let f = judged(
            [Some("2027-01-01T00:00:00Z"), None],
            [Some("2025-01-01T00:00:00Z"), None],
            "2026-01-01T00:00:00Z",
        );
        assert!(f.problems.contains(Problem::Expired) && f.problems.contains(Problem::NotYetValid));
    }
}
