"""Where the specs come from: botocore's service models and the AWS documentation.

The two services the harness covers, the operations each spec must describe, and
how to cite them. Everything else in ``harness.spec`` derives from these tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from harness.errors import SpecError


@dataclass(frozen=True, slots=True)
class ServiceSource:
    """One AWS service as botocore models it, and the operations the harness needs."""

    name: str
    """The harness's service name, also the botocore model name and the cassette ``service``."""
    api_version: str
    doc_base: str
    """API Reference base URL; an operation's page is ``{doc_base}API_{Operation}.html``."""
    operations: tuple[str, ...]

    def doc_url(self, operation: str) -> str:
        return f"{self.doc_base}API_{operation}.html"

    def model_citation(self, shape: str, member: str | None = None) -> str:
        """A provenance string naming the botocore shape (and member) a fact comes from."""
        where = f"{shape}.{member}" if member else shape
        return f"botocore {self.name}/{self.api_version} {where}"


KMS = ServiceSource(
    name="kms",
    api_version="2014-11-01",
    doc_base="https://docs.aws.amazon.com/kms/latest/APIReference/",
    # The three operations under test, then the supporting operations the stateful
    # model drives (issue 3's list).
    operations=(
        "CreateKey",
        "ReplicateKey",
        "DescribeKey",
        "EnableKey",
        "DisableKey",
        "ScheduleKeyDeletion",
        "CancelKeyDeletion",
        "TagResource",
        "UntagResource",
        "ListResourceTags",
        "GetKeyPolicy",
        "UpdateKeyDescription",
        "UpdatePrimaryRegion",
    ),
)

PAYMENT_CRYPTOGRAPHY = ServiceSource(
    name="payment-cryptography",
    api_version="2021-09-14",
    doc_base="https://docs.aws.amazon.com/payment-cryptography/latest/APIReference/",
    operations=(
        "CreateKey",
        "GetKey",
        "ListKeys",
        "DeleteKey",
        "RestoreKey",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
    ),
)

SERVICES: dict[str, ServiceSource] = {s.name: s for s in (KMS, PAYMENT_CRYPTOGRAPHY)}


def service_source(name: str) -> ServiceSource:
    try:
        return SERVICES[name]
    except KeyError:
        raise SpecError(f"unknown service {name!r}; known: {', '.join(SERVICES)}") from None


@cache
def botocore_model(service: str) -> dict[str, Any]:
    """The service-2 model of the installed botocore, as plain JSON data."""
    import botocore
    import botocore.loaders

    source = service_source(service)
    try:
        model: dict[str, Any] = botocore.loaders.Loader().load_service_model(
            service, "service-2", api_version=source.api_version
        )
    except Exception as exc:  # botocore raises several unrelated types here
        raise SpecError(
            f"botocore {botocore.__version__} has no model {service}/{source.api_version}: {exc}"
        ) from None
    return model


def botocore_version() -> str:
    import botocore

    return str(botocore.__version__)
