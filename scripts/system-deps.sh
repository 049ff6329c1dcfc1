#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the project needs, when missing.
#   scripts/system-deps.sh run    what `make run` needs (build a venv, compile mysqlclient, gettext,
#                                 mysqldump/mysql for `manage.py backup`/`restore` on MySQL/MariaDB)
#   scripts/system-deps.sh test   the same, plus Chromium (browser tests) and poppler-utils (PDF checks)
#   scripts/system-deps.sh bench  the same as run, plus wrk (the HTTP load tool of `make bench`)
set -euo pipefail

profile="${1:-run}"
packages=(python3-venv python3-dev build-essential pkg-config libmariadb-dev gettext mariadb-client tzdata)
if [ "$profile" = "test" ]; then
  packages+=(chromium poppler-utils fonts-dejavu-core)
fi
if [ "$profile" = "bench" ]; then
  packages+=(wrk)
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Paquets système manquants : ${missing[*]}" >&2
  echo "Ce n'est pas une Debian/Ubuntu : installez l'équivalent de ces paquets, puis relancez." >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo"
  else
    echo "Paquets système manquants : ${missing[*]}" >&2
    echo "Installez-les puis relancez :  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

echo "Installation des paquets système : ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
