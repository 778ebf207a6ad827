"""``check-permissions verify`` against moto's server on loopback, with the onboarding module's own
policies applied to a role in moto.

What moto enforces (moto 5, ``INITIAL_NO_AUTH_ACTION_COUNT`` set to 0 through ``/moto-api/reset-auth``):
request signatures and identity policies of users and assumed roles, for services that go through
moto's common dispatcher (IAM, Organizations, CloudWatch Logs, Secrets Manager, EC2, STS) and S3
(with resource ARNs). The role's trust policy on ``sts:AssumeRole``: the principal, and a *wrong*
``sts:ExternalId`` (``StringEquals``).

What it does not, and how those paths are covered here (with botocore's Stubber, or the same
``before-call`` hook Stubber uses, and answers in AWS's documented shapes from
``tests/fixtures/onboarding/aws_responses.json``):

- a *missing* ExternalId: moto's ``TrustCondition.verify_condition`` only compares the values the
  request carries, so AssumeRole without ExternalId succeeds (``test_moto_does_not_enforce_a_missing_external_id``
  pins that; AWS refuses it);
- Cost Explorer ``ListCostCategoryDefinitions``, Pricing and CloudTrail ``LookupEvents``: not
  implemented (HTTP 500);
- CloudWatch: moto authorises its requests as ``monitoring:<Action>`` (the signing name), so a policy
  granting ``cloudwatch:ListMetrics`` is refused;
- Bedrock: moto's signature check fails on its REST paths (``SignatureDoesNotMatch``) once auth is on;
- EC2 ``DryRun`` and S3 ``Content-MD5``: moto ignores both (it would create the VPC, store the
  object), so write probes that rely on them are only run where the role is refused, and their
  "allowed" answers are stubbed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")

from botocore.stub import Stubber  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from checker.cli import verify as v  # noqa: E402
from checker.cli.app import app  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MODULE = REPO / "infra" / "aws" / "onboarding"
RESPONSES = json.loads((REPO / "tests" / "fixtures" / "onboarding" / "aws_responses.json").read_text())
ACCOUNT = "123456789012"  # moto's default account: the customer's
VENTURI = "111122223333"
EXTERNAL_ID = "venturi-7f3c9a12-4b6e-4d21-9c0e-5a8b2f6d1e90"
ROLE_NAME = "VenturiCostAnalysisReadOnly"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/customer-admin"
BUCKET = "example-corp-cur-reports"
# Reads whose answers moto cannot give faithfully (module docstring): served from the recordings.
STUBBED_READS = {
    "ce": "list_cost_category_definitions",
    "pricing": "describe_services",
    "cloudtrail": "lookup_events",
    "cloudwatch": "list_metrics",
    "bedrock": "list_foundation_models",
}


# --------------------------------------------------------------------------------------------
# moto's server
# --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, data: bytes) -> None:
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "text/plain"}), timeout=10):
        pass


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("moto's server did not start")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A clean moto with authorisation off (for the setup); ``enforce(aws)`` turns it on."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    _post(f"{moto_url}/moto-api/reset", b"")
    _post(f"{moto_url}/moto-api/reset-auth", b"inf")
    yield moto_url
    _post(f"{moto_url}/moto-api/reset-auth", b"inf")


def enforce(url: str) -> None:
    _post(f"{url}/moto-api/reset-auth", b"0")


# --------------------------------------------------------------------------------------------
# The module's policies, applied in moto
# --------------------------------------------------------------------------------------------


def render(document: dict[str, Any]) -> str:
    """An evaluated ``data "aws_iam_policy_document"`` as policy JSON (the provider's mapping)."""
    statements = []
    for st in document.get("statement") or []:
        out: dict[str, Any] = {}
        if st.get("sid"):
            out["Sid"] = st["sid"]
        out["Effect"] = st.get("effect") or "Allow"
        for key, name in (("actions", "Action"), ("not_actions", "NotAction"),
                          ("resources", "Resource"), ("not_resources", "NotResource")):
            if st.get(key):
                out[name] = sorted(st[key])
        for p in st.get("principals") or []:
            out.setdefault("Principal", {})[p["type"]] = sorted(p["identifiers"])
        for c in st.get("condition") or []:
            out.setdefault("Condition", {}).setdefault(c["test"], {})[c["variable"]] = list(c["values"])
        statements.append(out)
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def module_policies(tmp: Path, **overrides: Any) -> dict[str, str]:
    """The module's policy documents as JSON, evaluated with our Terraform evaluator for a customer
    whose admin (``USER_ARN``) is the verifier principal. Keys: the data sources' names."""
    from checker.terraform import find_policy_values, load_module

    values = {"venturi_account_id": VENTURI, "external_id": EXTERNAL_ID, "cur_bucket_name": BUCKET,
              "cur_report_prefix": "cur/", "verifier_principal_arns": [USER_ARN], **overrides}
    tfvars = tmp / "test.tfvars.json"
    tfvars.write_text(json.dumps(values))
    module = load_module(MODULE, var_files=[tfvars], env={})
    assert not [d for d in module.diagnostics if d.severity == "error"], module.diagnostics
    out = {}
    for pv in find_policy_values(module):
        if pv.attribute == "json" and pv.value is not None:
            out[pv.address.split(".")[2].split("[")[0]] = render(pv.value)
    assert set(out) >= {"trust", "cost_and_usage", "observability", "directory"}
    return out


def apply_role(url: str, policies: dict[str, str], *, skip: tuple[str, ...] = (),
               extra: dict[str, Any] | None = None) -> dict[str, str]:
    """Create, as moto's unauthenticated admin, the customer's admin user (with an access key and
    sts:AssumeRole), the role with the module's trust and policies, and the CUR bucket. Returns the
    admin's key (the customer's default credentials)."""
    admin = boto3.session.Session(aws_access_key_id="AKIASETUPSETUPSETUP0", aws_secret_access_key="setup",
                                  region_name="us-east-1")
    iam = admin.client("iam")
    iam.create_user(UserName="customer-admin")
    key = iam.create_access_key(UserName="customer-admin")["AccessKey"]
    iam.put_user_policy(UserName="customer-admin", PolicyName="assume", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=policies["trust"])
    for name, doc in policies.items():
        if name != "trust" and name not in skip:
            iam.put_role_policy(RoleName=ROLE_NAME, PolicyName=name, PolicyDocument=doc)
    if extra:
        iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="planted", PolicyDocument=json.dumps(extra))
    admin.client("s3").create_bucket(Bucket=BUCKET)
    return {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


def policy_dir(tmp: Path, policies: dict[str, str]) -> Path:
    """The identity policies as JSON files: what ``--module`` reads to know what was granted."""
    d = tmp / "granted"
    d.mkdir(exist_ok=True)
    for name, doc in policies.items():
        if name != "trust":
            (d / f"{name}.json").write_text(doc)
    return d


def customer(key: dict[str, str]) -> Any:
    return boto3.session.Session(aws_access_key_id=key["id"], aws_secret_access_key=key["secret"],
                                 region_name="us-east-1")


def _stub(stubber: Stubber, operation: str, entry: dict[str, Any]) -> None:
    if "error" in entry:
        e = entry["error"]
        stubber.add_client_error(operation, service_error_code=e["code"], service_message=e["message"],
                                 http_status_code=e["http_status"])
    else:
        stubber.add_response(operation, entry["response"])


def _answer(entry: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """A recorded answer as botocore's ``before-call`` hooks return it: (HTTP response, parsed)."""
    from botocore.awsrequest import AWSResponse

    if "error" in entry:
        e = entry["error"]
        parsed = {"Error": {"Code": e["code"], "Message": e["message"]},
                  "ResponseMetadata": {"HTTPStatusCode": e["http_status"]}}
        return AWSResponse("https://recorded.invalid/", e["http_status"], {}, None), parsed
    return AWSResponse("https://recorded.invalid/", 200, {}, None), {
        **entry["response"], "ResponseMetadata": {"HTTPStatusCode": 200}}


def _replay(client: Any, operation: str, entry: dict[str, Any], when: Any = None) -> None:
    """Answer ``operation`` of ``client`` from a recording, through the ``before-call`` event that
    Stubber itself uses, but for that one operation only: the client's other calls go to moto."""
    event = f"before-call.{client.meta.service_model.service_id.hyphenize()}.{client.meta.method_to_api_mapping[operation]}"

    def hook(params: dict[str, Any], **_: Any) -> Any:
        return _answer(entry) if when is None or when(params) else None

    client.meta.events.register(event, hook)


def factory(recorded: dict[str, str] | None = None) -> v.ClientFactory:
    """Clients on moto, except the reads moto cannot serve (answered from the recordings), and
    AssumeRole without ExternalId (refused, as AWS does; moto does not enforce it). ``recorded``
    adds or replaces recordings by service (``{"ec2": "ec2.create_vpc#dry-run-allowed"}``)."""
    chosen = {s: f"{s}.{op}" for s, op in STUBBED_READS.items()} | (recorded or {})

    def make(session: Any, service: str, region: str) -> Any:
        client = v.default_client_factory(session, service, region)
        if service == "sts":
            _replay(client, "assume_role", RESPONSES["sts.assume_role#no-external-id"],
                    when=lambda params: "ExternalId" not in params.get("body", {}))
        elif service in chosen:
            key = chosen[service]
            _replay(client, key.split(".", 1)[1].split("#", 1)[0], RESPONSES[key])
        return client

    return make


def by_action(report: v.VerifyReport) -> dict[tuple[str, str], v.ProbeResult]:
    return {(r.kind, r.action if r.kind != "trust" else r.call): r for r in report.results}


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def test_moto_enforces_a_wrong_external_id_but_not_a_missing_one(aws: str, tmp_path: Path) -> None:
    """Pins moto's behaviour that the rest of this file relies on (see the module docstring)."""
    key = apply_role(aws, module_policies(tmp_path))
    enforce(aws)
    sts = customer(key).client("sts")
    ok = sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="t1", ExternalId=EXTERNAL_ID)
    assert ok["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE_NAME}/t1"
    with pytest.raises(sts.exceptions.ClientError) as denied:
        sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="t2", ExternalId="another-id")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    # AWS refuses this; moto lets it through, hence the recorded refusal in factory().
    sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="t3")


