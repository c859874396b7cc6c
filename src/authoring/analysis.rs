//! Item analysis: the classical test statistics that find bad questions, as Moodle's quiz statistics
//! compute them. Pure: the caller loads who answered what; the unit tests check figures worked out by hand.
//!
//! Every candidate's mock draws its own 65 questions from the bank, so a question's statistics come from
//! the sittings that had it, and each candidate's *rest of test* is the share of their other questions they
//! got right (the mark on the rest, as a fraction, so sittings of different lengths compare).
//!
//! - facility: the share of sittings that got the question right;
//! - standard deviation of the item's mark (0/1), with n − 1;
//! - discrimination index: the Pearson correlation of the item's mark with the rest-of-test mark;
//! - discriminative efficiency: the covariance of those two, divided by the largest covariance the two
//!   lists allow (both sorted the same way);
//! - each option's pick share overall and in the top and bottom thirds of candidates by their total;
//! - median seconds spent.
//!
//! For the exam: Cronbach's alpha over the answer positions (slots) of sittings with the same number of
//! questions, the error ratio √(1 − α), the standard error of measurement SD·√(1 − α) and the score
//! distribution.

/// One answer in a sitting.
#[derive(Debug, Clone)]
pub struct Response {
    /// Index into the items passed to [`analyse`].
    pub item: usize,
    pub correct: bool,
    /// File indexes of the chosen options (empty: not answered).
    pub chosen: Vec<usize>,
    pub seconds: u32,
    /// False for an unscored pilot: it gets its own figures but does not count in anyone's total.
    pub scored: bool,
}

/// One candidate's mock (by default the first finished one), its scored answers in position order.
#[derive(Debug, Clone, Default)]
pub struct Sitting {
    pub responses: Vec<Response>,
}

