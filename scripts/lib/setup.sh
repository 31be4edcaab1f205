# Installs what the build and the tests need, skipping what is already there.
# Sourced by run-demo.sh and test-all.sh from the repository root.

TRUNK_VERSION=0.21.14
CARGO_FUZZ_VERSION=0.13.2
SCHEMATHESIS_VERSION=4.32.5
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen crate pin in Cargo.toml
GECKODRIVER_VERSION=0.37.1

say() { printf '\n==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown && return
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

# ensure_cargo_tool BINARY VERSION CRATE [cargo install flags...]
ensure_cargo_tool() {
  local binary=$1 version=$2 crate=$3
  shift 3
  if command -v "$binary" >/dev/null && "$binary" --version 2>/dev/null | grep -qw "$version"; then
    return
  fi
  say "installing $crate $version (once per machine; several minutes on 2 cores)"
  cargo install "$crate" --version "$version" "$@"
}

ensure_build_tools() {
  ensure_wasm_target
  # trunk 0.22 needs a newer rustc; its lockfile works as it is.
  ensure_cargo_tool trunk "$TRUNK_VERSION" trunk --locked
  # Not --locked: its lockfile pins a webpki-roots the registry no longer serves.
  ensure_cargo_tool wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen-cli
  if [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing wasm-opt and playwright-core from npm"
    npm ci --no-audit --no-fund
  fi
  # Trunk takes wasm-opt from PATH at its pinned version (binaryen 132 from npm).
  export PATH="$PWD/node_modules/.bin:$PATH"
}

ensure_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    return
  fi
  say "installing Chromium and ChromeDriver from Debian"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
}

# Debian's Firefox ESR, and geckodriver (crates.io) to drive it through
# WebDriver: the component tests and the main journeys run in it too.
ensure_firefox() {
  if ! command -v firefox-esr >/dev/null; then
    say "installing Firefox ESR from Debian"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q firefox-esr
  fi
  ensure_cargo_tool geckodriver "$GECKODRIVER_VERSION" geckodriver --locked
  command -v geckodriver >/dev/null || { say "geckodriver is installed but not on PATH (add ~/.cargo/bin)"; return 1; }
}

# build_portal [--enforce-budget]: release build of the portal's six bundles
# into dist/ (the others into dist/catalog/, dist/account/, dist/admin/,
# dist/admin-settings/ and dist/admin-organisation/), Sign in painted into its own page, the service
# worker sealed with the release's shell, precompressed, with each
# first load's size printed.
build_portal() {
  say "building the portal (release, size profile, wasm-opt)"
  # Trunk runs cargo offline so that it never downloads; fetch first.
  cargo fetch --quiet
  # The main bundle first: trunk empties its dist folder, catalog/ included.
  trunk build index.html --release --dist dist
  trunk build catalog.html --release --dist dist/catalog --public-url /catalog/
  trunk build account.html --release --dist dist/account --public-url /account/
  trunk build admin.html --release --dist dist/admin --public-url /admin/
  trunk build settings.html --release --dist dist/admin-settings --public-url /admin-settings/
  trunk build organisation.html --release --dist dist/admin-organisation --public-url /admin-organisation/
  node scripts/first-paint.mjs dist
  node scripts/seal-service-worker.mjs dist
  node scripts/compress-dist.mjs dist "$@"
  node scripts/compress-dist.mjs dist/catalog "$@"
  node scripts/compress-dist.mjs dist/account "$@"
  node scripts/compress-dist.mjs dist/admin --budget=160000 "$@"
  node scripts/compress-dist.mjs dist/admin-settings --budget=160000 "$@"
  node scripts/compress-dist.mjs dist/admin-organisation --budget=160000 "$@"
}

# cargo-fuzz runs on stable Rust with --sanitizer none (libFuzzer, coverage-guided).
ensure_cargo_fuzz() {
  if cargo fuzz --version 2>/dev/null | grep -qw "$CARGO_FUZZ_VERSION"; then
    return
  fi
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION (once per machine)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
}

# Schemathesis from PyPI in a virtual environment of its own, kept per
# version; exports SCHEMATHESIS, its command.
ensure_schemathesis() {
  local venv="${XDG_DATA_HOME:-$HOME/.local/share}/company-portal/schemathesis-$SCHEMATHESIS_VERSION"
  if [ ! -x "$venv/bin/st" ]; then
    say "installing Schemathesis $SCHEMATHESIS_VERSION from PyPI (once per machine)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  export SCHEMATHESIS="$venv/bin/st"
}
