//! Who the user is: sign-in and sign-out, sessions, re-authentication, the
//! second factor and its recovery codes, passkeys.

pub mod passkeys;
pub mod password;
pub mod routes;
pub mod second_factor;
pub mod security;
pub mod session;
pub mod totp;
