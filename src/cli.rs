//! Subcommands: `serve`, `user add|grant`, `bank check|stats|export|import|gift-export|gift-import`, `bench`.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::accounts::{self, Email, NewPassword, Role};
use crate::bank;
use crate::config::{DatabaseArgs, ServeArgs, Settings};
use crate::db::Database;

#[derive(Parser)]
#[command(name = "mockexam", version, about = "Timed mock exams and drills for AWS MLS-C01")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web app (the default database is a private PostgreSQL started from the installed binaries).
    Serve {
        #[command(flatten)]
        serve: ServeArgs,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Check the question bank and show its coverage; export, import, GIFT.
    Bank {
        #[command(subcommand)]
        command: BankCommand,
    },

    /// Benchmarks (print their figures; they are not tests).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password is read from the first line of standard input.
    Add {
        email: String,
        #[arg(long, default_value = "student", value_parser = ["student", "instructor"])]
        role: String,
    },
    /// Give an existing account a role: `mockexam user grant EMAIL instructor`.
    Grant {
        email: String,
        #[arg(value_parser = ["student", "instructor"])]
        role: String,
    },
}

#[derive(Subcommand)]
enum BankCommand {
    /// Report every problem in the bank as `path:line: message`; exit non-zero on any error.
    Check {
        #[arg(default_value = "question-bank")]
        dir: PathBuf,
    },
    /// Questions per domain and task statement against one full mock, and how the keys are spread.
    Stats {
        #[arg(default_value = "question-bank")]
        dir: PathBuf,
    },
    /// Write every live question (current version) as files in the bank's format and layout. Into the
    /// bank folder (the default), the questions are also marked exported.
    Export {
        /// Where to write (default: the bank folder, `--bank`).
        dir: Option<PathBuf>,
        #[arg(long, env = "MOCKEXAM_BANK", default_value = "question-bank")]
        bank: PathBuf,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Take every question file in DIR whose content is new (checked like `bank check`; nothing is taken
    /// when a file has an error). Retires nothing; files older than a browser edit are skipped and listed.
    Import {
        #[arg(default_value = "question-bank")]
        dir: PathBuf,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Write the live questions of an exam as GIFT (Moodle) to FILE, or standard output.
    GiftExport {
        file: Option<PathBuf>,
        /// Exam code (default: the first).
        #[arg(long)]
        exam: Option<String>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Import a GIFT file: every problem is reported with its line, and nothing is imported unless the
    /// whole file is valid.
    GiftImport {
        file: PathBuf,
        #[arg(long)]
        exam: Option<String>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Load + check time for a generated bank (default 10,000 questions).
    Bank {
        #[arg(long, default_value_t = 10_000)]
        questions: usize,
    },
    /// Candidates taking full mocks against the app, beside a bare axum + sqlx + askama baseline.
    Load(crate::bench::load::LoadArgs),
    /// Item analysis of N seeded finished mocks (default 10,000), beside loading the same rows bare.
    Analysis(crate::bench::analysis::AnalysisArgs),
    /// The progress page (50 mocks, 5,000 drill answers) and a 200-member cohort page, beside /healthz.
    Progress(crate::bench::progress::ProgressArgs),
}

impl Cli {
    /// Benchmarks log warnings only (unless `RUST_LOG` says otherwise).
    pub fn is_bench(&self) -> bool {
        matches!(self.command, Command::Bench { .. })
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { serve, db } => crate::server::serve(Settings::from_args(&serve), db).await,
        Command::User { command, db } => user(command, db).await,
        Command::Bank { command: BankCommand::Check { dir } } => Ok(check(&dir)),
        Command::Bank { command: BankCommand::Stats { dir } } => Ok(stats(&dir)),
        Command::Bank { command } => questions(command).await,
        Command::Bench { command: BenchCommand::Bank { questions } } => crate::bench::bank(questions),
        Command::Bench { command: BenchCommand::Load(args) } => crate::bench::load::load(args).await,
        Command::Bench { command: BenchCommand::Analysis(args) } => crate::bench::analysis::run(args).await,
        Command::Bench { command: BenchCommand::Progress(args) } => crate::bench::progress::run(args).await,
    }
}

fn check(dir: &Path) -> ExitCode {
    if bank::load_and_report(dir).is_some() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn stats(dir: &Path) -> ExitCode {
    let (loaded, diagnostics) = bank::load(dir);
    let errors = diagnostics.iter().filter(|d| d.severity == bank::Severity::Error).count();
    for exam in &loaded.exams {
        println!("{}", bank::stats::stats_table(exam));
    }
    if errors > 0 {
        eprintln!("note: {errors} question file(s) with errors are not counted; run `mockexam bank check`");
    }
    ExitCode::SUCCESS
}

async fn user(command: UserCommand, db: DatabaseArgs) -> anyhow::Result<ExitCode> {
    let database = Database::open(db.database_url.as_deref(), &db.data_dir).await?;
    let result = match command {
        UserCommand::Add { email, role } => {
            let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
            eprintln!("Password for {} (one line on standard input):", email.as_str());
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            let password =
                NewPassword::parse(line.trim_end_matches(['\r', '\n']), email.as_str()).map_err(anyhow::Error::msg)?;
            let role = Role::parse(&role).expect("clap checked the role");
            match accounts::create(&database.pool, &email, &password, role).await {
                Ok(user) => {
                    println!("created {} ({})", user.email, user.role.as_str());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        UserCommand::Grant { email, role } => {
            let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
            let role = Role::parse(&role).expect("clap checked the role");
            if accounts::grant(&database.pool, &email, role).await? {
                println!("{} is now {}", email.as_str(), role.as_str());
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("error: no account with email {}", email.as_str());
                Ok(ExitCode::FAILURE)
            }
        }
    };
    database.close().await;
    result
}

/// The bank commands that work on the database.
async fn questions(command: BankCommand) -> anyhow::Result<ExitCode> {
    use crate::authoring::{export, gift, store};
    // Files are checked before the database is opened, so a broken bank reports nothing else.
    let to_import = match &command {
        BankCommand::Import { dir, .. } => match bank::load_and_report(dir) {
            Some(bank) => Some(bank),
            None => {
                eprintln!("error: nothing imported; fix the files (see above) and run again");
                return Ok(ExitCode::FAILURE);
            }
        },
        _ => None,
    };
    let db = match &command {
        BankCommand::Export { db, .. }
        | BankCommand::Import { db, .. }
        | BankCommand::GiftExport { db, .. }
        | BankCommand::GiftImport { db, .. } => db.clone(),
        BankCommand::Check { .. } | BankCommand::Stats { .. } => unreachable!("handled by run"),
    };
    let database = Database::open(db.database_url.as_deref(), &db.data_dir).await?;
    let pool = &database.pool;
    let exam_code = |wanted: Option<String>| async move {
        let all = bank::store::exams(pool).await?;
        let code = wanted.or_else(|| all.first().map(|e| e.code.clone()));
        let code = code.filter(|c| all.iter().any(|e| &e.code == c));
        let Some(code) = code else {
            anyhow::bail!("no such exam in the database (start the server once to sync the bank)")
        };
        bank::store::stored_blueprint(pool, &code).await?.ok_or_else(|| anyhow::anyhow!("exam {code} has no blueprint"))
    };
    let result: anyhow::Result<ExitCode> = async {
        match command {
            BankCommand::Export { dir, bank, .. } => {
                let into_bank = match &dir {
                    None => true,
                    Some(d) => d.canonicalize().ok().is_some_and(|d| bank.canonicalize().ok() == Some(d)),
                };
                let target = dir.unwrap_or(bank);
                let report = export::export(pool, &target, into_bank).await?;
                for path in &report.written {
                    println!("wrote {}", path.display());
                }
                println!(
                    "{} question(s) of {} exam(s) exported to {}; {} file(s) changed",
                    report.questions,
                    report.exams,
                    target.display(),
                    report.written.len()
                );
                Ok(ExitCode::SUCCESS)
            }
            BankCommand::Import { .. } => {
                let bank = to_import.expect("loaded above");
                let report = bank::sync::import(pool, &bank).await?;
                println!("imported: {report}");
                Ok(ExitCode::SUCCESS)
            }
            BankCommand::GiftExport { file, exam, .. } => {
                let bp = exam_code(exam).await?;
                let questions = store::current_questions(pool, &bp.code, &["live", "pilot"]).await?;
                let text = gift::export(&bp, &questions);
                match file {
                    Some(path) => {
                        std::fs::write(&path, text)?;
                        eprintln!("{} question(s) written to {}", questions.len(), path.display());
                    }
                    None => print!("{text}"),
                }
                Ok(ExitCode::SUCCESS)
            }
            BankCommand::GiftImport { file, exam, .. } => {
                let bp = exam_code(exam).await?;
                let text = std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                let others = store::others(pool, &bp.code).await?;
                let (questions, found) = match gift::import(&bp, &file, &text) {
                    Ok(imported) => gift::validate(&bp, &file, imported, &others),
                    Err(problems) => (vec![], problems),
                };
                for d in &found {
                    eprintln!("{d}");
                }
                if found.iter().any(bank::Diagnostic::is_error) || questions.is_empty() {
                    eprintln!("error: nothing imported; fix the file (see above) and run again");
                    return Ok(ExitCode::FAILURE);
                }
                let note = format!("GIFT import of {}", file.display());
                let r = store::import(pool, &bp.code, None, &questions, &note).await?;
                println!("imported: {} added, {} changed, {} unchanged", r.added, r.changed, r.unchanged);
                Ok(ExitCode::SUCCESS)
            }
            BankCommand::Check { .. } | BankCommand::Stats { .. } => unreachable!("handled by run"),
        }
    }
    .await;
    database.close().await;
    result
}
