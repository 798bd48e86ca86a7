//! Epochs: UTC instants parsed from ISO 8601 text, with the TT and UT1 Julian dates the
//! ephemeris formulas need.
//!
//! Leap seconds and the UTC → TAI → TT chain come from the `hifitime` crate. UT1 is taken
//! equal to UTC (|UT1 − UTC| < 0.9 s by definition of UTC, i.e. < 0.004° of Earth rotation),
//! which only affects the Greenwich sidereal time used to place geostationary satellites.

use std::fmt;
use std::str::FromStr;

use hifitime::TimeScale;

use crate::constants::J2000_JD;
use crate::error::OrbitError;

/// A UTC instant; times elsewhere are SI seconds after an `Epoch`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Epoch {
    inner: hifitime::Epoch,
}

impl Epoch {
    /// Parses ISO 8601 UTC text: `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by `Z`, `+00:00` or
    /// nothing (UTC assumed), or a bare date `YYYY-MM-DD` (midnight). A space may replace `T`.
    /// Other offsets (`+02:00`) are applied.
    ///
    /// ```
    /// use thermorbit::orbit::Epoch;
    /// let e = Epoch::parse_iso8601("2000-01-01T11:58:55.816Z").unwrap();
    /// assert!((e.julian_date_tt() - 2_451_545.0).abs() < 1e-8);
    /// assert!(Epoch::parse_iso8601("2027-02-30T00:00:00Z").is_err());
    /// ```
    pub fn parse_iso8601(text: &str) -> Result<Self, OrbitError> {
        let bad = |reason: &str| OrbitError::BadEpoch {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let s = text.trim();
        let b = s.as_bytes();
        let digits = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = s.get(range)?;
            if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad("expected YYYY-MM-DDTHH:MM:SSZ"));
        }
        let year = digits(0..4).ok_or_else(|| bad("year is not 4 digits"))?;
        let month = digits(5..7).ok_or_else(|| bad("month is not 2 digits"))?;
        let day = digits(8..10).ok_or_else(|| bad("day is not 2 digits"))?;
        if !(1..=12).contains(&month) {
            return Err(bad("month must be 01–12"));
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if day < 1 || day > days_in_month {
            return Err(bad("day does not exist in that month"));
        }
        let (mut hour, mut minute, mut second, mut nanos) = (0_i64, 0_i64, 0_i64, 0_i64);
        let mut offset_min = 0_i64;
        let mut rest = &s[10..];
        if !rest.is_empty() {
            let sep = rest.as_bytes()[0];
            if sep != b'T' && sep != b't' && sep != b' ' {
                return Err(bad("expected `T` between date and time"));
            }
            rest = &rest[1..];
            let two = |t: &str| -> Option<i64> {
                let p = t.get(0..2)?;
                p.bytes()
                    .all(|c| c.is_ascii_digit())
                    .then(|| p.parse().ok())?
            };
            hour = two(rest).ok_or_else(|| bad("hour is not 2 digits"))?;
            if rest.as_bytes().get(2) != Some(&b':') {
                return Err(bad("expected HH:MM"));
            }
            minute = two(&rest[3..]).ok_or_else(|| bad("minute is not 2 digits"))?;
            rest = &rest[5..];
            if rest.starts_with(':') {
                second = two(&rest[1..]).ok_or_else(|| bad("second is not 2 digits"))?;
                rest = &rest[3..];
                if let Some(frac) = rest.strip_prefix('.') {
                    let n = frac.bytes().take_while(|c| c.is_ascii_digit()).count();
                    if n == 0 || n > 9 {
                        return Err(bad("fraction of a second must have 1–9 digits"));
                    }
                    let mut v: i64 = frac[..n].parse().map_err(|_| bad("bad fraction"))?;
                    for _ in n..9 {
                        v *= 10;
                    }
                    nanos = v;
                    rest = &frac[n..];
                }
            }
            match rest {
                "" | "Z" | "z" => {}
                zone if zone.len() == 6
                    && (zone.starts_with('+') || zone.starts_with('-'))
                    && zone.as_bytes()[3] == b':' =>
                {
                    let oh = two(&zone[1..]).ok_or_else(|| bad("bad UTC offset hours"))?;
                    let om = two(&zone[4..]).ok_or_else(|| bad("bad UTC offset minutes"))?;
                    if oh > 23 || om > 59 {
                        return Err(bad("UTC offset out of range"));
                    }
                    offset_min = (oh * 60 + om) * if zone.starts_with('-') { -1 } else { 1 };
                }
                _ => return Err(bad("unexpected text after the time; use `Z` or ±HH:MM")),
            }
        }
        if hour > 23 || minute > 59 || second > 60 {
            return Err(bad("time of day out of range"));
        }
        if second == 60 && !(hour == 23 && minute == 59) {
            return Err(bad("second 60 only exists at 23:59 on a leap-second day"));
        }
        let inner = hifitime::Epoch::maybe_from_gregorian(
            year as i32,
            month as u8,
            day as u8,
            hour as u8,
            minute as u8,
            second as u8,
            nanos as u32,
            TimeScale::UTC,
        )
        .map_err(|e| bad(&e.to_string()))?;
        let inner = inner - hifitime::Duration::from_seconds(offset_min as f64 * 60.0);
        Ok(Self { inner })
    }