def test_verify_passes_on_the_module_as_applied(aws: str, tmp_path: Path) -> None:
    policies = module_policies(tmp_path)
    key = apply_role(aws, policies)
    enforce(aws)
    report = v.verify(ROLE_ARN, EXTERNAL_ID, regions=["us-east-1"], module=policy_dir(tmp_path, policies),
                      session=customer(key), client_factory=factory())
    assert report.assumed and report.assumed_arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE_NAME}/{v.SESSION_NAME}"
    got = {(r.kind, r.action, r.region, r.status, r.seen.split(":")[0]) for r in report.results}
    assert got == {
        ("trust", "sts:AssumeRole", "-", "pass", "AccessDenied"),  # without the external id (recorded)
        # moto-enforced reads
        ("read", "s3:ListBucket", "us-east-1", "pass", "200 OK"),
        ("read", "s3:GetObject", "us-east-1", "pass", "404"),
        ("read", "logs:DescribeLogGroups", "us-east-1", "pass", "200 OK"),
        ("read", "iam:ListRoles", "us-east-1", "pass", "200 OK"),
        ("read", "organizations:DescribeOrganization", "us-east-1", "pass", "AWSOrganizationsNotInUseException"),
        # recorded reads
        ("read", "ce:ListCostCategoryDefinitions", "us-east-1", "pass", "200 OK"),
        ("read", "pricing:DescribeServices", "us-east-1", "pass", "200 OK"),
        ("read", "bedrock:ListFoundationModels", "us-east-1", "pass", "200 OK"),
        ("read", "cloudwatch:ListMetrics", "us-east-1", "pass", "200 OK"),
        ("read", "cloudtrail:LookupEvents", "us-east-1", "pass", "200 OK"),
        # every write refused by moto's IAM
        ("write", "ec2:CreateVpc", "us-east-1", "pass", "AccessDenied"),
        ("write", "iam:AttachRolePolicy", "us-east-1", "pass", "AccessDenied"),
        ("write", "iam:CreateAccessKey", "us-east-1", "pass", "AccessDenied"),
        ("write", "s3:PutObject", "us-east-1", "pass", "AccessDenied"),
        ("write", "logs:DeleteLogGroup", "us-east-1", "pass", "AccessDenied"),
        ("write", "cloudtrail:StopLogging", "us-east-1", "pass", "AccessDenied"),
        ("write", "ce:DeleteCostCategoryDefinition", "us-east-1", "pass", "AccessDenied"),
        ("write", "bedrock:InvokeModel", "us-east-1", "pass", "AccessDenied"),
        ("write", "secretsmanager:GetSecretValue", "us-east-1", "pass", "AccessDenied"),
    }
    calls = by_action(report)
    assert calls[("trust", "sts.assume_role(ExternalId omitted)")].status == "pass"
    # The wrong external id is refused by moto itself.
    assert calls[("trust", "sts.assume_role(ExternalId=<a wrong one>)")].seen == "AccessDenied"
    assert calls[("read", "s3:ListBucket")].call == f"s3.list_objects_v2(Bucket='{BUCKET}', Prefix='cur/')"
    assert report.granted_services == ("bedrock", "ce", "cloudtrail", "cloudwatch", "iam", "logs",
                                       "organizations", "pricing", "s3")
    assert report.passed and report.exit_code == 0
    text = v.render_text(report)
    assert "RESULT  KIND" in text and text.rstrip().endswith(": PASS")


