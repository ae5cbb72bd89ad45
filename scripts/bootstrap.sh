#!/bin/sh
# conda-tuna bootstrap: from a machine without conda to a working conda that uses a mirror.
#
#   sh bootstrap.sh                    # Miniforge into ~/miniforge3, conda routed to TUNA
#   sh bootstrap.sh --flavor miniconda --prefix /data/miniconda3
#   sudo sh bootstrap.sh --system      # /opt/miniforge3, mirror config at system scope
#   sh bootstrap.sh --print-url        # only show which installer this machine needs
#
# Steps, each skipped when already done (so running it again is safe):
#   1. detect the OS (uname -s) and architecture (uname -m); anything unknown is an error;
#   2. download the installer from the mirror, verify its SHA-256 where one is published
#      (Miniforge: <installer>.sha256; Miniconda publishes none on the mirrors);
#   3. install it non-interactively: bash installer -b -p PREFIX (an existing conda at
#      PREFIX is kept as it is);
#   4. install conda-tuna from the mirror's PyPI index into PREFIX and run
#      `conda tuna enable -y` (with --scope system in --system mode).
#
# Environment (flags win): CONDA_TUNA_MIRROR (mirror root), CONDA_TUNA_FLAVOR,
# CONDA_TUNA_PREFIX, CONDA_TUNA_PACKAGE (pip requirement, default conda-tuna),
# CONDA_TUNA_INDEX_URL (default <mirror>/pypi/web/simple).
# POSIX sh; needs curl or wget, and sha256sum, shasum or openssl to verify.

set -eu

BOOTSTRAP_VERSION=0.1.0
MIRROR=${CONDA_TUNA_MIRROR:-https://mirrors.tuna.tsinghua.edu.cn}
FLAVOR=${CONDA_TUNA_FLAVOR:-miniforge}
PREFIX=${CONDA_TUNA_PREFIX:-}
PACKAGE=${CONDA_TUNA_PACKAGE:-conda-tuna}
INDEX_URL=${CONDA_TUNA_INDEX_URL:-}
SYSTEM=0
PRINT_URL=0
VERIFY=1
ALLOW_HTTP=0
CHANNELS=
PIP_TOO=0
USER_AGENT="conda-tuna-bootstrap/$BOOTSTRAP_VERSION"
WORKDIR=

say() { printf 'bootstrap: %s\n' "$*"; }
warn() { printf 'bootstrap: WARNING: %s\n' "$*" >&2; }
die() { printf 'bootstrap: ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<'EOF'
Usage: sh bootstrap.sh [options]

Install Miniforge (or Miniconda) from a mirror and route conda through it with conda-tuna.

Options:
  --mirror URL        mirror root (default: $CONDA_TUNA_MIRROR or
                      https://mirrors.tuna.tsinghua.edu.cn; e.g. https://mirrors.bfsu.edu.cn)
  --flavor NAME       miniforge (default; conda-forge, free for everyone) or miniconda
                      (Anaconda's `defaults`: paid licence in organisations > 200 people)
  --prefix DIR        where conda goes (default: ~/miniforge3, or /opt/miniforge3 with
                      --system; miniconda3 for --flavor miniconda)
  --system            shared-server mode: default prefix under /opt and the mirror
                      config written at system scope (for every user of this conda)
  --channels NAME     channel to configure when none is: defaults or conda-forge
  --pip               also point pip at the mirror's PyPI index (conda tuna enable --pip)
  --package SPEC      what pip installs for conda-tuna (default: conda-tuna)
  --index-url URL     PyPI index for conda-tuna (default: <mirror>/pypi/web/simple)
  --no-verify         install Miniforge even when its .sha256 cannot be fetched
  --allow-http        accept a plain http:// mirror on a non-loopback host
  --print-url         print the installer URL for this machine and exit
  -h, --help          show this help
EOF
}

need_value() {
  if [ "$#" -lt 2 ]; then die "$1 needs a value (see --help)"; fi
  case $2 in ''|-*) die "$1 needs a value (see --help)" ;; esac
}

parse_args() {
  while [ "$#" -gt 0 ]; do
    case $1 in
      --mirror) need_value "$@"; MIRROR=$2; shift 2 ;;
      --mirror=*) MIRROR=${1#*=}; shift ;;
      --flavor) need_value "$@"; FLAVOR=$2; shift 2 ;;
      --flavor=*) FLAVOR=${1#*=}; shift ;;
      --prefix) need_value "$@"; PREFIX=$2; shift 2 ;;
      --prefix=*) PREFIX=${1#*=}; shift ;;
      --package) need_value "$@"; PACKAGE=$2; shift 2 ;;
      --package=*) PACKAGE=${1#*=}; shift ;;
      --index-url) need_value "$@"; INDEX_URL=$2; shift 2 ;;
      --index-url=*) INDEX_URL=${1#*=}; shift ;;
      --channels) need_value "$@"; CHANNELS=$2; shift 2 ;;
      --channels=*) CHANNELS=${1#*=}; shift ;;
      --system) SYSTEM=1; shift ;;
      --pip) PIP_TOO=1; shift ;;
      --no-verify) VERIFY=0; shift ;;
      --allow-http) ALLOW_HTTP=1; shift ;;
      --print-url) PRINT_URL=1; shift ;;
      -h|--help) usage; exit 0 ;;
      *) die "unknown option '$1' (see --help)" ;;
    esac
  done
}

