#!/bin/sh
# Install the skillpack binary, then install the account-management skill with it.
#
#   curl -fsSL https://github.com/skillpack/skillpack/releases/latest/download/install.sh | sh
#
# Arguments after `--` go to `skillpack install`:
#
#   curl -fsSL https://github.com/skillpack/skillpack/releases/latest/download/install.sh | sh -s -- --agent codex
#   sh install.sh -- --agent codex
#
# Environment:
#   SKILLPACK_VERSION       the release to install, e.g. 0.2.0 (default: the latest)
#   SKILLPACK_DOWNLOAD_URL  where release assets are fetched from
#                           (default https://github.com/skillpack/skillpack/releases/latest/download,
#                           or .../releases/download/vVERSION with SKILLPACK_VERSION)
#   SKILLPACK_INSTALL_DIR   where the binary goes (default $HOME/.local/bin)
#   SKILLPACK_NO_RUN=1      install the binary only; do not run `skillpack install`
#   XDG_DATA_HOME           the man pages go to $XDG_DATA_HOME/man/man1
#                           (default $HOME/.local/share/man/man1)
#   SKILLPACK_INSTALL_PUBKEY  the minisign public key SHA256SUMS must be signed by
#                           (default: the skillpack release key below; for mirrors that sign
#                           their own copy)
#   SKILLPACK_INSTALL_UNSIGNED=1  check the checksum only, even when minisign is installed
#                           (releases published before they were signed)
#
# Authenticity: when `minisign` is installed, the release's SHA256SUMS must carry a valid
# signature (SHA256SUMS.minisig) by the skillpack release key, and the binary must match
# its line there; a missing or failing signature installs nothing. Without minisign the
# binary is checked against its published SHA-256 only, and the script says so.

set -eu

RELEASES_URL="https://github.com/skillpack/skillpack/releases"

# The skillpack release key (minisign). The same line is in the README.
RELEASE_PUBKEY="RWT/lLZ15Tr6FMisQDTwCzzH+uDXGBIvL5LLX2VAtfr74oyZd1QbHL1Q"

# Set once known, so the exit trap can remove them whatever step fails.
tmp_dir=""
tmp_dest=""

usage() {
    cat <<'EOF'
Install skillpack, then run `skillpack install` (the account-management skill for Claude Code).

usage: curl -fsSL https://github.com/skillpack/skillpack/releases/latest/download/install.sh | sh
       sh install.sh [-- SKILLPACK-INSTALL-ARGS...]

Arguments after `--` are passed to `skillpack install`, e.g. `-- --agent codex`.

Environment:
  SKILLPACK_VERSION       the release to install, e.g. 0.2.0 (default: the latest)
  SKILLPACK_DOWNLOAD_URL  release assets location (default: the GitHub release)
  SKILLPACK_INSTALL_DIR   where to put the binary (default: $HOME/.local/bin)
  SKILLPACK_NO_RUN=1      only install the binary
  XDG_DATA_HOME           man pages go to $XDG_DATA_HOME/man/man1
                          (default: $HOME/.local/share/man/man1)
  SKILLPACK_INSTALL_PUBKEY  the minisign key SHA256SUMS must be signed by
  SKILLPACK_INSTALL_UNSIGNED=1  check the checksum only, even with minisign installed

With minisign installed, the release's signed SHA256SUMS is verified; without it, only
the SHA-256 checksum is, and the script says so.
EOF
}

say() {
    printf 'skillpack-install: %s\n' "$*"
}

err() {
    printf 'skillpack-install: error: %s\n' "$1" >&2
    shift
    for line in "$@"; do
        printf '  %s\n' "$line" >&2
    done
    exit 1
}

# shellcheck disable=SC2317,SC2329 # called by the exit trap
cleanup() {
    if [ -n "$tmp_dest" ]; then
        rm -f "$tmp_dest"
    fi
    if [ -n "$tmp_dir" ]; then
        rm -rf "$tmp_dir"
    fi
}

detect_target() {
    os=$(uname -s)
    arch=$(uname -m)
    case "$arch" in
        x86_64 | amd64) arch=x86_64 ;;
        aarch64 | arm64) arch=aarch64 ;;
        *) err "unsupported CPU architecture: $arch" \
            "skillpack release binaries exist for x86_64 and aarch64." \
            "On other machines, build it from source: cargo install --git https://github.com/skillpack/skillpack" ;;
    esac
    case "$os" in
        Linux) target="$arch-unknown-linux-musl" ;;
        Darwin)
            # A shell running under Rosetta reports x86_64 on Apple silicon; prefer the native binary.
            if [ "$arch" = x86_64 ] && [ "$(sysctl -n hw.optional.arm64 2>/dev/null || true)" = 1 ]; then
                arch=aarch64
            fi
            target="$arch-apple-darwin"
            ;;
        MINGW* | MSYS* | CYGWIN* | Windows_NT)
            err "this script installs skillpack on Linux and macOS" \
                "On Windows, run in PowerShell: irm https://github.com/skillpack/skillpack/releases/latest/download/install.ps1 | iex" ;;
        *) err "unsupported operating system: $os" \
            "skillpack release binaries exist for Linux, macOS and Windows." \
            "On other systems, build it from source: cargo install --git https://github.com/skillpack/skillpack" ;;
    esac
}

