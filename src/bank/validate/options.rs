//! Rules about the answer options: how many, how many correct, what the stem says about it, their
//! rationales and text, and the length give-away.

use crate::bank::Diagnostic;
use crate::bank::parse::QuestionSource;

/// A correct option is flagged as a give-away when it is more than this many times as long as the
/// longest distractor...
pub const LONG_CORRECT_RATIO: f64 = 1.6;
/// ...and also more than this many characters longer. Together they let a precise answer be a few
/// words longer (80 against 60 characters passes) while catching the answer that is the only one
/// spelling out details (150 against 80 characters does not).
pub const LONG_CORRECT_MIN_EXTRA_CHARS: usize = 40;

/// Options are expected to be of comparable length: a warning when the longest is more than this many
/// times the shortest...
pub const SPREAD_RATIO: f64 = 2.5;
/// ...and also more than this many characters longer (so "0.6" against "0.625" passes).
pub const SPREAD_MIN_EXTRA_CHARS: usize = 40;

const MULTIPLE_CHOICE_OPTIONS: usize = 4;
const MULTIPLE_RESPONSE_MIN_OPTIONS: usize = 5;
const NUMBER_WORDS: [&str; 10] = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];

/// Multiple choice: one correct of exactly four. Multiple response: two or more correct of five or more.
pub fn option_count(source: &QuestionSource, found: &mut Vec<Diagnostic>) {
    let Some(first) = source.options.first() else {
        let line = source.explanation.as_ref().map_or(source.end_line, |e| e.line);
        let message = "the question has no options: add them after the stem as '- [ ] text' lines, \
                       and mark the correct one '- [x] text'";
        found.push(Diagnostic::error(&source.path, line, message));
        return;
    };
    let total = source.options.len();
    let correct = correct_count(source);
    let message = match correct {
        0 => "no option is marked correct: mark the right answer '- [x] '".to_string(),
        1 if total != MULTIPLE_CHOICE_OPTIONS => format!(
            "a multiple-choice question (one correct option) needs exactly {MULTIPLE_CHOICE_OPTIONS} options; \
             this one has {total}"
        ),
        2.. if total < MULTIPLE_RESPONSE_MIN_OPTIONS => format!(
            "{correct} options are marked correct, which makes this a multiple-response question; \
             it needs {MULTIPLE_RESPONSE_MIN_OPTIONS} or more options, this one has {total}"
        ),
        _ => return,
    };
    found.push(Diagnostic::error(&source.path, first.line, message));
}

/// A multiple-response stem says how many to choose ("Select TWO."), and any "Select N" in a
/// stem must match the number of correct options.
pub fn stated_selection(source: &QuestionSource, found: &mut Vec<Diagnostic>) {
    let correct = correct_count(source);
    if correct == 0 {
        return; // `option_count` reports it; any count the stem states would be wrong too.
    }
    let stated = source
        .stem
        .text
        .lines()
        .enumerate()
        .find_map(|(offset, line)| selection_in(line).map(|count| (count, source.stem.line + offset)));
    let message = match stated {
        None if correct >= 2 => format!(
            "{correct} options are marked correct, so the stem must say how many to choose: add \"Select {}.\"",
            number_word(correct)
        ),
        Some((count, line)) if count != correct => {
            let marked = if correct == 1 { "1 option is".to_string() } else { format!("{correct} options are") };
            let message = format!("the stem says \"Select {}\" but {marked} marked correct", number_word(count));
            found.push(Diagnostic::error(&source.path, line, message));
            return;
        }
        _ => return,
    };
    found.push(Diagnostic::error(&source.path, source.stem.line, message));
}

/// The number in "select <number word>" (any case) within one line.
fn selection_in(line: &str) -> Option<usize> {
    let mut after_select = false;
    for word in line.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if after_select && let Some(number) = NUMBER_WORDS.iter().position(|n| n.eq_ignore_ascii_case(word)) {
            return Some(number + 1);
        }
        after_select = word.eq_ignore_ascii_case("select");
    }
    None
}

/// "TWO" for 2, as stems spell it.
fn number_word(n: usize) -> String {
    NUMBER_WORDS.get(n.wrapping_sub(1)).map_or_else(|| n.to_string(), |word| word.to_uppercase())
}

/// Every option says why it is right or wrong.
pub fn rationales(source: &QuestionSource, found: &mut Vec<Diagnostic>) {
    for (number, option) in numbered(source) {
        if option.rationale.is_none() {
            let message = format!("option {number} has no rationale: add a line starting with '  > ' under it");
            found.push(Diagnostic::error(&source.path, option.line, message));
        }
    }
}

