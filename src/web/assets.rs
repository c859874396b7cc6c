//! The stylesheet and the exam and drill scripts, compiled into the binary so the app runs from anywhere (a
//! container, another directory) without a path to find them.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const FILES: &[(&str, &str, &str)] = &[
    ("style.css", "text/css; charset=utf-8", include_str!("../../assets/style.css")),
    ("exam.js", "text/javascript; charset=utf-8", include_str!("../../assets/exam.js")),
    ("drill.js", "text/javascript; charset=utf-8", include_str!("../../assets/drill.js")),
];

pub async fn serve(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, mime, body)) => {
            ([(header::CONTENT_TYPE, *mime), (header::CACHE_CONTROL, "public, max-age=300")], *body).into_response()
        }
        None => super::error::error_page(StatusCode::NOT_FOUND, "There is no such file."),
    }
}
