# Install the skillpack binary on Windows, then install the account-management skill with it.
#
#   irm https://github.com/skillpack/skillpack/releases/latest/download/install.ps1 | iex
#
# Arguments for `skillpack install` (for example another agent):
#
#   & ([scriptblock]::Create((irm https://github.com/skillpack/skillpack/releases/latest/download/install.ps1))) --agent codex
#   powershell -ExecutionPolicy Bypass -File install.ps1 --agent codex
#
# Environment:
#   SKILLPACK_VERSION       the release to install, e.g. 0.2.0 (default: the latest)
#   SKILLPACK_DOWNLOAD_URL  where release assets are fetched from
#                           (default https://github.com/skillpack/skillpack/releases/latest/download,
#                           or .../releases/download/vVERSION with SKILLPACK_VERSION)
#   SKILLPACK_INSTALL_DIR   where skillpack.exe goes (default %LOCALAPPDATA%\skillpack\bin)
#   SKILLPACK_NO_RUN=1      install the binary only; do not run `skillpack install`
#   SKILLPACK_INSTALL_PUBKEY  the minisign public key SHA256SUMS must be signed by
#                           (default: the skillpack release key below)
#   SKILLPACK_INSTALL_UNSIGNED=1  check the checksum only, even when minisign is installed
#
# Authenticity: when `minisign` is on PATH, the release's SHA256SUMS must carry a valid
# signature (SHA256SUMS.minisig) by the skillpack release key, and the binary must match its
# line there; a missing or failing signature installs nothing. Without minisign the binary
# is checked against its published SHA-256 only, and the script says so.
#
# Errors are thrown, never `exit`: under `irm | iex` an exit would close the user's window.

# The skillpack release key (minisign). The same line is in the README.
$SkillpackReleaseKey = 'RWT/lLZ15Tr6FMisQDTwCzzH+uDXGBIvL5LLX2VAtfr74oyZd1QbHL1Q'

