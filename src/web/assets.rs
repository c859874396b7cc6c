//! The stylesheet and the exam and drill scripts, compiled into the binary so the app runs from anywhere (a
//! container, another directory) without a path to find them.
//!
//! Pages link them by content-hashed URLs (`/assets/style.css?v=<hash>`, from [`url`]): a response to
//! the current hash may be cached for a year (`immutable`), and a new build changes the URL, so browsers
//! never run a stale script against new pages.

use std::sync::LazyLock;

use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

const FILES: &[(&str, &str, &str)] = &[
    ("style.css", "text/css; charset=utf-8", include_str!("../../assets/style.css")),
    ("exam.js", "text/javascript; charset=utf-8", include_str!("../../assets/exam.js")),
    ("drill.js", "text/javascript; charset=utf-8", include_str!("../../assets/drill.js")),
    ("authoring.js", "text/javascript; charset=utf-8", include_str!("../../assets/authoring.js")),
];

/// The first 16 hex digits of each file's SHA-256, in `FILES` order.
static HASHES: LazyLock<Vec<String>> =
    LazyLock::new(|| FILES.iter().map(|(_, _, body)| hex::encode(&Sha256::digest(body.as_bytes())[..8])).collect());

/// The URL pages use for an asset: its name with the content hash.
pub fn url(name: &str) -> String {
    match FILES.iter().position(|(n, _, _)| *n == name) {
        Some(i) => format!("/assets/{name}?v={}", HASHES[i]),
        None => format!("/assets/{name}"),
    }
}

#[derive(Deserialize)]
pub struct Version {
    v: Option<String>,
}

pub async fn serve(Path(name): Path<String>, Query(version): Query<Version>) -> Response {
    match FILES.iter().position(|(n, _, _)| *n == name) {
        Some(i) => {
            let (_, mime, body) = FILES[i];
            // Only the current content is cached for long; an old or missing hash gets a short life.
            let cache = if version.v.as_deref() == Some(HASHES[i].as_str()) {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=300"
            };
            ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, cache)], body).into_response()
        }
        None => super::error::error_page(StatusCode::NOT_FOUND, "There is no such file."),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn asset_urls_carry_the_content_hash() {
        let u = super::url("exam.js");
        assert!(u.starts_with("/assets/exam.js?v=") && u.len() == "/assets/exam.js?v=".len() + 16, "{u}");
        assert_eq!(super::url("nope.js"), "/assets/nope.js");
    }
}
