//! Property: quantiles from counts per scale point equal a sort-based reference (the
//! Hyndman–Fan definition applied to the sorted data) for random data, every n from 0 to
//! 200, every integer percent, types 6 and 7.

use delphi_stats::hyndman_fan::quantile_hf;
use delphi_stats::quantile::quantile_sorted;
use delphi_stats::{median, quantile, Histogram, QuantileType};
use proptest::prelude::*;

fn check_prefixes(data: &[i32], scale_min: i32, scale_max: i32) -> Result<(), TestCaseError> {
    for n in 0..=data.len() {
        let mut sorted: Vec<i32> = data[..n].to_vec();
        sorted.sort_unstable();
        let sorted: Vec<f64> = sorted.into_iter().map(f64::from).collect();
        let mut h = Histogram::new(scale_min, scale_max);
        for &x in &data[..n] {
            prop_assert!(h.add(x));
        }
        for kind in [QuantileType::Type7, QuantileType::Type6] {
            for percent in 0..=100 {
                let counted = quantile(&h, percent, kind);
                let reference = quantile_hf(&sorted, percent, kind.number());
                prop_assert_eq!(counted, quantile_sorted(&sorted, percent, kind));
                match (counted, reference) {
                    (None, None) => {}
                    (Some(a), Some(b)) => prop_assert!(
                        (a - b).abs() <= 1e-12,
                        "n={} p={} type {}: {} vs {}",
                        n,
                        percent,
                        kind.number(),
                        a,
                        b
                    ),
                    other => prop_assert!(false, "n={} p={}: {:?}", n, percent, other),
                }
            }
        }
        let expected_median = quantile_hf(&sorted, 50, 7);
        prop_assert_eq!(median(&h), expected_median);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn counts_equal_sorting_on_1_to_9(data in prop::collection::vec(1i32..=9, 200)) {
        check_prefixes(&data, 1, 9)?;
    }

    #[test]
    fn counts_equal_sorting_on_other_scales(data in prop::collection::vec(-3i32..=12, 200)) {
        check_prefixes(&data, -3, 12)?;
    }
}
