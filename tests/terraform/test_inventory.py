"""The inventory of the AWS provider schema (checker/terraform/inventory.py).

The judgement must cover every type and every policy-shaped argument of the recorded schema;
with terraform and the local provider mirror, the recording must equal what the provider says.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from repo_snapshot import load_script

from checker.model import DocumentKind
from checker.terraform import inventory
from checker.terraform.iam import ATTACHMENTS, INLINE_POLICIES, MEMBERSHIPS, PRINCIPAL_TYPES, synthesise_grant
from checker.terraform.inventory import Kind, classify, foreign_iam, gaps
from checker.terraform.values import Origin, TfStr

REPO = Path(__file__).resolve().parents[2]
MIRROR = Path(os.environ.get("CHECK_PERMISSIONS_TF_PLUGINS", "/opt/tf-plugins"))


def _generator() -> Any:
    return load_script("gen_provider_inventory")


def test_the_judgement_covers_the_recorded_schema() -> None:
    assert gaps() == []
    recorded = inventory.schema()
    assert recorded["version"] == "5.100.0"
    assert len(recorded["resource"]) > 1500 and len(recorded["data"]) > 600


def test_a_missing_type_or_argument_is_a_gap() -> None:
    """The check above can fail: drop a type, an argument, or record a new one."""
    recorded = copy.deepcopy(dict(inventory.schema()))
    judged = copy.deepcopy(dict(inventory.judgement()))
    del judged["resource"]["aws_lakeformation_permissions"]
    assert gaps(recorded, judged) == [
        "resource aws_lakeformation_permissions: no judgement for its policy-shaped arguments permissions, "
        "permissions_with_grant_option, principal"]
    judged = copy.deepcopy(dict(inventory.judgement()))
    judged["resource"]["aws_sns_topic"]["ignore"].remove("delivery_policy")
    assert gaps(recorded, judged) == ["resource aws_sns_topic: no judgement for delivery_policy"]
    recorded["resource"]["aws_new_thing"] = ["access_policy"]
    assert gaps(recorded, inventory.judgement()) == [
        "resource aws_new_thing: no judgement for its policy-shaped arguments access_policy"]
    judged = copy.deepcopy(dict(inventory.judgement()))
    judged["resource"]["aws_gone"] = {"kind": "grant"}
    judged["resource"]["aws_s3_bucket"]["policy"]["policy"] = "identityy"
    assert sorted(gaps(inventory.schema(), judged)) == [
        "resource aws_gone: judged, but the recorded schema does not list it",
        "resource aws_s3_bucket: policy has unknown document kind 'identityy'"]


def test_classify() -> None:
    role = classify("resource", "aws_iam_role")
    assert role is not None and role.kind is Kind.PRINCIPAL
    assert role.policy_attributes == {"assume_role_policy": DocumentKind.TRUST, "inline_policy.policy": DocumentKind.IDENTITY}
    assert classify("managed", "aws_iam_role") == role  # plans say managed
    domain = classify("resource", "aws_opensearch_domain")
    assert domain is not None and domain.kind is Kind.RESOURCE_POLICY
    assert domain.policy_attributes == {"access_policies": DocumentKind.RESOURCE}
    mrap = classify("resource", "aws_s3control_multi_region_access_point_policy")
    assert mrap is not None and mrap.policy_attributes == {"details.policy": DocumentKind.RESOURCE}
    lake = classify("resource", "aws_lakeformation_permissions")
    assert lake is not None and lake.kind is Kind.GRANT and not lake.synthesised
    assert lake.grant_attributes == ("permissions", "permissions_with_grant_option")
    lifecycle = classify("resource", "aws_ecr_lifecycle_policy")
    assert lifecycle is not None and lifecycle.kind is Kind.NONE and lifecycle.policy_attributes == {}
    assert lifecycle.ignored == ("policy",)
    vpc = classify("resource", "aws_vpc")  # no policy-shaped argument: grants nothing, by rule
    assert vpc is not None and vpc.kind is Kind.NONE
    stack = classify("resource", "aws_cloudformation_stack")
    assert stack is not None and stack.kind is Kind.CREATES_IAM
    assert classify("resource", "aws_lambda_invocation").kind is Kind.RUNS_CODE  # type: ignore[union-attr]
    assert classify("data", "aws_iam_policy_document").kind is Kind.POLICY_DOCUMENT  # type: ignore[union-attr]
    assert classify("resource", "aws_iam_role_policy_v2") is None  # not in the recorded schema
    assert classify("data", "aws_iam_role_policy") is None  # a resource type, not a data source


def test_the_walker_tables_agree_with_the_inventory() -> None:
    """The specialised tables say how a type links a policy to its owner; which types there are is
    the inventory's answer."""
    def kind(rtype: str) -> Kind | None:
        entry = classify("resource", rtype)
        return entry.kind if entry else None

    assert {t: kind(t) for t in INLINE_POLICIES} == dict.fromkeys(INLINE_POLICIES, Kind.IDENTITY_POLICY)
    assert {t: kind(t) for t in ATTACHMENTS} == dict.fromkeys(ATTACHMENTS, Kind.ATTACHMENT)
    assert {t: kind(t) for t in MEMBERSHIPS} == dict.fromkeys(MEMBERSHIPS, Kind.ATTACHMENT)
    assert {t: kind(t) for t in PRINCIPAL_TYPES} == dict.fromkeys(PRINCIPAL_TYPES, Kind.PRINCIPAL)