    /// The epoch `dt_s` SI seconds later.
    pub fn plus_seconds(&self, dt_s: f64) -> Self {
        Self {
            inner: self.inner + hifitime::Duration::from_seconds(dt_s),
        }
    }

    /// SI seconds from `other` to `self`.
    pub fn seconds_since(&self, other: &Epoch) -> f64 {
        (self.inner - other.inner).to_seconds()
    }

    /// Julian date in Terrestrial Time (the ephemeris argument).
    pub fn julian_date_tt(&self) -> f64 {
        self.inner.to_jde_tt_days()
    }

    /// Days of TT from J2000.0 (2000-01-01 12:00 TT).
    pub fn days_since_j2000_tt(&self) -> f64 {
        self.julian_date_tt() - J2000_JD
    }

    /// Julian date in UTC (used as UT1; see the module docs).
    pub fn julian_date_ut1(&self) -> f64 {
        self.inner.to_jde_utc_days()
    }

    /// The epoch as ISO 8601 UTC text with millisecond precision.
    pub fn to_iso8601(&self) -> String {
        let (y, mo, d, h, mi, s, ns) = self.inner.to_gregorian(TimeScale::UTC);
        format!(
            "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z",
            ns / 1_000_000
        )
    }
}

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso8601())
    }
}

impl FromStr for Epoch {
    type Err = OrbitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_iso8601(s)
    }
}

/// A local (mean solar) time of day, e.g. the local time of an orbit's ascending node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalTime {
    hours: f64,
}

impl LocalTime {
    /// Parses `HH:MM` or `HH:MM:SS` (00:00 ≤ t < 24:00).
    ///
    /// ```
    /// use thermorbit::orbit::LocalTime;
    /// assert_eq!(LocalTime::parse("06:30").unwrap().hours(), 6.5);
    /// assert!(LocalTime::parse("25:00").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, OrbitError> {
        let bad = || OrbitError::BadLocalTime {
            text: text.to_string(),
        };
        let parts: Vec<&str> = text.trim().split(':').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(bad());
        }
        let mut vals = [0_u32; 3];
        for (k, p) in parts.iter().enumerate() {
            if p.len() != 2 || !p.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            vals[k] = p.parse().map_err(|_| bad())?;
        }
        if vals[0] > 23 || vals[1] > 59 || vals[2] > 59 {
            return Err(bad());
        }
        Ok(Self {
            hours: vals[0] as f64 + vals[1] as f64 / 60.0 + vals[2] as f64 / 3600.0,
        })
    }

    /// From decimal hours in [0, 24).
    pub fn from_hours(hours: f64) -> Result<Self, OrbitError> {
        if !(hours.is_finite() && (0.0..24.0).contains(&hours)) {
            return Err(OrbitError::OutOfRange {
                quantity: "local time (h)",
                value: hours,
                allowed: "0 ≤ h < 24",
            });
        }
        Ok(Self { hours })
    }

    /// Decimal hours.
    pub fn hours(&self) -> f64 {
        self.hours
    }
}
