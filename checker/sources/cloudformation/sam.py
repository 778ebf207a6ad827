"""AWS SAM templates, translated by AWS's own translator (aws-sam-translator), offline.

:func:`translate` expands the ``AWS::Serverless::*`` resources of a template with
``Transform: AWS::Serverless-2016-10-31`` into the CloudFormation resources AWS would create
(``AWS::Serverless::Function`` -> ``AWS::Lambda::Function`` + ``AWS::IAM::Role`` with the policies SAM
generates from ``Policies:``: policy templates such as ``S3ReadPolicy``, managed policy names, inline
statements; APIs, state machines, connectors ...) and says, for each logical id of the result, which
logical id of the input it came from, so that findings point at the SAM resource's lines.

Offline and independent of the environment:

- no AWS account: the translator asks for managed policy ARNs by name; SAM's own bundled list answers
  first, then the vendored AWS managed policies (:mod:`checker.analysis.managed_policies`), and any
  other name becomes the AWS managed policy ARN it would be (``arn:aws:iam::aws:policy/<name>``),
  which the gate then reports as unknown instead of trusting;
- no boto3 session: the region is fixed to us-east-1 (partition ``aws``), so ``~/.aws`` and
  ``AWS_PROFILE`` play no part; ``AWS::Partition``, ``AWS::Region`` and ``AWS::AccountId`` stay
  intrinsics in what SAM generates (``Fn::Sub: arn:${AWS::Partition}:s3:::...``);
- other transforms of the template (``Transform: [AWS::Serverless-2016-10-31, MyMacro]``) stay in the
  result's ``Transform`` (the translator drops the key);
- no Serverless Application Repository: an ``AWS::Serverless::Application`` whose ``Location`` names
  a SAR application becomes a nested stack whose ``TemplateURL`` is ``serverlessrepo:<id>@<version>``
  (what CloudFormation would fetch is not in the file; the nested stack is reported as such).

Whatever the translator rejects (``InvalidDocumentException`` and the like) or cannot handle is raised
as :class:`SamTranslationError`, with the SAM logical id and AWS's message for each problem.
samtranslator (and boto3 under it) is imported on the first translation, not before.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker.analysis.managed_policies import managed_policy_arn
from checker.sources.cloudformation.inventory import SAM_TRANSFORM

SAM_PREFIX = "AWS::Serverless::"
REGION = "us-east-1"
MAX_RESOURCES = 500  # CloudFormation's own limit per template
MAX_BYTES = 1_000_000  # CloudFormation's limit on a template body (S3); measured as compact JSON
_ORIGIN = "CheckPermissionsSamOrigin"  # marker carried through the translator's metadata passthrough
_ID = re.compile(r"^(?:Transforming )?[Rr]esource with id \[(.+?)\]")
_EVENT = re.compile(r"^Event with id \[(.+?)\]")


@dataclass(frozen=True, slots=True)
class SamProblem:
    logical_id: str | None  # the SAM resource the translator blames, None for the template as a whole
    message: str


class SamTranslationError(Exception):
    """The SAM translator rejected the template (or could not run on it)."""

    def __init__(self, problems: Sequence[SamProblem], invalid: bool = False) -> None:
        self.problems = tuple(problems) or (SamProblem(None, "the SAM translator failed"),)
        # True: AWS's translator rejected the template (it is invalid); False: it could not be translated
        self.invalid = invalid
        super().__init__("; ".join(p.message for p in self.problems))

    @property
    def logical_id(self) -> str | None:
        return self.problems[0].logical_id

    @property
    def message(self) -> str:
        return self.problems[0].message


def uses_sam(template: Mapping[str, Any]) -> bool:
    """Whether the template declares the SAM transform (alone or among others)."""
    declared = template.get("Transform")
    names = declared if isinstance(declared, list) else [declared]
    return SAM_TRANSFORM in names


class _PolicyNames:
    """The translator's fallback for managed policy names (it calls ``get``). Always answers, so an
    unknown name never stays a bare name that the gate might take for an ARN it cannot check."""

    def get(self, name: str) -> str:
        return managed_policy_arn(name) or f"arn:aws:iam::aws:policy/{name}"

    def __bool__(self) -> bool:
        return True


class _Region:
    """What the translator reads of a boto3 session: the region, and nothing from the environment."""

    region_name = REGION


class _NoRepository:
    """The SAR client the translator gets: never called, since SAR locations are rewritten first."""

    def __getattr__(self, name: str) -> Any:
        raise SamTranslationError([SamProblem(None, f"the Serverless Application Repository is not called ({name})")])


def _sar_location(location: Mapping[str, Any]) -> str:
    app, version = location.get("ApplicationId"), location.get("SemanticVersion")
    if isinstance(app, str) and isinstance(version, str):
        return f"serverlessrepo:{app}@{version}"
    return "serverlessrepo:" + json.dumps(dict(location), sort_keys=True, separators=(",", ":"))


def _prepared(template: Mapping[str, Any], marked: bool) -> dict[str, Any]:
    prepared: dict[str, Any] = copy.deepcopy(dict(template))
    resources = prepared.get("Resources")
    if not isinstance(resources, dict):
        return prepared
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or not str(resource.get("Type", "")).startswith(SAM_PREFIX):
            continue
        props = resource.get("Properties")
        if resource.get("Type") == "AWS::Serverless::Application" and isinstance(props, dict) \
                and isinstance(props.get("Location"), dict):
            props["Location"] = _sar_location(props["Location"])
        if marked:
            metadata = resource.get("Metadata")
            resource["Metadata"] = {**(metadata if isinstance(metadata, dict) else {}), _ORIGIN: logical_id}
    return prepared


def _properties(resource: Any) -> dict[str, Any]:
    props = resource.get("Properties") if isinstance(resource, dict) else None
    return props if isinstance(props, dict) else {}


def _event_owner(template: Mapping[str, Any], event_id: str) -> str | None:
    resources = template.get("Resources")
    for logical_id, resource in (resources.items() if isinstance(resources, dict) else ()):
        events = _properties(resource).get("Events")
        if isinstance(events, dict) and event_id in events:
            return str(logical_id)
    return None


def _problems(template: Mapping[str, Any], exc: Exception) -> list[SamProblem]:
    causes = getattr(exc, "causes", None)
    problems = []
    for cause in causes if isinstance(causes, list | tuple) and causes else [exc]:
        message = str(getattr(cause, "message", "") or cause)
        logical_id: str | None = None
        if m := _ID.match(message):
            logical_id = m.group(1)
        elif m := _EVENT.match(message):
            logical_id = _event_owner(template, m.group(1))
        problems.append(SamProblem(logical_id, message))
    return problems


def _run(template: dict[str, Any], parameters: Mapping[str, Any], passthrough: bool) -> dict[str, Any]:
    """samtranslator.translator.transform.transform, with a fixed region and no SAR client."""
    from samtranslator.model.exceptions import ExceptionWithMessage
    from samtranslator.parser.parser import Parser
    from samtranslator.plugins.application.serverless_app_plugin import ServerlessAppPlugin
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import (
        to_py27_compatible_template,
        undo_mark_unicode_str_in_template,
    )

    # its warnings (feature toggles, unpublished metrics) are not ours to print: a library's NullHandler
    # keeps Python's last-resort handler off stderr, and an application's own logging still sees them
    library_log = logging.getLogger("samtranslator")
    if not any(isinstance(h, logging.NullHandler) for h in library_log.handlers):
        library_log.addHandler(logging.NullHandler())
    parameter_values = dict(parameters)
    translator = Translator(None, Parser(), plugins=[ServerlessAppPlugin(sar_client=_NoRepository())],
                            boto_session=_Region())
    names = _PolicyNames()
    original = copy.deepcopy(template)
    try:
        to_py27_compatible_template(template, parameter_values)  # the logical id hashes AWS computes
        result: dict[str, Any] = undo_mark_unicode_str_in_template(translator.translate(
            template, parameter_values=parameter_values, passthrough_metadata=passthrough,
            get_managed_policy_map=lambda: names))
    except SamTranslationError:
        raise
    except ExceptionWithMessage as exc:
        raise SamTranslationError(_problems(original, exc), invalid=True) from None
    except RecursionError:
        raise SamTranslationError([SamProblem(None, "the template nests too deeply for the SAM translator")]) from None
    except Exception as exc:  # the translator's own failure on odd input: a finding, never a traceback
        raise SamTranslationError([SamProblem(None, f"the SAM translator failed: {type(exc).__name__}: {exc}")]) from None
    return result


def _fallback_origin(logical_id: str, template: Mapping[str, Any]) -> str:
    """Origin of a resource the metadata passthrough does not reach (implicit APIs, CodeDeploy)."""
    resources = template.get("Resources")
    resources = resources if isinstance(resources, dict) else {}
    sam_ids = [str(k) for k, v in resources.items() if isinstance(v, dict) and str(v.get("Type", "")).startswith(SAM_PREFIX)]
    implicit = {"ServerlessRestApi": ("Api",), "ServerlessHttpApi": ("HttpApi",)}
    for prefix, event_types in implicit.items():
        if logical_id.startswith(prefix):
            for sam_id in sam_ids:
                events = _properties(resources[sam_id]).get("Events")
                if isinstance(events, dict) and any(
                        isinstance(e, dict) and e.get("Type") in event_types for e in events.values()):
                    return sam_id
    if logical_id.startswith(("CodeDeploy", "ServerlessDeploymentApplication")):
        for sam_id in sam_ids:
            if "DeploymentPreference" in _properties(resources[sam_id]):
                return sam_id
    owners = [sam_id for sam_id in sam_ids if logical_id.startswith(sam_id)]
    if owners:
        return max(owners, key=len)
    return sam_ids[0] if sam_ids else logical_id


def translate(template: dict[str, Any], parameters: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The CloudFormation template SAM makes of ``template``, and for each of its logical ids the logical
    id of ``template`` it came from. ``parameters`` are the template's parameter values (those not
    given take their defaults). ``template`` is not modified."""
    resources = template.get("Resources")
    if isinstance(resources, dict) and len(resources) > MAX_RESOURCES:
        raise SamTranslationError([SamProblem(None, f"{len(resources)} resources: more than CloudFormation's "
                                                    f"{MAX_RESOURCES}, not translated")])
    try:
        size = len(json.dumps(template, separators=(",", ":"), default=str))
    except (RecursionError, ValueError) as exc:
        raise SamTranslationError([SamProblem(None, f"the template cannot be translated: {exc}")]) from None
    if size > MAX_BYTES:
        raise SamTranslationError([SamProblem(None, f"{size} bytes: more than CloudFormation's {MAX_BYTES}, not translated")])
    result = _run(_prepared(template, marked=False), parameters, passthrough=False)
    # the translator drops the whole Transform; the other transforms (macros) still apply
    declared = template.get("Transform")
    others = [t for t in declared if t != SAM_TRANSFORM] if isinstance(declared, list) else []
    if others:
        result["Transform"] = others
    marked = _run(_prepared(template, marked=True), parameters, passthrough=True)
    origins: dict[str, str] = {}
    marked_resources = marked.get("Resources") or {}
    for logical_id in result.get("Resources") or {}:
        metadata = (marked_resources.get(logical_id) or {}).get("Metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get(_ORIGIN), str):
            origins[logical_id] = metadata[_ORIGIN]
        elif isinstance(resources, dict) and logical_id in resources:
            origins[logical_id] = logical_id
        else:
            origins[logical_id] = _fallback_origin(logical_id, template)
    return result, origins