def test_every_synthesised_grant_has_a_builder_and_no_other() -> None:
    origin = Origin("main.tf", 1)
    values = {"principal": TfStr("123456789012"), "action": TfStr("lambda:InvokeFunction"),
              "function_name": TfStr("f"), "layer_name": TfStr("l"), "key_id": TfStr("k"),
              "grantee_principal": TfStr("arn:aws:iam::123456789012:role/r"), "operations": [TfStr("Decrypt")]}
    built = set()
    for mode in ("resource",):
        for rtype in inventory.schema()[mode]:
            if synthesise_grant(rtype, values.get, lambda _name: [], origin) is not None:
                built.add(rtype)
    judged = {t for t, e in inventory.judgement()["resource"].items() if e.get("synthesised")}
    assert built == judged == {"aws_lambda_permission", "aws_kms_grant", "aws_lambda_layer_version_permission",
                               "aws_cloudwatch_event_permission"}
    assert all(classify("resource", t).kind is Kind.GRANT for t in judged)  # type: ignore[union-attr]


@pytest.mark.parametrize(("rtype", "arguments", "expected"), [
    ("google_project_iam_member", [], "the type google_project_iam_member (provider google)"),
    ("kubernetes_cluster_role_binding", [], "the type kubernetes_cluster_role_binding (provider kubernetes)"),
    ("awscc_s3_access_point", ["name", "policy"], "the argument policy of awscc_s3_access_point (provider awscc)"),
    ("awscc_iam_role", ["policies"], None),  # read by the gate
    ("awscc_iam_oidc_provider", [], None),
    ("aws_iam_role", [], None),  # the AWS provider is judged by the inventory
    ("random_id", ["byte_length"], None),
    ("terraform_data", ["input"], None),
    ("null_resource", ["triggers"], None),
    ("datadog_monitor", ["name", "query"], None),
])
def test_foreign_iam(rtype: str, arguments: list[str], expected: str | None) -> None:
    assert foreign_iam(rtype, arguments) == expected


def test_loading_is_lazy_and_cheap() -> None:
    """Importing the Terraform front end reads no inventory data; the first question reads it."""
    code = ("import time, checker.terraform.iam, checker.sources.plan_json\n"
            "from checker.terraform import inventory as i\n"
            "assert i._load.cache_info().currsize == 0\n"
            "t = time.perf_counter(); i.classify('resource', 'aws_s3_bucket'); print(time.perf_counter() - t)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert float(done.stdout) < 0.25  # about 2 ms on the reference machine


def test_generator_renders_the_recording_from_a_schema() -> None:
    gen = _generator()
    schema = {"provider_schemas": {gen.PROVIDER: {
        "resource_schemas": {"aws_b": {"block": {"attributes": {"policy": {"type": "string", "optional": True},
                                                                "arn": {"type": "string", "computed": True},
                                                                "grant_tokens": {"type": "list", "computed": True}},
                                                 "block_types": {"details": {"block": {"attributes": {
                                                     "access_policy": {"type": "string", "required": True}}}}}}},
                             "aws_a": {"block": {"attributes": {"name": {"type": "string", "required": True}}}}},
        "data_source_schemas": {}}}}
    recording = gen.record(schema)
    assert recording["resource"] == {"aws_a": [], "aws_b": ["policy", "details.access_policy"]}
    assert gen.render(recording).splitlines()[6:9] == ['"resource": {', '"aws_a": [],',
                                                        '"aws_b": ["policy","details.access_policy"]']


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform CLI not on PATH")
def test_the_recording_is_what_the_provider_schema_says() -> None:
    if not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(f"no local mirror of the AWS provider at {MIRROR} (no registry access here)")
    gen = _generator()
    assert gen.render(gen.record(gen.terraform_schema())) == (REPO / "checker/data/aws_provider_schema.json").read_text()
