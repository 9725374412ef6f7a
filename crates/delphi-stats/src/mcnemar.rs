//! McNemar's test for a paired binary variable (STATISTICS.md 5.2).

use serde::{Deserialize, Serialize};
use statrs::distribution::{Binomial, DiscreteCDF};

use crate::kendall::chi_square_sf;

/// McNemar's test from the discordant counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McNemar {
    /// b: pairs going from "no" to "yes".
    pub b_0to1: u64,
    /// c: pairs going from "yes" to "no".
    pub c_1to0: u64,
    /// b + c.
    pub n_discordant: u64,
    /// min(1, 2·P(Bin(b+c, ½) ≤ min(b, c))); 1 when b + c = 0.
    pub p_exact: f64,
    /// (b − c)²/(b + c); `null` when b + c = 0.
    pub chi2: Option<f64>,
    /// Upper tail of χ²₁ at `chi2`.
    pub p_chi2: Option<f64>,
    /// Edwards' correction (|b − c| − 1)²/(b + c), and 0 when b = c (R `mcnemar.test`).
    pub chi2_cc: Option<f64>,
    /// Upper tail of χ²₁ at `chi2_cc`.
    pub p_chi2_cc: Option<f64>,
}

/// McNemar's test for `b` changes "no → yes" and `c` changes "yes → no".
pub fn mcnemar(b: u64, c: u64) -> McNemar {
    let n = b + c;
    if n == 0 {
        return McNemar {
            b_0to1: b,
            c_1to0: c,
            n_discordant: 0,
            p_exact: 1.0,
            chi2: None,
            p_chi2: None,
            chi2_cc: None,
            p_chi2_cc: None,
        };
    }
    let k = b.min(c);
    let p_exact = Binomial::new(0.5, n)
        .map(|d| (2.0 * d.cdf(k)).min(1.0))
        .unwrap_or(1.0);
    let diff = b.abs_diff(c);
    let chi2 = (diff * diff) as f64 / n as f64;
    let chi2_cc = if diff == 0 {
        0.0
    } else {
        ((diff - 1) * (diff - 1)) as f64 / n as f64
    };
    McNemar {
        b_0to1: b,
        c_1to0: c,
        n_discordant: n,
        p_exact,
        chi2: Some(chi2),
        p_chi2: chi_square_sf(chi2, 1.0),
        chi2_cc: Some(chi2_cc),
        p_chi2_cc: chi_square_sf(chi2_cc, 1.0),
    }
}

/// McNemar on paired booleans (`from[i]` → `to[i]`).
pub fn mcnemar_paired(pairs: impl IntoIterator<Item = (bool, bool)>) -> McNemar {
    let (mut b, mut c) = (0, 0);
    for (from, to) in pairs {
        match (from, to) {
            (false, true) => b += 1,
            (true, false) => c += 1,
            _ => {}
        }
    }
    mcnemar(b, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_conventions() {
        let m = mcnemar(10, 2);
        assert!((m.p_exact - 0.03857421875).abs() < 1e-12);
        assert!((m.chi2_cc.expect("defined") - 49.0 / 12.0).abs() < 1e-12);
        let equal = mcnemar(3, 3);
        assert_eq!(equal.chi2_cc, Some(0.0));
        assert_eq!(equal.p_exact, 1.0);
        assert_eq!(mcnemar(0, 0).chi2, None);
    }
}
