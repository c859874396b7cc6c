//! Finding nearly identical texts among thousands without comparing every pair.
//!
//! Texts are compared as sets of word 3-shingles (every run of three consecutive words) with the
//! Jaccard similarity |A ∩ B| / |A ∪ B|. Comparing all pairs of 10,000 stems is 50 million set
//! intersections; instead this uses prefix filtering (the "All-Pairs" join): order all shingles
//! from rarest to most common, and index only the first `|A| - ⌈t·|A|⌉ + 1` shingles of each
//! set. Two sets with similarity ≥ t must share a shingle in those prefixes, so only pairs that
//! meet in the index are verified, and the result is exactly what the all-pairs comparison would
//! give. Boilerplate such as "Which solution meets these requirements?" is common, so it sorts
//! last and never enters a prefix.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Two texts (by index, `first < second`) whose shingle sets are at least the threshold alike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimilarPair {
    pub first: usize,
    pub second: usize,
    pub similarity: f64,
}

/// Guards the rounding of `threshold × size` so that a float just above a whole number cannot
/// shorten a prefix and lose a pair.
const EPSILON: f64 = 1e-9;

/// Every pair of `texts` with Jaccard similarity of word 3-shingles ≥ `threshold` (0 < t ≤ 1),
/// sorted by `(first, second)`. Texts shorter than three words have no shingles and match nothing.
pub fn similar_pairs(texts: &[&str], threshold: f64) -> Vec<SimilarPair> {
    let sets = ranked_shingle_sets(texts);
    let shingle_count = sets.iter().flatten().max().map_or(0, |&rank| rank as usize + 1);
    // Rank → the texts that have it in their prefix.
    let mut index: Vec<Vec<usize>> = vec![Vec::new(); shingle_count];
    let mut seen_by = vec![usize::MAX; texts.len()];
    let mut pairs = Vec::new();
    for (second, set) in sets.iter().enumerate() {
        if set.is_empty() {
            continue;
        }
        let prefix = &set[..prefix_len(set.len(), threshold)];
        for shingle in prefix {
            for &first in &index[*shingle as usize] {
                if seen_by[first] == second {
                    continue;
                }
                seen_by[first] = second;
                let similarity = jaccard(&sets[first], set);
                if similarity + EPSILON >= threshold {
                    pairs.push(SimilarPair { first, second, similarity });
                }
            }
        }
        for &shingle in prefix {
            index[shingle as usize].push(second);
        }
    }
    pairs.sort_by_key(|pair| (pair.first, pair.second));
    pairs
}

/// How many of a set's rarest shingles must be indexed so that any set at least `threshold`
/// alike shares one of them.
fn prefix_len(size: usize, threshold: f64) -> usize {
    let must_share = (threshold * size as f64 - EPSILON).ceil().max(1.0) as usize;
    (size + 1).saturating_sub(must_share).clamp(1, size)
}

/// Each text's shingles as ranks (0 = rarest across all texts), sorted and without repeats.
fn ranked_shingle_sets(texts: &[&str]) -> Vec<Vec<u32>> {
    let mut shingle_ids: HashMap<u64, u32, BuildHasherDefault<PreHashed>> = HashMap::default();
    let mut words = Vec::new();
    let sets: Vec<Vec<u32>> = texts
        .iter()
        .map(|text| {
            words.clear();
            words.extend(word_hashes(text));
            let mut set: Vec<u32> = words
                .windows(3)
                .map(|w| {
                    let next = shingle_ids.len() as u32;
                    *shingle_ids.entry(combine(combine(w[0], w[1]), w[2])).or_insert(next)
                })
                .collect();
            set.sort_unstable();
            set.dedup();
            set
        })
        .collect();

    let mut frequency = vec![0u32; shingle_ids.len()];
    for &shingle in sets.iter().flatten() {
        frequency[shingle as usize] += 1;
    }
    let mut by_rarity: Vec<u32> = (0..shingle_ids.len() as u32).collect();
    by_rarity.sort_unstable_by_key(|&shingle| (frequency[shingle as usize], shingle));
    let mut rank = vec![0u32; by_rarity.len()];
    for (position, &shingle) in by_rarity.iter().enumerate() {
        rank[shingle as usize] = position as u32;
    }
    sets.into_iter()
        .map(|set| {
            let mut ranked: Vec<u32> = set.into_iter().map(|shingle| rank[shingle as usize]).collect();
            ranked.sort_unstable();
            ranked
        })
        .collect()
}

