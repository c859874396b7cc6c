//! The bank as files: `mockexam bank export [DIR]` writes every live (and pilot) question's current version in the
//! bank's own format and layout (`<exam folder>/blueprint.toml`, `<exam folder>/questions/<task>/<id>.md`).
//! A question's text is the exact source of its version, so exporting an unchanged bank reproduces the
//! shipped files byte for byte and `git diff` shows exactly what was edited in the browser. Files whose
//! content is already right are not rewritten.

use std::fs;
use std::path::{Path, PathBuf};

use sqlx::PgPool;

use super::store;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ExportReport {
    pub exams: usize,
    pub questions: usize,
    /// Files created or changed.
    pub written: Vec<PathBuf>,
}

/// Writes the bank under `dir`. With `into_bank` (the folder the server syncs from), the questions are
/// recorded as exported, so the dashboard stops listing them as browser edits not yet exported.
pub async fn export(pool: &PgPool, dir: &Path, into_bank: bool) -> anyhow::Result<ExportReport> {
    let mut report = ExportReport::default();
    let exams = sqlx::query!("select code, dir_name, blueprint_toml from exams order by code").fetch_all(pool).await?;
    for exam in exams {
        let folder = dir.join(exam.dir_name.unwrap_or_else(|| exam.code.to_lowercase()));
        if let Some(blueprint) = exam.blueprint_toml {
            write_if_changed(&folder.join("blueprint.toml"), &blueprint, &mut report)?;
        }
        let questions = store::current_questions(pool, &exam.code, &["live", "pilot"]).await?;
        let mut exported = vec![];
        for q in &questions {
            let rel = q.path.to_string_lossy().replace('\\', "/");
            write_if_changed(&folder.join(&rel), &q.source, &mut report)?;
            exported.push((q.id.clone(), rel));
        }
        if into_bank {
            store::mark_exported(pool, &exam.code, &exported).await?;
        }
        report.exams += 1;
        report.questions += questions.len();
    }
    Ok(report)
}

fn write_if_changed(path: &Path, text: &str, report: &mut ExportReport) -> anyhow::Result<()> {
    if fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", parent.display()))?;
    }
    fs::write(path, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    report.written.push(path.to_path_buf());
    Ok(())
}
