use std::{path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand};
use portal_agent::{DeviceClient, StateDir, add};
use portal_types::{
    CommandKind, CommandOutcome, CommandState, DeviceCommand, Inventory, ManagedApp, Management, Platform,
};

#[derive(Parser)]
#[command(
    name = "portal-agent",
    version,
    about = "Company Portal device agent: the device side of the enrollment API"
)]
struct Cli {
    /// Where the device keeps its key, certificates and state.
    #[arg(
        long,
        global = true,
        env = "PORTAL_AGENT_STATE_DIR",
        default_value = "portal-agent-state"
    )]
    state_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Enroll this device with a one-time code from the portal's Add device
    /// page, so that the organisation manages it; a device registered
    /// before keeps its certificate.
    Enroll(AddArgs),
    /// Register this device with a one-time code from the portal's Add device
    /// page: it gets a device certificate, and is not managed.
    Register(AddArgs),
    /// Stay connected: check in now and every interval, and carry out each
    /// command as soon as it is queued.
    Run {
        /// Seconds between check-ins.
        #[arg(long, default_value_t = 60)]
        interval: u64,
        /// Check in once, carry out what was waiting, and exit.
        #[arg(long)]
        once: bool,
        /// How commands end, to play a device that fails or defers them.
        #[arg(long, value_enum, default_value = "completed")]
        outcome: Outcome,
        /// Apps (ids, comma-separated) whose installs fail, to play a device
        /// that cannot install them.
        #[arg(long, value_delimiter = ',')]
        fail_installs: Vec<String>,
        #[command(flatten)]
        inventory: InventoryOverrides,
    },
    /// Print what this device knows about itself.
    Status,
}

#[derive(Args)]
struct AddArgs {
    #[arg(long)]
    server: String,
    #[arg(long)]
    code: String,
    /// android, ios, windows, windows81, windows_phone, macos or linux.
    #[arg(long, value_parser = parse_platform)]
    platform: Platform,
    #[command(flatten)]
    inventory: InventoryArgs,
}

#[derive(Args)]
struct InventoryArgs {
    #[arg(long)]
    os_version: String,
    #[arg(long)]
    model: String,
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    encrypted: bool,
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    passcode: bool,
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set)]
    jailbroken: bool,
    #[arg(long, default_value_t = 32_000)]
    free_storage_mb: u64,
    /// The device's serial number; a made-up one when not given.
    #[arg(long)]
    serial_number: Option<String>,
    /// The on-premises manager's id of this device (ConfigMgr's SMS id), if it has one.
    #[arg(long)]
    onprem_id: Option<String>,
}

impl InventoryArgs {
    fn into_inventory(self) -> Inventory {
        Inventory {
            os_version: self.os_version,
            model: self.model,
            encrypted: self.encrypted,
            passcode_set: self.passcode,
            jailbroken: self.jailbroken,
            free_storage_mb: self.free_storage_mb,
            serial_number: Some(self.serial_number.unwrap_or_else(made_up_serial)),
            onprem_id: self.onprem_id,
        }
    }
}

/// Changes to the inventory since enrollment, e.g. `--os-version 17.2`.
#[derive(Args)]
struct InventoryOverrides {
    #[arg(long)]
    os_version: Option<String>,
    #[arg(long)]
    model: Option<String>,
    #[arg(long, action = clap::ArgAction::Set)]
    encrypted: Option<bool>,
    #[arg(long, action = clap::ArgAction::Set)]
    passcode: Option<bool>,
    #[arg(long, action = clap::ArgAction::Set)]
    jailbroken: Option<bool>,
    #[arg(long)]
    free_storage_mb: Option<u64>,
}

