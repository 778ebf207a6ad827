"""What the front ends build with ``model_construct`` is what pydantic's validation builds.

``model_construct`` skips validation (see :class:`checker.model._Frozen`): these tests check that the
values the front ends pass are of the declared types, so that validating the dumped model gives an
equal object.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

from checker.model import Located, PolicyDocument, Statement
from checker.sources.json_policy import load_json_text

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "read-only-policy.json"

POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"], "Resource": "*",
     "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["a", "b"]}}},
    {"Effect": "Deny", "NotAction": "iam:*", "NotResource": ["arn:aws:s3:::x"],
     "Principal": {"AWS": "arn:aws:iam::123456789012:root"}},
    {"Effect": "Allow", "Action": 3}
  ]
}
"""


def test_json_front_end_builds_what_validation_builds() -> None:
    documents = load_json_text(POLICY, "policy.json").documents
    assert documents
    for doc in documents:
        assert PolicyDocument.model_validate(doc.model_dump()) == doc
        assert pickle.loads(pickle.dumps(doc)) == doc
    first = documents[0].statements[0]
    assert first.action == (Located(value="s3:GetObject", line=4), Located(value="s3:List*", line=4))
    assert first.action[0].model_fields_set == Located(value="s3:GetObject", line=4).model_fields_set


def test_construct_fills_defaults_and_factories() -> None:
    s1 = Statement.model_construct(index=0)
    assert s1 == Statement(index=0)
    assert s1.condition == {} and s1.condition is not Statement.model_construct(index=0).condition


def test_a_small_run_builds_no_validation_schema(tmp_path: Path) -> None:
    """Pydantic builds a model's validation schema on its first validation, a one-off cost larger than a
    small run's whole analysis (benchmarks/README.md): the gate's own path never validates. Run in a fresh
    interpreter, as the command line does, on a JSON policy and on a CloudFormation template."""
    template = tmp_path / "t.json"
    template.write_text(json.dumps({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}]},
        "Policies": [{"PolicyName": "p", "PolicyDocument": json.loads(POLICY.replace('"Action": 3', '"Action": "s3:*"'))}],
    }}}}))
    probe = (
        "import sys\n"
        "from pydantic import BaseModel\n"
        "from checker import api\n"
        "api.check(sys.argv[1:])\n"
        "def walk(c):\n"
        "    for s in c.__subclasses__():\n"
        "        yield s\n"
        "        yield from walk(s)\n"
        "print(sorted({c.__name__ for c in walk(BaseModel) if c.__module__.startswith('checker')"
        " and c.__pydantic_complete__}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(EXAMPLE), str(template)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"