def test_a_wrong_external_id_cannot_assume_and_names_the_likely_cause(aws: str, tmp_path: Path) -> None:
    policies = module_policies(tmp_path)
    key = apply_role(aws, policies)
    enforce(aws)
    report = v.verify(ROLE_ARN, "not-the-right-id", regions=["us-east-1"], module=policy_dir(tmp_path, policies),
                      session=customer(key), client_factory=factory())
    assert not report.assumed and report.results == []
    assert report.assume_error is not None and report.assume_error.startswith("AccessDenied: ")
    assert report.causes == v.ASSUME_CAUSES["AccessDenied"]
    assert report.exit_code == 1
    text = v.render_text(report)
    assert "cannot assume the role: AccessDenied" in text and "the external id differs" in text


def test_the_customer_outside_the_trust_cannot_assume(aws: str, tmp_path: Path) -> None:
    """Without verifier_principal_arns the trust names only Venturi's account: the customer's own
    admin is refused (moto checks the principal), and the report says how to fix it."""
    policies = module_policies(tmp_path, verifier_principal_arns=[])
    key = apply_role(aws, policies)
    enforce(aws)
    report = v.verify(ROLE_ARN, EXTERNAL_ID, regions=["us-east-1"], module=policy_dir(tmp_path, policies),
                      session=customer(key), client_factory=factory())
    assert not report.assumed and "verifier_principal_arns" in " ".join(report.causes)


