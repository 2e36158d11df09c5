#!/usr/bin/env bash
# The shell steps of the skillpack GitHub Action (action.yml), kept here so they can be run
# and tested outside GitHub Actions.
#
#   action.sh install    download the released skillpack for this runner, check the
#                        signature of the release's SHA256SUMS (with minisign, when the
#                        runner has it) and the binary's SHA-256, put it on GITHUB_PATH
#   action.sh validate   run `skillpack validate` with the action's inputs; record the exit
#                        code (and the SARIF file, when one is asked for) in GITHUB_OUTPUT
#
# Inputs come as environment variables, never spliced into the script:
#   SKILLPACK_VERSION        a release version such as 0.2.0, or `latest` (default)
#   SKILLPACK_DOWNLOAD_URL   where release assets are fetched from (overrides the version;
#                            plain http only for 127.0.0.1 and localhost)
#   SKILLPACK_PATHS          paths to validate, separated by white space, or one per line
#                            (then spaces inside a path are kept) (default .)
#   SKILLPACK_REQUIRE_SIGNATURE  true: fail when the release signature cannot be checked
#                            (minisign missing, or the release has no SHA256SUMS.minisig)
#                            instead of checking the checksum only
#   SKILLPACK_INSTALL_PUBKEY the minisign public key SHA256SUMS must be signed by (default:
#                            the skillpack release key below)
#   SKILLPACK_MINISIGN       the minisign program (default minisign)
#   SKILLPACK_PROFILE        spec | claude-code | codex | gemini-cli | upload (default spec)
#   SKILLPACK_STRICT         true: warnings are errors
#   SKILLPACK_FORMAT         github (default) | human | json | sarif
#   SKILLPACK_MAX_ANNOTATIONS  annotations per severity with the github format
#   SKILLPACK_CHANGED_SINCE  validate only the skills changed since this git revision
#   SKILLPACK_SARIF_FILE     also write a SARIF log to this file
# and GitHub's own RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_PATH and GITHUB_OUTPUT.

set -euo pipefail

REPO_URL="https://github.com/skillpack/skillpack"
# The skillpack release key (minisign). The same line is in install.sh and the README.
RELEASE_PUBKEY="RWT/lLZ15Tr6FMisQDTwCzzH+uDXGBIvL5LLX2VAtfr74oyZd1QbHL1Q"

say() {
    printf 'skillpack-action: %s\n' "$*"
}

err() {
    printf '::error title=skillpack action::%s\n' "$1"
    printf 'skillpack-action: error: %s\n' "$1" >&2
    shift
    for line in "$@"; do
        printf '  %s\n' "$line" >&2
    done
    exit 1
}

# Sets `asset`: the release asset for this runner, as scripts/install.sh and install.ps1
# name them. (Set, not printed: an error inside $(...) would lose its annotation.)
asset_name() {
    local os=${RUNNER_OS:-$(uname -s)} arch=${RUNNER_ARCH:-$(uname -m)}
    case "$arch" in
        X64 | x86_64 | amd64) arch=x86_64 ;;
        ARM64 | aarch64 | arm64) arch=aarch64 ;;
        *) err "unsupported runner architecture: $arch" "skillpack release binaries exist for x86_64 and aarch64." ;;
    esac
    case "$os" in
        Linux) asset="skillpack-$arch-unknown-linux-musl" ;;
        macOS | Darwin) asset="skillpack-$arch-apple-darwin" ;;
        # Windows on Arm runs the x86_64 build, as install.ps1 installs it.
        Windows | MINGW* | MSYS* | CYGWIN*) asset="skillpack-x86_64-pc-windows-msvc.exe" ;;
        *) err "unsupported runner operating system: $os" ;;
    esac
}

