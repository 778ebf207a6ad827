"""``check-permissions verify`` against moto's server on loopback, with the onboarding module's own
policies as what ``--module`` says the role is granted.

Who does what here:

- **moto's server** is the wire: every client speaks HTTP to it, signed (moto's authentication is
  on: ``INITIAL_NO_AUTH_ACTION_COUNT`` 0 through ``/moto-api/reset-auth``), AssumeRole issues the
  session credentials the probes then sign with, and the calls it serves answer in the services' own
  formats (``ListObjectsV2`` XML, ``HeadObject``'s body-less 404, Organizations'
  ``AWSOrganizationsNotInUseException``, IAM's ``NoSuchEntity``). In moto the role's trust names the
  customer's admin without conditions and its one policy allows everything: moto admits and
  authorises whatever reaches it.
- **The test's ``Account``** is the authorisation: which calls the role may make (each test names
  the probe actions it refuses) and whether the trust admits an AssumeRole (the module's trust
  policy as rendered: principals, ``StringEquals``/``StringEqualsIfExists`` on ``sts:ExternalId``).
  It answers through botocore's ``before-call`` event (the one Stubber uses), so a refused call never
  leaves the client, and its refusals are AWS's documented error shapes for each protocol. Every
  verdict of ``verify`` (pass, gap, finding, inconclusive) comes from answers the test controls; an
  emulator release that changes its own authorisation (moto 5.2 refusing S3 reads a policy allows)
  cannot flip them. ``test_the_accounts_trust_agrees_with_moto_where_moto_enforces`` pins moto's own
  trust evaluation beside it.
- **Recordings** (``tests/fixtures/onboarding/aws_responses.json``, answers in AWS's documented
  shapes) answer the allowed reads moto cannot serve: Cost Explorer ``ListCostCategoryDefinitions``,
  Pricing and CloudTrail ``LookupEvents`` (not implemented: HTTP 500), CloudWatch (moto authorises it
  as ``monitoring:<Action>``), Bedrock (moto's signature check fails on its REST paths), and EC2's
  ``DryRun`` answers (moto ignores ``DryRun`` and would create the VPC).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.xdist_group("moto-server")  # one worker, one moto server (pyproject addopts)

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
ASSUMED_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE_NAME}/{v.SESSION_NAME}"
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


ALLOW_ALL = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
ADMITS_THE_ADMIN = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": USER_ARN}, "Action": "sts:AssumeRole"}]})


def apply_role(url: str, *, trust: str = ADMITS_THE_ADMIN, policy: str = ALLOW_ALL) -> dict[str, str]:
    """Create, as moto's unauthenticated admin, the customer's admin user (with an access key and
    sts:AssumeRole), the role and the CUR bucket. By default moto admits the admin to the role and
    authorises every call of the role (the module docstring: the ``Account`` decides). Returns the
    admin's key (the customer's default credentials)."""
    admin = boto3.session.Session(aws_access_key_id="AKIASETUPSETUPSETUP0", aws_secret_access_key="setup",
                                  region_name="us-east-1")
    iam = admin.client("iam")
    iam.create_user(UserName="customer-admin")
    key = iam.create_access_key(UserName="customer-admin")["AccessKey"]
    iam.put_user_policy(UserName="customer-admin", PolicyName="assume", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="moto-authorises-all", PolicyDocument=policy)
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


PROBES = (*v.READ_PROBES, *v.WRITE_PROBES)
WRITES = frozenset(p.action for p in v.WRITE_PROBES)
# Refusals recorded in AWS's words where they differ from the generic shape (refusal() below).
RECORDED_REFUSALS = {"ec2:CreateVpc": "ec2.create_vpc#dry-run-denied",
                     "cloudtrail:LookupEvents": "cloudtrail.lookup_events#denied"}
# Allowed reads moto cannot serve (module docstring): answered from the recordings.
RECORDED_READS = {p.action: f"{p.client}.{p.operation}" for p in v.READ_PROBES if p.client in STUBBED_READS}


def refusal(client: Any, operation: str, action: str, caller: str) -> dict[str, Any]:
    """AWS's refusal of ``action`` to ``caller``, in the shape of the service's protocol: query and
    REST-XML services (IAM, STS, S3) answer ``AccessDenied`` (403), JSON ones ``AccessDeniedException``
    (400, or 403 over REST-JSON); a refused ``HeadObject`` is a 403 without a body."""
    if action in RECORDED_REFUSALS:
        return RESPONSES[RECORDED_REFUSALS[action]]
    if operation == "head_object":
        return {"error": {"code": "403", "http_status": 403, "message": "Forbidden"}}
    message = f"User: {caller} is not authorized to perform: {action} because no identity-based policy allows the {action} action"
    protocol = client.meta.service_model.protocol
    if protocol in ("query", "rest-xml", "ec2"):
        return {"error": {"code": "AccessDenied", "http_status": 403, "message": message}}
    return {"error": {"code": "AccessDeniedException", "http_status": 403 if protocol == "rest-json" else 400,
                      "message": message}}


@dataclass(frozen=True)
class Account:
    """The authorisation of the customer's account, as a test writes it down (module docstring).

    ``trust`` is the role's trust policy (JSON, as the module renders it): AssumeRole is admitted
    when an Allow statement names the caller (its ARN, its account's root or its account id) and
    its conditions on ``sts:ExternalId`` hold. ``refused`` are the probe actions the role may not
    do; the role may do the others (moto or a recording answers them: ``answers`` adds or replaces
    recordings by action). The customer's admin may do nothing but AssumeRole."""

    trust: str
    refused: frozenset[str] = frozenset()
    answers: Mapping[str, str] = field(default_factory=dict)

    def admits(self, caller: str, params: Mapping[str, Any]) -> bool:
        caller_account = caller.split(":")[4]
        for st in json.loads(self.trust)["Statement"]:
            actions = st.get("Action", [])
            principals = (st.get("Principal") or {}).get("AWS", [])
            if st.get("Effect") != "Allow" or "sts:AssumeRole" not in ([actions] if isinstance(actions, str) else actions):
                continue
            if not {caller, f"arn:aws:iam::{caller_account}:root", caller_account, "*"} & set(
                    [principals] if isinstance(principals, str) else principals):
                continue
            if all(self._holds(test, values, params) for test, values in (st.get("Condition") or {}).items()):
                return True
        return False

    @staticmethod
    def _holds(test: str, values: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
        assert set(values) == {"sts:ExternalId"}, f"the test's trust evaluation knows only sts:ExternalId: {values}"
        wanted = values["sts:ExternalId"]
        given = params.get("ExternalId")
        if test == "StringEquals":
            return given in ([wanted] if isinstance(wanted, str) else wanted)
        if test == "StringEqualsIfExists":
            return given is None or given in ([wanted] if isinstance(wanted, str) else wanted)
        raise AssertionError(f"the test's trust evaluation does not know {test}")

    def answer(self, client: Any, service: str, operation: str, caller: str,
               params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The answer to one call, or None to let moto answer it."""
        if service == "sts" and operation == "assume_role":
            if self.admits(caller, params):
                return None
            if "ExternalId" not in params:
                return RESPONSES["sts.assume_role#no-external-id"]
            return {"error": {"code": "AccessDenied", "http_status": 403, "message":
                              f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {ROLE_ARN}"}}
        action = next((p.action for p in PROBES if (p.client, p.operation) == (service, operation)), None)
        if action is None:
            return None
        if caller != ASSUMED_ARN or action in self.refused:
            return refusal(client, operation, action, caller)
        if action in self.answers:
            return RESPONSES[self.answers[action]]
        return RESPONSES[RECORDED_READS[action]] if action in RECORDED_READS else None

    def attach(self, client: Any, service: str, session: Any) -> Any:
        """Answer ``client``'s calls as this account does, through the ``before-call`` event Stubber
        uses: a call the account refuses, or that a recording answers, never reaches moto."""
        credentials = session.get_credentials()
        caller = ASSUMED_ARN if credentials is not None and credentials.token else USER_ARN
        operations = {api: name for name, api in client.meta.method_to_api_mapping.items()}

        def hook(model: Any, params: dict[str, Any], **_: Any) -> Any:
            body = params.get("body")
            args = body if service == "sts" and isinstance(body, dict) else {}
            entry = self.answer(client, service, operations[model.name], caller, args)
            return None if entry is None else _answer(entry)

        client.meta.events.register(f"before-call.{client.meta.service_model.service_id.hyphenize()}", hook)
        return client

    def factory(self) -> v.ClientFactory:
        """``verify``'s clients: on moto, answered by this account."""
        def make(session: Any, service: str, region: str) -> Any:
            return self.attach(v.default_client_factory(session, service, region), service, session)
        return make


def by_action(report: v.VerifyReport) -> dict[tuple[str, str], v.ProbeResult]:
    return {(r.kind, r.action if r.kind != "trust" else r.call): r for r in report.results}


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def test_the_accounts_trust_agrees_with_moto_where_moto_enforces(aws: str, tmp_path: Path) -> None:
    """Pins moto's own trust evaluation beside the test's ``Account``, on the module's trust: both
    admit the right external id and refuse a wrong one and a principal the trust does not name;
    without the id AWS refuses (as ``Account`` does) but moto lets the request through."""
    for principals, admitted in (([USER_ARN], True), ([], False)):
        _post(f"{aws}/moto-api/reset", b"")
        _post(f"{aws}/moto-api/reset-auth", b"inf")
        trust = module_policies(tmp_path, verifier_principal_arns=principals)["trust"]
        key = apply_role(aws, trust=trust)
        enforce(aws)
        sts = customer(key).client("sts")
        account = Account(trust)
        if admitted:
            ok = sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="t1", ExternalId=EXTERNAL_ID)
            assert ok["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE_NAME}/t1"
            assert account.admits(USER_ARN, {"ExternalId": EXTERNAL_ID})
            # AWS refuses this; moto lets it through: the Account refuses it, as AWS does.
            sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="t3")
            assert not account.admits(USER_ARN, {})
        else:
            with pytest.raises(sts.exceptions.ClientError) as outside:
                sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="t1", ExternalId=EXTERNAL_ID)
            assert outside.value.response["Error"]["Code"] == "AccessDenied"
            assert not account.admits(USER_ARN, {"ExternalId": EXTERNAL_ID})
        with pytest.raises(sts.exceptions.ClientError) as denied:
            sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="t2", ExternalId="another-id")
        assert denied.value.response["Error"]["Code"] == "AccessDenied"
        assert not account.admits(USER_ARN, {"ExternalId": "another-id"})
        _post(f"{aws}/moto-api/reset-auth", b"inf")


