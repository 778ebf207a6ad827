"""A CloudFormation template to the model (:func:`load_template`): read by
:class:`~checker.sources.cloudformation.reader.Reader` (see that module) into the Terraform front end's
items, which one builder (:func:`checker.terraform.to_model.build_from_extracted`) turns into
documents and principals, as for Terraform. The reader lives apart so that the Terraform front end
reads a stack's ``template_body`` with it without importing the builder's module back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from checker.model import SkippedItem, SourceError
from checker.sources.cloudformation.decode import TemplateSyntaxError
from checker.sources.cloudformation.reader import Reader, decode_template, is_template_value
from checker.terraform.items import Extracted
from checker.terraform.to_model import TerraformLoad, build_from_extracted

__all__ = ["TemplateLoad", "decode_template", "is_template_value", "load_template"]


@dataclass
class TemplateLoad(TerraformLoad):
    """What one template holds (the documents, principals ... of :class:`TerraformLoad`)."""

    sensitive: set[str] = field(default_factory=set)


def load_template(data: bytes | str, file: str, parameters: Mapping[str, str] | None = None,
                  explicit: bool = True) -> TemplateLoad:
    """Every policy and principal a template creates (see the module doc). ``file`` is the name
    findings show. A file that is not a template gives a skipped item (quietly when not ``explicit``)."""
    out = TemplateLoad()
    try:
        template = decode_template(data, file)
    except TemplateSyntaxError as exc:
        out.errors.append(SourceError.model_construct(file=file, line=exc.line, message=exc.message))
        out.files.append(file)
        return out
    except UnicodeDecodeError as exc:
        out.errors.append(SourceError.model_construct(file=file, line=1, message=f"not valid text: {exc.reason}"))
        out.files.append(file)
        return out
    if not is_template_value(template):
        out.skipped.append(SkippedItem.model_construct(file=file, address=file,
                                                       reason="not a CloudFormation template"))
        return out
    out.files.append(file)
    ex = Extracted()
    Reader(template, file, dict(parameters or {}), ex, out.errors, out.sensitive).read()
    build_from_extracted(ex, out)
    if out.sensitive:
        secrets = frozenset(out.sensitive)
        out.documents = [d.model_copy(update={"sensitive": d.sensitive | secrets}) for d in out.documents]
    return out
