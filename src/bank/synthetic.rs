//! A generated bank of valid, distinct questions, for measuring how long loading and checking a
//! large bank takes (the target: 10,000 questions in under a second, release build).

use std::fs;
use std::io;
use std::path::Path;

use super::blueprint::parse_blueprint;

/// Words the generated text is drawn from; long enough that two generated stems share almost no
/// three-word phrase, so the near-duplicate check has real work but nothing to report.
#[rustfmt::skip]
const WORDS: [&str; 96] = [
    "accuracy", "agent", "alarm", "analyst", "anomaly", "archive", "audit", "autoscaling", "batch",
    "bias", "bucket", "budget", "catalog", "checkpoint", "classifier", "cluster", "column",
    "compliance", "container", "cost", "crawler", "dashboard", "dataset", "deadline", "drift",
    "embedding", "encryption", "endpoint", "epoch", "event", "experiment", "feature", "forecast",
    "fraud", "gradient", "graph", "image", "imbalance", "index", "inference", "job", "kernel", "label",
    "lake", "latency", "layer", "lineage", "log", "loss", "marketplace", "metric", "model", "monitor",
    "network", "notebook", "outlier", "partition", "pipeline", "policy", "precision", "prediction",
    "queue", "recall", "record", "region", "registry", "replica", "report", "retailer", "role",
    "sample", "scaler", "schema", "sensor", "shard", "snapshot", "spot", "stream", "subnet", "table",
    "tensor", "threshold", "token", "topic", "trainer", "transcript", "trigger", "tuning", "upload",
    "variance", "vector", "video", "volume", "warehouse", "weight", "workflow",
];

/// Writes `blueprint_src` as `dir/blueprint.toml` and `n` valid questions, spread round-robin
/// over the blueprint's task statements, as `dir/questions/<task>/<id>.md`. Every eighth
/// question is multiple response; keys move around the option positions.
pub fn generate_synthetic_bank(dir: &Path, blueprint_src: &str, n: usize) -> io::Result<()> {
    let blueprint = parse_blueprint(&dir.join("blueprint.toml"), blueprint_src).map_err(|problems| {
        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        io::Error::new(io::ErrorKind::InvalidInput, messages.join("\n"))
    })?;
    let tasks: Vec<&str> = blueprint.tasks().map(|(_, task)| task.id.as_str()).collect();
    fs::create_dir_all(dir)?;
    fs::write(dir.join("blueprint.toml"), blueprint_src)?;
    for task in &tasks {
        fs::create_dir_all(dir.join("questions").join(task))?;
    }
    for index in 0..n {
        let task = tasks[index % tasks.len()];
        let path = dir.join("questions").join(task).join(format!("{}.md", synthetic_id(index)));
        fs::write(path, synthetic_question(index, task))?;
    }
    Ok(())
}

fn synthetic_id(index: usize) -> String {
    format!("synthetic-{index:05}")
}

/// The text of generated question number `index`, filed under `task`.
fn synthetic_question(index: usize, task: &str) -> String {
    let mut words = Words(index as u64 ^ 0x5eed_0fba_4c00);
    let multiple_response = index % 8 == 7;
    let (option_count, keys) =
        if multiple_response { (5, vec![index % 5, (index + 2) % 5]) } else { (4, vec![index % 4]) };
    let difficulty = ["easy", "medium", "medium", "hard"][index % 4];
    let question = if multiple_response {
        "Which actions meet these requirements? (Select TWO.)"
    } else {
        "Which solution meets these requirements?"
    };
    let mut text = format!(
        "+++\nid = \"{}\"\ntask = \"{task}\"\nservices = [\"SageMaker\", \"S3\"]\ndifficulty = \"{difficulty}\"\n+++\n",
        synthetic_id(index)
    );
    text.push_str(&format!(
        "A {} team {}.\nThe {} must {}.\n\n{question}\n\n",
        words.take(2),
        words.take(14),
        words.take(2),
        words.take(12)
    ));
    for option in 0..option_count {
        let mark = if keys.contains(&option) { "x" } else { " " };
        text.push_str(&format!(
            "- [{mark}] Option {} uses the {}.\n  > {}.\n",
            option + 1,
            words.take(9),
            words.take(12)
        ));
    }
    text.push_str(&format!("\n## Explanation\nThe {} explains the {}.\n", words.take(10), words.take(10)));
    text
}

/// A deterministic word stream (SplitMix64), so a generated bank is the same on every run.
struct Words(u64);

impl Words {
    fn next(&mut self) -> &'static str {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        WORDS[((z ^ (z >> 31)) % WORDS.len() as u64) as usize]
    }

    fn take(&mut self, n: usize) -> String {
        (0..n).map(|_| self.next()).collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::load;

    use crate::bank::fixtures::MLS_C01;

    #[test]
    fn generates_a_valid_bank_of_distinct_questions() {
        let dir = tempfile::tempdir().expect("temp dir");
        generate_synthetic_bank(dir.path(), MLS_C01, 120).expect("generate");
        let (bank, diagnostics) = load(dir.path());
        let shown: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(shown, Vec::<String>::new());
        let questions = &bank.exams[0].questions;
        assert_eq!(questions.len(), 120);
        assert_eq!(questions.iter().filter(|q| q.is_multiple_response()).count(), 15);
        let mut hashes: Vec<String> = questions.iter().map(|q| q.content_hash()).collect();
        hashes.sort();
        hashes.dedup();
        assert_eq!(hashes.len(), 120);
    }

    #[test]
    fn is_deterministic() {
        assert_eq!(synthetic_question(42, "3.2"), synthetic_question(42, "3.2"));
        assert_ne!(synthetic_question(42, "3.2"), synthetic_question(43, "3.2"));
    }

    #[test]
    fn rejects_an_invalid_blueprint() {
        let dir = tempfile::tempdir().expect("temp dir");
        let error = generate_synthetic_bank(dir.path(), "code = 1", 3).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }
}