/// What the analysis needs to know about a question.
#[derive(Debug, Clone)]
pub struct Item {
    pub option_count: usize,
    /// File indexes of the correct options.
    pub key: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OptionStats {
    pub is_key: bool,
    /// Share of the item's sittings that chose it (0..1).
    pub share: f64,
    pub top: f64,
    pub bottom: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    TooEasy,
    TooHard,
    WeakDiscrimination,
    /// A distractor (file index) almost nobody picks.
    RareDistractor(usize),
    /// A distractor (file index) the top third picks more than the key.
    KeyMayBeWrong(usize),
}

impl Flag {
    /// A plain sentence for the analysis page.
    pub fn sentence(&self, s: &ItemStats) -> String {
        let letter = |i: usize| crate::format::letter(i);
        match *self {
            Flag::TooEasy => format!("Too easy: {:.0} % got it right.", s.facility * 100.0),
            Flag::TooHard => format!("Too hard: only {:.0} % got it right.", s.facility * 100.0),
            Flag::WeakDiscrimination => format!(
                "Weak or negative discrimination ({:+.2}): strong candidates do no better on it than weak ones.",
                s.discrimination.unwrap_or(0.0)
            ),
            Flag::RareDistractor(o) => format!(
                "Option {} is almost never chosen ({:.0} %): it distracts nobody.",
                letter(o),
                s.options[o].share * 100.0
            ),
            Flag::KeyMayBeWrong(o) => format!(
                "Key may be wrong: the top third chose option {} ({:.0} %) more often than the key.",
                letter(o),
                s.options[o].top * 100.0
            ),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Flag::TooEasy => "too-easy",
            Flag::TooHard => "too-hard",
            Flag::WeakDiscrimination => "weak-discrimination",
            Flag::RareDistractor(_) => "rare-distractor",
            Flag::KeyMayBeWrong(_) => "key-may-be-wrong",
        }
    }
}

impl ItemStats {
    /// Every flag as its plain sentence.
    pub fn sentences(&self) -> Vec<String> {
        self.flags.iter().map(|f| f.sentence(self)).collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemStats {
    pub n: usize,
    pub facility: f64,
    pub sd: f64,
    /// None when it cannot be computed (fewer than 2 sittings, or no spread).
    pub discrimination: Option<f64>,
    pub efficiency: Option<f64>,
    pub options: Vec<OptionStats>,
    pub median_seconds: Option<f64>,
    /// Empty below the minimum n.
    pub flags: Vec<Flag>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExamStats {
    pub sittings: usize,
    /// Mean and standard deviation of the share right (0..1).
    pub mean: f64,
    pub sd: f64,
    pub alpha: Option<f64>,
    pub error_ratio: Option<f64>,
    /// In marks (questions) of a sitting.
    pub sem: Option<f64>,
    /// Sittings per tenth of the score range (0–9 %, …, 90–100 %).
    pub histogram: [usize; 10],
}

pub const TOO_EASY: f64 = 0.90;
pub const TOO_HARD: f64 = 0.20;
pub const WEAK_DISCRIMINATION: f64 = 0.10;
pub const RARE_DISTRACTOR: f64 = 0.05;
/// Below this many answers a question's figures are shown without flags.
pub const DEFAULT_MIN_N: usize = 20;

pub struct Analysis {
    pub items: Vec<ItemStats>,
    pub exam: ExamStats,
}

pub fn analyse(items: &[Item], sittings: &[Sitting], min_n: usize) -> Analysis {
    // Each sitting's share right, and its rank thirds.
    let totals: Vec<(usize, usize)> = sittings
        .iter()
        .map(|s| {
            let scored = s.responses.iter().filter(|r| r.scored);
            (scored.clone().filter(|r| r.correct).count(), scored.count())
        })
        .collect();
    let share: Vec<f64> = totals.iter().map(|&(t, k)| if k == 0 { 0.0 } else { t as f64 / k as f64 }).collect();
    let mut order: Vec<usize> = (0..sittings.len()).collect();
    order.sort_by(|&a, &b| share[a].total_cmp(&share[b]));
    let third = sittings.len() / 3;
    let mut group = vec![0i8; sittings.len()]; // -1 bottom, 1 top
    for &i in &order[..third] {
        group[i] = -1;
    }
    for &i in &order[sittings.len() - third..] {
        group[i] = 1;
    }

    // Per item: (mark, rest share, chosen, seconds, group) of every sitting that had it.
    struct Obs<'a> {
        mark: f64,
        rest: f64,
        chosen: &'a [usize],
        seconds: u32,
        group: i8,
    }
    let mut per_item: Vec<Vec<Obs>> = (0..items.len()).map(|_| vec![]).collect();
    for (i, s) in sittings.iter().enumerate() {
        let (t, k) = totals[i];
        for r in &s.responses {
            let mark = f64::from(u8::from(r.correct));
            // The rest of the test: the sitting's other scored questions.
            let (others_right, others) = if r.scored { (t as f64 - mark, k.saturating_sub(1)) } else { (t as f64, k) };
            let rest = if others > 0 { others_right / others as f64 } else { 0.0 };
            per_item[r.item].push(Obs { mark, rest, chosen: &r.chosen, seconds: r.seconds, group: group[i] });
        }
    }

    let stats = items
        .iter()
        .zip(&per_item)
        .map(|(item, obs)| {
            let n = obs.len();
            let marks: Vec<f64> = obs.iter().map(|o| o.mark).collect();
            let rests: Vec<f64> = obs.iter().map(|o| o.rest).collect();
            let facility = mean(&marks);
            let share_of = |pick: &dyn Fn(&Obs) -> bool, o: usize| {
                let group: Vec<&Obs> = obs.iter().filter(|x| pick(x)).collect();
                if group.is_empty() {
                    0.0
                } else {
                    group.iter().filter(|x| x.chosen.contains(&o)).count() as f64 / group.len() as f64
                }
            };
            let options: Vec<OptionStats> = (0..item.option_count)
                .map(|o| OptionStats {
                    is_key: item.key.contains(&o),
                    share: share_of(&|_| true, o),
                    top: share_of(&|x| x.group == 1, o),
                    bottom: share_of(&|x| x.group == -1, o),
                })
                .collect();
            let mut seconds: Vec<f64> =
                obs.iter().filter(|o| !o.chosen.is_empty()).map(|o| f64::from(o.seconds)).collect();
            let mut s = ItemStats {
                n,
                facility,
                sd: sample_sd(&marks),
                discrimination: pearson(&marks, &rests),
                efficiency: efficiency(&marks, &rests),
                options,
                median_seconds: median(&mut seconds),
                flags: vec![],
            };
            if n >= min_n {
                s.flags = flags(&s);
            }
            s
        })
        .collect();

    Analysis { items: stats, exam: exam_stats(sittings, &share) }
}

fn flags(s: &ItemStats) -> Vec<Flag> {
    let mut out = vec![];
    if s.facility > TOO_EASY {
        out.push(Flag::TooEasy);
    }
    if s.facility < TOO_HARD {
        out.push(Flag::TooHard);
    }
    if s.discrimination.is_some_and(|d| d < WEAK_DISCRIMINATION) {
        out.push(Flag::WeakDiscrimination);
    }
    let key_top = s.options.iter().filter(|o| o.is_key).map(|o| o.top).fold(f64::INFINITY, f64::min);
    for (i, o) in s.options.iter().enumerate().filter(|(_, o)| !o.is_key) {
        if o.share < RARE_DISTRACTOR {
            out.push(Flag::RareDistractor(i));
        }
        if o.top > key_top {
            out.push(Flag::KeyMayBeWrong(i));
        }
    }
    out
}

fn exam_stats(sittings: &[Sitting], share: &[f64]) -> ExamStats {
    let mut histogram = [0usize; 10];
    for &s in share {
        histogram[((s * 10.0).floor() as usize).min(9)] += 1;
    }
    // Alpha over slots, among the sittings of the most common length.
    let scored: Vec<Vec<f64>> = sittings
        .iter()
        .map(|s| s.responses.iter().filter(|r| r.scored).map(|r| f64::from(u8::from(r.correct))).collect())
        .collect();
    let mut lengths = std::collections::HashMap::new();
    for s in &scored {
        *lengths.entry(s.len()).or_insert(0usize) += 1;
    }
    let k = lengths.into_iter().max_by_key(|&(len, count)| (count, len)).map_or(0, |(len, _)| len);
    let rows: Vec<Vec<f64>> = scored.into_iter().filter(|s| s.len() == k).collect();
    let alpha = cronbach_alpha(&rows);
    let sd_total = sample_sd(&rows.iter().map(|r| r.iter().sum()).collect::<Vec<f64>>());
    let sem = alpha.map(|a| sd_total * (1.0 - a).max(0.0).sqrt());
    ExamStats {
        sittings: sittings.len(),
        mean: mean(share),
        sd: sample_sd(share),
        alpha,
        error_ratio: alpha.map(|a| (1.0 - a).max(0.0).sqrt()),
        sem,
        histogram,
    }
}

/// Cronbach's alpha of a table of scores (one row per person, one column per item or slot):
/// k/(k−1) · (1 − Σ item variances / variance of the totals). None for fewer than 2 rows or columns, or no
/// spread in the totals.
pub fn cronbach_alpha(rows: &[Vec<f64>]) -> Option<f64> {
    let k = rows.first().map_or(0, Vec::len);
    if k < 2 || rows.len() < 2 || rows.iter().any(|r| r.len() != k) {
        return None;
    }
    let totals: Vec<f64> = rows.iter().map(|r| r.iter().sum()).collect();
    let var_total = sample_var(&totals);
    let item_var: f64 = (0..k).map(|j| sample_var(&rows.iter().map(|r| r[j]).collect::<Vec<_>>())).sum();
    (var_total > 0.0).then(|| k as f64 / (k as f64 - 1.0) * (1.0 - item_var / var_total))
}

fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() { 0.0 } else { xs.iter().sum::<f64>() / xs.len() as f64 }
}

fn sample_var(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = mean(xs);
    xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64
}

fn sample_sd(xs: &[f64]) -> f64 {
    sample_var(xs).sqrt()
}

fn covariance(xs: &[f64], ys: &[f64]) -> f64 {
    let (mx, my) = (mean(xs), mean(ys));
    xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum::<f64>() / (xs.len() - 1) as f64
}

fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let (sx, sy) = (sample_sd(xs), sample_sd(ys));
    (sx > 0.0 && sy > 0.0).then(|| covariance(xs, ys) / (sx * sy))
}

/// Covariance over the largest covariance the two lists allow: both sorted ascending and paired.
fn efficiency(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let mut sx = xs.to_vec();
    let mut sy = ys.to_vec();
    sx.sort_by(f64::total_cmp);
    sy.sort_by(f64::total_cmp);
    let max = covariance(&sx, &sy);
    (max > 0.0).then(|| covariance(xs, ys) / max)
}

/// The median (sorts `xs`); None when empty.
pub fn median(xs: &mut [f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let m = xs.len() / 2;
    Some(if xs.len().is_multiple_of(2) { (xs[m - 1] + xs[m]) / 2.0 } else { xs[m] })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    /// Five candidates, the same three items in the same slots; marks:
    ///   c1: 1 1 1   c2: 1 1 0   c3: 1 0 0   c4: 0 1 0   c5: 0 0 0
    /// Item 0 chosen options: right = option 0, wrong picks option 1 (c4) and option 2 (c5).
    fn worked() -> (Vec<Item>, Vec<Sitting>) {
        let items = vec![Item { option_count: 4, key: vec![0] }; 3];
        let marks = [[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 0]];
        let wrong_pick = [1, 1, 1, 1, 2];
        let sittings = marks
            .iter()
            .enumerate()
            .map(|(c, row)| Sitting {
                responses: row
                    .iter()
                    .enumerate()
                    .map(|(item, &m)| Response {
                        item,
                        correct: m == 1,
                        chosen: vec![if m == 1 { 0 } else { wrong_pick[c] }],
                        seconds: 10 * (c as u32 + 1),
                        scored: true,
                    })
                    .collect(),
            })
            .collect();
        (items, sittings)
    }

    #[test]
    fn facility_sd_and_discrimination_by_hand() {
        let (items, sittings) = worked();
        let a = analyse(&items, &sittings, 0);
        let s = &a.items[0];
        assert_eq!(s.n, 5);
        close(s.facility, 0.6);
        // marks 1,1,1,0,0: var = (3·0.16 + 2·0.36)/4 = 0.3
        close(s.sd, 0.3f64.sqrt());
        // rest shares: c1 2/2, c2 1/2, c3 0/2, c4 1/2, c5 0/2 → 1, .5, 0, .5, 0 (mean .4)
        // cov(x, rest) = Σ(x-.6)(r-.4)/4 = (.4·.6 + .4·.1 + .4·-.4 + -.6·.1 + -.6·-.4)/4 = .3/4 = .075
        // sd(rest): Σ(r-.4)² = .36+.01+.16+.01+.16 = .7 → var .175
        close(s.discrimination.unwrap(), 0.075 / (0.3f64.sqrt() * 0.175f64.sqrt()));
        // sorted x: 0,0,1,1,1; sorted rest: 0,0,.5,.5,1 → cov = (-.6·-.4·2 + .4·.1·2 + .4·.6)/4 = .8/4 = .2
        close(s.efficiency.unwrap(), 0.075 / 0.2);
        close(s.median_seconds.unwrap(), 30.0);
    }

    #[test]
    fn option_shares_overall_and_by_thirds() {
        let (items, sittings) = worked();
        let a = analyse(&items, &sittings, 0);
        let o = &a.items[0].options;
        close(o[0].share, 0.6);
        close(o[1].share, 0.2);
        close(o[2].share, 0.2);
        close(o[3].share, 0.0);
        // Thirds of 5 are 1 each: top = c1 (3/3), bottom = c5 (0/3).
        close(o[0].top, 1.0);
        close(o[2].bottom, 1.0);
        close(o[0].bottom, 0.0);
    }

    #[test]
    fn cronbach_alpha_error_ratio_and_sem_by_hand() {
        let (items, sittings) = worked();
        let e = analyse(&items, &sittings, 0).exam;
        // totals 3,2,1,1,0: mean 1.4, var = (2.56+.36+.16+.16+1.96)/4 = 1.3
        // slot vars: item0 .3, item1 (1,1,0,1,0) .3, item2 (1,0,0,0,0) .2 → Σ .8
        let alpha = 1.5 * (1.0 - 0.8 / 1.3);
        close(e.alpha.unwrap(), alpha);
        close(e.error_ratio.unwrap(), (1.0 - alpha).sqrt());
        close(e.sem.unwrap(), 1.3f64.sqrt() * (1.0 - alpha).sqrt());
        // shares 1, .67, .33, .33, 0
        assert_eq!(e.histogram, [1, 0, 0, 2, 0, 0, 1, 0, 0, 1]);
    }

    #[test]
    fn alpha_of_a_guttman_pattern_by_hand() {
        // Respondents 1111 / 1110 / 1100 / 1000 / 0000: item variances .2,.3,.3,.2 (Σ 1.0), totals 4..0 with
        // variance 2.5 → α = 4/3 · (1 − 1/2.5) = 0.8.
        let rows: Vec<Vec<f64>> = (0..5).map(|r| (0..4).map(|i| f64::from(u8::from(i < 4 - r))).collect()).collect();
        close(cronbach_alpha(&rows).unwrap(), 0.8);
    }

    #[test]
    fn alpha_of_a_published_example() {
        // The three-item, five-respondent example of askan.ai's "How is Cronbach alpha coefficient
        // calculated": item variances .7, .8, .7 (Σ 2.2), totals 10, 9, 13, 8, 12 (variance 4.3),
        // α = 3/2 · (1 − 2.2/4.3) = 0.7326.
        let rows = vec![
            vec![3.0, 4.0, 3.0],
            vec![2.0, 3.0, 4.0],
            vec![4.0, 4.0, 5.0],
            vec![3.0, 2.0, 3.0],
            vec![4.0, 4.0, 4.0],
        ];
        let alpha = cronbach_alpha(&rows).unwrap();
        close(alpha, 1.5 * (1.0 - 2.2 / 4.3));
        assert!((alpha - 0.7326).abs() < 5e-5);
        assert_eq!(cronbach_alpha(&rows[..1]), None);
    }

    #[test]
    fn each_flag_fires_on_its_pattern_and_not_below_the_minimum_n() {
        // 30 candidates. Item 0: the top third picks option 1 while the key is 0 (key wrong);
        // option 3 is never picked. Item 1: everybody right (too easy). Item 2: nobody right (too hard).
        let items = vec![Item { option_count: 4, key: vec![0] }; 5];
        let sittings: Vec<Sitting> = (0..30)
            .map(|c| {
                let strong = c >= 20;
                let item0 = if strong {
                    1
                } else if c % 2 == 0 {
                    0
                } else {
                    2
                };
                Sitting {
                    responses: vec![
                        Response { item: 0, correct: item0 == 0, chosen: vec![item0], seconds: 5, scored: true },
                        Response { item: 1, correct: true, chosen: vec![0], seconds: 5, scored: true },
                        Response { item: 2, correct: false, chosen: vec![1], seconds: 5, scored: true },
                        // Two more items that make the strong candidates strong.
                        Response { item: 3, correct: strong, chosen: vec![0], seconds: 5, scored: true },
                        Response { item: 4, correct: strong, chosen: vec![0], seconds: 5, scored: true },
                    ],
                }
            })
            .collect();
        let a = analyse(&items, &sittings, 20);
        let f0 = &a.items[0].flags;
        assert!(f0.contains(&Flag::KeyMayBeWrong(1)), "{f0:?}");
        assert!(f0.contains(&Flag::RareDistractor(3)), "{f0:?}");
        assert!(f0.contains(&Flag::WeakDiscrimination), "{f0:?}");
        assert!(a.items[2].flags.contains(&Flag::TooHard));
        assert!(a.items[1].flags.contains(&Flag::TooEasy));
        let s = &a.items[0];
        assert!(Flag::KeyMayBeWrong(1).sentence(s).contains("option B"));
        let few = analyse(&items, &sittings[..10], 20);
        assert!(few.items.iter().all(|i| i.flags.is_empty()), "hidden below the minimum n");
    }

    #[test]
    fn too_easy_is_above_ninety_percent() {
        let items = vec![Item { option_count: 4, key: vec![0] }];
        let sittings: Vec<Sitting> = (0..20)
            .map(|c| Sitting {
                responses: vec![Response {
                    item: 0,
                    correct: c > 0,
                    chosen: vec![usize::from(c == 0)],
                    seconds: 1,
                    scored: true,
                }],
            })
            .collect();
        assert!(analyse(&items, &sittings, 20).items[0].flags.contains(&Flag::TooEasy));
    }
}
