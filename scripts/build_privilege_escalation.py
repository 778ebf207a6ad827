#!/usr/bin/env python3
"""Build checker/data/privilege_escalation.json (the combinations IAM201 looks for).

cloudsplaining is not a dependency: install it into a throwaway virtualenv and point at its
site-packages, never into the project's venv:

    python3 -m venv /tmp/cs && /tmp/cs/bin/pip install --no-deps cloudsplaining==0.9.1
    .venv/bin/python scripts/build_privilege_escalation.py /tmp/cs/lib/python3.11/site-packages

Sources: cloudsplaining's PRIVILEGE_ESCALATION_METHODS (with its pathfinding.cloud links),
policy_sentry's privilege-escalation.txt (installed with the project) and Rhino Security Labs'
write-ups for the entries only policy_sentry lists. Action names are spelt as the catalog spells them;
an action the catalog does not know stops the build.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from checker.catalog import get_catalog  # noqa: E402

if len(sys.argv) != 2:
    raise SystemExit(__doc__)
sys.path.insert(0, sys.argv[1])
from cloudsplaining.shared.constants import PRIVILEGE_ESCALATION_METHODS as M  # noqa: E402
from cloudsplaining.shared.constants import PRIVILEGE_ESCALATION_PATHFINDING_PATHS as P  # noqa: E402

sys.path.pop(0)
cat = get_catalog()
CS = "https://github.com/salesforce/cloudsplaining/blob/0.9.1/cloudsplaining/shared/constants.py"
PS = "https://github.com/salesforce/policy_sentry/blob/0.15.2/policy_sentry/shared/data/audit/privilege-escalation.txt"
RHINO = "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/"
RHINO2 = "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation-part-2/"
DESC = {
 "CreateAccessKey": "create an access key for another (more privileged) user and act as that user",
 "CreateLoginProfile": "give another user a console password and sign in as that user",
 "UpdateLoginProfile": "change another user's console password and sign in as that user",
 "AddUserToGroup": "add yourself to a more privileged group",
 "CreateNewPolicyVersion": "write a new default version of a policy attached to you, granting anything",
 "SetExistingDefaultPolicyVersion": "switch a policy attached to you to an older, broader version",
 "AttachUserPolicy": "attach any managed policy (AdministratorAccess) to a user",
 "AttachGroupPolicy": "attach any managed policy to a group you are in",
 "AttachRolePolicy": "attach any managed policy to a role you can use",
 "PutUserPolicy": "write an inline policy granting anything to a user",
 "PutGroupPolicy": "write an inline policy granting anything to a group you are in",
 "PutRolePolicy": "write an inline policy granting anything to a role you can use",
 "UpdateRolePolicyToAssumeIt": "rewrite a role's trust policy so that you may assume it",
 "CreateEC2WithExistingIP": "launch an instance with a privileged instance profile and use its credentials",
 "PassExistingRoleToNewLambdaThenInvoke": "create a function running as a privileged role and invoke it",
 "PassExistingRoleToCloudFormation": "create a stack that runs as a privileged role and creates anything",
 "PassExistingRoleToNewGlueDevEndpoint": "create a Glue dev endpoint with a privileged role and log in to it",
 "PassExistingRoleToNewDataPipeline": "create a data pipeline that runs commands as a privileged role",
 "UpdateExistingGlueDevEndpoint": "add your SSH key to an existing Glue dev endpoint and use its role",
 "EditExistingLambdaFunctionWithRole": "replace the code of a function that runs as a privileged role",
}
def human(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower().replace("ec2", "EC2")
def canon(a):
    info = cat.get(a)
    if info is None:
        raise SystemExit(f"catalog lacks {a}")
    return info.name
entries = []
for name, acts in M.items():
    srcs = [CS]
    url = P.get(name)
    if url:
        srcs.append(url)
    entries.append({"id": name, "actions": [canon(a) for a in acts],
                    "description": DESC.get(name, human(name)), "sources": srcs})
extra = [
 ("PassExistingRoleToNewLambda", ["iam:PassRole", "lambda:CreateFunction"],
  "create a function that runs as a privileged role; any trigger or invocation then runs it", [RHINO, PS]),
 ("PassExistingRoleToNewCodeStarProject", ["iam:PassRole", "codestar:CreateProject"],
  "create a CodeStar project whose CloudFormation role creates anything", [RHINO2, PS]),
 ("CodeStarCreateProjectThenAssociateTeamMember", ["codestar:CreateProject", "codestar:AssociateTeamMember"],
  "create a project and make yourself its owner, which grants the project's IAM policies", [RHINO2, PS]),
 ("UpdateLambdaFunctionConfiguration", ["lambda:UpdateFunctionConfiguration"],
  "attach a layer (code) to a function that runs as a privileged role", [RHINO2, PS]),
 ("PassExistingRoleToNewDataPipelineDefinition", ["iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"],
  "create a pipeline and define a shell activity that runs as a privileged role", [RHINO, PS]),
 ("GetAndUpdateGlueDevEndpoint", ["glue:UpdateDevEndpoint", "glue:GetDevEndpoint"],
  "add your SSH key to a Glue dev endpoint and read its address", [RHINO, PS]),
 ("PassExistingRoleToRDSInstance", ["iam:PassRole", "rds:AddRoleToDBInstance"],
  "associate a privileged role with a database instance you control", [PS]),
 ("SendSSHPublicKeyToInstance", ["ec2-instance-connect:SendSSHPublicKey"],
  "push an SSH key to an instance and use its instance profile's credentials", [PS]),
 ("AssumeAnyRole", ["sts:AssumeRole"],
  "assume any role whose trust policy trusts this account (Resource \"*\" or a wildcard in the role's name)", [PS, "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html"]),
]
for name, acts, desc, srcs in extra:
    e = {"id": name, "actions": [canon(a) for a in acts], "description": desc, "sources": srcs}
    if name == "AssumeAnyRole":
        e["resource_star"] = True
    entries.append(e)
ids = [e["id"] for e in entries]
assert len(ids) == len(set(ids))
import policy_sentry  # noqa: E402

ps_file = Path(policy_sentry.__file__).parent / "shared" / "data" / "audit" / "privilege-escalation.txt"
ps_list = ps_file.read_text().split()
covered = {a.lower() for e in entries for a in e["actions"]}
missing = [a for a in ps_list if a.lower() not in covered]
print("policy_sentry actions not covered:", missing)
out = {
 "version": 1,
 "about": "Known IAM privilege-escalation combinations: when one principal is allowed every action of an entry, "
          "it can gain permissions beyond its own. Each entry names its sources. Built from cloudsplaining 0.9.1 "
          "PRIVILEGE_ESCALATION_METHODS (with pathfinding.cloud links), policy_sentry 0.15.2 "
          "privilege-escalation.txt and Rhino Security Labs' write-ups; action names as the catalog spells them. "
          "resource_star: the entry counts only when the action is granted on any resource of its type (Resource \"*\", NotResource, or a wildcard or policy variable in the resource's name such as role/*), not on named resources. "
          "Left out: codestar:CreateProjectFromTemplate (policy_sentry), which AWS no longer has.",
 "entries": entries,
}
(REPO / "checker" / "data" / "privilege_escalation.json").write_text(json.dumps(out, indent=1) + "\n")
print(len(entries), "entries")
