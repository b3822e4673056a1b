# Shared output helpers for the repo's shell scripts.
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
info() { printf '    %s\n' "$*"; }
fail() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# say <component> <message>: a status line, e.g. "postgresql  ok  127.0.0.1:5432".
say() { printf '%-11s %s\n' "$1" "$2"; }

# fail_line <component> <message>: the same on stderr, for a component that is not usable.
fail_line() { printf '%-11s FAILED  %s\n' "$1" "$2" >&2; }

# is_root: true when the script may install packages and start system services.
is_root() { [ "$(id -u)" = "0" ]; }
