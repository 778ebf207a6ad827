"""CloudFormation front end: a template (YAML or JSON) to the model.

:func:`load_template` reads one template: :mod:`.decode` (values with lines, short-form tags,
duplicate keys), :mod:`.intrinsics` (parameters, pseudo parameters, mappings, conditions and
intrinsic functions, unknowns kept), :mod:`.template` (the IAM resources, resource policies and
principals, through the Terraform front end's builder). :func:`read_parameters` reads
``--parameters`` (the AWS CLI's JSON file or ``Key=Value``). docs/usage.md, "CloudFormation
templates", describes what is read and how unknowns are judged.
"""

from __future__ import annotations

from checker.sources.cloudformation.parameters import ParameterError, read_parameters
from checker.sources.cloudformation.template import TemplateLoad, load_template

__all__ = ["ParameterError", "TemplateLoad", "load_template", "read_parameters"]