# url_error URL PROBLEM: the one shape of a bad --mirror (the URL shown without secrets).
url_error() {
  die "--mirror $(redact_url "$1") is not a usable mirror URL: $2 Give the mirror's root, \
e.g. https://mirrors.tuna.tsinghua.edu.cn (https://, no user name, password, token, query \
or fragment)."
}

# redact_url URL: the URL with user:password@ and /t/<token>/ hidden (for messages).
redact_url() {
  printf '%s' "$1" | sed -e 's#^\([A-Za-z][A-Za-z0-9+.-]*://\)[^/]*@#\1***@#' \
    -e 's#/t/[^/]*#/t/<TOKEN>#g'
}

# check_ipv4 HOST: a plain dotted quad (no 127.1, 0x7f.1 or 2130706433 shorthands);
# sets IS_LOOPBACK=1 for 127.0.0.0/8.
check_ipv4() {
  case $1 in *[!0-9.]*|.*|*.|*..*) return 1 ;; esac
  old_ifs=$IFS; IFS=.
  # shellcheck disable=SC2086  # split on dots on purpose
  set -- $1
  IFS=$old_ifs
  [ "$#" = 4 ] || return 1
  for octet in "$@"; do
    case $octet in 0|[1-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5]) ;; *) return 1 ;; esac
  done
  [ "$1" != 127 ] || IS_LOOPBACK=1
}

