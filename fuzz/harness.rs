//! The fuzzing harness of the workspace, on stable Rust with proptest (no `cargo fuzz`, which
//! needs nightly). Each crate with a fuzz target includes this one file in its unit tests:
//!
//! ```ignore
//! #[cfg(test)]
//! #[path = "../../../fuzz/harness.rs"]
//! mod fuzz_harness;
//! ```
//!
//! A target ([`fuzz`]) first replays every file of `fuzz/corpus/<target>/` (seed inputs,
//! among them every attack that once stopped the server), then, for `DELPHI_FUZZ_SECONDS`
//! seconds (default [`DEFAULT_SECONDS`]), feeds the code inputs made by mutating those seeds
//! with the target's tokens (inserting, repeating, deleting and duplicating pieces) or by
//! stringing tokens together. The check must return `Ok` for every input: a panic or an `Err`
//! fails the test with the smallest input proptest can shrink it to, which is also written to
//! `target/fuzz-failures/<target>.txt` so it can join the corpus. An abort (stack overflow)
//! cannot be caught: the run prints its seed first, and `DELPHI_FUZZ_SEED=<seed>` replays it
//! (without it the seed is 0, so plain `cargo test` runs are repeatable).
//!
//! `scripts/fuzz.sh` runs every target; `.ci/run` calls it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// Seconds each target explores when `DELPHI_FUZZ_SECONDS` is not set.
pub const DEFAULT_SECONDS: u64 = 3;

/// The seed inputs of a target, sorted by file name: `(file name, text)`.
pub fn corpus(target: &str) -> Vec<(String, String)> {
    let dir = corpus_dir(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus {} cannot be read: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("a corpus file");
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            (name, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

/// How long each target explores after the corpus.
pub fn budget() -> Duration {
    let seconds = std::env::var("DELPHI_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SECONDS);
    Duration::from_secs(seconds)
}

/// One change to a seed input.
#[derive(Debug, Clone)]
enum Mutation {
    /// Insert a token, `times` times over, at a position.
    Insert {
        at: Index,
        token: Index,
        times: usize,
    },
    /// Remove a range.
    Delete { from: Index, len: usize },
    /// Copy a range next to itself.
    Duplicate { from: Index, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), any::<Index>(), prop_oneof![3 => Just(1usize), 1 => 2usize..64, 1 => 64usize..4_000])
            .prop_map(|(at, token, times)| Mutation::Insert { at, token, times }),
        2 => (any::<Index>(), 1usize..64).prop_map(|(from, len)| Mutation::Delete { from, len }),
        1 => (any::<Index>(), 1usize..256).prop_map(|(from, len)| Mutation::Duplicate { from, len }),
    ]
}

/// The char boundary nearest below `index` of `text`.
fn boundary(text: &str, index: &Index) -> usize {
    let mut at = index.index(text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(mut text: String, mutations: &[Mutation], tokens: &[&str]) -> String {
    for mutation in mutations {
        match mutation {
            Mutation::Insert { at, token, times } => {
                let at = boundary(&text, at);
                text.insert_str(at, &tokens[token.index(tokens.len())].repeat(*times));
            }
            Mutation::Delete { from, len } => {
                let from = boundary(&text, from);
                let to = (from + len).min(text.len());
                let to = (to..=text.len())
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(text.len());
                text.replace_range(from..to, "");
            }
            Mutation::Duplicate { from, len } => {
                let from = boundary(&text, from);
                let to = (from + len).min(text.len());
                let to = (to..=text.len())
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(text.len());
                let piece = text[from..to].to_owned();
                text.insert_str(to, &piece);
            }
        }
    }
    text
}

/// Inputs for a target: mutated seeds (mostly) or strings of tokens.
fn inputs(seeds: Vec<String>, tokens: Vec<&'static str>) -> impl Strategy<Value = String> {
    let mutate_tokens = tokens.clone();
    let seeds = if seeds.is_empty() {
        vec![String::new()]
    } else {
        seeds
    };
    prop_oneof![
        3 => (select(seeds), proptest::collection::vec(mutation(), 1..8))
            .prop_map(move |(seed, mutations)| apply(seed, &mutations, &mutate_tokens)),
        1 => proptest::collection::vec(select(tokens), 0..64).prop_map(|parts| parts.concat()),
    ]
}

/// The seed of this run: `DELPHI_FUZZ_SEED`, else 0, so a plain `cargo test` explores the
/// same inputs every time (`scripts/fuzz.sh` gives each run a fresh seed).
fn seed() -> u64 {
    std::env::var("DELPHI_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Replays the corpus of `target`, then explores for [`budget`]; panics with the smallest
/// failing input when `check` fails or panics on any input.
pub fn fuzz(target: &str, tokens: &[&'static str], check: impl Fn(&str) -> Result<(), String>) {
    let corpus = corpus(target);
    assert!(!corpus.is_empty(), "the corpus of {target} is empty");
    for (name, input) in &corpus {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(input)));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(why)) => panic!("fuzz/corpus/{target}/{name}: {why}"),
            Err(_) => panic!("fuzz/corpus/{target}/{name}: the check panicked"),
        }
    }
    let seed = seed();
    let budget = budget();
    println!(
        "fuzz {target}: {} corpus inputs pass; exploring for {}s with DELPHI_FUZZ_SEED={seed}",
        corpus.len(),
        budget.as_secs()
    );
    let config = Config {
        failure_persistence: None,
        max_shrink_time: 30_000,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(seed));
    let mut runner = TestRunner::new_with_rng(config, rng);
    let strategy = inputs(
        corpus.into_iter().map(|(_, text)| text).collect(),
        tokens.to_vec(),
    );
    let started = Instant::now();
    let mut cases = 0u64;
    while started.elapsed() < budget {
        let tree = strategy.new_tree(&mut runner).expect("an input");
        let result = runner.run_one(tree, |input| check(&input).map_err(TestCaseError::fail));
        cases += 1;
        if let Err(failure) = result {
            let text = format!("{failure}");
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/fuzz-failures")
                .join(format!("{target}.txt"));
            let _ = std::fs::create_dir_all(path.parent().expect("a folder"));
            let _ = std::fs::write(&path, &text);
            panic!(
                "fuzz {target} (DELPHI_FUZZ_SEED={seed}) found a failing input, written to {}:\n{}",
                path.display(),
                text.chars().take(4_000).collect::<String>()
            );
        }
    }
    println!(
        "fuzz {target}: {cases} inputs in {:.1}s, no failure",
        started.elapsed().as_secs_f64()
    );
}

fn seed_bytes(seed: u64) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&(seed.wrapping_add(i as u64)).to_le_bytes());
    }
    bytes
}

/// Runs the ignored test `name` (its full path, e.g. `rule::tests::child_deep_rule`) of the
/// current test binary in a child process and asserts it passed, so an input that overflows
/// the stack fails one test instead of aborting every test of the crate.
pub fn passes_in_a_child_process(name: &str) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = std::process::Command::new(exe)
        .args([
            "--exact",
            name,
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{name} failed or aborted in its child process ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}
