# shellcheck shell=bash
# Heimdal realms are made by tests/realm.sh, like MIT's:
#   ks_realm_create DIR REALM --kind heimdal   (exports, as for MIT's)
#   ks_heimdal_create DIR REALM                (exports nothing)
# and ks_heimdal_root, ks_heimdal_kadmin, ks_heimdal_stop are there too.
# This file stays for the suites and scripts that source it.
# shellcheck source=tests/realm.sh
declare -F ks_realm_create >/dev/null ||
    source "$(dirname "${BASH_SOURCE[0]}")/realm.sh"
