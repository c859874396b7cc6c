//! A fingerprint of a question's content, so the database sync can tell edited questions from
//! unchanged ones without comparing every field.

use sha2::{Digest, Sha256};

use super::Question;

/// Bumped only if the serialisation below changes; every stored hash then changes once.
const VERSION: &[u8] = b"mockexam-question-v1";

/// Hex SHA-256 over a canonical serialisation of every field except `path` and `line`.
///
/// Each field is written as a tag byte and a length-prefixed value (lists as a count, then their
/// items), so no two different questions serialise to the same bytes: moving text from one field
/// to the next, or splitting one option into two, changes the hash.
pub fn content_hash(question: &Question) -> String {
    let mut hasher = Sha256::new();
    hasher.update(VERSION);
    field(&mut hasher, b'i', &question.id);
    field(&mut hasher, b't', &question.task);
    list(&mut hasher, b's', &question.services);
    field(&mut hasher, b'd', question.difficulty.as_str());
    list(&mut hasher, b'r', &question.references);
    field(&mut hasher, b'q', &question.stem);
    count(&mut hasher, b'o', question.options.len());
    for option in &question.options {
        field(&mut hasher, b'c', if option.correct { "x" } else { " " });
        field(&mut hasher, b'a', &option.text);
        field(&mut hasher, b'w', &option.rationale);
    }
    field(&mut hasher, b'e', &question.explanation);
    hex::encode(hasher.finalize())
}

fn count(hasher: &mut Sha256, tag: u8, n: usize) {
    hasher.update([tag]);
    hasher.update((n as u64).to_le_bytes());
}

fn field(hasher: &mut Sha256, tag: u8, value: &str) {
    count(hasher, tag, value.len());
    hasher.update(value.as_bytes());
}

fn list(hasher: &mut Sha256, tag: u8, values: &[String]) {
    count(hasher, tag, values.len());
    for value in values {
        field(hasher, b'.', value);
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::bank::{AnswerOption, Difficulty};

    fn question() -> Question {
        let option = |text: &str, correct| AnswerOption { text: text.into(), rationale: "because".into(), correct };
        Question {
            id: "q".into(),
            task: "1.1".into(),
            services: vec!["S3".into(), "Athena".into()],
            difficulty: Difficulty::Medium,
            references: vec![],
            stem: "Which?".into(),
            options: vec![option("a", true), option("b", false), option("c", false), option("d", false)],
            explanation: "Because.".into(),
            path: PathBuf::from("a.md"),
            line: 1,
            source: String::new(),
            pilot: false,
        }
    }

    #[test]
    fn is_hex_sha256_and_ignores_the_location() {
        let original = question();
        let hash = original.content_hash();
        assert_eq!(hash.len(), 64);
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
        let moved = Question { path: PathBuf::from("elsewhere/b.md"), line: 9, ..question() };
        assert_eq!(moved.content_hash(), hash);
    }

    #[test]
    fn changes_when_any_content_changes() {
        let hash = question().content_hash();
        let edits: Vec<fn(&mut Question)> = vec![
            |q| q.id.push('x'),
            |q| q.task = "1.2".into(),
            |q| {
                q.services.pop();
            },
            |q| q.difficulty = Difficulty::Hard,
            |q| q.references.push("https://docs.aws.amazon.com/".into()),
            |q| q.stem.push('!'),
            |q| q.options[0].correct = false,
            |q| q.options[1].text.push('!'),
            |q| q.options[2].rationale.push('!'),
            |q| q.options.swap(0, 1),
            |q| q.explanation.push('!'),
            // The same characters in a different split between two services.
            |q| q.services = vec!["S3A".into(), "thena".into()],
        ];
        for (i, edit) in edits.into_iter().enumerate() {
            let mut edited = question();
            edit(&mut edited);
            assert_ne!(edited.content_hash(), hash, "edit {i} kept the hash");
        }
    }
}