/// Options are non-empty and distinct (ignoring case and spacing).
pub fn option_texts(source: &QuestionSource, found: &mut Vec<Diagnostic>) {
    let normalised: Vec<String> = source.options.iter().map(|option| normalise(&option.text)).collect();
    for (number, option) in numbered(source) {
        let text = &normalised[number - 1];
        let message = if text.is_empty() {
            let marker = if option.correct { "- [x] " } else { "- [ ] " };
            format!("option {number} has no text: write the answer after '{marker}'")
        } else if let Some(earlier) = normalised[..number - 1].iter().position(|other| other == text) {
            format!("option {number} is the same as option {}", earlier + 1)
        } else {
            continue;
        };
        found.push(Diagnostic::error(&source.path, option.line, message));
    }
}

/// Warns when a correct option stands out by its length (see [`LONG_CORRECT_RATIO`]).
pub fn correct_option_length(source: &QuestionSource, found: &mut Vec<Diagnostic>) {
    let length = |text: &str| normalise(text).chars().count();
    let Some(longest_distractor) = source.options.iter().filter(|o| !o.correct).map(|o| length(&o.text)).max() else {
        return;
    };
    for (number, option) in numbered(source).filter(|(_, option)| option.correct) {
        let own = length(&option.text);
        if own as f64 > LONG_CORRECT_RATIO * longest_distractor as f64
            && own > longest_distractor + LONG_CORRECT_MIN_EXTRA_CHARS
        {
            let message = format!(
                "option {number} is correct and much longer than every distractor ({own} characters against at \
                 most {longest_distractor}): its length gives it away; shorten it or make the distractors as specific"
            );
            found.push(Diagnostic::warning(&source.path, option.line, message));
        }
    }
}

/// Warns when options differ wildly in length (see [`SPREAD_RATIO`]): a reader learns which are filler.
pub fn option_length_spread(source: &QuestionSource, found: &mut Vec<Diagnostic>) {
    let lengths: Vec<(usize, usize)> =
        numbered(source).map(|(number, option)| (normalise(&option.text).chars().count(), number)).collect();
    let (Some(&(longest, long_number)), Some(&(shortest, short_number))) =
        (lengths.iter().max(), lengths.iter().filter(|(len, _)| *len > 0).min())
    else {
        return;
    };
    if longest as f64 > SPREAD_RATIO * shortest as f64 && longest > shortest + SPREAD_MIN_EXTRA_CHARS {
        let line = source.options[long_number - 1].line;
        let message = format!(
            "the options differ wildly in length (option {long_number}: {longest} characters, option \
             {short_number}: {shortest}): make them comparable so that length tells nothing"
        );
        found.push(Diagnostic::warning(&source.path, line, message));
    }
}

fn correct_count(source: &QuestionSource) -> usize {
    source.options.iter().filter(|option| option.correct).count()
}

/// Options with their 1-based numbers, as authors count them.
fn numbered(source: &QuestionSource) -> impl Iterator<Item = (usize, &crate::bank::parse::OptionSource)> {
    source.options.iter().enumerate().map(|(index, option)| (index + 1, option))
}

