//! Researcher and analyst logins (argon2id) and who may do what in a study.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use delphi_core::lifecycle::Role;
use delphi_core::values::Email;
use delphi_store::{studies, users};

use crate::{App, AppError};

/// A logged-in user as the pages need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Id.
    pub id: String,
    /// Login email.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Site administrator.
    pub is_admin: bool,
}

impl From<users::UserRow> for User {
    fn from(row: users::UserRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            is_admin: row.is_admin,
        }
    }
}

/// Creates a login. The password needs at least 12 characters.
pub fn create_user(
    app: &App,
    email: &str,
    name: &str,
    password: &str,
    is_admin: bool,
) -> Result<User, AppError> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e.0))?;
    if password.chars().count() < 12 {
        return Err(AppError::invalid(
            "password",
            "the password must have at least 12 characters",
        ));
    }
    if name.trim().is_empty() {
        return Err(AppError::invalid("name", "the name is empty"));
    }
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))?
        .to_string();
    let row = users::UserRow {
        id: crate::new_id(),
        email: email.as_str().to_owned(),
        display_name: name.trim().to_owned(),
        password_hash: hash,
        is_admin,
        created_at: delphi_store::now(),
    };
    let mut conn = app.conn()?;
    if users::find_by_email(&mut conn, &row.email)?.is_some() {
        return Err(AppError::Conflict(format!(
            "a user with the email {} exists already",
            row.email
        )));
    }
    users::insert(&mut conn, &row)?;
    Ok(row.into())
}

/// Checks a login; the same error for an unknown email and a wrong password.
pub fn verify_login(app: &App, email: &str, password: &str) -> Result<User, AppError> {
    let refused = || AppError::Forbidden("the email or password is not right".to_owned());
    let email = Email::parse(email).map_err(|_| refused())?;
    let mut conn = app.conn()?;
    let row = users::find_by_email(&mut conn, email.as_str())?;
    // Verify against a fixed hash when the user is unknown, so timing does not tell.
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3y2ft1yFOXRfRZfQK+SBDYsYK35nMfbaJsWjD+HB2F0";
    let stored = row.as_ref().map_or(DUMMY, |r| r.password_hash.as_str());
    let parsed = PasswordHash::new(stored).map_err(|_| refused())?;
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    match (row, ok) {
        (Some(row), true) => Ok(row.into()),
        _ => Err(refused()),
    }
}

/// The user with this id, if the login still exists (a session names its user by id).
pub fn find(app: &App, id: &str) -> Result<Option<User>, AppError> {
    let mut conn = app.conn()?;
    Ok(users::find(&mut conn, id)?.map(User::from))
}

/// Gives the user with `email` a role in a study (`owner`, `researcher` or `analyst`), or
/// changes the role they have.
pub fn add_member(app: &App, study_id: &str, email: &str, role: &str) -> Result<Role, AppError> {
    let role = Role::parse(role).map_err(|_| {
        AppError::invalid(
            "role",
            format!("`{role}` is not a role: choose owner, researcher or analyst"),
        )
    })?;
    let mut conn = app.conn()?;
    crate::studies::load(&mut conn, study_id)?;
    let user = users::find_by_email(&mut conn, email.trim())?.ok_or_else(|| {
        AppError::NotFound(format!(
            "no user with the email {email}; create it with `delphi admin create-user`"
        ))
    })?;
    delphi_store::write_tx(&mut conn, |conn| {
        studies::remove_member(conn, study_id, &user.id)?;
        studies::add_member(
            conn,
            &studies::MemberRow {
                study_id: study_id.to_owned(),
                user_id: user.id.clone(),
                role: role.as_str().to_owned(),
                created_at: delphi_store::now(),
            },
        )?;
        crate::audit::record(
            conn,
            study_id,
            "system",
            "member.added",
            serde_json::json!({"user": user.email, "role": role.as_str()}),
        )
    })?;
    Ok(role)
}

/// What a user wants to do to a study.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read results and exports.
    Read,
    /// Change the study (items, panel, rounds).
    Manage,
}

/// The user's role in the study if it allows `access`; administrators may do everything.
pub fn authorize(
    app: &App,
    user: &User,
    study_id: &str,
    access: Access,
) -> Result<Option<Role>, AppError> {
    let mut conn = app.conn()?;
    let role = studies::member_role(&mut conn, study_id, &user.id)?
        .map(|r| Role::parse(&r))
        .transpose()?;
    let allowed = user.is_admin
        || match (role, access) {
            (Some(_), Access::Read) => true,
            (Some(role), Access::Manage) => role.can_manage(),
            (None, _) => false,
        };
    if allowed {
        Ok(role)
    } else {
        Err(AppError::Forbidden(
            "you do not have access to this study".to_owned(),
        ))
    }
}