impl InventoryOverrides {
    fn apply(self, inventory: &mut Inventory) {
        if let Some(v) = self.os_version {
            inventory.os_version = v;
        }
        if let Some(v) = self.model {
            inventory.model = v;
        }
        if let Some(v) = self.encrypted {
            inventory.encrypted = v;
        }
        if let Some(v) = self.passcode {
            inventory.passcode_set = v;
        }
        if let Some(v) = self.jailbroken {
            inventory.jailbroken = v;
        }
        if let Some(v) = self.free_storage_mb {
            inventory.free_storage_mb = v;
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Outcome {
    Completed,
    Failed,
    NotNow,
}

/// How this run of the agent plays the device.
struct Device<'a> {
    client: &'a DeviceClient,
    dir: &'a StateDir,
    outcome: Outcome,
    fail_installs: &'a [String],
}

/// Checks in, prints the answer, and gives back the commands that were waiting.
async fn check_in(device: &Device<'_>) -> anyhow::Result<Vec<DeviceCommand>> {
    // A registered device has no managed apps to report.
    let apps = match device.client.state.management {
        Management::Managed => device.dir.installed_apps()?,
        Management::Registered => Vec::new(),
    };
    let answer = device.client.check_in(&device.client.state.inventory, &apps).await?;
    println!("checked in: {}", answer.compliance.label());
    for reason in &answer.reasons {
        println!("  {}: {}", reason.problem, reason.fix);
    }
    Ok(answer.commands)
}

/// Stays connected: commands as soon as they are queued, a check-in every
/// interval; the command that ended the enrollment, if one did.
async fn run(device: &Device<'_>, interval: u64) -> Option<CommandKind> {
    loop {
        let mut stream = match device.client.command_stream().await {
            Ok(stream) => {
                println!("connected: waiting for commands");
                stream
            }
            Err(error) => {
                eprintln!("cannot reach the command stream: {error:#}");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(5)) => continue,
                    _ = tokio::signal::ctrl_c() => return None,
                }
            }
        };
        let mut ticker = tokio::time::interval(Duration::from_secs(interval));
        ticker.tick().await;
        loop {
            tokio::select! {
                next = stream.next_command() => match next {
                    Ok(Some(command)) => {
                        if let Some(ended) = carry_out(device, command).await {
                            return Some(ended);
                        }
                    }
                    Ok(None) | Err(_) => {
                        eprintln!("command stream closed; reconnecting");
                        break;
                    }
                },
                _ = ticker.tick() => {
                    if let Err(error) = check_in(device).await {
                        eprintln!("check-in failed: {error:#}");
                    }
                }
                _ = tokio::signal::ctrl_c() => return None,
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Carries a command out in simulation, reporting each step; the command
/// that ended the device's enrollment (a Reset device or a Remove device
/// carried out), after which the agent stops.
async fn carry_out(device: &Device<'_>, command: DeviceCommand) -> Option<CommandKind> {
    let client = device.client;
    println!("received: {} {}", command.kind.as_str(), command.id);
    if let Err(error) = client.acknowledge(command.id).await {
        eprintln!("acknowledging {} failed: {error:#}", command.id);
        return None;
    }
    let (result, reason) = match device.outcome {
        Outcome::Completed => match simulate(device, &command).await {
            Ok(()) => (CommandOutcome::Completed, None),
            Err(reason) => (CommandOutcome::Failed, Some(reason)),
        },
        Outcome::Failed => (CommandOutcome::Failed, Some("Simulated failure".to_string())),
        Outcome::NotNow => (CommandOutcome::NotNow, None),
    };
    match client.report(command.id, result, reason).await {
        Ok(done) => {
            println!("{}: {} {}", done.state.as_str(), command.kind.as_str(), command.id);
            let ends = matches!(command.kind, CommandKind::Wipe | CommandKind::Retire);
            (ends && done.state == CommandState::Completed).then_some(command.kind)
        }
        Err(error) => {
            eprintln!("reporting {} failed: {error:#}", command.id);
            None
        }
    }
}

/// What the device does for each kind of command; the error is the reason it failed.
async fn simulate(device: &Device<'_>, command: &DeviceCommand) -> Result<(), String> {
    match (command.kind, &command.app) {
        (CommandKind::Sync, _) => {
            if let Err(error) = check_in(device).await {
                eprintln!("check-in failed: {error:#}");
            }
        }
        (CommandKind::Lock, _) => println!(
            "locked: {} / {}",
            command.lock_message.as_deref().unwrap_or("(no message)"),
            command.lock_phone.as_deref().unwrap_or("(no phone)")
        ),
        (CommandKind::Wipe, _) => println!("wiping: erasing everything on the device"),
        (CommandKind::Retire, _) => {
            let apps = device.dir.installed_apps().map_err(|e| e.to_string())?;
            println!(
                "retiring: removing {} corporate apps and the work account; personal data stays",
                apps.len()
            );
            device.dir.save_installed_apps(&[]).map_err(|e| e.to_string())?;
        }
        (CommandKind::Install, Some(app)) => {
            println!("installing: {} {}", app.name, app.version);
            if device.fail_installs.contains(&app.app_id) {
                return Err(format!("{} could not be installed: not enough storage", app.name));
            }
            let mut apps = device.dir.installed_apps().map_err(|e| e.to_string())?;
            apps.retain(|a| a.app_id != app.app_id);
            apps.push(ManagedApp {
                app_id: app.app_id.clone(),
                version: app.version.clone(),
            });
            device.dir.save_installed_apps(&apps).map_err(|e| e.to_string())?;
        }
        (CommandKind::Uninstall, Some(app)) => {
            println!("uninstalling: {}", app.name);
            let mut apps = device.dir.installed_apps().map_err(|e| e.to_string())?;
            apps.retain(|a| a.app_id != app.app_id);
            device.dir.save_installed_apps(&apps).map_err(|e| e.to_string())?;
        }
        (CommandKind::Install | CommandKind::Uninstall, None) => return Err("The command names no app".into()),
    }
    Ok(())
}

/// Twelve characters in the style of a manufacturer's serial number.
fn made_up_serial() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

fn parse_platform(value: &str) -> Result<Platform, String> {
    Platform::parse(value).ok_or_else(|| {
        let names: Vec<_> = Platform::ALL.iter().map(|p| p.as_str()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

/// Registers or enrolls this device with a code, as `management` says, and says so.
async fn add_device(args: AddArgs, management: Management, dir: &StateDir) -> anyhow::Result<()> {
    let platform = args.platform;
    let inventory = args.inventory.into_inventory();
    let state = add(&args.server, &args.code, platform, inventory, dir, management).await?;
    let done = match management {
        Management::Registered => "registered",
        Management::Managed => "enrolled",
    };
    println!(
        "{done}: device {} ({}), state in {}",
        state.device_id,
        platform.label(),
        dir.0.display()
    );
    Ok(())
}

/// Enrolls the registered device in `dir`: it keeps its id and certificate.
async fn enroll_registered(mut client: DeviceClient, args: AddArgs, dir: &StateDir) -> anyhow::Result<()> {
    if client.state.server != args.server.trim_end_matches('/') || client.state.platform != args.platform {
        anyhow::bail!(
            "this device is registered with {} as a {} device: enroll it there, as that platform",
            client.state.server,
            client.state.platform.label()
        );
    }
    // The same device: its serial number stays unless given anew.
    let serial = args.inventory.serial_number.clone();
    let mut inventory = args.inventory.into_inventory();
    inventory.serial_number = serial.or_else(|| client.state.inventory.serial_number.clone());
    client.enroll_registered(&args.code, inventory, dir).await?;
    println!(
        "enrolled: device {} ({}), registered before, keeps its certificate; state in {}",
        client.state.device_id,
        args.platform.label(),
        dir.0.display()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let dir = StateDir(cli.state_dir);
    match cli.command {
        Command::Enroll(args) => match DeviceClient::registered(&dir)? {
            Some(client) => enroll_registered(client, args, &dir).await?,
            None => add_device(args, Management::Managed, &dir).await?,
        },
        Command::Register(args) => add_device(args, Management::Registered, &dir).await?,
        Command::Run {
            interval,
            once,
            inventory,
            outcome,
            fail_installs,
        } => {
            let mut client = DeviceClient::load(&dir)?;
            inventory.apply(&mut client.state.inventory);
            dir.save(&client.state)?;
            let device = Device {
                client: &client,
                dir: &dir,
                outcome,
                fail_installs: &fail_installs,
            };
            let waiting = check_in(&device).await?;
            let mut ended = None;
            for command in waiting {
                if ended.is_none() {
                    ended = carry_out(&device, command).await;
                }
            }
            if !once && ended.is_none() {
                ended = run(&device, interval).await;
            }
            if let Some(kind) = ended {
                // Erased, or out of management: the device forgets its enrollment.
                std::fs::remove_dir_all(&dir.0)?;
                let how = if kind == CommandKind::Wipe { "reset" } else { "removed" };
                println!("{how}: the device no longer holds any enrollment");
            }
        }
        Command::Status => {
            let state = dir.load()?;
            println!("server:      {}", state.server);
            println!("device id:   {}", state.device_id);
            println!("platform:    {}", state.platform.label());
            println!("management:  {}", state.management.label());
            println!("model:       {}", state.inventory.model);
            println!("OS version:  {}", state.inventory.os_version);
            println!("encrypted:   {}", state.inventory.encrypted);
            println!("passcode:    {}", state.inventory.passcode_set);
            println!("jailbroken:  {}", state.inventory.jailbroken);
            println!(
                "serial:      {}",
                state.inventory.serial_number.as_deref().unwrap_or("-")
            );
            println!("certificate: {}", dir.certificate().display());
            for app in dir.installed_apps()? {
                println!("app:         {} {}", app.app_id, app.version);
            }
        }
    }
    Ok(())
}