/// Lower case with runs of whitespace made single spaces.
fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::validate::tests::{FORMAT_EXAMPLE, MULTIPLE_RESPONSE, check, edit, example_with};

    const OPTION_4: &str = "- [ ] Load the events into Amazon Redshift and point the analysts at it instead of Athena.\n  > A provisioned warehouse costs more to run and operate than converting the files Athena already reads.\n";

    #[test]
    fn finds_the_stated_selection_in_any_case() {
        assert_eq!(selection_in("Which steps should it take? (Select TWO.)"), Some(2));
        assert_eq!(selection_in("select three."), Some(3));
        assert_eq!(selection_in("Select the best option."), None);
        assert_eq!(selection_in("Which TWO steps?"), None);
    }

    #[test]
    fn warns_when_options_differ_wildly_in_length() {
        let short = "- [ ] Use Redshift.\n  > A provisioned warehouse costs more to run than converting the files.\n";
        let found = check(&example_with(OPTION_4, short));
        assert!(
            found
                .iter()
                .any(|m| m.contains("warning: the options differ wildly in length") && m.contains("option 4: 13")),
            "{found:?}"
        );
        assert!(check(FORMAT_EXAMPLE).is_empty(), "comparable lengths pass");
    }

    #[test]
    fn normalises_case_and_spacing() {
        assert_eq!(normalise("  Use  Amazon\nS3 "), "use amazon s3");
    }

    #[test]
    fn multiple_choice_needs_exactly_four_options() {
        let found = check(&example_with(OPTION_4, ""));
        let message = "a multiple-choice question (one correct option) needs exactly 4 options; this one has 3";
        assert_eq!(found, [format!("q.md:13: {message}")]);
        let fifth = "- [ ] Query the files with Amazon EMR instead.\n  > EMR is a cluster to run.\n";
        let found = check(&example_with(OPTION_4, &format!("{OPTION_4}{fifth}")));
        let message = "a multiple-choice question (one correct option) needs exactly 4 options; this one has 5";
        assert_eq!(found, [format!("q.md:13: {message}")]);
    }

    #[test]
    fn a_question_needs_a_correct_option() {
        let found = check(&example_with("- [x] Turn on", "- [ ] Turn on"));
        assert_eq!(found, ["q.md:13: no option is marked correct: mark the right answer '- [x] '"]);
    }

    #[test]
    fn multiple_response_needs_five_options() {
        let two_correct = example_with("- [ ] Run a nightly", "- [x] Run a nightly");
        let found =
            check(&edit(&two_correct, "Which solution meets these requirements?", "Which solutions? (Select TWO.)"));
        let message = "2 options are marked correct, which makes this a multiple-response question; \
                       it needs 5 or more options, this one has 4";
        assert_eq!(found, [format!("q.md:13: {message}")]);
    }

    #[test]
    fn multiple_response_stem_must_say_how_many() {
        let found = check(&edit(MULTIPLE_RESPONSE, " (Select TWO.)", ""));
        let message = "2 options are marked correct, so the stem must say how many to choose: add \"Select TWO.\"";
        assert_eq!(found, [format!("q.md:8: {message}")]);
    }

    #[test]
    fn stated_selection_must_match_the_correct_options() {
        let three_correct = edit(MULTIPLE_RESPONSE, "- [ ] Drop the income", "- [x] Drop the income");
        let found = check(&three_correct);
        assert_eq!(found, ["q.md:11: the stem says \"Select TWO\" but 3 options are marked correct"]);
        let found = check(&example_with("these requirements?", "these requirements? (select two)"));
        assert_eq!(found, ["q.md:11: the stem says \"Select TWO\" but 1 option is marked correct"]);
    }

    #[test]
    fn option_without_rationale() {
        let found = check(&example_with(
            "\n  > Parquet is columnar and compressed, so Athena reads only the columns a query needs; it is a setting, not code.",
            "",
        ));
        assert_eq!(found, ["q.md:15: option 2 has no rationale: add a line starting with '  > ' under it"]);
    }

    #[test]
    fn empty_option_text() {
        let found = check(&example_with(
            "- [ ] Run a nightly AWS Glue job that copies the JSON files into a second bucket with gzip compression.",
            "- [ ]",
        ));
        assert_eq!(found, ["q.md:17: option 3 has no text: write the answer after '- [ ] '"]);
    }

    #[test]
    fn duplicate_options_ignore_case_and_spacing() {
        let found = check(&example_with(
            "- [ ] Load the events into Amazon Redshift and point the analysts at it instead of Athena.",
            "- [ ] add an AWS Lambda function to the delivery stream\n  that rewrites each  record as CSV.",
        ));
        assert_eq!(found, ["q.md:19: option 4 is the same as option 1"]);
    }

    #[test]
    fn a_question_needs_options() {
        let stem_end = FORMAT_EXAMPLE.find("- [ ] Add").unwrap_or_default();
        let explanation = FORMAT_EXAMPLE.find("## Explanation").unwrap_or_default();
        let without_options = format!("{}{}", &FORMAT_EXAMPLE[..stem_end], &FORMAT_EXAMPLE[explanation..]);
        let message = "the question has no options: add them after the stem as '- [ ] text' lines, \
                       and mark the correct one '- [x] text'";
        assert_eq!(check(&without_options), [format!("q.md:13: {message}")]);
    }

    #[test]
    fn warns_when_the_correct_option_is_much_longer() {
        let long = "- [x] Turn on record format conversion to Apache Parquet in the Firehose delivery stream, using the \
                    schema of the table in the AWS Glue Data Catalog, and partition the output by date.";
        let found = check(&example_with(
            "- [x] Turn on record format conversion to Apache Parquet in the Firehose delivery stream.",
            long,
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("q.md:15: warning: option 2 is correct and much longer than every distractor (177 characters against at most 97)"),
            "{found:?}"
        );
    }

    #[test]
    fn a_somewhat_longer_correct_option_is_fine() {
        // 114 characters against 97: longer, but not a give-away.
        let longer = "- [x] Turn on record format conversion to Apache Parquet in the Firehose delivery stream, \
                      with the schema from AWS Glue.";
        assert_eq!(
            check(&example_with(
                "- [x] Turn on record format conversion to Apache Parquet in the Firehose delivery stream.",
                longer
            )),
            Vec::<String>::new()
        );
    }
}