def test_verify_passes_on_the_module_as_applied(aws: str, tmp_path: Path) -> None:
    """The role as the module grants it: every read probe allowed, every write refused."""
    policies = module_policies(tmp_path)
    key = apply_role(aws)
    enforce(aws)
    account = Account(policies["trust"], refused=WRITES)
    report = v.verify(ROLE_ARN, EXTERNAL_ID, regions=["us-east-1"], module=policy_dir(tmp_path, policies),
                      session=customer(key), client_factory=account.factory())
    assert report.assumed and report.assumed_arn == ASSUMED_ARN
    got = {(r.kind, r.action, r.region, r.status, r.seen.split(":")[0]) for r in report.results}
    assert got == {
        ("trust", "sts:AssumeRole", "-", "pass", "AccessDenied"),  # without the external id (recorded)
        # reads moto serves, in the services' wire formats
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
        # every write refused, in each service's words
        ("write", "ec2:CreateVpc", "us-east-1", "pass", "UnauthorizedOperation"),
        ("write", "iam:AttachRolePolicy", "us-east-1", "pass", "AccessDenied"),
        ("write", "iam:CreateAccessKey", "us-east-1", "pass", "AccessDenied"),
        ("write", "s3:PutObject", "us-east-1", "pass", "AccessDenied"),
        ("write", "logs:DeleteLogGroup", "us-east-1", "pass", "AccessDeniedException"),
        ("write", "cloudtrail:StopLogging", "us-east-1", "pass", "AccessDeniedException"),
        ("write", "ce:DeleteCostCategoryDefinition", "us-east-1", "pass", "AccessDeniedException"),
        ("write", "bedrock:InvokeModel", "us-east-1", "pass", "AccessDeniedException"),
        ("write", "secretsmanager:GetSecretValue", "us-east-1", "pass", "AccessDeniedException"),
    }
    calls = by_action(report)
    assert calls[("trust", "sts.assume_role(ExternalId omitted)")].status == "pass"
    # The wrong external id is refused by the trust's StringEquals.
    assert calls[("trust", "sts.assume_role(ExternalId=<a wrong one>)")].seen == "AccessDenied"
    assert calls[("read", "s3:ListBucket")].call == f"s3.list_objects_v2(Bucket='{BUCKET}', Prefix='cur/')"
    assert report.granted_services == ("bedrock", "ce", "cloudtrail", "cloudwatch", "iam", "logs",
                                       "organizations", "pricing", "s3")
    assert report.passed and report.exit_code == 0
    text = v.render_text(report)
    assert "RESULT  KIND" in text and text.rstrip().endswith(": PASS")