def test_a_denied_read_is_a_gap(aws: str, tmp_path: Path) -> None:
    """The module grants log reads but the applied role lacks them (moto enforces Logs); the
    CloudTrail refusal, which moto cannot give, comes from the recorded AWS answer."""
    policies = module_policies(tmp_path)
    key = apply_role(aws, policies, skip=("observability",))
    enforce(aws)
    report = v.verify(ROLE_ARN, EXTERNAL_ID, regions=["us-east-1"], module=policy_dir(tmp_path, policies),
                      session=customer(key),
                      client_factory=factory({"cloudtrail": "cloudtrail.lookup_events#denied"}))
    calls = by_action(report)
    logs = calls[("read", "logs:DescribeLogGroups")]
    assert (logs.status, logs.seen.split(":")[0]) == ("gap", "AccessDenied")
    trail = calls[("read", "cloudtrail:LookupEvents")]
    assert (trail.status, trail.seen.split(":")[0]) == ("gap", "AccessDeniedException")
    assert calls[("read", "iam:ListRoles")].status == "pass"
    assert report.counts()["gap"] == 2 and report.counts()["finding"] == 0
    assert report.exit_code == 1
    assert "gap: logs:DescribeLogGroups (us-east-1): the role may not do this: User: " in v.render_text(report)


