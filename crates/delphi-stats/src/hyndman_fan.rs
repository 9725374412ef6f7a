//! All nine Hyndman–Fan (1996) sample quantile types, exactly as R's `quantile.default`,
//! with integer positions. For diagnostics and for matching other software; the platform
//! reports types 7 and 6 (see [`crate::quantile`]). Also the sort-based reference that the
//! counts-based quantiles are tested against.

/// The `percent`-th quantile (0..=100) of sorted data by Hyndman–Fan type `hf_type` (1..=9).
/// `None` for empty data or an unknown type.
pub fn quantile_hf(sorted: &[f64], percent: u32, hf_type: u8) -> Option<f64> {
    let n = i64::try_from(sorted.len()).ok()?;
    if n == 0 || !(1..=9).contains(&hf_type) {
        return None;
    }
    let p = i64::from(percent.min(100));
    // Position nppm = j + h, with h as a fraction `h_num / den`.
    let (j, h_num, den) = if hf_type <= 3 {
        // nppm = n·p (− ½ for type 3), scaled by 200.
        let scaled = 2 * n * p - if hf_type == 3 { 100 } else { 0 };
        let j = scaled.div_euclid(200);
        let frac = scaled.rem_euclid(200);
        let h = match hf_type {
            1 => i64::from(frac > 0) * 2,
            2 => i64::from(frac > 0) + 1,
            _ => i64::from(frac != 0 || j % 2 != 0) * 2,
        };
        (j, h, 2)
    } else {
        // nppm = a + p(n + 1 − a − b), scaled by 2400 (a, b are multiples of 1/24).
        let (a24, b24) = match hf_type {
            4 => (0, 24),
            5 => (12, 12),
            6 => (0, 0),
            7 => (24, 24),
            8 => (8, 8),
            _ => (9, 9),
        };
        let scaled = 100 * a24 + p * (24 * (n + 1) - a24 - b24);
        (scaled.div_euclid(2400), scaled.rem_euclid(2400), 2400)
    };
    // Pad x(−1) = x(0) = x(1) and x(n+1) = x(n+2) = x(n) like R, then take x(j), x(j+1).
    let j = j.clamp(-1, n + 1);
    let at = |k: i64| sorted[(k.clamp(1, n) - 1) as usize];
    let (lo, hi) = (at(j), at(j + 1));
    Some(if h_num == 0 {
        lo
    } else if h_num == den {
        hi
    } else {
        let h = h_num as f64 / den as f64;
        (1.0 - h) * lo + h * hi
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statrs_doc_vector() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_hf(&x, 25, 7), Some(1.75));
        assert_eq!(quantile_hf(&x, 25, 6), Some(1.25));
        let t8 = quantile_hf(&x, 25, 8).expect("defined");
        assert!((t8 - 1.416_666_666_666_666_7).abs() < 1e-12);
    }
}