def test_probes_use_the_roles_session_not_the_callers(aws: str, tmp_path: Path) -> None:
    """The ``Account`` refuses the customer's admin everything but AssumeRole: a verify that probed
    with the caller's credentials instead of the assumed role's would see every read refused."""
    policies = module_policies(tmp_path)
    key = apply_role(aws)
    enforce(aws)
    account = Account(policies["trust"], refused=WRITES)
    admin = customer(key)
    s3 = account.attach(v.default_client_factory(admin, "s3", "us-east-1"), "s3", admin)
    with pytest.raises(s3.exceptions.ClientError) as refused:
        s3.list_objects_v2(Bucket=BUCKET, Prefix="cur/", MaxKeys=1)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert USER_ARN in refused.value.response["Error"]["Message"]


def test_a_wrong_external_id_cannot_assume_and_names_the_likely_cause(aws: str, tmp_path: Path) -> None:
    policies = module_policies(tmp_path)
    key = apply_role(aws)
    enforce(aws)
    report = v.verify(ROLE_ARN, "not-the-right-id", regions=["us-east-1"], module=policy_dir(tmp_path, policies),
                      session=customer(key), client_factory=Account(policies["trust"], refused=WRITES).factory())
    assert not report.assumed and report.results == []
    assert report.assume_error is not None and report.assume_error.startswith("AccessDenied: ")
    assert report.causes == v.ASSUME_CAUSES["AccessDenied"]
    assert report.exit_code == 1
    text = v.render_text(report)
    assert "cannot assume the role: AccessDenied" in text and "the external id differs" in text


