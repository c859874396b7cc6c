//! The typed request edge. Who may do what is an extractor, so a handler says it in its signature:
//! [`CurrentUser`] (anonymous visitors are sent to sign in and come back) and [`Instructor`] (students
//! get 403). `Form`, `Path` and `Query` reject through `AppError`, so a malformed request gets the
//! same friendly page as any other error instead of axum's plain-text rejection.

use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;

use super::AppState;
use super::error::AppError;
use super::session::TypedSession;
use crate::accounts::{self, Role, User};

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
        AppError::BadRequest(
            "The form was incomplete or could not be read. Go back, reload the page and try again.".into(),
        )
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

/// The signed-in user, if any: looked up once per request and kept in the request's extensions, so
/// `Ctx` and `CurrentUser` in one handler cost one query.
#[derive(Clone)]
struct SignedIn(Option<User>);

pub(super) async fn signed_in(parts: &mut Parts, state: &AppState) -> Result<Option<User>, AppError> {
    if let Some(SignedIn(user)) = parts.extensions.get::<SignedIn>() {
        return Ok(user.clone());
    }
    let session = TypedSession::from_request_parts(parts, state).await?;
    let user = match session.login_id().await? {
        Some(id) => {
            let user = accounts::find_by_login(&state.pool, id).await?;
            if user.is_some() {
                session.keep_alive().await?;
            }
            user
        }
        None => None,
    };
    parts.extensions.insert(SignedIn(user.clone()));
    Ok(user)
}

/// The path and query of this request, for "sign in, then come back here".
pub(super) fn here(parts: &Parts) -> String {
    parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into())
}

/// A signed-in user; anonymous visitors are redirected to sign in and brought back.
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match signed_in(parts, state).await? {
            Some(user) => Ok(CurrentUser(user)),
            None => Err(AppError::SignInRequired { next: here(parts) }),
        }
    }
}

/// A signed-in instructor; anonymous visitors are sent to sign in, everyone else gets 403.
pub struct Instructor(pub User);

impl FromRequestParts<AppState> for Instructor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        if user.role == Role::Instructor { Ok(Instructor(user)) } else { Err(AppError::Forbidden) }
    }
}
