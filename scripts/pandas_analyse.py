#!/usr/bin/env python3
"""The pandas side of scripts/bench-analyse-vs-pandas.sh: read the ratings CSV, then per
item the median, Q1/Q3 (pandas default, type 7), mean, SD and percent in the agreement band
over the numeric ratings ("unable to rate" = empty = NaN, excluded). Prints a summary line.

Usage: pandas_analyse.py RATINGS.csv [--agree 7-9]
"""
import argparse
import sys

import pandas as pd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("--agree", default="7-9")
    a = ap.parse_args()
    lo, hi = (int(v) for v in a.agree.split("-"))
    df = pd.read_csv(a.input)
    valid = df.dropna(subset=["rating"])
    g = valid.groupby(["round", "item_id"])["rating"]
    out = pd.DataFrame({
        "median": g.median(),
        "q1": g.quantile(0.25),
        "q3": g.quantile(0.75),
        "mean": g.mean(),
        "sd": g.std(ddof=1),
        "pct_agree": valid["rating"].between(lo, hi).groupby([valid["round"], valid["item_id"]]).mean() * 100,
    })
    out["iqr"] = out["q3"] - out["q1"]
    print(f"pandas: {len(df)} rows, {len(out)} items, mean of medians {out['median'].mean():.4f}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
