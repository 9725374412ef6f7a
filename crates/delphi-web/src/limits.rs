//! Per-client rate limits, one per route family (panellist pages, panellist API, sign-in),
//! each with its own counters, so that exhausting one leaves the others untouched: a burst
//! of autosaves does not stop the same office from loading pages or a researcher there from
//! signing in. The client is [`crate::client::ClientKey`]'s address.
//!
//! The defaults are sized for many panellists behind one address (an office NAT, a proxy
//! that is not configured as trusted): a round opens with an email to everyone at once, and
//! a few hundred people behind one address each load the page and autosave every few
//! seconds. What they stop is one client flooding the server.

use std::sync::Arc;

use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::{GovernorConfig, GovernorConfigBuilder};

use crate::client::{ClientKey, TrustedProxies};

/// A token bucket: `per_second` sustained, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests per second, sustained.
    pub per_second: u64,
    /// Requests allowed at once after a quiet spell.
    pub burst: u32,
}

impl Limit {
    /// Reads `RATE/BURST`, e.g. `50/500`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not a rate limit such as 50/500 (per second/burst)");
        let (rate, burst) = text.trim().split_once('/').ok_or_else(bad)?;
        let per_second: u64 = rate.trim().parse().map_err(|_| bad())?;
        let burst: u32 = burst.trim().parse().map_err(|_| bad())?;
        if per_second == 0 || burst == 0 {
            return Err(format!(
                "{text:?}: the rate and the burst must be at least 1"
            ));
        }
        Ok(Self { per_second, burst })
    }
}

/// The limits of every route family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `/p/{token}...`: the panellist's pages and the plain-HTML form.
    pub panellist_pages: Limit,
    /// `/api/v1/p/{token}...`: autosave and the page's other calls.
    pub panellist_api: Limit,
    /// `/admin/login`: each attempt costs an argon2 hash (capped process-wide as well).
    pub sign_in: Limit,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            panellist_pages: Limit {
                per_second: 50,
                burst: 500,
            },
            panellist_api: Limit {
                per_second: 200,
                burst: 2000,
            },
            sign_in: Limit {
                per_second: 2,
                burst: 20,
            },
        }
    }
}

/// One family's limiter, shared by every worker.
pub type Limiter = Arc<GovernorConfig<ClientKey, NoOpMiddleware>>;

/// The limiters of a server.
#[derive(Clone)]
pub struct Limiters {
    /// Panellist pages.
    pub pages: Limiter,
    /// Panellist API.
    pub api: Limiter,
    /// Sign-in.
    pub sign_in: Limiter,
}

impl Limiters {
    /// Builds the limiters (`None` when a limit is zero).
    pub fn new(limits: &RateLimits, proxies: &Arc<TrustedProxies>) -> Option<Self> {
        let one = |limit: Limit| {
            GovernorConfigBuilder::default()
                .requests_per_second(limit.per_second.max(1))
                .burst_size(limit.burst)
                .key_extractor(ClientKey(proxies.clone()))
                .finish()
                .map(Arc::new)
        };
        Some(Self {
            pages: one(limits.panellist_pages)?,
            api: one(limits.panellist_api)?,
            sign_in: one(limits.sign_in)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_as_rate_and_burst() {
        assert_eq!(
            Limit::parse(" 50/500 ").unwrap(),
            Limit {
                per_second: 50,
                burst: 500
            }
        );
        for bad in ["50", "0/10", "10/0", "a/b", "-1/5"] {
            assert!(Limit::parse(bad).is_err(), "{bad}");
        }
    }
}
