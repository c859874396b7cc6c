//! Sharing a whole number of questions among parts by weight (domains of an exam, task
//! statements of a domain) with the largest-remainder method, and the one place that says how many
//! questions one mock draws from each domain and task statement ([`mock_needs`]).

use super::Blueprint;

/// Splits `total` into whole parts proportional to `weights`, summing to `total`.
///
/// Each part first gets the whole part of its exact share `total × weight / Σweights`; the
/// questions left over go one each to the largest remainders. Ties go to the larger weight, then
/// to the earlier part, so the result never depends on anything but the arguments.
/// With no weight at all (empty, or all zero) there is nothing to share by: every part gets 0.
pub fn apportion(total: u32, weights: &[u32]) -> Vec<u32> {
    let weight_sum: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    if weight_sum == 0 {
        return vec![0; weights.len()];
    }
    let exact = |w: u32| u64::from(total) * u64::from(w);
    // Whole parts fit in u32: each is at most `total`.
    let mut parts: Vec<u32> = weights.iter().map(|&w| (exact(w) / weight_sum) as u32).collect();
    let given: u32 = parts.iter().sum();

    // Remainders share the denominator `weight_sum`, so comparing numerators compares them exactly.
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let remainder = |i: usize| exact(weights[i]) % weight_sum;
        remainder(b).cmp(&remainder(a)).then(weights[b].cmp(&weights[a])).then(a.cmp(&b))
    });
    for &i in order.iter().take((total - given) as usize) {
        parts[i] += 1;
    }
    parts
}

/// What one mock exam draws: per domain (by weight) and per task statement (the domain's share
/// spread evenly over its tasks). Both use the largest-remainder method.
pub struct MockNeeds {
    pub per_domain: Vec<u32>,
    /// Per domain, per task, in blueprint order.
    pub per_task: Vec<Vec<u32>>,
}

pub fn mock_needs(blueprint: &Blueprint) -> MockNeeds {
    let weights: Vec<u32> = blueprint.domains.iter().map(|d| d.weight).collect();
    let per_domain = apportion(blueprint.question_count, &weights);
    let per_task = blueprint
        .domains
        .iter()
        .zip(&per_domain)
        .map(|(domain, &need)| apportion(need, &vec![1; domain.tasks.len()]))
        .collect();
    MockNeeds { per_domain, per_task }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mls_c01_domains_get_13_16_23_13_of_65() {
        assert_eq!(apportion(65, &[20, 24, 36, 20]), [13, 16, 23, 13]);
    }

    #[test]
    fn equal_weights_give_the_extra_to_the_earliest() {
        assert_eq!(apportion(10, &[1, 1, 1]), [4, 3, 3]);
        assert_eq!(apportion(13, &[1, 1, 1]), [5, 4, 4]);
        assert_eq!(apportion(23, &[1, 1, 1, 1, 1]), [5, 5, 5, 4, 4]);
    }

    #[test]
    fn equal_remainders_go_to_the_larger_weight_first() {
        // Exact shares 1.5 and 4.5: both remainders are one half; the larger weight wins.
        assert_eq!(apportion(6, &[1, 3]), [1, 5]);
        assert_eq!(apportion(6, &[3, 1]), [5, 1]);
    }

    #[test]
    fn zero_weights_get_nothing() {
        assert_eq!(apportion(10, &[0, 1, 1]), [0, 5, 5]);
        assert_eq!(apportion(10, &[0, 0]), [0, 0]);
        assert_eq!(apportion(10, &[]), Vec::<u32>::new());
    }

    #[test]
    fn nothing_to_share_gives_zeros() {
        assert_eq!(apportion(0, &[20, 24, 36, 20]), [0, 0, 0, 0]);
    }

    #[test]
    fn parts_always_sum_to_the_total() {
        for total in 0..200 {
            for weights in [&[7u32, 11, 13][..], &[1, 2, 3, 4, 5, 6], &[100], &[u32::MAX, u32::MAX, 1]] {
                assert_eq!(apportion(total, weights).iter().sum::<u32>(), total, "{total} {weights:?}");
            }
        }
    }
}
