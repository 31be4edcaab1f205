//! A timeline entry: each command state, its steps, and Cancel reset.

use leptos::prelude::*;
use portal::components::timeline::TimelineEntry;
use portal_types::{Command, CommandId, CommandKind, CommandState, DeviceId, Role};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{buttons, find, mounted, provide_signed_in, texts};

fn command(kind: CommandKind, state: CommandState) -> Command {
    let reached = |step: CommandState| {
        let order = [
            CommandState::Requested,
            CommandState::Delivered,
            CommandState::Acknowledged,
        ];
        let position = |s: CommandState| order.iter().position(|o| *o == s).unwrap_or(order.len());
        (position(state) >= position(step)).then(|| "2026-12-01T10:05:00Z".to_string())
    };
    Command {
        id: CommandId(uuid::Uuid::from_u128(9)),
        device_id: DeviceId(uuid::Uuid::from_u128(1)),
        kind,
        state,
        lock_message: None,
        lock_phone: None,
        app_name: None,
        requested_at: "2026-12-01T10:00:00Z".into(),
        delivered_at: reached(CommandState::Delivered),
        acknowledged_at: reached(CommandState::Acknowledged),
        finished_at: state.is_final().then(|| "2026-12-01T10:09:00Z".into()),
        expires_at: "2026-12-08T10:00:00Z".into(),
        failure_reason: None,
        requested_by: None,
        reason: None,
    }
}

async fn mount(command: Command) -> web_sys::HtmlElement {
    mount_with(command, RwSignal::new(true)).await
}

async fn mount_with(command: Command, online: RwSignal<bool>) -> web_sys::HtmlElement {
    let device = command.device_id.to_string();
    mounted(move || {
        provide_signed_in(Some(Role::Employee), online);
        view! { <TimelineEntry command device/> }
    })
    .await
}

/// The words of a step, without its time.
fn steps(root: &web_sys::HtmlElement) -> Vec<String> {
    texts(root, ".cp-timeline__steps > li")
        .into_iter()
        .map(|step| step.split(' ').next().unwrap().to_string())
        .collect()
}

#[wasm_bindgen_test]
async fn each_state_is_said_in_the_title_and_its_steps_are_listed_with_their_times() {
    let expected: [(CommandState, &str, &[&str]); 7] = [
        (CommandState::Requested, "requested", &["Requested"]),
        (CommandState::Delivered, "delivered", &["Requested", "Delivered"]),
        (
            CommandState::Acknowledged,
            "acknowledged",
            &["Requested", "Delivered", "Acknowledged"],
        ),
        (
            CommandState::Completed,
            "completed",
            &["Requested", "Delivered", "Acknowledged", "Completed"],
        ),
        (
            CommandState::Failed,
            "failed",
            &["Requested", "Delivered", "Acknowledged", "Failed"],
        ),
        (
            CommandState::Cancelled,
            "cancelled",
            &["Requested", "Delivered", "Acknowledged", "Cancelled"],
        ),
        (
            CommandState::Expired,
            "expired",
            &["Requested", "Delivered", "Acknowledged", "Expired"],
        ),
    ];
    assert_eq!(expected.len(), CommandState::ALL.len(), "every state");
    for (state, class, listed) in expected {
        let root = mount(command(CommandKind::Lock, state)).await;
        let entry = find(&root, "li.cp-timeline__entry");
        assert_eq!(
            entry.class_name(),
            format!("cp-timeline__entry cp-timeline__entry--{class}")
        );
        assert_eq!(entry.get_attribute("aria-label").as_deref(), Some("Lock"));
        let title = texts(&root, ".cp-timeline__title").concat();
        assert!(title.ends_with(&format!("· {}", listed.last().unwrap())), "{title}");
        assert_eq!(steps(&root), listed, "{state:?}");
        let times = root.query_selector_all(".cp-timeline__steps time").unwrap();
        assert_eq!(times.length() as usize, listed.len());
    }
}

#[wasm_bindgen_test]
async fn a_failure_says_why_and_an_app_command_names_its_app() {
    let mut failed = command(CommandKind::Install, CommandState::Failed);
    failed.app_name = Some("Northwind Mail".into());
    failed.failure_reason = Some("Not enough storage on the device.".into());
    let root = mount(failed).await;
    assert_eq!(
        texts(&root, ".cp-timeline__title"),
        ["Install app Northwind Mail · Failed"]
    );
    assert!(texts(&root, "p").contains(&"Not enough storage on the device.".to_string()));
}

#[wasm_bindgen_test]
async fn only_the_users_own_reset_not_yet_taken_can_be_cancelled() {
    let online = RwSignal::new(true);
    let root = mount_with(command(CommandKind::Wipe, CommandState::Requested), online).await;
    assert_eq!(buttons(&root), [("Cancel reset".to_string(), false)]);
    // Offline, it waits for the network like every other action.
    online.set(false);
    leptos::task::tick().await;
    assert_eq!(buttons(&root), [("Cancel reset".to_string(), true)]);

    for taken in [CommandState::Delivered, CommandState::Completed] {
        let root = mount(command(CommandKind::Wipe, taken)).await;
        assert!(texts(&root, "button").is_empty(), "{taken:?}");
    }
    let root = mount(command(CommandKind::Lock, CommandState::Requested)).await;
    assert!(texts(&root, "button").is_empty(), "a Lock is not cancelled");

    // An administrator's reset says who and why, and is theirs to take back.
    let mut by_admin = command(CommandKind::Wipe, CommandState::Requested);
    by_admin.requested_by = Some("IT Admin".into());
    by_admin.reason = Some("Reported stolen".into());
    let root = mount(by_admin).await;
    assert!(texts(&root, "button").is_empty());
    assert_eq!(
        texts(&root, ".cp-timeline__by"),
        ["Requested by IT Admin, your IT department: Reported stolen"]
    );
}
