//! Dates and times as panellists read them: in the study's time zone, written the same way
//! on every page and in every email ("Friday 4 December 2026, 17:00 GMT"). Stored times are
//! UTC; the zone is the study's `time_zone` (an IANA name, checked when the team is saved).

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// The one way a moment is written for panellists: weekday, day, month, year, the time on a
/// 24-hour clock and the zone's abbreviation (`GMT`, `BST`, `CET`; `UTC+4` where the zone has
/// no letters). `at` is UTC; an unknown zone name falls back to UTC rather than hide the date.
pub fn format(at: NaiveDateTime, zone: &str) -> String {
    let zone: Tz = zone.parse().unwrap_or(Tz::UTC);
    let local = zone.from_utc_datetime(&at);
    let abbreviation = local.format("%Z").to_string();
    let abbreviation = if abbreviation.starts_with(['+', '-']) {
        // "+04" or "+0530": written as UTC+4, UTC+5:30.
        let (sign, digits) = abbreviation.split_at(1);
        let hours = digits.get(..2).unwrap_or(digits).trim_start_matches('0');
        let minutes = digits.get(2..).filter(|m| !m.is_empty() && *m != "00");
        let hours = if hours.is_empty() { "0" } else { hours };
        match minutes {
            Some(m) => format!("UTC{sign}{hours}:{m}"),
            None => format!("UTC{sign}{hours}"),
        }
    } else {
        abbreviation
    };
    format!("{} {abbreviation}", local.format("%A %-d %B %Y, %H:%M"))
}

#[cfg(test)]
mod tests {
    use super::format;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, min, 0))
            .expect("a valid date")
    }

    #[test]
    fn times_are_written_in_the_study_zone_with_its_summer_time() {
        assert_eq!(
            format(at(2026, 12, 4, 17, 0), "Europe/London"),
            "Friday 4 December 2026, 17:00 GMT"
        );
        assert_eq!(
            format(at(2026, 7, 3, 16, 30), "Europe/London"),
            "Friday 3 July 2026, 17:30 BST"
        );
        assert_eq!(
            format(at(2026, 12, 4, 23, 30), "Australia/Sydney"),
            "Saturday 5 December 2026, 10:30 AEDT"
        );
        assert_eq!(
            format(at(2026, 12, 4, 17, 0), "UTC"),
            "Friday 4 December 2026, 17:00 UTC"
        );
    }

    #[test]
    fn zones_without_letters_are_written_as_offsets_and_unknown_zones_as_utc() {
        assert_eq!(
            format(at(2026, 12, 4, 12, 0), "Asia/Dubai"),
            "Friday 4 December 2026, 16:00 UTC+4"
        );
        assert_eq!(
            format(at(2026, 12, 4, 12, 0), "Asia/Kathmandu"),
            "Friday 4 December 2026, 17:45 UTC+5:45"
        );
        assert_eq!(
            format(at(2026, 12, 4, 12, 0), "Moon/Base"),
            "Friday 4 December 2026, 12:00 UTC"
        );
    }
}
