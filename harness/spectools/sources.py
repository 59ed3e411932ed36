"""Where the specs come from: botocore's service models and the AWS documentation.

The two services the harness covers, the operations each spec must describe, and
how to cite them. Everything else in ``harness.spec`` derives from these tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from harness.errors import SpecError
from harness.services.kms import about as kms
from harness.services.payment_cryptography import about as pc


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


# The services' own folders say which operations they cover and where they are documented.
KMS = ServiceSource(kms.NAME, kms.API_VERSION, kms.DOC_BASE, kms.OPERATIONS)
PAYMENT_CRYPTOGRAPHY = ServiceSource(pc.NAME, pc.API_VERSION, pc.DOC_BASE, pc.OPERATIONS)

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
