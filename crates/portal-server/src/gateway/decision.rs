//! The access decision: what the visitor brings against the app's rule,
//! and, when it falls short, the rule that failed and the one step that
//! fixes it.

use portal_types::{AccessRule, ComplianceReason, ComplianceState, DeviceId, UserId};

use crate::languages::Words;

/// Why the gateway refused, for people: the rule that failed and the one
/// step that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRefusal {
    /// `signed_in`, `registered_device`, `compliant_device`, `second_factor`.
    pub rule: String,
    pub message: String,
    /// The step, as a link's words: "Add device".
    pub fix: String,
    /// Where that step is taken.
    pub fix_url: String,
}

/// The signed-in user behind a gateway session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub id: UserId,
    pub email: String,
    /// The session began with a TOTP code or a passkey.
    pub second_factor: bool,
    /// The account has a second factor to sign in with.
    pub factor_enrolled: bool,
}

/// A device certificate the browser presented (the handshake checked that
/// the device CA issued it and that it is in date).
#[derive(Debug, Clone)]
pub struct DeviceFacts {
    pub id: DeviceId,
    pub owner: UserId,
    pub name: String,
    /// Reset or removed (its certificates are revoked), or the certificate
    /// presented is out of date.
    pub revoked: bool,
    /// When the certificate presented expires.
    pub expires_at: time::OffsetDateTime,
    pub compliance: ComplianceState,
    pub reasons: Vec<ComplianceReason>,
    /// Since when it has failed a rule: its grace period ends by the clock,
    /// not only when the next sweep notices.
    pub failing_since: Option<time::OffsetDateTime>,
}

/// What the visitor brings.
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    pub user: Option<SignedIn>,
    /// None: no certificate, or one this portal never stored.
    pub device: Option<DeviceFacts>,
}

impl Visitor {
    /// The presented device, when it is the signed-in user's and unrevoked.
    pub fn registered_device(&self) -> Option<&DeviceFacts> {
        let user = self.user.as_ref()?;
        self.device.as_ref().filter(|d| d.owner == user.id && !d.revoked)
    }
}

/// Why the visitor falls short, most basic first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    SignIn,
    NoDevice,
    /// A certificate of a device that was reset or removed.
    Revoked {
        device: String,
    },
    /// Another user's device.
    NotTheirs,
    NotCompliant {
        device: DeviceId,
        name: String,
        reason: Option<Box<ComplianceReason>>,
    },
    SecondFactor {
        enrolled: bool,
    },
}

/// Whether the rule asks who the visitor is: any part but none.
pub fn asks_who(rule: &AccessRule) -> bool {
    rule.signed_in || rule.registered_device || rule.compliant_device || rule.second_factor
}

/// Whether `visitor` may reach an app with `rule`; the first part that fails.
pub fn decide(rule: &AccessRule, visitor: &Visitor) -> Result<(), Refusal> {
    let needs_device = rule.registered_device || rule.compliant_device;
    let needs_user = asks_who(rule);
    let Some(user) = visitor.user.as_ref().filter(|_| needs_user) else {
        return if needs_user { Err(Refusal::SignIn) } else { Ok(()) };
    };
    let registered = visitor.registered_device();
    if needs_device {
        let device = match (&visitor.device, registered) {
            (_, Some(device)) => device,
            (Some(device), None) if device.owner != user.id => return Err(Refusal::NotTheirs),
            (Some(device), None) => {
                return Err(Refusal::Revoked {
                    device: device.name.clone(),
                });
            }
            (None, None) => return Err(Refusal::NoDevice),
        };
        if rule.compliant_device && device.compliance == ComplianceState::CannotAccess {
            return Err(Refusal::NotCompliant {
                device: device.id,
                name: device.name.clone(),
                reason: device.reasons.first().cloned().map(Box::new),
            });
        }
    }
    let device_stands_in = rule.device_counts_as_second_factor && registered.is_some();
    if rule.second_factor && !user.second_factor && !device_stands_in {
        return Err(Refusal::SecondFactor {
            enrolled: user.factor_enrolled,
        });
    }
    Ok(())
}

