#!/bin/sh
# Installs, from Debian's packages, the database servers Tandem's tests, demos and benches start
# (never as services: each test starts its own server in a temp dir on a free port):
# PostgreSQL 15 (initdb, postgres, psql, pgbench) and MariaDB (mariadbd, mariadb-install-db);
# and glibc's locales (localedef), which a test compiles a locale with. With --with-pgcopydb also
# pgcopydb, which bench/offline times Tandem against (npm run bench:offline passes it).
# Does nothing when they are there. Needs root (apt-get) only when something is missing.
set -eu

need_pgcopydb=no
if [ "${1:-}" = "--with-pgcopydb" ] && [ ! -x /usr/bin/pgcopydb ]; then need_pgcopydb=yes; fi

need_pg=no
need_maria=no
if [ ! -x /usr/lib/postgresql/15/bin/initdb ] || ! command -v psql >/dev/null 2>&1 || [ ! -x /usr/lib/postgresql/15/bin/pgbench ]; then need_pg=yes; fi
if [ ! -x /usr/sbin/mariadbd ] || ! command -v mariadb-install-db >/dev/null 2>&1; then need_maria=yes; fi
# localedef and the locales' sources: tests compile locales (de_DE, fr_FR) for a server's lc_monetary.
need_locales=no
if ! command -v localedef >/dev/null 2>&1 || [ ! -e /usr/share/i18n/locales/de_DE ] || [ ! -e /usr/share/i18n/locales/fr_FR ]; then need_locales=yes; fi

if [ "$need_pg" = yes ] || [ "$need_maria" = yes ] || [ "$need_locales" = yes ] || [ "$need_pgcopydb" = yes ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Tandem's tests need PostgreSQL 15 and MariaDB server binaries (and glibc's locales; bench/offline also pgcopydb) from Debian's packages; run as root:" >&2
    echo "  sudo sh scripts/install-system-packages.sh $*" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d 101: the packages' post-install must not start the system services.
  own_policy=no
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=yes
  fi
  pkgs=""
  if [ "$need_pg" = yes ]; then pkgs="$pkgs postgresql-15 postgresql-client-15 postgresql-contrib"; fi
  if [ "$need_maria" = yes ]; then pkgs="$pkgs mariadb-server mariadb-client"; fi
  if [ "$need_locales" = yes ]; then pkgs="$pkgs locales"; fi
  if [ "$need_pgcopydb" = yes ]; then pkgs="$pkgs pgcopydb"; fi
  # shellcheck disable=SC2086
  apt-get install -y -qq $pkgs >/dev/null || { [ "$own_policy" = yes ] && rm -f /usr/sbin/policy-rc.d; exit 1; }
  if [ "$own_policy" = yes ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
# The servers refuse to run as root: tests run them as these users.
if [ "$(id -u)" = 0 ]; then
  id mysql >/dev/null 2>&1 || useradd --system --no-create-home mysql
  id postgres >/dev/null 2>&1 || useradd --system --create-home postgres
fi
exit 0
