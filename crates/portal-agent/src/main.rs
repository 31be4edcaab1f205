use std::{path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand};
use portal_agent::{DeviceClient, StateDir, enroll};
use portal_types::{Inventory, Platform};

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
    /// Enroll this device with a one-time code from the portal's Add device page.
    Enroll {
        #[arg(long)]
        server: String,
        #[arg(long)]
        code: String,
        /// android, ios, windows, windows81, windows_phone, macos or linux.
        #[arg(long, value_parser = parse_platform)]
        platform: Platform,
        #[command(flatten)]
        inventory: InventoryArgs,
    },
    /// Stay connected: check in with the inventory, now and every interval.
    Run {
        /// Seconds between check-ins.
        #[arg(long, default_value_t = 60)]
        interval: u64,
        /// Check in once and exit.
        #[arg(long)]
        once: bool,
        #[command(flatten)]
        inventory: InventoryOverrides,
    },
    /// Print what this device knows about itself.
    Status,
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

fn parse_platform(value: &str) -> Result<Platform, String> {
    Platform::parse(value).ok_or_else(|| {
        let names: Vec<_> = Platform::ALL.iter().map(|p| p.as_str()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let dir = StateDir(cli.state_dir);
    match cli.command {
        Command::Enroll {
            server,
            code,
            platform,
            inventory,
        } => {
            let inventory = Inventory {
                os_version: inventory.os_version,
                model: inventory.model,
                encrypted: inventory.encrypted,
                passcode_set: inventory.passcode,
                jailbroken: inventory.jailbroken,
                free_storage_mb: inventory.free_storage_mb,
            };
            let state = enroll(&server, &code, platform, inventory, &dir).await?;
            println!(
                "enrolled: device {} ({}), state in {}",
                state.device_id,
                platform.label(),
                dir.0.display()
            );
        }
        Command::Run {
            interval,
            once,
            inventory,
        } => {
            let mut client = DeviceClient::load(&dir)?;
            inventory.apply(&mut client.state.inventory);
            dir.save(&client.state)?;
            loop {
                match client.check_in(&client.state.inventory).await {
                    Ok(answer) => {
                        println!("checked in: {}", answer.compliance.label());
                        for reason in &answer.reasons {
                            println!("  {}: {}", reason.problem, reason.fix);
                        }
                    }
                    Err(error) if once => return Err(error),
                    Err(error) => eprintln!("check-in failed: {error:#}"),
                }
                if once {
                    break;
                }
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(interval)) => {}
                    _ = tokio::signal::ctrl_c() => break,
                }
            }
        }
        Command::Status => {
            let state = dir.load()?;
            println!("server:      {}", state.server);
            println!("device id:   {}", state.device_id);
            println!("platform:    {}", state.platform.label());
            println!("model:       {}", state.inventory.model);
            println!("OS version:  {}", state.inventory.os_version);
            println!("encrypted:   {}", state.inventory.encrypted);
            println!("passcode:    {}", state.inventory.passcode_set);
            println!("jailbroken:  {}", state.inventory.jailbroken);
            println!("certificate: {}", dir.certificate().display());
        }
    }
    Ok(())
}