# check_ipv6 ADDR (without brackets): RFC 4291 text form, no zone id; sets IS_LOOPBACK=1
# for ::1 (written any way). An embedded IPv4 tail is allowed, never loopback.
check_ipv6() {
  addr=$1
  case $addr in ''|*[!0-9a-f:.]*|*:::*) return 1 ;; esac
  tail4=
  case $addr in
    *.*) tail4=${addr##*:}; addr=${addr%"$tail4"}
         IS_LOOPBACK_SAVED=${IS_LOOPBACK:-0}; check_ipv4 "$tail4" || return 1
         IS_LOOPBACK=$IS_LOOPBACK_SAVED
         case $addr in *::) ;; *:) addr="${addr}0:0" ;; esac
         case $addr in *::) addr="${addr}0:0" ;; esac ;;
  esac
  case $addr in *::*::*) return 1 ;; esac
  case $addr in *::) ;; *:) return 1 ;; esac
  case $addr in ::*) ;; :*) return 1 ;; esac
  case $addr in
    *::*) head=${addr%%::*}; rest=${addr#*::} ;;
    :*|*:) return 1 ;;
    *) head=$addr; rest= ;;
  esac
  expanded=; groups=0; old_ifs=$IFS; IFS=:
  for part in $head; do expanded="$expanded $part"; groups=$((groups + 1)); done
  right=; rgroups=0
  for part in $rest; do right="$right $part"; rgroups=$((rgroups + 1)); done
  IFS=$old_ifs
  case $addr in
    *::*) [ $((groups + rgroups)) -le 7 ] || return 1
          while [ $((groups + rgroups)) -lt 8 ]; do
            expanded="$expanded 0"; groups=$((groups + 1))
          done ;;
    *) [ "$groups" = 8 ] || return 1 ;;
  esac
  expanded="$expanded$right"
  n=0; zeros=1
  for part in $expanded; do
    case $part in ''|?????*|*[!0-9a-f]*) return 1 ;; esac
    n=$((n + 1))
    value=$(printf '%s' "$part" | sed 's/^0*//')
    if [ "$n" -lt 8 ]; then [ -z "$value" ] || zeros=0; fi
    last=$value
  done
  [ "$n" = 8 ] || return 1
  if [ -z "$tail4" ] && [ "$zeros" = 1 ] && [ "$last" = 1 ]; then IS_LOOPBACK=1; fi
  return 0
}

# check_hostname NAME (lower case): DNS labels of [a-z0-9_-], 1-63 characters, not starting
# or ending with '-'; 253 characters at most.
check_hostname() {
  [ "${#1}" -le 253 ] || return 1
  case $1 in ''|.*|*.|*..*|*[!a-z0-9_.-]*) return 1 ;; esac
  old_ifs=$IFS; IFS=.
  for label in $1; do
    case $label in -*|*-) IFS=$old_ifs; return 1 ;; esac
    [ "${#label}" -le 63 ] || { IFS=$old_ifs; return 1; }
  done
  IFS=$old_ifs
  [ "$1" != localhost ] || IS_LOOPBACK=1
}

# check_port TEXT: digits only, 1-65535.
check_port() {
  case $1 in ''|*[!0-9]*) return 1 ;; esac
  digits=$(printf '%s' "$1" | sed 's/^0*//')
  [ -n "$digits" ] && [ "${#digits}" -le 5 ] && [ "$digits" -le 65535 ]
}

