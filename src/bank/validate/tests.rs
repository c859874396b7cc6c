//! One bad file per rule: each asserts the whole list of diagnostics, so a test also proves that
//! the rule fires alone, with its message, on the line of the offending element.

use std::path::Path;

use super::*;
use crate::bank::parse::parse_source;

/// The example of FORMAT.md, verbatim (checked by `format_md_shows_this_example`).
/// Lines: header 1–6, stem 7–11, options on 13, 15, 17, 19 with rationales below, `## Explanation` on 22.
pub(crate) const FORMAT_EXAMPLE: &str = r#"+++
id = "firehose-parquet-athena-cost"
task = "1.2"
services = ["Data Firehose", "S3", "Athena"]
difficulty = "medium"
+++
A retailer streams clickstream events as JSON through Amazon Data Firehose into Amazon S3.
Analysts query the data every day with Amazon Athena, and the query bill keeps growing. The team wants
the **LOWEST query cost** with the **LEAST operational overhead**.

Which solution meets these requirements?

- [ ] Add an AWS Lambda function to the delivery stream that rewrites each record as CSV.
  > CSV is still a row format, so Athena scans as many bytes as before, and the function is code to maintain.
- [x] Turn on record format conversion to Apache Parquet in the Firehose delivery stream.
  > Parquet is columnar and compressed, so Athena reads only the columns a query needs; it is a setting, not code.
- [ ] Run a nightly AWS Glue job that copies the JSON files into a second bucket with gzip compression.
  > Compression helps a little, but row-oriented JSON still forces full scans and the job adds a pipeline to run.
- [ ] Load the events into Amazon Redshift and point the analysts at it instead of Athena.
  > A provisioned warehouse costs more to run and operate than converting the files Athena already reads.

## Explanation
Athena charges by bytes scanned. Columnar formats such as Parquet or ORC let it read only the referenced
columns and skip row groups using statistics, which typically cuts the scanned bytes by an order of
magnitude. Firehose can convert incoming JSON to Parquet or ORC itself, using a schema from the AWS Glue
Data Catalog, so no extra code or jobs are needed.
"#;

/// A valid multiple-response question. Stem 8–11 ("Select TWO." on 11), options on 13–21.
pub(crate) const MULTIPLE_RESPONSE: &str = r#"+++
id = "income-skew-missing"
task = "2.1"
services = ["SageMaker Data Wrangler"]
difficulty = "hard"
references = ["https://docs.aws.amazon.com/sagemaker/latest/dg/data-wrangler.html"]
+++
A data scientist finds that 8% of the rows in a training dataset have no value in the `income`
column, and the values that exist are heavily right-skewed.

Which actions will prepare the column for a linear regression model? (Select TWO.)

- [x] Impute the missing values with the median income.
  > The median is robust to the skew, unlike the mean.
- [ ] Impute the missing values with the mean income.
  > The mean is pulled up by the long right tail.
- [X] Apply a log transformation to the income values.
  > A log transform reduces right skew, which suits a linear model.
- [ ] Drop the income column from the dataset.
  > Income may carry signal; 8% missing values is not a reason to drop it.
- [ ] One-hot encode the income values.
  > Income is continuous; one-hot encoding it would create a column per distinct value.

## Explanation
Median imputation and a log transform handle missing values and skew in a continuous feature.
"#;

pub(crate) use crate::bank::fixtures::mls_c01 as blueprint;

/// Every diagnostic for one file named `q.md`, as `path:line: message`.
pub(crate) fn check(text: &str) -> Vec<String> {
    let diagnostics = match parse_source(Path::new("q.md"), text) {
        Err(diagnostics) => diagnostics,
        Ok(source) => {
            let mut found = check_question(&source);
            check_task(&source, &blueprint(), &mut found);
            found
        }
    };
    diagnostics.iter().map(ToString::to_string).collect()
}

/// The example with one edit; fails loudly if the text to replace is not there.
pub(crate) fn edit(original: &str, from: &str, to: &str) -> String {
    assert!(original.contains(from), "the example has no {from:?}");
    original.replacen(from, to, 1)
}

pub(crate) fn example_with(from: &str, to: &str) -> String {
    edit(FORMAT_EXAMPLE, from, to)
}

#[test]
fn format_md_shows_this_example() {
    let format_md = include_str!("../../../question-bank/FORMAT.md");
    assert!(format_md.contains(FORMAT_EXAMPLE), "FORMAT.md's example and FORMAT_EXAMPLE differ");
}

#[test]
fn valid_examples_have_no_diagnostics() {
    assert_eq!(check(FORMAT_EXAMPLE), Vec::<String>::new());
    assert_eq!(check(MULTIPLE_RESPONSE), Vec::<String>::new());
}