# Plain http is allowed only to this machine (local mirrors and tests); everything else must be https.
check_base_url() {
    case "$base_url" in
        https://*) insecure_ok=0 ;;
        http://*)
            host_port=${base_url#http://}
            host_port=${host_port%%/*}
            case "$host_port" in
                *@*) insecure_ok=no ;; # user@host could disguise a remote host as localhost
                127.0.0.1 | 127.0.0.1:* | localhost | localhost:* | '[::1]' | '[::1]:'*) insecure_ok=1 ;;
                *) insecure_ok=no ;;
            esac
            if [ "$insecure_ok" = no ]; then
                err "refusing to download over plain http: $base_url" \
                    "Use an https:// URL in SKILLPACK_DOWNLOAD_URL (http is allowed only for 127.0.0.1 and localhost)."
            fi
            ;;
        *) err "SKILLPACK_DOWNLOAD_URL must start with https:// (got: $base_url)" ;;
    esac
}

# download URL FILE [optional]: fetch URL into FILE, or exit with a message naming the URL
# and the cause. With `optional`, a file the server does not have returns 1 instead.
download() {
    url=$1
    file=$2
    optional=${3:-}
    if command -v curl >/dev/null 2>&1; then
        if [ "$insecure_ok" = 1 ]; then
            proto="=http,https"
        else
            proto="=https"
        fi
        # No -f: the status code is read from -w to say exactly what the server answered.
        if ! http_status=$(curl --proto "$proto" --tlsv1.2 -sSL --retry 3 --connect-timeout 30 \
            -w '%{http_code}' -o "$file" "$url"); then
            err "could not download $url" \
                "Check your network connection (and HTTPS_PROXY if you use a proxy), then run this script again."
        fi
        case "$http_status" in
            2??) ;;
            404) if [ -n "$optional" ]; then rm -f "$file"; return 1; fi
                err "not found (HTTP 404): $url" \
                "There is no skillpack release asset for this platform ($target) at $base_url." \
                "Check SKILLPACK_DOWNLOAD_URL, or build from source: cargo install --git https://github.com/skillpack/skillpack" ;;
            *) err "the server answered HTTP $http_status for $url" \
                "Try again in a few minutes; if it persists, check SKILLPACK_DOWNLOAD_URL." ;;
        esac
    elif command -v wget >/dev/null 2>&1; then
        if [ "$insecure_ok" = 1 ]; then
            set -- -q -O "$file" "$url"
        else
            set -- --https-only --secure-protocol=TLSv1_2 -q -O "$file" "$url"
        fi
        wget_status=0
        wget "$@" || wget_status=$?
        case "$wget_status" in
            0) ;;
            8) if [ -n "$optional" ]; then rm -f "$file"; return 1; fi
                err "the server answered with an error for $url" \
                "If it is 404, there is no skillpack release asset for this platform ($target) at $base_url;" \
                "check SKILLPACK_DOWNLOAD_URL." ;;
            5) err "could not verify the TLS certificate of $url" \
                "Check the system's CA certificates (for example: sudo apt-get install ca-certificates)." ;;
            *) err "could not download $url (wget exit $wget_status)" \
                "Check your network connection (and https_proxy if you use a proxy), then run this script again." ;;
        esac
    else
        err "neither curl nor wget was found" \
            "Install curl (for example: sudo apt-get install curl), then run this script again."
    fi
}

# sha256_of FILE: print the lowercase hex SHA-256 of FILE.
sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sum=$(sha256sum "$1")
    elif command -v shasum >/dev/null 2>&1; then
        sum=$(shasum -a 256 "$1")
    elif command -v openssl >/dev/null 2>&1; then
        sum=$(openssl dgst -sha256 -r "$1")
    else
        err "no SHA-256 tool found (looked for sha256sum, shasum and openssl)" \
            "Install coreutils or perl's shasum, then run this script again."
    fi
    printf '%s\n' "${sum%% *}" | tr 'A-F' 'a-f'
}

# install_man_pages BINARY: the man pages, written by the binary just installed (so they
# match it) into the user's man folder. Never fails the install: a problem here is said.
install_man_pages() {
    if [ -n "${XDG_DATA_HOME:-}" ]; then
        man_dir="$XDG_DATA_HOME/man/man1"
    elif [ -n "${HOME:-}" ]; then
        man_dir="$HOME/.local/share/man/man1"
    else
        say "HOME is not set: the man pages were not installed ('skillpack man' prints them)"
        return 0
    fi
    case "$man_dir" in
        /*) ;;
        *) man_dir="$(pwd)/$man_dir" ;;
    esac
    if mkdir -p "$man_dir" 2>/dev/null && "$1" man --out "$man_dir" >/dev/null 2>&1; then
        say "installed the man pages to $man_dir (read them with: man skillpack)"
    else
        say "could not write the man pages to $man_dir; skillpack is installed all the same ('skillpack man' prints them)"
    fi
    return 0
}

main() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --) shift; break ;;
            -h | --help) usage; exit 0 ;;
            *) break ;;
        esac
    done

    version=${SKILLPACK_VERSION:-}
    version=${version#v}
    case "$version" in
        '' | latest) version="" ;;
        *[!0-9A-Za-z.+-]* | [!0-9]*)
            err "SKILLPACK_VERSION is not a release version: $SKILLPACK_VERSION" \
                "Set it to a version such as 0.2.0 (see $RELEASES_URL), or unset it for the latest." ;;
    esac
    if [ -n "$version" ]; then
        default_url="$RELEASES_URL/download/v$version"
    else
        default_url="$RELEASES_URL/latest/download"
    fi
    base_url=${SKILLPACK_DOWNLOAD_URL:-$default_url}
    base_url=${base_url%/}
    if [ -n "${SKILLPACK_INSTALL_DIR:-}" ]; then
        install_dir=$SKILLPACK_INSTALL_DIR
    elif [ -n "${HOME:-}" ]; then
        install_dir="$HOME/.local/bin"
    else
        err "HOME is not set" "Set HOME, or set SKILLPACK_INSTALL_DIR to the folder the binary should go to."
    fi
    case "$install_dir" in
        /*) ;;
        *) install_dir="$(pwd)/$install_dir" ;;
    esac

    detect_target
    check_base_url
    asset="skillpack-$target"

    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    tmp_dir=$(mktemp -d 2>/dev/null || mktemp -d -t skillpack) ||
        err "could not create a temporary folder" "Check that TMPDIR (or /tmp) exists and is writable."

    pubkey=${SKILLPACK_INSTALL_PUBKEY:-$RELEASE_PUBKEY}
    if [ -n "${SKILLPACK_INSTALL_UNSIGNED:-}" ] && [ "$SKILLPACK_INSTALL_UNSIGNED" != 0 ]; then
        signed=0
        say "SKILLPACK_INSTALL_UNSIGNED is set: checking the SHA-256 checksum only, not the release signature"
    elif command -v minisign >/dev/null 2>&1; then
        signed=1
        # A key that is not one would make every release look forged: said as what it is.
        case $pubkey in
            RW*[!A-Za-z0-9+/=]* | [!R]* | R[!W]*) bad_key=1 ;;
            *) bad_key=0 ;;
        esac
        if [ "$bad_key" = 1 ] || [ "${#pubkey}" -ne 56 ]; then
            err "SKILLPACK_INSTALL_PUBKEY is not a minisign public key (a line of 56 characters starting with RW); nothing was installed" \
                "key: $pubkey" \
                "Unset it to use the skillpack release key, or set it to the key line of a .pub file."
        fi
    else
        signed=0
        say "minisign is not installed: checking the SHA-256 checksum only, not the release signature"
        say "(install minisign and run this script again to check that the release comes from skillpack's key)"
    fi

    say "downloading $asset from $base_url"
    if [ "$signed" = 1 ]; then
        # The signed list of checksums first: the binary must match its line there.
        download "$base_url/SHA256SUMS" "$tmp_dir/SHA256SUMS"
        if ! download "$base_url/SHA256SUMS.minisig" "$tmp_dir/SHA256SUMS.minisig" optional; then
            err "the release has no signature (SHA256SUMS.minisig is missing at $base_url); nothing was installed" \
                "Without it nothing proves the binary comes from skillpack's release key." \
                "A release published before releases were signed can be installed on its checksum alone:" \
                "set SKILLPACK_INSTALL_UNSIGNED=1 and run this script again."
        fi
        if ! check=$(minisign -V -q -P "$pubkey" -m "$tmp_dir/SHA256SUMS" -x "$tmp_dir/SHA256SUMS.minisig" 2>&1); then
            err "the signature of SHA256SUMS does not verify with the skillpack release key; nothing was installed" \
                "minisign: $(printf '%s' "$check" | tr '\n' ' ')" \
                "key: $pubkey" \
                "The release was altered, or signed by another key. Do not use this download."
        fi
        say "verified the signature of SHA256SUMS with the release key $pubkey"
        expected=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1; exit }' "$tmp_dir/SHA256SUMS" | tr 'A-F' 'a-f')
        checksums="SHA256SUMS"
    else
        download "$base_url/$asset.sha256" "$tmp_dir/$asset.sha256"
        expected=$(sed -n '1s/[[:space:]].*//p' "$tmp_dir/$asset.sha256" | tr 'A-F' 'a-f')
        checksums="$asset.sha256"
    fi
    download "$base_url/$asset" "$tmp_dir/$asset"

    # Verify before the binary is made executable or moved anywhere.
    case "$expected" in
        *[!0-9a-f]* | '') valid=0 ;;
        *) if [ ${#expected} -eq 64 ]; then valid=1; else valid=0; fi ;;
    esac
    if [ "$valid" != 1 ]; then
        err "$checksums holds no SHA-256 checksum of $asset; nothing was installed" \
            "Check SKILLPACK_DOWNLOAD_URL: $base_url/$checksums should hold '<64 hex digits>  $asset'."
    fi
    actual=$(sha256_of "$tmp_dir/$asset")
    if [ "$actual" != "$expected" ]; then
        rm -f "$tmp_dir/$asset"
        err "checksum mismatch for $asset: the download is corrupt or was altered; nothing was installed" \
            "expected sha256: $expected" \
            "actual sha256:   $actual" \
            "Run this script again; if the mismatch persists, do not use this download."
    fi
    if [ "$signed" = 1 ]; then
        say "verified sha256 $actual (listed in the signed SHA256SUMS)"
    else
        say "verified sha256 $actual (checksum only: the release signature was not checked)"
    fi

    if ! mkdir -p "$install_dir" 2>/dev/null; then
        err "cannot create $install_dir" \
            "Set SKILLPACK_INSTALL_DIR to a folder you can write to, e.g. SKILLPACK_INSTALL_DIR=\$HOME/bin."
    fi
    dest="$install_dir/skillpack"
    # The temporary copy sits in the target folder so the final mv is a rename: a running or
    # interrupted install never leaves a half-written skillpack behind.
    tmp_dest="$install_dir/.skillpack.tmp.$$"
    if ! cp "$tmp_dir/$asset" "$tmp_dest" 2>/dev/null; then
        err "cannot write to $install_dir" \
            "Set SKILLPACK_INSTALL_DIR to a folder you can write to, e.g. SKILLPACK_INSTALL_DIR=\$HOME/bin."
    fi
    chmod 755 "$tmp_dest"
    if [ -n "$version" ]; then
        got=$("$tmp_dest" --version 2>/dev/null || true)
        got=${got#skillpack }
        if [ "$got" != "$version" ]; then
            err "the downloaded skillpack is version ${got:-unknown}, not $version; nothing was installed" \
                "Check SKILLPACK_VERSION and SKILLPACK_DOWNLOAD_URL ($base_url)."
        fi
    fi
    if ! mv -f "$tmp_dest" "$dest"; then
        err "could not move the new binary into place at $dest" \
            "Check the permissions of $install_dir, or set SKILLPACK_INSTALL_DIR to another folder."
    fi
    tmp_dest=""
    say "installed skillpack to $dest"
    install_man_pages "$dest"

    # Said before `skillpack install` runs, so it is not lost under that command's output.
    case ":${PATH:-}:" in
        *":$install_dir:"*) ;;
        *)
            # shellcheck disable=SC2088 # shown to the user, not expanded
            case "${SHELL:-}" in
                */zsh) rc="~/.zshrc" ;;
                */bash) rc="~/.bashrc" ;;
                *) rc="~/.profile" ;;
            esac
            say "$install_dir is not on your PATH. To run skillpack by name, add this line to $rc:"
            # shellcheck disable=SC2016 # $PATH is meant literally in the line to copy
            printf '\n    export PATH="%s:$PATH"\n\n' "$install_dir"
            ;;
    esac

    status=0
    if [ -n "${SKILLPACK_NO_RUN:-}" ] && [ "$SKILLPACK_NO_RUN" != 0 ]; then
        say "SKILLPACK_NO_RUN is set: not running 'skillpack install'"
    else
        say "running: skillpack install${*:+ $*}"
        # Under `curl | sh` stdin is the script itself; the terminal lets skillpack offer choices.
        if [ ! -t 0 ] && [ -t 1 ] && (: </dev/tty) 2>/dev/null; then
            "$dest" install "$@" </dev/tty || status=$?
        else
            "$dest" install "$@" || status=$?
        fi
        if [ "$status" -ne 0 ]; then
            printf "skillpack-install: error: skillpack was installed to %s, but 'skillpack install' failed (exit %s)\n" \
                "$dest" "$status" >&2
            printf '  Fix the problem it reported above, then run: %s install\n' "$dest" >&2
        fi
    fi

    exit "$status"
}

# Everything runs from here, so a download cut short by `curl | sh` executes nothing.
main "$@"
