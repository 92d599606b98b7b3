//! Time: the only module that reads a clock.
//!
//! Validity is judged at one instant, `--as-of`, handed to the pipeline as a
//! [`Timestamp`]; only when the flag is absent does [`SystemClock`] supply
//! "now". Elapsed time for the run summary comes from [`Stopwatch`]. Nothing
//! else in the crate may call `SystemTime::now` or `Instant::now`.

use std::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// An instant in UTC, to the nanosecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

/// Why a date string was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not an XML Schema dateTime ({why})")]
pub struct DateError {
    /// The string as given.
    pub text: String,
    /// Which part of it is wrong.
    pub why: &'static str,
}

impl Timestamp {
    /// `secs` seconds after the Unix epoch (a JWT NumericDate), UTC.
    pub const fn from_unix(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }

    /// Parses an XML Schema 1.1 `dateTime` / RFC 3339 date-time:
    /// `YYYY-MM-DDThh:mm:ss[.fraction][Z|±hh:mm]`. A value without an offset
    /// is taken as UTC (the VC data model's rule for `dateTime` values
    /// without a time zone). `24:00:00` is the end of the day (XSD §D.2.1);
    /// a leap second `:60` is accepted as RFC 3339 allows.
    pub fn parse(text: &str) -> Result<Timestamp, DateError> {
        let err = |why| DateError {
            text: text.to_owned(),
            why,
        };
        let b = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = b.get(range)?;
            let mut v = 0i64;
            for &c in part {
                if !c.is_ascii_digit() {
                    return None;
                }
                v = v * 10 + i64::from(c - b'0');
            }
            Some(v)
        };
        // The common four-digit year is read at fixed places; any other
        // text takes the general path, which gives the same fields or says
        // what is wrong.
        let (p, year, month, day, hour, minute, second) = match fixed_fields(b) {
            Some([year, month, day, hour, minute, second]) => {
                (4, year, month, day, hour, minute, second)
            }
            None => {
                // The year has four or more digits (XSD); we accept up to 9 to keep
                // the arithmetic in range.
                let year_len = b
                    .iter()
                    .position(|&c| c == b'-')
                    .ok_or_else(|| err("no year"))?;
                if !(4..=9).contains(&year_len) || (year_len > 4 && b[0] == b'0') {
                    return Err(err("bad year"));
                }
                let year = digits(0..year_len).ok_or_else(|| err("bad year"))?;
                let p = year_len;
                if b.len() < p + 15 || b[p + 3] != b'-' || !matches!(b[p + 6], b'T' | b't') {
                    return Err(err("expected YYYY-MM-DDThh:mm:ss"));
                }
                if b[p + 9] != b':' || b[p + 12] != b':' {
                    return Err(err("expected hh:mm:ss"));
                }
                let month = digits(p + 1..p + 3).ok_or_else(|| err("bad month"))?;
                let day = digits(p + 4..p + 6).ok_or_else(|| err("bad day"))?;
                let hour = digits(p + 7..p + 9).ok_or_else(|| err("bad hour"))?;
                let minute = digits(p + 10..p + 12).ok_or_else(|| err("bad minute"))?;
                let second = digits(p + 13..p + 15).ok_or_else(|| err("bad second"))?;
                (p, year, month, day, hour, minute, second)
            }
        };
        if year == 0 {
            return Err(err("year 0000"));
        }
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return Err(err("no such day"));
        }
        if minute > 59 || second > 60 || hour > 24 || (hour == 24 && (minute, second) != (0, 0)) {
            return Err(err("no such time"));
        }
        let mut i = p + 15;
        let mut nanos = 0u32;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 9 {
                    nanos = nanos * 10 + u32::from(b[i] - b'0');
                }
                i += 1;
            }
            if i == start {
                return Err(err("empty fraction"));
            }
            for _ in (i - start)..9 {
                nanos *= 10;
            }
            if hour == 24 && nanos != 0 {
                return Err(err("no such time"));
            }
        }
        let offset = match &b[i..] {
            [] | [b'Z'] | [b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let oh =
                    digits(i + 1..i + 3).filter(|_| h1.is_ascii_digit() && h2.is_ascii_digit());
                let om =
                    digits(i + 4..i + 6).filter(|_| m1.is_ascii_digit() && m2.is_ascii_digit());
                match (oh, om) {
                    (Some(oh), Some(om)) if oh <= 14 && om <= 59 => {
                        let off = oh * 3600 + om * 60;
                        if *sign == b'-' { -off } else { off }
                    }
                    _ => return Err(err("bad offset")),
                }
            }
            _ => return Err(err("bad offset")),
        };
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
        Ok(Timestamp { secs, nanos })
    }
}

