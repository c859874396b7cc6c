//! Test data in one place: the shipped bank and its blueprint, and small banks built from it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub fn shipped_bank_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("question-bank")
}

/// The shipped MLS-C01 `blueprint.toml`, as text.
pub fn blueprint_text() -> String {
    std::fs::read_to_string(shipped_bank_dir().join("mls-c01/blueprint.toml")).expect("shipped blueprint")
}

/// Makes `dir` an exam folder with the shipped blueprint and an empty `questions/`; returns `questions/`.
pub fn exam_dir_with_blueprint(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("questions")).unwrap();
    std::fs::write(dir.join("blueprint.toml"), blueprint_text()).unwrap();
    dir.join("questions")
}

/// A generated bank of `questions` valid questions under the shipped blueprint, in `dir`.
pub fn synthetic_bank(dir: &Path, questions: usize) {
    mockexam::bank::synthetic::generate_synthetic_bank(dir, &blueprint_text(), questions).expect("generate bank");
}

/// The shipped bank, loaded once per test binary (it must load without errors).
pub fn shipped_bank() -> &'static mockexam::bank::Bank {
    static BANK: OnceLock<mockexam::bank::Bank> = OnceLock::new();
    BANK.get_or_init(|| {
        let (bank, diagnostics) = mockexam::bank::load(&shipped_bank_dir());
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.severity == mockexam::bank::Severity::Error)
            .map(|d| d.to_string())
            .collect();
        assert!(errors.is_empty(), "shipped bank has errors:\n{}", errors.join("\n"));
        bank
    })
}