def test_an_allowed_write_is_a_finding(aws: str, tmp_path: Path) -> None:
    """A policy planted on the role lets it create access keys (moto enforces IAM: the probe's user
    cannot exist, so the answer is NoSuchEntity, after authorisation); EC2's DryRun answer, which
    moto does not give, comes from the recording."""
    policies = module_policies(tmp_path)
    planted = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:CreateAccessKey", "ec2:CreateVpc"], "Resource": "*"}]}
    key = apply_role(aws, policies, extra=planted)
    enforce(aws)
    report = v.verify(ROLE_ARN, EXTERNAL_ID, regions=["us-east-1"], module=policy_dir(tmp_path, policies),
                      session=customer(key),
                      client_factory=factory({"ec2": "ec2.create_vpc#dry-run-allowed"}))
    calls = by_action(report)
    key_probe = calls[("write", "iam:CreateAccessKey")]
    assert (key_probe.status, key_probe.seen.split(":")[0]) == ("finding", "NoSuchEntity")
    vpc = calls[("write", "ec2:CreateVpc")]
    assert (vpc.status, vpc.seen.split(":")[0], vpc.call) == ("finding", "DryRunOperation", "ec2.create_vpc(DryRun=True)")
    assert calls[("write", "iam:AttachRolePolicy")].status == "pass"
    assert report.counts()["finding"] == 2 and report.exit_code == 1


def test_trust_probe_with_recorded_sts_answers() -> None:
    """The trust probe on its own, with Stubber: refused passes, issued credentials is a finding."""
    client = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="y",
                                   region_name="us-east-1").client("sts")
    with Stubber(client) as stubber:
        _stub(stubber, "assume_role", RESPONSES["sts.assume_role#no-external-id"])
        refused = v._trust_probe(client, ROLE_ARN, None, "without the external id")
        _stub(stubber, "assume_role", RESPONSES["sts.assume_role#allowed"])
        issued = v._trust_probe(client, ROLE_ARN, None, "without the external id")
        stubber.assert_no_pending_responses()
    assert (refused.status, refused.seen) == ("pass", "AccessDenied")
    assert (issued.status, issued.detail) == ("finding", "the role can be assumed without the external id")


def test_a_dry_run_refusal_passes() -> None:
    """EC2 answers UnauthorizedOperation to a refused DryRun (recorded; moto answers AccessDenied)."""
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1")
    client = session.client("ec2")
    with Stubber(client) as stubber:
        _stub(stubber, "create_vpc", RESPONSES["ec2.create_vpc#dry-run-denied"])
        probe = next(p for p in v.WRITE_PROBES if p.action == "ec2:CreateVpc")
        target = v.Target(ROLE_ARN, "aws", ACCOUNT, ROLE_NAME, ("us-east-1",), {})
        result = v.run_probe(probe, session, target, "us-east-1", lambda *_: client)
    assert (result.status, result.seen.split(":")[0]) == ("pass", "UnauthorizedOperation")


def test_recordings_fit_the_service_models() -> None:
    """Every recorded answer is valid for its operation's output shape (Stubber validates it)."""
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1")
    for key, entry in RESPONSES.items():
        if key.startswith("_"):
            continue
        service, operation = key.split("#", 1)[0].split(".", 1)
        client = session.client(service)
        stubber = Stubber(client)
        _stub(stubber, operation, entry)  # raises ParamValidationError on a wrong shape
        assert entry.get("response") is not None or entry["error"]["code"]


