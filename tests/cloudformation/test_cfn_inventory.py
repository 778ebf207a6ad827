"""The classification of CloudFormation resource types (checker/sources/cloudformation/inventory.py).

Every type of the recorded list (cfn-lint's resource schemas) is classified, and every policy-shaped
property of it has a decision; with cfn-lint installed, the recorded list is regenerated and compared,
so that a newer cfn-lint shows the types and properties that need one.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from repo_snapshot import load_script

from checker.sources.cloudformation import inventory
from checker.sources.cloudformation.inventory import Entry, PolicyProperty, classify

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "gen_cfn_inventory.py"


def _script() -> ModuleType:
    return load_script(SCRIPT.stem)


def undecided(recorded: dict[str, Any], decisions: dict[str, Any]) -> list[str]:
    """Recorded types and policy-shaped properties without a decision, as ``type`` or ``type: path``."""
    rules = [re.compile(pattern) for pattern, _ in decisions["not_policy"]]
    types = decisions["types"]
    missing = [t for t in recorded["named"] if t not in types]
    for rtype, paths in recorded["types"].items():
        entry = types.get(rtype, {})
        decided = set(entry.get("policy", {})) | set(entry.get("not_policy", {}))
        for path in paths:
            leaf = path.replace("[*]", "").replace("{*}", "").rsplit(".", 1)[-1]
            if path not in decided and not any(rule.fullmatch(leaf) for rule in rules):
                missing.append(f"{rtype}: {path}")
    return missing


def test_every_recorded_type_and_policy_shaped_property_has_a_decision() -> None:
    recorded = inventory.recorded()
    assert len(recorded["types"]) > 1800  # the union over cfn-lint's regions, not one region
    assert undecided(recorded, inventory.decisions()) == []
    for rtype in recorded["types"]:
        assert classify(rtype) is not None, rtype


def test_a_new_type_or_property_without_a_decision_fails() -> None:
    recorded = json.loads(json.dumps(inventory.recorded()))
    recorded["types"]["AWS::Example::Widget"] = ["AccessPolicy", "Settings.PolicyName", "RoleArn"]
    recorded["types"]["AWS::IAM::Role"] = [*recorded["types"]["AWS::IAM::Role"], "Policies[*].Extra"]
    recorded["named"] = [*recorded["named"], "AWS::Example::WidgetPolicy"]
    recorded["types"]["AWS::Example::WidgetPolicy"] = []
    # PolicyName and RoleArn are decided by name (not_policy rules); the rest is not
    assert sorted(undecided(recorded, inventory.decisions())) == [
        "AWS::Example::Widget: AccessPolicy", "AWS::Example::WidgetPolicy", "AWS::IAM::Role: Policies[*].Extra"]


def test_decisions_are_well_formed() -> None:
    decisions = inventory.decisions()
    for pattern, reason in decisions["not_policy"]:
        re.compile(pattern)
        assert reason
    recorded_types = inventory.recorded()["types"]
    for rtype, raw in decisions["types"].items():
        assert rtype in recorded_types or rtype == "AWS::CDK::Metadata", f"{rtype} is not a CloudFormation type"
        assert raw["kind"] in inventory.KINDS, rtype
        assert set(raw) <= {"kind", "policy", "not_policy", "guards", "note"}, rtype
        assert all(holds in inventory.HOLDS for holds in raw.get("policy", {}).values()), rtype
        assert all(raw.get("not_policy", {}).values()), f"{rtype}: a not_policy decision needs its reason"
        if raw["kind"] == "none":
            assert raw.get("note") and not raw.get("policy"), rtype
        if raw["kind"] == "resource-policy":
            assert "guards" in raw and inventory.classify(rtype) is not None, rtype
            assert classify(rtype).paths("resource-policy"), rtype  # type: ignore[union-attr]


def test_known_types() -> None:
    assert classify("AWS::IAM::Role") == Entry("AWS::IAM::Role", "identity", (
        PolicyProperty("AssumeRolePolicyDocument", "trust-policy"),
        PolicyProperty("ManagedPolicyArns", "policy-refs"),
        PolicyProperty("PermissionsBoundary", "boundary"),
        PolicyProperty("Policies[*].PolicyDocument", "identity-policy")))
    assert classify("AWS::IAM::ManagedPolicy").paths("identity-policy") == ("PolicyDocument",)  # type: ignore[union-attr]
    bucket_policy = classify("AWS::S3::BucketPolicy")
    assert bucket_policy is not None and (bucket_policy.kind, bucket_policy.guards) == ("resource-policy", "Bucket")
    assert bucket_policy.paths("resource-policy") == ("PolicyDocument",)
    key = classify("AWS::KMS::Key")
    assert key is not None and (key.kind, key.guards, key.paths("resource-policy")) == ("resource-policy", "self", ("KeyPolicy",))
    queue_policy = classify("AWS::SQS::QueuePolicy")
    assert queue_policy is not None and queue_policy.guards == "Queues[*]"
    permission = classify("AWS::Lambda::Permission")
    assert permission is not None and (permission.kind, permission.guards) == ("grant", "FunctionName")
    assert permission.paths("principals") == ("Principal", "PrincipalOrgID") and permission.paths("grant") == ("Action",)
    pset = classify("AWS::SSO::PermissionSet")
    assert pset is not None and pset.kind == "permission-set" and pset.paths("identity-policy") == ("InlinePolicy",)
    assert {e.kind for e in map(classify, ("AWS::LakeFormation::Permissions", "AWS::RAM::ResourceShare",
                                           "AWS::LakeFormation::PrincipalPermissions"))} == {"grant"}
    assert classify("AWS::KMS::Grant") is None  # CloudFormation has no KMS grant resource
    assert classify("AWS::IAM::UserToGroupAddition").kind == "attachment"  # type: ignore[union-attr]
    assert classify("AWS::Organizations::Policy").kind == "organizations-policy"  # type: ignore[union-attr]
    for nested in ("AWS::CloudFormation::Stack", "AWS::CloudFormation::StackSet",
                   "AWS::ServiceCatalog::CloudFormationProvisionedProduct"):
        assert classify(nested).kind == "nested", nested  # type: ignore[union-attr]
    for code in ("AWS::CloudFormation::CustomResource", "Custom::CostReportDefinition", "AWS::CloudFormation::Macro"):
        assert classify(code).kind == "runs-code", code  # type: ignore[union-attr]
    assert classify("Custom::X").rtype == "Custom::X"  # type: ignore[union-attr]
    assert classify("AWS::Serverless::Function").kind == "transform"  # type: ignore[union-attr]
    # grants nothing: no decision needed (no policy-shaped property), or decided so
    assert classify("AWS::EC2::Instance") == Entry("AWS::EC2::Instance", "none")
    assert classify("AWS::AutoScaling::ScalingPolicy").kind == "none"  # type: ignore[union-attr]
    assert classify("AWS::CDK::Metadata").kind == "none"  # type: ignore[union-attr]
    # unknown: third-party registry types, modules, misspellings
    for unknown in ("Acme::Widget::Thing", "Acme::Widget::Thing::MODULE", "AWS::IAM::Rol", "aws::iam::role", ""):
        assert classify(unknown) is None, unknown


def test_import_reads_no_data() -> None:
    code = ("import sys, checker.sources.cloudformation.inventory as i; "
            "print(i.recorded.cache_info().currsize, i.decisions.cache_info().currsize, 'json.decoder' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[:2] == ["0", "0"]


def test_recorded_list_matches_the_installed_cfn_lint() -> None:
    pytest.importorskip("cfnlint")
    script = _script()
    assert script.render(script.build()) == (REPO / "checker/sources/cloudformation/data/resource_types.json").read_text(
        encoding="utf-8"), "stale for the installed cfn-lint: run scripts/gen_cfn_inventory.py, then decide the new entries"


def test_decided_paths_are_properties_of_the_schema() -> None:
    """A misspelt path in classification.json would never match: every decided path starts with a
    property the type's schema declares."""
    pytest.importorskip("cfnlint")
    from importlib import resources

    base = resources.files("cfnlint") / "data" / "schemas"
    files: dict[str, set[str]] = {}
    for region in (base / "providers").iterdir():
        if region.name.endswith(".json"):
            for rtype, digest in json.loads(region.read_text(encoding="utf-8")).items():
                files.setdefault(rtype, set()).add(digest)
    bad = []
    for rtype, raw in inventory.decisions()["types"].items():
        if rtype not in files:
            continue
        declared: set[str] = set()
        for digest in files[rtype]:
            declared |= set(json.loads((base / "resources" / f"{digest}.json").read_text(encoding="utf-8"))["properties"])
        for path in (*raw.get("policy", {}), *raw.get("not_policy", {})):
            if re.split(r"[.\[{]", path, maxsplit=1)[0] not in declared:
                bad.append(f"{rtype}: {path}")
    assert bad == []


def test_the_script_finds_policy_shaped_properties() -> None:
    script = _script()
    schema = {
        "properties": {
            "PolicyDocument": {"type": "object"},  # free JSON, named so
            "Statement": {"type": "object", "description": "A JSON policy document for the bus."},
            "RetentionDays": {"type": "integer"},
            "AccessLogging": {"type": "boolean"},  # not free-form
            "Rules": {"type": "array", "items": {"$ref": "#/definitions/Rule"}},
            "Arn": {"type": "string", "description": "IAM policy ARN"},
            "ResourcePolicy": {"type": "string"},
        },
        "definitions": {"Rule": {"type": "object", "properties": {
            "Principal": {"type": "string"}, "Nested": {"$ref": "#/definitions/Rule"},
            "GrantKind": {"type": "string", "enum": ["A", "B"]}}}},
        "readOnlyProperties": ["/properties/ResourcePolicy"],
    }
    assert script.policy_shaped_paths(schema) == [
        "Arn", "PolicyDocument", "Rules[*].Principal", "Statement"]  # the $ref cycle is cut
    assert script.policy_shaped_name("AWS::Organizations::Policy") and not script.policy_shaped_name("AWS::EC2::Instance")