# Sets `base`: where the release assets are.
base_url() {
    local version=${SKILLPACK_VERSION:-latest} url
    if [ -n "${SKILLPACK_DOWNLOAD_URL:-}" ]; then
        url=${SKILLPACK_DOWNLOAD_URL%/}
    elif [ "$version" = latest ]; then
        url="$REPO_URL/releases/latest/download"
    else
        case "$version" in
            *[!0-9A-Za-z.+-]*) err "not a version: $version" "Use a release version such as 0.2.0, or latest." ;;
        esac
        url="$REPO_URL/releases/download/v${version#v}"
    fi
    # Plain http only to this machine; `user@host` could pass a remote host off as localhost.
    local host=${url#*://}
    host=${host%%/*}
    case "$url" in
        https://*) ;;
        http://*)
            case "$host" in
                *@*) err "refusing to download from $url" "Use an https:// URL." ;;
                127.0.0.1 | 127.0.0.1:* | localhost | localhost:* | '[::1]' | '[::1]:'*) ;;
                *) err "refusing to download from $url" "Use an https:// URL (plain http is allowed only for 127.0.0.1 and localhost)." ;;
            esac
            ;;
        *) err "refusing to download from $url" "Use an https:// URL." ;;
    esac
    base=$url
}

# download URL FILE [optional]: with `optional`, a 404 returns 1 instead of failing.
download() {
    local status
    if ! status=$(curl --proto '=https,http' -sSL --retry 3 --connect-timeout 30 -w '%{http_code}' -o "$2" "$1"); then
        err "could not download $1" "Check the runner's network connection, then re-run the job."
    fi
    case "$status" in
        2??) ;;
        404) if [ "${3:-}" = optional ]; then return 1; fi
             err "not found (HTTP 404): $1" "There is no skillpack release asset for this runner at that address; check the action's version input." ;;
        *) err "the server answered HTTP $status for $1" "Re-run the job in a few minutes." ;;
    esac
}

sha256_of() {
    local sum
    if command -v sha256sum >/dev/null 2>&1; then
        sum=$(sha256sum "$1")
    elif command -v shasum >/dev/null 2>&1; then
        sum=$(shasum -a 256 "$1")
    else
        err "no SHA-256 tool found (looked for sha256sum and shasum)"
    fi
    sum=${sum%% *}
    printf '%s\n' "${sum#\\}" | tr 'A-F' 'a-f'
}

install() {
    local asset base dir tmp expected actual exe=skillpack
    asset_name
    base_url
    case "$asset" in *.exe) exe=skillpack.exe ;; esac
    dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/skillpack-bin"
    tmp=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/skillpack-download.XXXXXX")
    # shellcheck disable=SC2064 # expand now: the folder is known
    trap "rm -rf '$tmp'" EXIT

    local minisign=${SKILLPACK_MINISIGN:-minisign} pubkey=${SKILLPACK_INSTALL_PUBKEY:-$RELEASE_PUBKEY}
    local signed=0 check checksums
    case "${SKILLPACK_REQUIRE_SIGNATURE:-false}" in
        true | false) ;;
        *) err "require-signature must be true or false, not ${SKILLPACK_REQUIRE_SIGNATURE}" ;;
    esac
    if command -v "$minisign" >/dev/null 2>&1; then
        signed=1
    elif [ "${SKILLPACK_REQUIRE_SIGNATURE:-false}" = true ]; then
        err "minisign is not installed, so the release signature cannot be checked; nothing was installed" \
            "Install minisign on the runner before this step (apt-get install minisign, brew install minisign)," \
            "or set require-signature to false to check the SHA-256 checksum only."
    else
        say "minisign is not installed: checking the SHA-256 checksum only, not the release signature"
    fi

    say "downloading $asset from $base"
    if [ "$signed" = 1 ]; then
        # The signed list of checksums first: the binary must match its line there.
        download "$base/SHA256SUMS" "$tmp/SHA256SUMS"
        if ! download "$base/SHA256SUMS.minisig" "$tmp/SHA256SUMS.minisig" optional; then
            if [ "${SKILLPACK_REQUIRE_SIGNATURE:-false}" = true ]; then
                err "the release has no signature (SHA256SUMS.minisig is missing at $base); nothing was installed" \
                    "Without it nothing proves the binary comes from skillpack's release key." \
                    "A release published before releases were signed can be installed on its checksum alone:" \
                    "set require-signature to false."
            fi
            # Not required: the checksum in SHA256SUMS alone, said plainly.
            signed=0
            say "the release has no signature (SHA256SUMS.minisig is missing): checking the SHA-256 checksum in SHA256SUMS only, not the release signature"
        elif ! check=$("$minisign" -V -q -P "$pubkey" -m "$tmp/SHA256SUMS" -x "$tmp/SHA256SUMS.minisig" 2>&1); then
            err "the signature of SHA256SUMS does not verify with the skillpack release key; nothing was installed" \
                "minisign: $(printf '%s' "$check" | tr '\n' ' ')" \
                "key: $pubkey" \
                "The release was altered, or signed by another key. Do not use this download."
        else
            say "verified the signature of SHA256SUMS with the release key $pubkey"
        fi
        expected=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1; exit }' "$tmp/SHA256SUMS" | tr 'A-F' 'a-f')
        checksums=SHA256SUMS
    else
        download "$base/$asset.sha256" "$tmp/$asset.sha256"
        expected=$(sed -n '1s/[[:space:]].*//p' "$tmp/$asset.sha256" | tr 'A-F' 'a-f')
        checksums="$asset.sha256"
    fi
    download "$base/$asset" "$tmp/$asset"
    if ! [[ "$expected" =~ ^[0-9a-f]{64}$ ]]; then
        err "$checksums holds no SHA-256 checksum of $asset; nothing was installed" \
            "$base/$checksums should hold '<64 hex digits>  $asset'."
    fi
    actual=$(sha256_of "$tmp/$asset")
    if [ "$actual" != "$expected" ]; then
        err "checksum mismatch for $asset: the download is corrupt or was altered; nothing was installed" \
            "expected sha256: $expected" "actual sha256:   $actual"
    fi
    if [ "$signed" = 1 ]; then
        say "verified sha256 $actual (listed in the signed SHA256SUMS)"
    else
        say "verified sha256 $actual (checksum only: the release signature was not checked)"
    fi

    mkdir -p "$dir"
    chmod 755 "$tmp/$asset"
    mv -f "$tmp/$asset" "$dir/$exe"
    "$dir/$exe" --version
    if [ -n "${GITHUB_PATH:-}" ]; then
        echo "$dir" >>"$GITHUB_PATH"
    fi
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        echo "path=$dir/$exe" >>"$GITHUB_OUTPUT"
    fi
}

validate() {
    local bin=${SKILLPACK_BIN:-skillpack} status=0 sarif_status=0
    local -a args=(validate) paths=()
    local list=${SKILLPACK_PATHS:-.} line
    if [[ "$list" == *$'\n'* ]]; then
        # One path per line (a YAML block): spaces inside a path are kept.
        while IFS= read -r line; do
            line=${line%$'\r'}
            [ -n "${line//[[:space:]]/}" ] && paths+=("$line")
        done <<<"$list"
    else
        set -f # paths are names, not patterns
        # shellcheck disable=SC2206 # split on white space on purpose
        paths=($list)
        set +f
    fi
    [ "${#paths[@]}" -gt 0 ] || paths=(.)
    args+=(--profile "${SKILLPACK_PROFILE:-spec}")
    case "${SKILLPACK_STRICT:-false}" in
        true) args+=(--strict) ;;
        false | "") ;;
        *) err "strict must be true or false, not ${SKILLPACK_STRICT}" ;;
    esac
    if [ -n "${SKILLPACK_CHANGED_SINCE:-}" ]; then
        args+=(--changed-since "$SKILLPACK_CHANGED_SINCE")
    fi
    local format=${SKILLPACK_FORMAT:-github}
    if [ "$format" = github ] && [ -n "${SKILLPACK_MAX_ANNOTATIONS:-}" ]; then
        args+=(--max-annotations "$SKILLPACK_MAX_ANNOTATIONS")
    fi
    if [ -n "${SKILLPACK_SARIF_FILE:-}" ]; then
        # This run writes the job summary; the one for the log format below does not.
        "$bin" "${args[@]}" --format sarif -- "${paths[@]}" >"$SKILLPACK_SARIF_FILE" || sarif_status=$?
        if [ "$sarif_status" -gt 1 ]; then
            err "could not write the SARIF log (skillpack exit $sarif_status)"
        fi
        say "wrote $SKILLPACK_SARIF_FILE"
        if [ -n "${GITHUB_OUTPUT:-}" ]; then
            echo "sarif-file=$SKILLPACK_SARIF_FILE" >>"$GITHUB_OUTPUT"
        fi
        if [ "$format" = sarif ]; then
            status=$sarif_status
        else
            GITHUB_STEP_SUMMARY="" "$bin" "${args[@]}" --format "$format" -- "${paths[@]}" || status=$?
        fi
    else
        # Options first, then `--`: a path that begins with `-` is never read as an option.
        "$bin" "${args[@]}" --format "$format" -- "${paths[@]}" || status=$?
    fi
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        echo "exit-code=$status" >>"$GITHUB_OUTPUT"
    fi
    return 0
}

case "${1:-}" in
    install) install ;;
    validate) validate ;;
    *)
        echo "usage: action.sh install | validate" >&2
        exit 2
        ;;
esac