def test_the_customer_outside_the_trust_cannot_assume(aws: str, tmp_path: Path) -> None:
    """Without verifier_principal_arns the trust names only Venturi's account: the customer's own
    admin is refused, and the report says how to fix it."""
    policies = module_policies(tmp_path, verifier_principal_arns=[])
    key = apply_role(aws)
    enforce(aws)
    report = v.verify(ROLE_ARN, EXTERNAL_ID, regions=["us-east-1"], module=policy_dir(tmp_path, policies),
                      session=customer(key), client_factory=Account(policies["trust"], refused=WRITES).factory())
    assert not report.assumed and report.assume_error is not None
    assert report.assume_error.startswith(f"AccessDenied: User: {USER_ARN} is not authorized to perform: sts:AssumeRole")
    assert "verifier_principal_arns" in " ".join(report.causes)


def test_a_denied_read_is_a_gap(aws: str, tmp_path: Path) -> None:
    """The module grants log and CloudTrail reads but the applied role lacks them (CloudTrail's
    refusal is the recorded AWS answer)."""
    policies = module_policies(tmp_path)
    key = apply_role(aws)
    enforce(aws)
    account = Account(policies["trust"], refused=WRITES | {"logs:DescribeLogGroups", "cloudtrail:LookupEvents"})
    report = v.verify(ROLE_ARN, EXTERNAL_ID, regions=["us-east-1"], module=policy_dir(tmp_path, policies),
                      session=customer(key), client_factory=account.factory())
    calls = by_action(report)
    logs = calls[("read", "logs:DescribeLogGroups")]
    assert (logs.status, logs.seen.split(":")[0]) == ("gap", "AccessDeniedException")
    trail = calls[("read", "cloudtrail:LookupEvents")]
    assert (trail.status, trail.seen.split(":")[0]) == ("gap", "AccessDeniedException")
    assert calls[("read", "iam:ListRoles")].status == "pass"
    assert calls[("read", "s3:GetObject")].status == "pass"
    assert report.counts()["gap"] == 2 and report.counts()["finding"] == 0
    assert report.exit_code == 1
    assert "gap: logs:DescribeLogGroups (us-east-1): the role may not do this: User: " in v.render_text(report)


