//! `Form`, `Path` and `Query` that reject through `AppError`, so a malformed request gets the same
//! friendly page as any other error instead of axum's plain-text rejection.

use axum::extract::FromRequest;
use axum::extract::FromRequestParts;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};

use crate::error::AppError;

#[derive(FromRequest)]
#[from_request(via(axum::extract::Form), rejection(AppError))]
pub struct Form<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

impl From<FormRejection> for AppError {
    fn from(_: FormRejection) -> Self {
        AppError::BadRequest("The form was incomplete or could not be read. Go back, reload the page and try again.".into())
    }
}

impl From<PathRejection> for AppError {
    // A path that does not parse (e.g. not a valid attempt id) names nothing that exists.
    fn from(_: PathRejection) -> Self {
        AppError::NotFound
    }
}

impl From<QueryRejection> for AppError {
    fn from(_: QueryRejection) -> Self {
        AppError::BadRequest("The address has parameters this page does not understand.".into())
    }
}
