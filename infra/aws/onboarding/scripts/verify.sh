#!/usr/bin/env bash
# Verify the applied onboarding role against AWS: a thin wrapper around
#   check-permissions verify --module <this module> ...
# Usage: scripts/verify.sh --role-arn "$(terraform output -raw role_arn)" --external-id ID \
#          [--region us-east-1]... [--profile NAME] [--var-file terraform.tfvars] [--format text|json]
# Exit codes: 0 all good, 1 a permission gap, a security finding or a role that cannot be assumed,
# 2 usage error. See README.md, step 5.
set -euo pipefail
module="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if command -v check-permissions >/dev/null 2>&1; then
  exec check-permissions verify --module "$module" "$@"
fi
echo "verify.sh: check-permissions is not installed (pip install check-permissions; see README.md)" >&2
exit 2
