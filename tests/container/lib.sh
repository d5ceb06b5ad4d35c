# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Shared by tests/container/sandrun-container and tests/run-all: paths, messages, Debian packages, build.
# Sourced, never run. Callers use `set -euo pipefail`.
# shellcheck disable=SC2034 # the variables are for the scripts that source this

SR_SRC=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd -P)
SR_CONTAINER="$SR_SRC/tests/container/sandrun-container"
# One container per state dir. A second one can run beside the first (another developer's, on a shared
# machine) with its own SANDRUN_CONTAINER_STATE and SANDRUN_PORT; tests then need SANDRUN_URL to match.
SR_STATE=${SANDRUN_CONTAINER_STATE:-/run/sandrun-container}
SR_PORT=${SANDRUN_PORT:-8443}
# A sanitised environment for commands inside the container: the caller's PATH may point at a
# pyenv or other host-only tools.
SR_INSIDE_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
               HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}")

# Everything the build, the container and the tests need, by Debian 12 package name.
SR_DEB_PACKAGES=(
        # build
        gcc pkg-config meson ninja-build
        libsystemd-dev libseccomp-dev libcap-dev libgnutls28-dev libarchive-dev
        libmicrohttpd-dev libjson-c-dev libcurl4-openssl-dev zlib1g-dev nettle-dev
        # the booted container
        systemd systemd-container dbus polkitd util-linux passwd procps iproute2
        # tests and the interpreters sandrun offers
        python3 curl ca-certificates bash dash perl nodejs bubblewrap
        # the compilers the language tests use (Java's JDK is large, but its tests need it)
        g++ openjdk-17-jdk-headless golang-go rustc
        # OpenAPI, receipt and metrics checks: jsonschema, openssl, promtool (the container masks the
        # prometheus.service the package enables, so no Prometheus daemon runs)
        python3-jsonschema openssl prometheus
        # the cluster test: the load balancer and the private CA's tool
        haproxy gnutls-bin
        # sealed results open with Debian's age in the tests, and age-sealed files with the CLI
        age
)

sr_say()  { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
sr_warn() { printf '%s: WARNING: %s\n' "${0##*/}" "$*" >&2; }
sr_die()  { printf '%s: ERROR: %s\n' "${0##*/}" "$*" >&2; exit 1; }

sr_need_root() {
        [[ $(id -u) == 0 ]] || sr_die "must run as root (it mounts, boots a container and installs packages): sudo $0 $*"
}

# Packages from SR_DEB_PACKAGES that are not installed.
sr_missing_packages() {
        local p status
        for p in "${SR_DEB_PACKAGES[@]}"; do
                status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
                [[ $status == ii* ]] || printf '%s\n' "$p"
        done
}

# Installs missing packages; skips apt entirely when all are present, so repeated runs stay fast.
sr_install_deps() {
        local missing
        mapfile -t missing < <(sr_missing_packages)
        if ((${#missing[@]} == 0)); then
                sr_say "all ${#SR_DEB_PACKAGES[@]} Debian packages present"
                return 0
        fi
        command -v apt-get >/dev/null || sr_die "missing packages (${missing[*]}) and no apt-get: this harness expects Debian 12"
        sr_say "installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        # An install against stale or absent package lists fails; update once, then install.
        apt-get -q update >/dev/null || sr_die "apt-get update failed"
        apt-get -q -y install --no-install-recommends "${missing[@]}" ||
                sr_die "apt-get install failed for: ${missing[*]}"
        mapfile -t missing < <(sr_missing_packages)
        ((${#missing[@]} == 0)) || sr_die "still not installed after apt-get: ${missing[*]}"
}

# sr_build BUILDDIR [MESON SETUP ARGS...]: configures BUILDDIR when it is not yet, then compiles.
sr_build() {
        local dir=$1
        shift
        if [[ ! -f $dir/build.ninja ]]; then
                sr_say "meson setup $dir $*"
                meson setup "$dir" "$SR_SRC" "$@" || sr_die "meson setup failed in $dir"
        fi
        sr_say "meson compile -C $dir"
        meson compile -C "$dir" || sr_die "meson compile failed in $dir"
}

# sr_wait SECONDS WHAT CMD...: runs CMD every 0.2 s until it succeeds; fails after SECONDS.
sr_wait() {
        local secs=$1 what=$2 deadline
        shift 2
        deadline=$((SECONDS + secs))
        until "$@"; do
                ((SECONDS < deadline)) || { sr_warn "timed out after ${secs}s waiting for $what"; return 1; }
                sleep 0.2
        done
}