# check_mirror: the rule of conda_tuna/base/urls.py (tests run both on one table): http or
# https; no userinfo, query, fragment, /t/<token>/ path, whitespace, control or non-ASCII
# character; a DNS name, a dotted-quad IPv4 or a bracketed IPv6 host; port 1-65535; plain
# http only on loopback (127.0.0.0/8, ::1, localhost: decided on the parsed host, never by
# prefix) or with --allow-http. Sets MIRROR to the normalised root.
check_mirror() {
  url=$MIRROR
  [ -n "$url" ] || die "--mirror is empty: give the mirror's root, e.g. \
https://mirrors.tuna.tsinghua.edu.cn"
  nl='
'
  case $url in *"$nl"*) url_error "$url" "it contains a line break." ;; esac
  if printf '%s' "$url" | LC_ALL=C grep -q '[^!-~]'; then
    url_error "$url" "it contains a space, a control or a non-ASCII character (write a \
non-ASCII host name in its xn-- form)."
  fi
  scheme=${url%%://*}
  [ "$scheme" != "$url" ] || url_error "$url" "it must start with https:// (or http://)."
  scheme=$(printf '%s' "$scheme" | LC_ALL=C tr '[:upper:]' '[:lower:]')
  case $scheme in http|https) ;; *) url_error "$url" "it must start with https:// (or http://)." ;; esac
  rest=${url#*://}
  case $rest in *'?'*|*'#'*) url_error "$url" "it must not have a query (?...) or a fragment (#...)." ;; esac
  case $rest in *\\*) url_error "$url" "it must not contain a backslash." ;; esac
  netloc=${rest%%/*}
  path=${rest#"$netloc"}
  case $netloc in *@*) url_error "$url" "it must not carry a user name or password." ;; esac
  IS_LOOPBACK=0
  port=
  case $netloc in
    \[*)
      inside=${netloc#\[}
      case $inside in *\]*) ;; *) url_error "$url" "the IPv6 address has no closing bracket ]." ;; esac
      after=${inside#*\]}
      inside=$(printf '%s' "${inside%%\]*}" | tr 'A-F' 'a-f')
      check_ipv6 "$inside" || url_error "$url" "'$inside' is not a valid IPv6 address."
      case $after in
        '') ;;
        :*) port=${after#:}; check_port "$port" \
              || url_error "$url" "the port '$port' is not a number from 1 to 65535." ;;
        *) url_error "$url" "unexpected text after the IPv6 address." ;;
      esac
      host="[$inside]" ;;
    *:*:*) url_error "$url" "an IPv6 address must be written in brackets." ;;
    *)
      host=$(printf '%s' "${netloc%%:*}" | LC_ALL=C tr '[:upper:]' '[:lower:]')
      case $netloc in
        *:*) port=${netloc#*:}; check_port "$port" \
               || url_error "$url" "the port '$port' is not a number from 1 to 65535." ;;
      esac
      [ -n "$host" ] || url_error "$url" "it has no host name."
      last=${host##*.}
      case $last in
        *[!0-9]*) case $last in 0x*) numeric=1 ;; *) numeric=0 ;; esac ;;
        *) numeric=1 ;;
      esac
      case $last in 0x*[!0-9a-f]*) numeric=0 ;; esac
      if [ "$numeric" = 1 ]; then
        check_ipv4 "$host" || url_error "$url" "'$host' is not a valid IPv4 address."
      else
        check_hostname "$host" || url_error "$url" "'$host' is not a valid host name."
      fi ;;
  esac
  case $path in */t/[!/]*) url_error "$url" "it must not carry an anaconda.org token (/t/...)." ;; esac
  if [ "$scheme" = http ] && [ "$IS_LOOPBACK" != 1 ] && [ "$ALLOW_HTTP" != 1 ]; then
    die "$scheme://$host${port:+:$port}$path is plain http:// on a non-loopback host; the \
installer could be altered in transit. Use https://, or pass --allow-http."
  fi
  while :; do case $path in */) path=${path%/} ;; *) break ;; esac; done
  for suffix in /anaconda/cloud /anaconda/pkgs /anaconda; do
    case $path in *"$suffix") path=${path%"$suffix"}; break ;; esac
  done
  while :; do case $path in */) path=${path%/} ;; *) break ;; esac; done
  MIRROR="$scheme://$host${port:+:$port}$path"
  [ -n "$INDEX_URL" ] || INDEX_URL="$MIRROR/pypi/web/simple"
}

# Sets OS (Linux|MacOSX) and ARCH (as the installers name it) from uname.
detect_platform() {
  os=$(uname -s) || die "uname -s failed"
  machine=$(uname -m) || die "uname -m failed"
  case $os in
    Linux) OS=Linux ;;
    Darwin) OS=MacOSX ;;
    MINGW*|MSYS*|CYGWIN*|Windows*)
      die "this script is for Linux and macOS; on Windows download the .exe installer \
(conda tuna installer --os windows prints its URL)" ;;
    *) die "unknown operating system '$os' (uname -s); supported: Linux, Darwin (macOS)" ;;
  esac
  case $machine in
    x86_64|amd64) ARCH=x86_64 ;;
    aarch64|arm64) if [ "$OS" = MacOSX ]; then ARCH=arm64; else ARCH=aarch64; fi ;;
    ppc64le) ARCH=ppc64le ;;
    *) die "unknown or unsupported architecture '$machine' (uname -m); installers exist \
for x86_64, aarch64/arm64 and ppc64le (Miniforge only). Nothing was downloaded." ;;
  esac
  if [ "$OS" = Linux ] && command -v getconf >/dev/null 2>&1 \
      && [ "$(getconf LONG_BIT 2>/dev/null || echo 64)" = 32 ]; then
    die "the kernel is $machine but this userland is 32-bit; the $ARCH installer cannot run here"
  fi
}

