//! Latencies and errors per kind of request, merged over panellists, and the summary printed
//! at the end of a run (throughput, p50/p95/p99/max, errors).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

/// What a request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The round page (`GET /p/{token}`), or `GET /` against the hello-world.
    Page,
    /// `POST /api/v1/p/{token}/consent`.
    Consent,
    /// `PUT /api/v1/p/{token}/answers/{code}`.
    Save,
    /// `POST /api/v1/p/{token}/submit`.
    Submit,
}

/// Every kind, in the order printed.
pub const KINDS: [Kind; 4] = [Kind::Page, Kind::Consent, Kind::Save, Kind::Submit];

impl Kind {
    fn index(self) -> usize {
        self as usize
    }

    /// How the kind is named in summaries and timelines.
    pub fn name(self) -> &'static str {
        match self {
            Self::Page => "page",
            Self::Consent => "consent",
            Self::Save => "save",
            Self::Submit => "submit",
        }
    }
}

/// At most this many distinct error messages are kept.
const MAX_MESSAGES: usize = 8;

/// Measurements of part of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Latencies of successful requests in microseconds, per kind.
    latencies: [Vec<u32>; 4],
    /// Failed requests per kind.
    errors: [usize; 4],
    /// Error messages and how often each came (in the measured window or not).
    messages: BTreeMap<String, usize>,
}

impl Report {
    /// Records one measured request.
    pub fn record(&mut self, kind: Kind, latency: Duration, ok: bool) {
        if ok {
            let micros = u32::try_from(latency.as_micros()).unwrap_or(u32::MAX);
            self.latencies[kind.index()].push(micros);
        } else {
            self.errors[kind.index()] += 1;
        }
    }

    /// Remembers why a request failed.
    pub fn note_error(&mut self, message: String) {
        if self.messages.len() < MAX_MESSAGES || self.messages.contains_key(&message) {
            *self.messages.entry(message).or_default() += 1;
        }
    }

    /// Adds another report's measurements.
    pub fn merge(&mut self, other: &Report) {
        for kind in KINDS {
            let i = kind.index();
            self.latencies[i].extend_from_slice(&other.latencies[i]);
            self.errors[i] += other.errors[i];
        }
        for (message, n) in &other.messages {
            if self.messages.len() < MAX_MESSAGES || self.messages.contains_key(message) {
                *self.messages.entry(message.clone()).or_default() += n;
            }
        }
    }

    /// The summary of the run.
    pub fn summary(&self, offered: f64, panellists: usize, seconds: f64) -> Summary {
        let kinds: Vec<KindSummary> = KINDS
            .iter()
            .filter(|k| !self.latencies[k.index()].is_empty() || self.errors[k.index()] > 0)
            .map(|&k| {
                KindSummary::of(
                    k.name(),
                    self.latencies[k.index()].clone(),
                    self.errors[k.index()],
                    seconds,
                )
            })
            .collect();
        let all: Vec<u32> = self.latencies.iter().flatten().copied().collect();
        let errors = self.errors.iter().sum();
        Summary {
            offered_per_second: offered,
            panellists,
            seconds,
            all: KindSummary::of("all", all, errors, seconds),
            errors,
            kinds,
            error_messages: self.messages.clone(),
        }
    }
}

/// Figures for one kind of request (or all of them).
#[derive(Debug, Clone, Serialize)]
pub struct KindSummary {
    /// `page`, `consent`, `save`, `submit` or `all`.
    pub kind: &'static str,
    /// Successful requests.
    pub ok: usize,
    /// Failed requests.
    pub errors: usize,
    /// Successful requests per second.
    pub per_second: f64,
    /// Median latency in milliseconds.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Maximum.
    pub max_ms: f64,
}

impl KindSummary {
    fn of(kind: &'static str, mut micros: Vec<u32>, errors: usize, seconds: f64) -> Self {
        micros.sort_unstable();
        let at = |p: f64| percentile(&micros, p);
        Self {
            kind,
            ok: micros.len(),
            errors,
            per_second: micros.len() as f64 / seconds,
            p50_ms: at(0.50),
            p95_ms: at(0.95),
            p99_ms: at(0.99),
            max_ms: micros.last().map_or(0.0, |&m| f64::from(m) / 1e3),
        }
    }
}

/// The nearest-rank percentile of sorted microseconds, in milliseconds.
pub fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1e3
}

/// The result of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Requests per second offered.
    pub offered_per_second: f64,
    /// Panellists at once.
    pub panellists: usize,
    /// Seconds measured.
    pub seconds: f64,
    /// Every request together.
    pub all: KindSummary,
    /// Failed requests.
    pub errors: usize,
    /// Per kind of request.
    pub kinds: Vec<KindSummary>,
    /// Why requests failed, with counts.
    pub error_messages: BTreeMap<String, usize>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:.0} requests/s offered by {} panellists for {} s: {:.0} requests/s answered, {} failed",
            self.offered_per_second, self.panellists, self.seconds, self.all.per_second, self.errors
        )?;
        for k in std::iter::once(&self.all).chain(&self.kinds) {
            writeln!(
                f,
                "  {:<8} {:>8} ok {:>6} failed {:>9.1}/s  p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  max {:>8.2} ms",
                k.kind, k.ok, k.errors, k.per_second, k.p50_ms, k.p95_ms, k.p99_ms, k.max_ms
            )?;
        }
        for (message, n) in &self.error_messages {
            writeln!(f, "  error x{n}: {message}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentile(&sorted, 0.50), 50.0);
        assert_eq!(percentile(&sorted, 0.99), 99.0);
        assert_eq!(percentile(&sorted, 1.0), 100.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn failures_are_counted_apart_from_latencies() {
        let mut a = Report::default();
        a.record(Kind::Save, Duration::from_millis(2), true);
        a.record(Kind::Save, Duration::from_millis(9), false);
        let mut b = Report::default();
        b.record(Kind::Page, Duration::from_millis(4), true);
        b.merge(&a);
        let s = b.summary(10.0, 2, 1.0);
        assert_eq!((s.all.ok, s.errors), (2, 1));
        assert_eq!(s.all.max_ms, 4.0);
    }
}
