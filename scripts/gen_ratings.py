#!/usr/bin/env python3
"""Write a seeded synthetic ratings CSV for benchmarks: one round, P panellists x I items,
about 5 % "unable to rate" (empty rating), four stakeholder groups, ratings 1-9 skewed
towards agreement like a real Delphi round.

Usage: gen_ratings.py OUT.csv [--panellists 10000] [--items 1000] [--seed 20261123]
"""
import argparse

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--panellists", type=int, default=10_000)
    ap.add_argument("--items", type=int, default=1_000)
    ap.add_argument("--utr", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=20261123)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    groups = ["link_worker", "manager", "commissioner", "gp"]
    weights = np.array([1, 1, 2, 3, 5, 8, 12, 14, 10], dtype=float)
    items = [f"Q{i:04d}" for i in range(1, a.items + 1)]
    with open(a.out, "w", newline="") as fh:
        fh.write("round,item_id,panellist_id,stakeholder_group,rating\n")
        for p in range(1, a.panellists + 1):
            pid = f"P{p:05d}"
            group = groups[p % len(groups)]
            ratings = rng.choice(9, size=a.items, p=weights / weights.sum()) + 1
            utr = rng.random(a.items) < a.utr
            prefix = f"1,"
            middle = f",{pid},{group},"
            fh.write("".join(
                f"{prefix}{item}{middle}{'' if u else r}\n"
                for item, r, u in zip(items, ratings.tolist(), utr.tolist())
            ))


if __name__ == "__main__":
    main()