/// A 64-bit hash of each lower-cased run of letters and digits, so punctuation, case and Markdown
/// emphasis do not count. Hashing instead of interning the words avoids an allocation per word;
/// with 64 bits, a collision among a million distinct shingles has odds of about 1 in 10^7.
fn word_hashes(text: &str) -> impl Iterator<Item = u64> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()).map(|word| {
        const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
        const FNV_PRIME: u64 = 0x0100_0000_01b3;
        let mut hash = FNV_OFFSET;
        let mut add = |byte: u8| hash = (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
        if word.is_ascii() {
            word.bytes().for_each(|b| add(b.to_ascii_lowercase()));
        } else {
            let mut buffer = [0u8; 4];
            for c in word.chars().flat_map(char::to_lowercase) {
                c.encode_utf8(&mut buffer).bytes().for_each(&mut add);
            }
        }
        mix(hash)
    })
}

/// The SplitMix64 finaliser: spreads every input bit over the whole output.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// An order-sensitive hash of two hashes (so "a b c" and "c b a" differ).
fn combine(first: u64, second: u64) -> u64 {
    mix(first.rotate_left(23) ^ second)
}

/// The keys of the shingle map are already hashes, so hashing them again (SipHash, the
/// default) would only cost time.
#[derive(Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = mix(self.0 ^ u64::from(byte));
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

/// Jaccard similarity of two sorted sets.
fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared as f64 / (a.len() + b.len() - shared) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_identical_and_reworded_texts_but_not_different_ones() {
        let texts = [
            "A retailer streams clickstream events as JSON through Firehose into S3 and queries them with Athena.",
            "A bank trains a fraud model on SageMaker with XGBoost and needs to explain single predictions.",
            "A retailer streams clickstream events as JSON through Firehose into S3 and queries them with Athena!",
            "A retailer streams clickstream events as JSON through Firehose into S3 and queries them daily with Athena.",
            "Too short",
        ];
        let pairs: Vec<(usize, usize)> = similar_pairs(&texts, 0.6).iter().map(|p| (p.first, p.second)).collect();
        assert_eq!(pairs, [(0, 2), (0, 3), (2, 3)]);
        assert_eq!(similar_pairs(&texts, 0.6)[0].similarity, 1.0);
    }

    #[test]
    fn case_and_punctuation_do_not_matter() {
        let pairs = similar_pairs(
            &["Which **solution** meets these requirements?", "which solution meets these requirements"],
            1.0,
        );
        assert_eq!(pairs.len(), 1);
    }

    #[test]
    fn prefix_is_long_enough_and_never_empty() {
        assert_eq!(prefix_len(10, 0.6), 5);
        assert_eq!(prefix_len(5, 0.6), 3);
        assert_eq!(prefix_len(1, 0.6), 1);
        assert_eq!(prefix_len(10, 1.0), 1);
    }

    /// Base texts and copies of them with a few words changed, so similarities spread from 0 to 1.
    fn texts() -> Vec<String> {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        let mut texts = Vec::new();
        for _ in 0..60 {
            let base: Vec<usize> = (0..20).map(|_| next(40)).collect();
            for changes in 0..5 {
                let mut variant = base.clone();
                for _ in 0..changes * 2 {
                    let at = next(variant.len());
                    variant[at] = next(40);
                }
                texts.push(variant.iter().map(|w| format!("w{w}")).collect::<Vec<_>>().join(" "));
            }
        }
        texts
    }

    #[test]
    fn agrees_with_comparing_every_pair() {
        let owned = texts();
        let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
        let sets = ranked_shingle_sets(&texts);
        for threshold in [0.2, 0.4, 0.6, 0.8] {
            let mut expected = Vec::new();
            for second in 0..sets.len() {
                for first in 0..second {
                    if !sets[first].is_empty() && !sets[second].is_empty() {
                        let similarity = jaccard(&sets[first], &sets[second]);
                        if similarity + EPSILON >= threshold {
                            expected.push((first, second));
                        }
                    }
                }
            }
            expected.sort();
            let found: Vec<_> = similar_pairs(&texts, threshold).iter().map(|p| (p.first, p.second)).collect();
            assert!(!expected.is_empty(), "the test data should have similar pairs at {threshold}");
            assert_eq!(found, expected, "threshold {threshold}");
        }
    }
}