function Install-Skillpack {
    param([string[]]$InstallArgs = @())

    # Scoped to this function, so `iex` leaves the caller's session preferences alone.
    $ErrorActionPreference = 'Stop'
    # Windows PowerShell 5.1 redraws its progress bar per chunk, which makes downloads crawl.
    $ProgressPreference = 'SilentlyContinue'

    # `irm | iex` in a console has no script arguments: $args may be $null there.
    $InstallArgs = @($InstallArgs | Where-Object { $null -ne $_ })
    if ($InstallArgs.Count -gt 0 -and $InstallArgs[0] -eq '--') {
        $InstallArgs = @($InstallArgs | Select-Object -Skip 1)
    }

    if ($PSVersionTable.PSEdition -eq 'Core' -and -not $IsWindows) {
        throw "skillpack-install: this script installs skillpack on Windows. On Linux and macOS run:`n  curl -fsSL https://github.com/skillpack/skillpack/releases/latest/download/install.sh | sh"
    }

    # A 32-bit PowerShell on 64-bit Windows reports x86 here and the real CPU in PROCESSOR_ARCHITEW6432.
    $arch = if ($env:PROCESSOR_ARCHITEW6432) { $env:PROCESSOR_ARCHITEW6432 } else { $env:PROCESSOR_ARCHITECTURE }
    switch ($arch) {
        'AMD64' { }
        'ARM64' { Write-Host 'skillpack-install: no native ARM64 build yet; installing the x86_64 one, which Windows 11 runs under emulation' }
        default { throw "skillpack-install: unsupported CPU architecture: $arch. skillpack for Windows is built for x86_64; on other machines build it from source: cargo install --git https://github.com/skillpack/skillpack" }
    }
    $target = 'x86_64-pc-windows-msvc'
    $asset = "skillpack-$target.exe"

    $version = "$env:SKILLPACK_VERSION".Trim()
    if ($version.StartsWith('v')) { $version = $version.Substring(1) }
    if ($version -eq 'latest') { $version = '' }
    if ($version -and $version -notmatch '^[0-9][0-9A-Za-z.+-]*$') {
        throw "skillpack-install: SKILLPACK_VERSION is not a release version: $env:SKILLPACK_VERSION`n  Set it to a version such as 0.2.0 (see https://github.com/skillpack/skillpack/releases), or unset it for the latest."
    }
    $base = $env:SKILLPACK_DOWNLOAD_URL
    if (-not $base) {
        if ($version) {
            $base = "https://github.com/skillpack/skillpack/releases/download/v$version"
        } else {
            $base = 'https://github.com/skillpack/skillpack/releases/latest/download'
        }
    }
    $base = $base.TrimEnd('/')
    $uri = $null
    if (-not [Uri]::TryCreate($base, [UriKind]::Absolute, [ref]$uri)) {
        throw "skillpack-install: SKILLPACK_DOWNLOAD_URL is not a valid URL: $base"
    }
    # Plain http is allowed only to this machine (local mirrors and tests).
    if ($uri.Scheme -ne 'https' -and -not ($uri.Scheme -eq 'http' -and $uri.IsLoopback)) {
        throw "skillpack-install: refusing to download from $base. Use an https:// URL in SKILLPACK_DOWNLOAD_URL (http is allowed only for 127.0.0.1 and localhost)."
    }
    # Windows PowerShell 5.1 on older .NET may not offer TLS 1.2 unless asked; GitHub requires it.
    if ($PSVersionTable.PSEdition -ne 'Core') {
        [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    }

    $installDir = $env:SKILLPACK_INSTALL_DIR
    if (-not $installDir) {
        if (-not $env:LOCALAPPDATA) {
            throw 'skillpack-install: LOCALAPPDATA is not set. Set SKILLPACK_INSTALL_DIR to the folder skillpack.exe should go to.'
        }
        $installDir = Join-Path $env:LOCALAPPDATA 'skillpack\bin'
    }
    # Relative to the PowerShell location, which .NET's current directory need not follow.
    $installDir = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($installDir)
    $dest = Join-Path $installDir 'skillpack.exe'

    $tmpDir = Join-Path ([IO.Path]::GetTempPath()) ('skillpack-install-' + [Guid]::NewGuid().ToString('N'))
    $tmpDest = $null
    New-Item -ItemType Directory -Path $tmpDir | Out-Null
    try {
        $pubkey = $env:SKILLPACK_INSTALL_PUBKEY
        if (-not $pubkey) { $pubkey = $SkillpackReleaseKey }
        $minisign = Get-Command minisign -ErrorAction SilentlyContinue
        $signed = $false
        if ($env:SKILLPACK_INSTALL_UNSIGNED -and $env:SKILLPACK_INSTALL_UNSIGNED -ne '0') {
            Write-Host 'skillpack-install: SKILLPACK_INSTALL_UNSIGNED is set: checking the SHA-256 checksum only, not the release signature'
        } elseif ($minisign) {
            $signed = $true
            # A key that is not one would make every release look forged: said as what it is.
            if ($pubkey -cnotmatch '^RW[A-Za-z0-9+/=]{54}$') {
                throw "skillpack-install: SKILLPACK_INSTALL_PUBKEY is not a minisign public key (a line of 56 characters starting with RW); nothing was installed.`n  key: $pubkey`n  Unset it to use the skillpack release key, or set it to the key line of a .pub file."
            }
        } else {
            Write-Host 'skillpack-install: minisign is not installed: checking the SHA-256 checksum only, not the release signature'
            Write-Host "skillpack-install: (install minisign and run this script again to check that the release comes from skillpack's key)"
        }

        Write-Host "skillpack-install: downloading $asset from $base"
        $binFile = Join-Path $tmpDir $asset
        if ($signed) {
            # The signed list of checksums first: the binary must match its line there.
            $sumsFile = Join-Path $tmpDir 'SHA256SUMS'
            $sigFile = Join-Path $tmpDir 'SHA256SUMS.minisig'
            Get-SkillpackAsset -Url "$base/SHA256SUMS" -OutFile $sumsFile -Target $target -Base $base
            try {
                Invoke-WebRequest -Uri "$base/SHA256SUMS.minisig" -OutFile $sigFile -UseBasicParsing
            } catch {
                $status = $null
                $response = $_.Exception.Response
                if ($response -and $response.StatusCode) { $status = [int]$response.StatusCode }
                if ($status -ne 404) {
                    # Not an answer that the file is missing: a network or server failure.
                    throw "skillpack-install: could not download $base/SHA256SUMS.minisig: $($_.Exception.Message); nothing was installed.`n  Check your network connection (and proxy settings), then run this script again."
                }
                throw "skillpack-install: the release has no signature (SHA256SUMS.minisig is missing at $base); nothing was installed.`n  Without it nothing proves the binary comes from skillpack's release key.`n  A release published before releases were signed can be installed on its checksum alone: set SKILLPACK_INSTALL_UNSIGNED=1 and run this script again."
            }
            $ErrorActionPreference = 'Continue'
            $check = & $minisign.Source -V -q -P $pubkey -m $sumsFile -x $sigFile 2>&1 | Out-String
            $code = $LASTEXITCODE
            $ErrorActionPreference = 'Stop'
            if ($code -ne 0) {
                throw "skillpack-install: the signature of SHA256SUMS does not verify with the skillpack release key; nothing was installed.`n  minisign: $($check.Trim())`n  key: $pubkey`n  The release was altered, or signed by another key. Do not use this download."
            }
            Write-Host "skillpack-install: verified the signature of SHA256SUMS with the release key $pubkey"
            $expected = $null
            foreach ($line in Get-Content -LiteralPath $sumsFile) {
                $fields = $line -split '\s+', 2
                if ($fields.Count -eq 2 -and ($fields[1] -eq $asset -or $fields[1] -eq "*$asset")) { $expected = $fields[0]; break }
            }
            $checksums = 'SHA256SUMS'
        } else {
            $shaFile = Join-Path $tmpDir "$asset.sha256"
            Get-SkillpackAsset -Url "$base/$asset.sha256" -OutFile $shaFile -Target $target -Base $base
            $expected = ((Get-Content -Raw -LiteralPath $shaFile) -split '\s+' | Where-Object { $_ } | Select-Object -First 1)
            $checksums = "$asset.sha256"
        }
        Get-SkillpackAsset -Url "$base/$asset" -OutFile $binFile -Target $target -Base $base

        # Verify before the binary is moved anywhere or run.
        if (-not $expected -or $expected -notmatch '^[0-9a-fA-F]{64}$') {
            throw "skillpack-install: $checksums holds no SHA-256 checksum of $asset; nothing was installed. Check SKILLPACK_DOWNLOAD_URL: $base/$checksums should hold '<64 hex digits>  $asset'."
        }
        $expected = $expected.ToLowerInvariant()
        $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath $binFile).Hash.ToLowerInvariant()
        if ($actual -ne $expected) {
            Remove-Item -LiteralPath $binFile -Force
            throw "skillpack-install: checksum mismatch for ${asset}: the download is corrupt or was altered; nothing was installed.`n  expected sha256: $expected`n  actual sha256:   $actual`n  Run this script again; if the mismatch persists, do not use this download."
        }
        if ($signed) {
            Write-Host "skillpack-install: verified sha256 $actual (listed in the signed SHA256SUMS)"
        } else {
            Write-Host "skillpack-install: verified sha256 $actual (checksum only: the release signature was not checked)"
        }

        try {
            New-Item -ItemType Directory -Force -Path $installDir | Out-Null
            # The copy sits beside the target so the final step is a rename on one volume.
            $tmpDest = Join-Path $installDir ".skillpack.tmp.$PID.exe"
            Copy-Item -LiteralPath $binFile -Destination $tmpDest -Force
        } catch {
            throw "skillpack-install: cannot write to ${installDir}: $($_.Exception.Message). Set SKILLPACK_INSTALL_DIR to a folder you can write to."
        }
        if ($version) {
            $got = (& $tmpDest --version 2>$null | Out-String).Trim() -replace '^skillpack ', ''
            if ($got -ne $version) {
                if (-not $got) { $got = 'unknown' }
                throw "skillpack-install: the downloaded skillpack is version $got, not $version; nothing was installed.`n  Check SKILLPACK_VERSION and SKILLPACK_DOWNLOAD_URL ($base)."
            }
        }
        try {
            if (Test-Path -LiteralPath $dest) {
                [IO.File]::Replace($tmpDest, $dest, [NullString]::Value)
            } else {
                [IO.File]::Move($tmpDest, $dest)
            }
        } catch {
            throw "skillpack-install: could not replace ${dest}: $($_.Exception.Message). If skillpack is running, close it and run this script again."
        }
        $tmpDest = $null
        Write-Host "skillpack-install: installed skillpack to $dest"
    } finally {
        if ($tmpDest -and (Test-Path -LiteralPath $tmpDest)) { Remove-Item -LiteralPath $tmpDest -Force -ErrorAction SilentlyContinue }
        Remove-Item -LiteralPath $tmpDir -Recurse -Force -ErrorAction SilentlyContinue
    }

    if ($env:SKILLPACK_NO_RUN -and $env:SKILLPACK_NO_RUN -ne '0') {
        Write-Host "skillpack-install: SKILLPACK_NO_RUN is set: not running 'skillpack install'"
    } else {
        $shown = (@('skillpack', 'install') + $InstallArgs) -join ' '
        Write-Host "skillpack-install: running: $shown"
        # Windows PowerShell can turn a native command's stderr into a terminating error under
        # 'Stop'; skillpack's exit code is what decides success.
        $ErrorActionPreference = 'Continue'
        & $dest install @InstallArgs
        $code = $LASTEXITCODE
        $ErrorActionPreference = 'Stop'
        if ($code -ne 0) {
            throw "skillpack-install: skillpack was installed to $dest, but 'skillpack install' failed (exit $code). Fix the problem it reported above, then run: & '$dest' install"
        }
    }

    $onPath = @($env:Path -split ';' | Where-Object { $_ } | ForEach-Object { $_.TrimEnd('\') }) -contains $installDir.TrimEnd('\')
    if (-not $onPath) {
        Write-Host "skillpack-install: $installDir is not on your PATH. To run skillpack by name, run this once and open a new terminal:"
        Write-Host ''
        Write-Host "    [Environment]::SetEnvironmentVariable('Path', '$installDir;' + [Environment]::GetEnvironmentVariable('Path', 'User'), 'User')"
        Write-Host ''
    }
}

# Download Url into OutFile, or throw a message naming the URL and the cause.
function Get-SkillpackAsset {
    param([string]$Url, [string]$OutFile, [string]$Target, [string]$Base)
    try {
        Invoke-WebRequest -Uri $Url -OutFile $OutFile -UseBasicParsing
    } catch {
        $status = $null
        $response = $_.Exception.Response
        if ($response -and $response.StatusCode) { $status = [int]$response.StatusCode }
        if ($status -eq 404) {
            throw "skillpack-install: not found (HTTP 404): $Url`n  There is no skillpack release asset for this platform ($Target) at $Base. Check SKILLPACK_DOWNLOAD_URL."
        } elseif ($status) {
            throw "skillpack-install: the server answered HTTP $status for $Url. Try again in a few minutes; if it persists, check SKILLPACK_DOWNLOAD_URL."
        } else {
            throw "skillpack-install: could not download ${Url}: $($_.Exception.Message)`n  Check your network connection (and proxy settings), then run this script again."
        }
    }
}

Install-Skillpack -InstallArgs $args