# Sets FILE, URL and CHECKSUM_REQUIRED for FLAVOR/OS/ARCH (same table as
# conda_tuna/installers/catalog.py; the tests compare the two).
choose_installer() {
  case $FLAVOR in
    miniforge)
      FILE="Miniforge3-$OS-$ARCH.sh"
      URL="$MIRROR/github-release/conda-forge/miniforge/LatestRelease/$FILE"
      CHECKSUM_REQUIRED=1 ;;
    miniconda)
      [ "$ARCH" != ppc64le ] || die "there is no Miniconda installer for $OS-$ARCH; \
use --flavor miniforge (Miniforge has one)"
      FILE="Miniconda3-latest-$OS-$ARCH.sh"
      URL="$MIRROR/anaconda/miniconda/$FILE"
      CHECKSUM_REQUIRED=0 ;;
    *) die "unknown flavor '$FLAVOR'; choose miniforge or miniconda" ;;
  esac
  if [ "$OS" = MacOSX ] && [ "$ARCH" = ppc64le ]; then
    die "there is no installer for $OS-$ARCH"
  fi
}

# fetch URL DEST: download with a User-Agent (TUNA answers 403 without one).
fetch() {
  if command -v curl >/dev/null 2>&1; then
    if [ -t 2 ]; then progress=--progress-bar; else progress=-sS; fi
    curl -fL --retry 3 --connect-timeout 20 "$progress" -A "$USER_AGENT" -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q --tries=3 -U "$USER_AGENT" -O "$2" "$1"
  else
    die "neither curl nor wget is installed; install one of them first"
  fi
}

# fetch_quiet URL DEST: like fetch, without progress or error output (for .sha256 files).
fetch_quiet() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsL --retry 2 --connect-timeout 20 -A "$USER_AGENT" -o "$2" "$1" 2>/dev/null
  else
    wget -q --tries=2 -U "$USER_AGENT" -O "$2" "$1" 2>/dev/null
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 "$1" | sed 's/.*= *//'
  else
    return 1
  fi
}

# verify FILE: compare with the published <installer>.sha256, or say why it cannot.
verify() {
  if ! fetch_quiet "$URL.sha256" "$1.sha256"; then
    rm -f "$1.sha256"
    if [ "$CHECKSUM_REQUIRED" = 1 ] && [ "$VERIFY" = 1 ]; then
      rm -f "$1"
      die "could not fetch $URL.sha256 (Miniforge publishes one for every installer); the \
mirror may be mid-sync. Try again later, another --mirror, or --no-verify to skip the check."
    fi
    warn "NOT verified: no checksum is published for $FILE on the mirror (Anaconda lists \
Miniconda's SHA-256 sums on https://repo.anaconda.com/miniconda/)."
    return 0
  fi
  expected=$(tr -s ' \t\r' '[\n*]' < "$1.sha256" | grep -E '^[0-9a-fA-F]{64}$' | head -n 1 \
    | tr 'A-F' 'a-f') || true
  [ -n "$expected" ] || die "$URL.sha256 holds no SHA-256 checksum"
  if ! actual=$(sha256_of "$1"); then
    [ "$VERIFY" = 1 ] || { warn "no sha256sum/shasum/openssl: $FILE NOT verified"; return 0; }
    die "cannot verify $FILE: install sha256sum (coreutils), shasum or openssl"
  fi
  if [ "$actual" != "$expected" ]; then
    rm -f "$1"
    die "checksum mismatch for $FILE: the mirror publishes $expected, the download is \
$actual. The file was deleted; nothing was installed."
  fi
  say "verified $FILE (SHA-256 $actual)"
}

