"""``check-permissions verify``: test an applied onboarding role against AWS itself.

The static gate proves what the Terraform module *says*; this proves what AWS *does* with the role
once applied. It assumes the role exactly as Venturi does (with the external id), then:

- **trust probes**: assuming the role without the external id, and with a wrong one, must be
  refused (``AccessDenied``); anything else is a security finding.
- **read probes**: for each granted action that has a probe below (derived from the module's
  policy documents through :func:`checker.api.explain`), one harmless Get/List/Describe call.
  Success, or a not-found that only an authorised caller can see, passes; ``AccessDenied`` is a
  permission gap.
- **write probes**: for writes (and forbidden reads) the role must not have, a call that cannot
  change anything even if it were allowed (EC2 ``DryRun``, a resource name that cannot exist, a
  request that fails validation after authorisation). ``AccessDenied`` passes; anything else is a
  security finding.

A probe that ends in neither (a network error, throttling, a region without the service) is
*inconclusive*, which fails the run too: "all good" is only said when every probe was judged.
Exit codes: 0 all good, 1 a gap, a finding, an inconclusive probe or a role that cannot be
assumed, 2 usage or input error. boto3 (the `verify` extra) is imported only when the command runs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Kind = Literal["trust", "read", "write"]
Status = Literal["pass", "gap", "finding", "inconclusive", "skipped"]

# The default module: the onboarding module of this repository (a checkout, or --module).
DEFAULT_MODULE = Path(__file__).resolve().parents[1] / "infra" / "aws" / "onboarding"
SESSION_NAME = "check-permissions-verify"
ROLE_ARN_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})$")
EXTERNAL_ID_RE = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")

# Error codes that mean "not authorised" across AWS's protocols (S3's HEAD answers carry only "403").
DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException",
    "AuthorizationError", "AuthorizationErrorException", "Forbidden", "403", "AllAccessDisabled",
})
# Error codes that are about the caller's own credentials, not the role: the run cannot judge.
CREDENTIAL_CODES = frozenset({
    "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException",
    "InvalidAccessKeyId", "UnrecognizedClientException", "InvalidToken", "TokenRefreshRequired",
})

# The global endpoint region of each partition (Cost Explorer, Organizations, IAM, pricing).
GLOBAL_REGION = {"aws": "us-east-1", "aws-cn": "cn-northwest-1", "aws-us-gov": "us-gov-west-1"}

# README.md of the module, "Troubleshooting": the likely causes of a refused AssumeRole.
ASSUME_CAUSES: dict[str, tuple[str, ...]] = {
    "AccessDenied": (
        "the external id differs from the one in the role's trust policy (terraform.tfvars external_id)",
        "the principal running verify is not in the trust policy: add its ARN to verifier_principal_arns "
        "and apply (the trust names the Venturi account otherwise)",
        "the role ARN is wrong (name or account): compare with `terraform output role_arn`",
        "the principal running verify has no sts:AssumeRole permission on the role "
        "(its own IAM policy, a permissions boundary or an SCP denies it)",
    ),
    "RegionDisabledException": (
        "STS is not activated in this region for the account: use another --region or activate it "
        "(IAM > Account settings > Security Token Service)",
    ),
    "ValidationError": ("the role ARN or the external id is malformed",),
}
CREDENTIAL_CAUSES = (
    "the AWS credentials running verify are invalid or expired: check --profile, "
    "run `aws sso login`, or refresh the keys",
)


class VerifyError(Exception):
    """A usage or input error (bad option, unreadable module, no credentials): exit code 2."""


@dataclass(frozen=True)
class Target:
    """What the probes need to know about the role and the module."""

    role_arn: str
    partition: str
    account: str
    role_name: str
    regions: tuple[str, ...]
    granted: Mapping[str, str]  # action -> access level, from the module
    cur_bucket: str | None = None
    cur_prefix: str = ""
    token: str = field(default_factory=lambda: f"check-permissions-verify-{uuid.uuid4().hex[:12]}")

    @property
    def global_region(self) -> str:
        return GLOBAL_REGION.get(self.partition, "us-east-1")


@dataclass(frozen=True)
class Probe:
    """One harmless call. ``params`` builds its arguments (None: the probe cannot run, see ``needs``);
    ``authorised`` are error codes that prove the request passed authorisation (a not-found)."""

    kind: Kind
    action: str
    client: str
    operation: str
    params: Callable[[Target, str], dict[str, Any] | None]
    regional: bool = False
    authorised: tuple[str, ...] = ()
    needs: str = ""
    show: tuple[str, ...] = ()  # parameter names shown in the CALL column


@dataclass
class ProbeResult:
    kind: Kind
    action: str
    region: str
    call: str
    seen: str
    status: Status
    detail: str = ""
    message: str = ""  # AWS's error message, when there was one

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "action": self.action, "region": self.region, "call": self.call,
                "seen": self.seen, "status": self.status, "detail": self.detail, "message": self.message}


@dataclass
class VerifyReport:
    role_arn: str
    module: str
    regions: tuple[str, ...]
    assumed: bool
    assumed_arn: str | None
    assume_error: str | None = None
    causes: tuple[str, ...] = ()
    granted_services: tuple[str, ...] = ()
    results: list[ProbeResult] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in ("pass", "gap", "finding", "inconclusive", "skipped")}
        for r in self.results:
            out[r.status] += 1
        return out

    @property
    def passed(self) -> bool:
        c = self.counts()
        return self.assumed and c["gap"] == 0 and c["finding"] == 0 and c["inconclusive"] == 0

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "role_arn": self.role_arn,
            "module": self.module,
            "regions": list(self.regions),
            "assume": {"ok": self.assumed, "arn": self.assumed_arn, "error": self.assume_error,
                       "likely_causes": list(self.causes)},
            "granted_services": list(self.granted_services),
            "probes": [r.to_dict() for r in self.results],
            "summary": self.counts(),
            "passed": self.passed,
        }


# --------------------------------------------------------------------------------------------
# The probes
# --------------------------------------------------------------------------------------------


def _const(**kw: Any) -> Callable[[Target, str], dict[str, Any] | None]:
    return lambda _t, _r: dict(kw)


def _needs_bucket(build: Callable[[Target, str, str], dict[str, Any]]) -> Callable[[Target, str], dict[str, Any] | None]:
    def params(t: Target, region: str) -> dict[str, Any] | None:
        return None if t.cur_bucket is None else build(t, region, t.cur_bucket)
    return params


def _bad_md5() -> str:
    # The digest of other content than the body sent: S3 refuses the upload (BadDigest) after
    # authorisation, so nothing is written even if PutObject were allowed.
    return base64.b64encode(hashlib.md5(b"not the body", usedforsecurity=False).digest()).decode()


READ_PROBES: tuple[Probe, ...] = (
    # One request to the Cost Explorer API (AWS bills USD 0.01 per request).
    Probe("read", "ce:ListCostCategoryDefinitions", "ce", "list_cost_category_definitions",
          _const(MaxResults=1)),
    Probe("read", "s3:ListBucket", "s3", "list_objects_v2",
          _needs_bucket(lambda t, _r, b: {"Bucket": b, "Prefix": t.cur_prefix, "MaxKeys": 1}),
          needs="the CUR bucket name (give the module's tfvars with --var-file)", show=("Bucket", "Prefix")),
    # A key that cannot exist under the prefix: 404 proves GetObject is authorised there (S3 answers
    # 403 instead of 404 to a caller that may not list the bucket), and no report is read.
    Probe("read", "s3:GetObject", "s3", "head_object",
          _needs_bucket(lambda t, _r, b: {"Bucket": b, "Key": f"{t.cur_prefix}{t.token}"}),
          authorised=("404", "NoSuchKey", "NotFound"),
          needs="the CUR bucket name (give the module's tfvars with --var-file)", show=("Bucket", "Key")),
    Probe("read", "pricing:DescribeServices", "pricing", "describe_services", _const(MaxResults=1)),
    Probe("read", "bedrock:ListFoundationModels", "bedrock", "list_foundation_models", _const(), regional=True),
    Probe("read", "cloudwatch:ListMetrics", "cloudwatch", "list_metrics", _const(Namespace="AWS/Bedrock"),
          regional=True, show=("Namespace",)),
    Probe("read", "logs:DescribeLogGroups", "logs", "describe_log_groups", _const(limit=1), regional=True),
    Probe("read", "cloudtrail:LookupEvents", "cloudtrail", "lookup_events", _const(MaxResults=1), regional=True),
    Probe("read", "iam:ListRoles", "iam", "list_roles", _const(MaxItems=1)),
    # An account outside an organization answers AWSOrganizationsNotInUseException, after authorisation.
    Probe("read", "organizations:DescribeOrganization", "organizations", "describe_organization", _const(),
          authorised=("AWSOrganizationsNotInUseException",)),
)

WRITE_PROBES: tuple[Probe, ...] = (
    Probe("write", "ec2:CreateVpc", "ec2", "create_vpc", _const(CidrBlock="10.255.255.0/28", DryRun=True),
          regional=True, show=("DryRun",)),
    # Privilege escalation on the role itself, with a managed policy that cannot exist.
    Probe("write", "iam:AttachRolePolicy", "iam", "attach_role_policy",
          lambda t, _r: {"RoleName": t.role_name, "PolicyArn": f"arn:{t.partition}:iam::aws:policy/{t.token}"},
          show=("RoleName", "PolicyArn")),
    Probe("write", "iam:CreateAccessKey", "iam", "create_access_key", lambda t, _r: {"UserName": t.token},
          show=("UserName",)),
    Probe("write", "s3:PutObject", "s3", "put_object",
          _needs_bucket(lambda t, _r, b: {"Bucket": b, "Key": f"{t.cur_prefix}{t.token}", "Body": b"check-permissions",
                                          "ContentMD5": _bad_md5()}),
          needs="the CUR bucket name (give the module's tfvars with --var-file)", show=("Bucket", "Key", "ContentMD5")),
    Probe("write", "logs:DeleteLogGroup", "logs", "delete_log_group", lambda t, _r: {"logGroupName": t.token},
          regional=True, show=("logGroupName",)),
    Probe("write", "cloudtrail:StopLogging", "cloudtrail", "stop_logging", lambda t, _r: {"Name": t.token},
          regional=True, show=("Name",)),
    Probe("write", "ce:DeleteCostCategoryDefinition", "ce", "delete_cost_category_definition",
          lambda t, _r: {"CostCategoryArn": f"arn:{t.partition}:ce::{t.account}:costcategory/{uuid.uuid4()}"},
          show=("CostCategoryArn",)),
    # Forbidden reads: model invocation (cost, data) and secrets (credentials).
    Probe("write", "bedrock:InvokeModel", "bedrock-runtime", "invoke_model",
          lambda t, _r: {"modelId": t.token, "body": b"{}", "contentType": "application/json"},
          regional=True, show=("modelId",)),
    Probe("write", "secretsmanager:GetSecretValue", "secretsmanager", "get_secret_value",
          lambda t, _r: {"SecretId": t.token}, regional=True, show=("SecretId",)),
)


# --------------------------------------------------------------------------------------------
# What the module grants
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Granted:
    actions: dict[str, str]  # action -> level
    cur_bucket: str | None
    cur_prefix: str


S3_OBJECTS_RE = re.compile(r"^arn:aws[a-z-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/([^*?]*)\*$")
S3_BUCKET_RE = re.compile(r"^arn:aws[a-z-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$")


def granted_by(module: Path, var_files: Sequence[Path] = ()) -> Granted:
    """The actions the module grants (identity policies only) and the CUR bucket it names, from
    :func:`checker.api.explain`. Raises :class:`VerifyError` when the module cannot be evaluated."""
    from checker.api import explain
    from checker.catalog import get_catalog
    from checker.model import DocumentKind
    from checker.settings import InputError, Settings

    settings = Settings(var_files=tuple(str(p) for p in var_files))
    try:
        entries, load = explain([module], settings)
    except InputError as exc:
        raise VerifyError(f"cannot read the module {module}: {exc}") from None
    if load.errors:
        first = load.errors[0]
        raise VerifyError(f"cannot evaluate the module {module}: {first.file}:{first.line}: {first.message}")
    identity = [e for e in entries if e.document.kind == DocumentKind.IDENTITY]
    if not identity:
        raise VerifyError(
            f"cannot tell what {module} grants: no identity policy found in it (a Terraform module needs "
            "the Terraform front end; --module also accepts the policies as JSON files)")
    actions: dict[str, str] = {}
    for e in identity:
        for level, names in e.grants.items():
            for name in names:
                actions[name] = level
    bucket: str | None = None
    prefix = ""
    cat = get_catalog()
    for e in identity:
        for st in e.document.statements:
            if st.effect != "Allow" or not st.action or not st.resource:
                continue
            expanded = set(cat.expand_many([a.value for a in st.action if a.unknown is None]))
            for r in st.resource:
                if r.unknown is not None:
                    continue
                if "s3:GetObject" in expanded and (m := S3_OBJECTS_RE.match(r.value)):
                    bucket, prefix = m.group(1), m.group(2)
                elif "s3:ListBucket" in expanded and (m := S3_BUCKET_RE.match(r.value)) and bucket is None:
                    bucket = m.group(1)
    return Granted(actions, bucket, prefix)


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def _error_code(exc: Exception) -> tuple[str, str]:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        err = response.get("Error") or {}
        code = str(err.get("Code") or response.get("ResponseMetadata", {}).get("HTTPStatusCode") or "")
        message = str(err.get("Message") or "")
        if code.isdigit() and (m := _XML_CODE.search(message)):
            # An XML error body where botocore expected JSON (some emulators): read the code from it.
            code = m.group(1)
            message = m2.group(1) if (m2 := _XML_MESSAGE.search(message)) else ""
        return code, message
    return "", str(exc)


_XML_CODE = re.compile(r"<Code>([\w.]+)</Code>")
_XML_MESSAGE = re.compile(r"<Message>([^<]*)</Message>")


def _call_text(probe: Probe, params: Mapping[str, Any]) -> str:
    shown = ", ".join(f"{k}={params[k]!r}" for k in probe.show if k in params)
    return f"{probe.client}.{probe.operation}({shown})"


def _short(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def run_probe(probe: Probe, session: Any, target: Target, region: str, client_factory: ClientFactory) -> ProbeResult:
    from botocore.exceptions import BotoCoreError, ClientError

    params = probe.params(target, region)
    if params is None:
        return ProbeResult(probe.kind, probe.action, region, f"{probe.client}.{probe.operation}", "not run",
                           "skipped", f"needs {probe.needs}")
    call = _call_text(probe, params)
    try:
        client = client_factory(session, probe.client, region)
        getattr(client, probe.operation)(**params)
    except ClientError as exc:
        code, message = _error_code(exc)
        seen = code or "error"
        if code in DENIED_CODES:
            status: Status = "gap" if probe.kind == "read" else "pass"
            detail = "the role may not do this" if probe.kind == "read" else "refused, as it must be"
        elif code in CREDENTIAL_CODES:
            status, detail = "inconclusive", "the session's credentials were refused"
        elif probe.kind == "read":
            if code in probe.authorised:
                status, detail = "pass", "authorised (not found)"
            else:
                status, detail = "inconclusive", "neither allowed nor refused"
        else:
            status, detail = "finding", "the request passed authorisation: the role may do this"
        return ProbeResult(probe.kind, probe.action, region, call, seen, status, detail, _short(message, 400))
    except (BotoCoreError, OSError) as exc:
        return ProbeResult(probe.kind, probe.action, region, call, f"{type(exc).__name__}: {_short(str(exc))}",
                           "inconclusive", "no answer from AWS")
    if probe.kind == "read":
        return ProbeResult(probe.kind, probe.action, region, call, "200 OK", "pass", "allowed")
    return ProbeResult(probe.kind, probe.action, region, call, "200 OK", "finding",
                       "the call succeeded: the role may do this")


ClientFactory = Callable[[Any, str, str], Any]


def default_client_factory(session: Any, service: str, region: str) -> Any:
    from botocore.config import Config

    config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=20,
                    user_agent_extra="check-permissions-verify")
    return session.client(service, region_name=region, config=config)


def parse_role_arn(role_arn: str) -> tuple[str, str, str]:
    m = ROLE_ARN_RE.match(role_arn)
    if not m:
        raise VerifyError(f"--role-arn {role_arn!r} is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)")
    return m.group(1), m.group(2), m.group(4)


def _trust_probe(sts: Any, role_arn: str, external_id: str | None, what: str) -> ProbeResult:
    from botocore.exceptions import BotoCoreError, ClientError

    kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": SESSION_NAME, "DurationSeconds": 900}
    shown = "ExternalId omitted" if external_id is None else "ExternalId=<a wrong one>"
    call = f"sts.assume_role({shown})"
    if external_id is not None:
        kwargs["ExternalId"] = external_id
    try:
        sts.assume_role(**kwargs)
    except ClientError as exc:
        code, message = _error_code(exc)
        if code in DENIED_CODES:
            return ProbeResult("trust", "sts:AssumeRole", "-", call, code, "pass", f"{what}: refused, as it must be")
        return ProbeResult("trust", "sts:AssumeRole", "-", call, code or "error", "inconclusive",
                           f"{what}: neither allowed nor refused", _short(message, 400))
    except (BotoCoreError, OSError) as exc:
        return ProbeResult("trust", "sts:AssumeRole", "-", call, type(exc).__name__, "inconclusive", "no answer")
    return ProbeResult("trust", "sts:AssumeRole", "-", call, "200 OK (credentials issued)", "finding",
                       f"the role can be assumed {what}")


def verify(
    role_arn: str,
    external_id: str,
    *,
    regions: Sequence[str] = (),
    profile: str | None = None,
    module: Path | None = None,
    var_files: Sequence[Path] = (),
    session: Any = None,
    client_factory: ClientFactory = default_client_factory,
) -> VerifyReport:
    """Assume ``role_arn`` with ``external_id`` and run the probes. ``session`` (a boto3 Session)
    replaces ``profile`` (tests); ``client_factory`` makes every client (tests attach Stubbers)."""
    partition, account, role_name = parse_role_arn(role_arn)
    if not EXTERNAL_ID_RE.match(external_id):
        raise VerifyError("--external-id must be 2 to 1,224 characters of letters, digits and +=,.@:/_-")
    for r in regions:
        if not REGION_RE.match(r):
            raise VerifyError(f"--region {r!r} is not a region name such as us-east-1")
    module = module or DEFAULT_MODULE
    if not module.exists():
        raise VerifyError(f"module {module} not found: give --module PATH")
    try:  # the verify extra: the gate itself never talks to AWS
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound
    except ImportError:
        raise VerifyError("verify needs boto3: pip install 'check-permissions[verify]'") from None
    granted = granted_by(module, var_files)

    if session is None:
        try:
            session = boto3.session.Session(profile_name=profile)
        except ProfileNotFound as exc:
            raise VerifyError(str(exc)) from None
    regions = tuple(dict.fromkeys(regions)) or (session.region_name or GLOBAL_REGION.get(partition, "us-east-1"),)
    target = Target(role_arn, partition, account, role_name, regions, granted.actions,
                    granted.cur_bucket, granted.cur_prefix)
    report = VerifyReport(role_arn, str(module), regions, assumed=False, assumed_arn=None,
                          granted_services=tuple(sorted({a.split(":", 1)[0] for a in granted.actions})))

    sts = client_factory(session, "sts", regions[0])
    try:
        answer = sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME, ExternalId=external_id,
                                 DurationSeconds=900)
    except NoCredentialsError:
        raise VerifyError("no AWS credentials found: configure them (aws configure, aws sso login, "
                          "environment variables) or give --profile") from None
    except ClientError as exc:
        code, message = _error_code(exc)
        report.assume_error = f"{code}: {message}" if message else code
        report.causes = CREDENTIAL_CAUSES if code in CREDENTIAL_CODES else ASSUME_CAUSES.get(
            code, ("unexpected answer from STS: see the message",))
        return report
    except BotoCoreError as exc:
        report.assume_error = f"{type(exc).__name__}: {exc}"
        report.causes = ("no answer from STS: check the network, the region and any proxy settings",)
        return report
    report.assumed = True
    report.assumed_arn = str(answer.get("AssumedRoleUser", {}).get("Arn", ""))

    # The trust must refuse Venturi's own account without the id, and anyone with another id.
    report.results.append(_trust_probe(sts, role_arn, None, "without the external id"))
    report.results.append(_trust_probe(sts, role_arn, f"{external_id[:-1]}{'x' if external_id[-1] != 'x' else 'y'}",
                                       "with a wrong external id"))

    creds = answer["Credentials"]
    role_session = boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"], region_name=regions[0])
    for probe in READ_PROBES:
        if probe.action not in granted.actions:
            continue
        for region in (regions if probe.regional else (target.global_region,)):
            report.results.append(run_probe(probe, role_session, target, region, client_factory))
    for probe in WRITE_PROBES:
        for region in (regions[:1] if probe.regional else (target.global_region,)):
            report.results.append(run_probe(probe, role_session, target, region, client_factory))
    probed = {p.action.split(":", 1)[0] for p in READ_PROBES if p.action in granted.actions}
    for service in report.granted_services:
        if service not in probed:
            report.results.append(ProbeResult("read", f"{service}:*", "-", "-", "not run", "skipped",
                                              "no read probe for this service"))
    return report


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def render_text(report: VerifyReport) -> str:
    lines = [f"role: {report.role_arn}", f"module: {report.module}", f"regions: {', '.join(report.regions)}"]
    if not report.assumed:
        lines.append(f"cannot assume the role: {report.assume_error}")
        lines.append("likely causes (module README, Troubleshooting):")
        lines.extend(f"  - {c}" for c in report.causes)
        lines.append("result: FAIL (the role could not be assumed)")
        return "\n".join(lines) + "\n"
    lines.append(f"assumed as: {report.assumed_arn}")
    lines.append(f"granted services: {', '.join(report.granted_services)}")
    lines.append("")
    header = ("RESULT", "KIND", "ACTION", "REGION", "CALL", "SEEN")
    rows = [(r.status, r.kind, r.action, r.region, r.call, r.seen) for r in report.results]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
    widths[-1] = 0
    for row in (header, *rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    problems = [r for r in report.results if r.status in ("gap", "finding", "inconclusive")]
    if problems:
        lines.append("")
        for r in problems:
            lines.append(f"{r.status}: {r.action} ({r.region}): {r.detail}" + (f": {r.message}" if r.message else ""))
    c = report.counts()
    lines.append("")
    lines.append(f"summary: {c['pass']} passed, {c['gap']} gaps, {c['finding']} findings, "
                 f"{c['inconclusive']} inconclusive, {c['skipped']} skipped: {'PASS' if report.passed else 'FAIL'}")
    return "\n".join(lines) + "\n"


def render_json(report: VerifyReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
