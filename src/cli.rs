//! Subcommands: `serve`, `user add|grant`, `bank check|stats`, `bench`.

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
    /// Check the question bank and show its coverage.
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
        Command::Bench { command: BenchCommand::Bank { questions } } => crate::bench::bank(questions),
        Command::Bench { command: BenchCommand::Load(args) } => crate::bench::load::load(args).await,
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