cleanup() { [ -z "$WORKDIR" ] || rm -rf "$WORKDIR"; }

install_conda() {
  if [ -x "$PREFIX/bin/conda" ]; then
    say "conda is already installed at $PREFIX; keeping it (step 3 skipped)"
    return 0
  fi
  if [ -e "$PREFIX" ] && [ -n "$(ls -A "$PREFIX" 2>/dev/null)" ]; then
    die "$PREFIX exists but holds no conda; refusing to install over it (choose another \
--prefix, or remove it)"
  fi
  parent=$(dirname "$PREFIX")
  mkdir -p "$parent" 2>/dev/null || true
  [ -w "$parent" ] || die "cannot write to $parent; run as a user who can (sudo for --system)"
  rmdir "$PREFIX" 2>/dev/null || true  # an empty directory: the installers want none
  WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/conda-tuna-bootstrap.XXXXXX")
  say "downloading $URL"
  fetch "$URL" "$WORKDIR/$FILE" || die "download of $URL failed"
  verify "$WORKDIR/$FILE"
  say "installing $FILE into $PREFIX"
  # the installers are bash scripts that also run under a POSIX sh
  if command -v bash >/dev/null 2>&1; then
    bash "$WORKDIR/$FILE" -b -p "$PREFIX" || die "the installer failed (see above)"
  else
    sh "$WORKDIR/$FILE" -b -p "$PREFIX" || die "the installer failed (see above)"
  fi
  [ -x "$PREFIX/bin/conda" ] || die "the installer finished but $PREFIX/bin/conda is missing"
}

install_conda_tuna() {
  if "$PREFIX/bin/conda" tuna --help >/dev/null 2>&1; then
    say "conda-tuna is already installed in $PREFIX"
    return 0
  fi
  say "installing $PACKAGE from $INDEX_URL"
  "$PREFIX/bin/python" -m pip install --disable-pip-version-check --no-input \
    -i "$INDEX_URL" "$PACKAGE" || die "pip could not install $PACKAGE from $INDEX_URL"
  "$PREFIX/bin/conda" tuna --help >/dev/null 2>&1 \
    || die "conda-tuna was installed but \`conda tuna\` does not work"
}

enable_mirror() {
  set -- tuna enable -y --url "$MIRROR"
  [ "$SYSTEM" = 0 ] || set -- "$@" --scope system
  [ "$ALLOW_HTTP" = 0 ] || set -- "$@" --allow-http
  [ -z "$CHANNELS" ] || set -- "$@" --channels "$CHANNELS"
  [ "$PIP_TOO" = 0 ] || set -- "$@" --pip
  say "running: conda $*"
  "$PREFIX/bin/conda" "$@" || die "conda tuna enable failed (see above)"
}

main() {
  parse_args "$@"
  check_mirror
  detect_platform
  choose_installer
  if [ "$PRINT_URL" = 1 ]; then
    printf '%s\n' "$URL"
    exit 0
  fi
  if [ -z "$PREFIX" ]; then
    if [ "$SYSTEM" = 1 ]; then PREFIX="/opt/${FLAVOR}3"; else PREFIX="$HOME/${FLAVOR}3"; fi
  fi
  case $PREFIX in /*) ;; *) PREFIX="$(pwd)/$PREFIX" ;; esac
  say "$OS-$ARCH, $FLAVOR, prefix $PREFIX, mirror $MIRROR"
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  install_conda
  install_conda_tuna
  enable_mirror
  say "done. Start using conda with:"
  say "  eval \"\$($PREFIX/bin/conda shell.posix hook)\"   (this shell)"
  say "  $PREFIX/bin/conda init                       (every new shell)"
  say "Undo the mirror settings with: $PREFIX/bin/conda tuna disable"
}

main "$@"