impl Refusal {
    /// 401 for a visitor to sign in, 403 for the rest.
    pub fn status(&self) -> axum::http::StatusCode {
        match self {
            Refusal::SignIn => axum::http::StatusCode::UNAUTHORIZED,
            _ => axum::http::StatusCode::FORBIDDEN,
        }
    }

    /// The rule that failed.
    pub fn rule(&self) -> &'static str {
        match self {
            Refusal::SignIn => "signed_in",
            Refusal::NoDevice | Refusal::Revoked { .. } | Refusal::NotTheirs => "registered_device",
            Refusal::NotCompliant { .. } => "compliant_device",
            Refusal::SecondFactor { .. } => "second_factor",
        }
    }

    /// What the refusal page and `GET /api/v1/access/check` say, in the
    /// reader's `words`, with links into `portal`.
    pub fn explained(&self, app: &str, portal: &str, words: Words) -> AccessRefusal {
        let add_device = || (words.say("devices.add", &[]), format!("{portal}/devices/add"));
        let second_factor = || format!("{portal}/security");
        let (message, (fix, fix_url)) = match self {
            Refusal::SignIn => (
                words.say("gateway.sign_in", &[("app", app)]),
                (words.say("sign_in.submit", &[]), format!("{portal}/sign-in")),
            ),
            Refusal::NoDevice => (words.say("gateway.no_device", &[("app", app)]), add_device()),
            Refusal::Revoked { device } => (
                words.say("gateway.revoked", &[("device", device), ("app", app)]),
                add_device(),
            ),
            Refusal::NotTheirs => (words.say("gateway.not_theirs", &[("app", app)]), add_device()),
            Refusal::NotCompliant { device, name, reason } => {
                let (problem, step) = reason.as_deref().map_or_else(
                    || {
                        (
                            words.say("gateway.fails_policies", &[]),
                            words.say("label.check_status", &[]),
                        )
                    },
                    |reason| words.compliance_reason(reason),
                );
                (
                    words.say("gateway.not_compliant", &[("name", name), ("problem", &problem)]),
                    (step, format!("{portal}/devices/{device}")),
                )
            }
            Refusal::SecondFactor { enrolled: true } => (
                words.say("gateway.second_factor", &[("app", app)]),
                (words.say("gateway.sign_in_second_factor", &[]), second_factor()),
            ),
            Refusal::SecondFactor { enrolled: false } => (
                words.say("gateway.no_second_factor", &[("app", app)]),
                (words.say("gateway.set_up_second_factor", &[]), second_factor()),
            ),
        };
        AccessRefusal {
            rule: self.rule().into(),
            message,
            fix,
            fix_url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTHING: AccessRule = AccessRule {
        signed_in: false,
        registered_device: false,
        compliant_device: false,
        second_factor: false,
        device_counts_as_second_factor: false,
    };

    fn ada(second_factor: bool) -> SignedIn {
        SignedIn {
            id: UserId(uuid::Uuid::from_u128(1)),
            email: "ada@example.com".into(),
            second_factor,
            factor_enrolled: true,
        }
    }

    fn laptop(owner: UserId, compliance: ComplianceState) -> DeviceFacts {
        DeviceFacts {
            id: DeviceId(uuid::Uuid::from_u128(7)),
            owner,
            name: "Ada's laptop".into(),
            revoked: false,
            expires_at: time::OffsetDateTime::UNIX_EPOCH,
            compliance,
            reasons: vec![ComplianceReason {
                rule: "encryption".into(),
                problem: "The device's storage is not encrypted.".into(),
                fix: "Turn on device encryption in the device's security settings.".into(),
                values: Vec::new(),
            }],
            failing_since: None,
        }
    }

    fn on_laptop(compliance: ComplianceState, second_factor: bool) -> Visitor {
        let user = ada(second_factor);
        Visitor {
            device: Some(laptop(user.id, compliance)),
            user: Some(user),
        }
    }

    #[test]
    fn each_part_refuses_only_what_it_asks_for() {
        let anyone = Visitor::default();
        assert_eq!(decide(&NOTHING, &anyone), Ok(()));
        let signed_in = AccessRule {
            signed_in: true,
            ..NOTHING
        };
        assert_eq!(decide(&signed_in, &anyone), Err(Refusal::SignIn));
        let user_only = Visitor {
            user: Some(ada(false)),
            device: None,
        };
        assert_eq!(decide(&signed_in, &user_only), Ok(()));

        let registered = AccessRule {
            registered_device: true,
            ..NOTHING
        };
        assert_eq!(
            decide(&registered, &anyone),
            Err(Refusal::SignIn),
            "a device is someone's"
        );
        assert_eq!(decide(&registered, &user_only), Err(Refusal::NoDevice));
        let failing = on_laptop(ComplianceState::CannotAccess, false);
        assert_eq!(decide(&registered, &failing), Ok(()));

        let compliant = AccessRule {
            compliant_device: true,
            ..NOTHING
        };
        assert!(matches!(
            decide(&compliant, &failing),
            Err(Refusal::NotCompliant { .. })
        ));
        assert_eq!(
            decide(&compliant, &on_laptop(ComplianceState::OutOfCompliance, false)),
            Ok(()),
            "grace"
        );
        assert_eq!(
            decide(&compliant, &on_laptop(ComplianceState::CanAccess, false)),
            Ok(())
        );
    }

    #[test]
    fn a_revoked_or_someone_elses_device_is_not_registered() {
        let rule = AccessRule {
            registered_device: true,
            ..NOTHING
        };
        let mut reset = on_laptop(ComplianceState::CanAccess, false);
        reset.device.as_mut().unwrap().revoked = true;
        assert_eq!(
            decide(&rule, &reset),
            Err(Refusal::Revoked {
                device: "Ada's laptop".into()
            })
        );
        let mut borrowed = on_laptop(ComplianceState::CanAccess, false);
        borrowed.device.as_mut().unwrap().owner = UserId(uuid::Uuid::from_u128(2));
        assert_eq!(decide(&rule, &borrowed), Err(Refusal::NotTheirs));
    }

    #[test]
    fn the_device_stands_in_for_the_second_factor_only_when_the_rule_says_so() {
        let rule = AccessRule {
            second_factor: true,
            ..NOTHING
        };
        let password_only = on_laptop(ComplianceState::CanAccess, false);
        assert_eq!(
            decide(&rule, &password_only),
            Err(Refusal::SecondFactor { enrolled: true })
        );
        assert_eq!(decide(&rule, &on_laptop(ComplianceState::CanAccess, true)), Ok(()));
        let seamless = AccessRule {
            device_counts_as_second_factor: true,
            ..rule
        };
        assert_eq!(decide(&seamless, &password_only), Ok(()));
        let no_device = Visitor {
            user: Some(ada(false)),
            device: None,
        };
        assert!(decide(&seamless, &no_device).is_err());
        let mut revoked = password_only;
        revoked.device.as_mut().unwrap().revoked = true;
        assert!(decide(&seamless, &revoked).is_err());
    }

    #[test]
    fn a_refusal_names_its_rule_and_links_its_fix() {
        let compliance = decide(
            &AccessRule {
                compliant_device: true,
                ..NOTHING
            },
            &on_laptop(ComplianceState::CannotAccess, false),
        )
        .unwrap_err()
        .explained("Expenses", "https://portal.example.com", crate::languages::words("en"));
        assert_eq!(compliance.rule, "compliant_device");
        assert!(
            compliance.message.contains("Ada's laptop is out of compliance"),
            "{}",
            compliance.message
        );
        assert!(compliance.fix.starts_with("Turn on device encryption"));
        assert_eq!(
            compliance.fix_url,
            format!("https://portal.example.com/devices/{}", uuid::Uuid::from_u128(7))
        );
        let unregistered =
            Refusal::NoDevice.explained("Expenses", "https://portal.example.com", crate::languages::words("en"));
        assert_eq!(
            (unregistered.fix.as_str(), unregistered.fix_url.as_str()),
            ("Add device", "https://portal.example.com/devices/add")
        );
    }
}