#[test]
fn valid_examples_build_questions() {
    let source = parse_source(Path::new("q.md"), MULTIPLE_RESPONSE).unwrap_or_else(|d| panic!("{d:?}"));
    let question = build_question(&source).expect("a valid question");
    assert_eq!(question.difficulty, Difficulty::Hard);
    assert_eq!(question.references.len(), 1);
    assert_eq!(question.correct_count(), 2);
    assert!(question.is_multiple_response());
    assert_eq!(question.options[2].rationale, "A log transform reduces right skew, which suits a linear model.");
}

#[test]
fn unparsable_header_points_at_the_file_line() {
    let found = check(&example_with("task = \"1.2\"", "task = "));
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("q.md:3: the header is not valid TOML: "), "{found:?}");
}

#[test]
fn unparsable_body_points_at_the_stray_line() {
    let found = check(&example_with("\n## Explanation", "Note: this belongs nowhere.\n## Explanation"));
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("q.md:21: this line belongs to no option: "), "{found:?}");
}

#[test]
fn missing_required_key() {
    let lines = [
        ("id", "id = \"firehose-parquet-athena-cost\"\n"),
        ("task", "task = \"1.2\"\n"),
        ("services", "services = [\"Data Firehose\", \"S3\", \"Athena\"]\n"),
        ("difficulty", "difficulty = \"medium\"\n"),
    ];
    for (key, line) in lines {
        let message = format!("the header has no \"{key}\" key (required: id, task, services, difficulty)");
        assert_eq!(check(&example_with(line, "")), [format!("q.md:1: {message}")]);
    }
}

#[test]
fn unknown_task_statement() {
    let found = check(&example_with("task = \"1.2\"", "task = \"5.1\""));
    let message = "task \"5.1\" is not a task statement of the MLS-C01 blueprint \
                   (it has 1.1, 1.2, 1.3, 2.1, 2.2, 2.3, 3.1, 3.2, 3.3, 3.4, 3.5, 4.1, 4.2, 4.3, 4.4)";
    assert_eq!(found, [format!("q.md:3: {message}")]);
}

#[test]
fn task_must_be_a_string() {
    let found = check(&example_with("task = \"1.2\"", "task = 1.2"));
    let message = "task must be a string naming a task statement of the blueprint, e.g. task = \"1.2\"";
    assert_eq!(found, [format!("q.md:3: {message}")]);
}

#[test]
fn unknown_key() {
    let found = check(&example_with("difficulty = \"medium\"\n", "difficulty = \"medium\"\nlevel = 2\n"));
    let message =
        "unknown key \"level\" in the header: the keys are id, task, services, difficulty, references and status";
    assert_eq!(found, [format!("q.md:6: {message}")]);
}

#[test]
fn invalid_id_syntax() {
    let found = check(&example_with("\"firehose-parquet-athena-cost\"", "\"Firehose_Parquet\""));
    assert_eq!(found, ["q.md:2: id \"Firehose_Parquet\" may contain only lowercase letters, digits and '-'"]);
    let found = check(&example_with("\"firehose-parquet-athena-cost\"", "\"\""));
    assert_eq!(found, ["q.md:2: id is empty: give the question a name like \"firehose-parquet-athena-cost\""]);
}

#[test]
fn services_must_be_a_list_of_strings() {
    let found = check(&example_with("[\"Data Firehose\", \"S3\", \"Athena\"]", "\"S3\""));
    assert_eq!(found, ["q.md:4: services must be a list of strings, e.g. services = [\"S3\", \"Athena\"]"]);
    let found = check(&example_with("difficulty = \"medium\"\n", "difficulty = \"medium\"\nreferences = [1]\n"));
    let message = "references must be a list of strings, e.g. references = [\"https://docs.aws.amazon.com/...\"]";
    assert_eq!(found, [format!("q.md:6: {message}")]);
}

#[test]
fn invalid_difficulty() {
    let found = check(&example_with("\"medium\"", "\"Medium\""));
    assert_eq!(found, ["q.md:5: difficulty must be \"easy\", \"medium\" or \"hard\", not \"Medium\""]);
}

#[test]
fn missing_or_empty_explanation() {
    let without = FORMAT_EXAMPLE.split("\n## Explanation").next().unwrap_or_default();
    let message = "the question has no explanation: add a '## Explanation' heading after the options \
                   and say why the key is right";
    assert_eq!(check(without), [format!("q.md:20: {message}")]);
    let empty = format!("{without}\n## Explanation\n\n");
    let message = "the explanation is empty: say why the key is right and the concept behind it";
    assert_eq!(check(&empty), [format!("q.md:22: {message}")]);
}

#[test]
fn stem_must_not_be_empty() {
    let stem_start = FORMAT_EXAMPLE.find("A retailer").unwrap_or_default();
    let stem_end = FORMAT_EXAMPLE.find("- [ ] Add").unwrap_or_default();
    let without_stem = format!("{}{}", &FORMAT_EXAMPLE[..stem_start], &FORMAT_EXAMPLE[stem_end..]);
    let message =
        "the question has no stem: write the scenario and the question between the header and the first option";
    assert_eq!(check(&without_stem), [format!("q.md:7: {message}")]);
}