impl Timestamp {
    /// Appends the RFC 3339 form that [`Display`](fmt::Display) writes to
    /// `out`, without the formatting machinery for years 0 to 9999 (a
    /// verdict's evidence writes one or two per record).
    pub fn write_rfc3339(&self, out: &mut Vec<u8>) {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        if !(0..=9999).contains(&y) {
            return out.extend_from_slice(self.to_string().as_bytes());
        }
        let digit = |v: i64| b'0' + v as u8;
        let two = |v: i64| [digit(v / 10), digit(v % 10)];
        let [y0, y1] = two(y / 100);
        let [y2, y3] = two(y % 100);
        let [m0, m1] = two(m);
        let [d0, d1] = two(d);
        let [h0, h1] = two(rem / 3600);
        let [n0, n1] = two(rem / 60 % 60);
        let [s0, s1] = two(rem % 60);
        out.extend_from_slice(&[
            y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, b'T', h0, h1, b':', n0, n1, b':', s0, s1,
        ]);
        if self.nanos != 0 {
            out.push(b'.');
            let mut nanos = self.nanos;
            let mut digits = 9;
            while nanos.is_multiple_of(10) {
                nanos /= 10;
                digits -= 1;
            }
            let start = out.len();
            for _ in 0..digits {
                out.push(b'0' + (nanos % 10) as u8);
                nanos /= 10;
            }
            out[start..].reverse();
        }
        out.push(b'Z');
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, with the fraction only when it is not zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        )?;
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

/// The fields of `YYYY-MM-DDThh:mm:ss` at the start of `b`, when it has
/// exactly that shape with a four-digit year; what follows is not looked at.
fn fixed_fields(b: &[u8]) -> Option<[i64; 6]> {
    let b: &[u8; 19] = b.get(..19)?.try_into().ok()?;
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    const DIGITS_AT: [usize; 14] = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    let mut d = [0i64; 14];
    let mut bad = false;
    for (slot, &at) in d.iter_mut().zip(&DIGITS_AT) {
        let v = b[at].wrapping_sub(b'0');
        bad |= v > 9;
        *slot = i64::from(v);
    }
    if bad {
        return None;
    }
    let two = |k: usize| d[k] * 10 + d[k + 1];
    Some([
        two(0) * 100 + two(2),
        two(4),
        two(6),
        two(8),
        two(10),
        two(12),
    ])
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// The source of "now" when `--as-of` is not given.
pub trait Clock: Send + Sync {
    /// The current instant; a run without `--as-of` is judged at it.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp {
            secs: d.as_secs() as i64,
            nanos: d.subsec_nanos(),
        }
    }
}

/// A clock stopped at one instant, for tests and `--as-of`.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// Measures the run's elapsed time for the summary and throughput reports.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch(Instant);

impl Stopwatch {
    /// A stopwatch running from now.
    pub fn start() -> Stopwatch {
        Stopwatch(Instant::now())
    }

    /// Time since [`Stopwatch::start`], on the monotonic clock.
    pub fn elapsed(&self) -> Duration {
        self.0.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn parses_utc_offsets_and_fractions() {
        assert_eq!(ts("1970-01-01T00:00:00Z").secs, 0);
        assert_eq!(ts("2023-01-01T00:00:00Z").secs, 1_672_531_200);
        assert_eq!(ts("2023-01-01T00:00:00"), ts("2023-01-01T00:00:00Z"));
        assert_eq!(ts("2023-01-01T02:00:00+02:00"), ts("2023-01-01T00:00:00Z"));
        assert_eq!(ts("2022-12-31T19:30:00-04:30"), ts("2023-01-01T00:00:00Z"));
        assert_eq!(ts("2023-01-01T00:00:00.5Z").nanos, 500_000_000);
        assert_eq!(ts("2023-01-01T00:00:00.123456789123Z").nanos, 123_456_789);
        assert_eq!(ts("2000-02-29T24:00:00Z"), ts("2000-03-01T00:00:00Z"));
        assert_eq!(ts("1969-12-31T23:59:59Z").secs, -1);
        // Seconds since the epoch as GNU `date -u -d … +%s` gives them.
        assert_eq!(ts("2022-01-15T03:24:28Z").secs, 1_642_217_068);
        assert_eq!(ts("1999-12-31T23:59:59Z").secs, 946_684_799);
        assert_eq!(ts("2024-02-29T12:00:00Z").secs, 1_709_208_000);
        // Years of other lengths take the general path.
        assert_eq!(ts("10000-01-01T00:00:00Z").secs, 253_402_300_800);
        assert_eq!(
            ts("2016-12-31t23:59:60z").secs,
            ts("2017-01-01T00:00:00Z").secs
        );
    }

    #[test]
    fn refuses_what_is_not_a_date_time() {
        for bad in [
            "",
            "2023-01-01",
            "2023-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2023-01-01 00:00:00Z",
            "2023-01-01T25:00:00Z",
            "2023-01-01T24:00:01Z",
            "2023-01-01T00:00:00.Z",
            "2023-01-01T00:00:00+2:00",
            "2023-01-01T00:00:00+15:00",
            "2023-01-01T00:00:00ZZ",
            "0000-01-01T00:00:00Z",
            "02023-01-01T00:00:00Z",
            "２０２3-01-01T00:00:00Z",
            "2023-01-01T00:00:0xZ",
            "2023/01-01T00:00:00Z",
            "2023-01-01T00-00:00Z",
            "-023-01-01T00:00:00Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn displays_rfc3339_and_round_trips() {
        for s in [
            "2023-02-24T23:36:38Z",
            "1900-03-01T00:00:00Z",
            "2024-02-29T12:00:00.25Z",
        ] {
            assert_eq!(ts(s).to_string(), s);
        }
        assert_eq!(
            ts("2023-01-01T00:00:00+01:00").to_string(),
            "2022-12-31T23:00:00Z"
        );
    }

    #[test]
    fn written_bytes_are_the_display_form() {
        let mut instants: Vec<Timestamp> = (-100_000i64..100_000)
            .step_by(7)
            .map(|i| Timestamp {
                secs: i * 1_000_003,
                nanos: (i.unsigned_abs() as u32 % 7) * 100_000_007 % 1_000_000_000,
            })
            .collect();
        instants.extend([
            ts("9999-12-31T23:59:59.999999999Z"),
            ts("10000-01-01T00:00:00Z"),
            Timestamp::from_unix(-62_200_000_000),
            ts("2026-01-01T00:00:00.1Z"),
        ]);
        for t in instants {
            let mut out = Vec::new();
            t.write_rfc3339(&mut out);
            assert_eq!(String::from_utf8(out).unwrap(), t.to_string(), "{t:?}");
        }
    }

    #[test]
    fn civil_conversion_agrees_over_four_centuries() {
        for days in (-200_000..200_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