def test_a_refused_object_read_is_a_gap(aws: str, tmp_path: Path) -> None:
    """S3 answers a refused HeadObject with a bare 403 (no body, no error code): still a gap."""
    policies = module_policies(tmp_path)
    key = apply_role(aws)
    enforce(aws)
    account = Account(policies["trust"], refused=WRITES | {"s3:GetObject"})
    report = v.verify(ROLE_ARN, EXTERNAL_ID, regions=["us-east-1"], module=policy_dir(tmp_path, policies),
                      session=customer(key), client_factory=account.factory())
    calls = by_action(report)
    head = calls[("read", "s3:GetObject")]
    assert (head.status, head.seen, head.call.split("(")[0]) == ("gap", "403", "s3.head_object")
    assert calls[("read", "s3:ListBucket")].status == "pass"
    assert report.counts()["gap"] == 1 and report.exit_code == 1


def test_an_allowed_write_is_a_finding(aws: str, tmp_path: Path) -> None:
    """The role may create access keys (moto serves the call: the probe's user cannot exist, so the
    answer is NoSuchEntity, after authorisation) and VPCs (EC2's DryRun answer, which moto does not
    give, comes from the recording)."""
    policies = module_policies(tmp_path)
    key = apply_role(aws)
    enforce(aws)
    account = Account(policies["trust"], refused=WRITES - {"iam:CreateAccessKey", "ec2:CreateVpc"},
                      answers={"ec2:CreateVpc": "ec2.create_vpc#dry-run-allowed"})
    report = v.verify(ROLE_ARN, EXTERNAL_ID, regions=["us-east-1"], module=policy_dir(tmp_path, policies),
                      session=customer(key), client_factory=account.factory())
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
    """Through the command line: the role lacks the log reads, Cost Explorer fails (HTTP 500) and the
    applied trust says ``StringEqualsIfExists`` (a request without the id passes): the run fails
    closed and the JSON report says why."""
    policies = module_policies(tmp_path)
    key = apply_role(aws)
    enforce(aws)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["secret"])
    unavailable = "ce.list_cost_category_definitions#unavailable"
    monkeypatch.setitem(RESPONSES, unavailable, {"error": {
        "code": "InternalFailure", "http_status": 500, "message": "An internal error occurred."}})
    account = Account(policies["trust"].replace('"StringEquals"', '"StringEqualsIfExists"'),
                      refused=WRITES | {"logs:DescribeLogGroups"},
                      answers={"ce:ListCostCategoryDefinitions": unavailable})
    # The command makes its own sessions and clients: the account answers every client they make.
    make_client = boto3.session.Session.client
    monkeypatch.setattr(boto3.session.Session, "client", lambda self, service, *a, **kw: account.attach(
        make_client(self, service, *a, **kw), service, self))
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
    assert ("s3:ListBucket", "pass") in statuses
    assert ("ce:ListCostCategoryDefinitions", "inconclusive") in statuses
    # The trust lets AssumeRole through without the external id: verify reports it as a finding.
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


def test_cli_without_boto3_exits_2_naming_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # what `import boto3` meets when it is not installed
    result = runner.invoke(app, ["verify", "--role-arn", ROLE_ARN, "--external-id", EXTERNAL_ID,
                                 "--module", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert result.stderr == "check-permissions: error: verify needs boto3: pip install 'check-permissions[verify]'\n"
    assert result.stdout == ""


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