def test_probes_name_only_catalog_actions() -> None:
    from checker.catalog import get_catalog

    cat = get_catalog()
    for probe in (*v.READ_PROBES, *v.WRITE_PROBES):
        info = cat.get(probe.action)
        assert info is not None, probe.action
        assert (info.level in ("List", "Read")) == (probe.kind == "read") or probe.action in (
            "bedrock:InvokeModel", "secretsmanager:GetSecretValue"), probe.action


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


runner = CliRunner()


def test_cli_json_report(aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policies = module_policies(tmp_path)
    key = apply_role(aws, policies, skip=("observability",))
    enforce(aws)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["secret"])
    # Through the CLI no stubs: moto answers everything, so the reads it cannot serve are
    # inconclusive (500) or wrongly refused (CloudWatch, Bedrock): the run fails closed.
    result = runner.invoke(app, ["verify", "--role-arn", ROLE_ARN, "--external-id", EXTERNAL_ID,
                                 "--region", "us-east-1", "--module", str(policy_dir(tmp_path, policies)),
                                 "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["role_arn", "module", "regions", "assume", "granted_services", "probes", "summary", "passed"]
    assert data["assume"]["ok"] is True and data["passed"] is False
    statuses = {(p["action"], p["status"]) for p in data["probes"] if p["kind"] == "read"}
    assert ("logs:DescribeLogGroups", "gap") in statuses
    assert ("iam:ListRoles", "pass") in statuses
    assert ("ce:ListCostCategoryDefinitions", "inconclusive") in statuses
    # moto lets AssumeRole through without the external id: verify reports it as a finding.
    trust = [p for p in data["probes"] if p["kind"] == "trust"]
    assert [(p["call"], p["status"]) for p in trust] == [
        ("sts.assume_role(ExternalId omitted)", "finding"), ("sts.assume_role(ExternalId=<a wrong one>)", "pass")]


@pytest.mark.parametrize(("args", "message"), [
    (["--role-arn", "arn:aws:iam::12345:role/x"], "is not an IAM role ARN"),
    (["--region", "mars-1"], "is not a region name"),
    (["--external-id", "a*"], "--external-id must be"),
    (["--module", "/nonexistent/module"], "module /nonexistent/module not found"),
])
def test_cli_usage_errors_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    base = {"--role-arn": ROLE_ARN, "--external-id": EXTERNAL_ID, "--module": str(tmp_path)}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    result = runner.invoke(app, ["verify", *[x for kv in base.items() for x in kv]])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_cli_module_without_policies_exits_2(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("nothing here")
    result = runner.invoke(app, ["verify", "--role-arn", ROLE_ARN, "--external-id", EXTERNAL_ID,
                                 "--module", str(tmp_path)])
    assert result.exit_code == 2
    assert f"cannot tell what {tmp_path} grants: no identity policy found" in result.stderr


def test_cli_without_credentials_exits_2(aws: str, tmp_path: Path) -> None:
    policies = module_policies(tmp_path)
    result = runner.invoke(app, ["verify", "--role-arn", ROLE_ARN, "--external-id", EXTERNAL_ID,
                                 "--module", str(policy_dir(tmp_path, policies)), "--region", "us-east-1"])
    assert result.exit_code == 2, result.output
    assert "no AWS credentials found" in result.stderr


def test_cli_unknown_profile_exits_2(aws: str, tmp_path: Path) -> None:
    policies = module_policies(tmp_path)
    result = runner.invoke(app, ["verify", "--role-arn", ROLE_ARN, "--external-id", EXTERNAL_ID,
                                 "--module", str(policy_dir(tmp_path, policies)), "--profile", "nope"])
    assert result.exit_code == 2
    assert "nope" in result.stderr


def test_verify_sh_is_a_thin_wrapper(tmp_path: Path) -> None:
    script = MODULE / "scripts" / "verify.sh"
    assert os.access(script, os.X_OK)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", str(script), "--role-arn", "not-an-arn", "--external-id", EXTERNAL_ID],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "is not an IAM role ARN" in done.stderr
    bare = {**env, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(["bash", str(script), "--role-arn", ROLE_ARN], capture_output=True, text=True,
                          env=bare, timeout=60)
    assert done.returncode == 2 and "check-permissions is not installed" in done.stderr
