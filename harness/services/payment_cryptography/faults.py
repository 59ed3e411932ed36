"""The Payment Cryptography fault catalogue: sequence faults for the state machine's self-tests
(see harness.services.kms.faults)."""

from __future__ import annotations

from harness.testing.fault_proxy import Fault, ProxiedRequest, ProxiedResponse, answered_ok


def pc_deletion_does_not_stick() -> Fault:
    """Payment Cryptography DeleteKey answers success, but GetKey shows the key CREATE_COMPLETE."""
    deleted: set[str] = set()

    def rewrite(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        if not answered_ok(request, response, "payment-cryptography"):
            return None
        body = request.json() if isinstance(request.json(), dict) else {}
        arn = str(body.get("KeyIdentifier"))
        if request.operation == "DeleteKey":
            deleted.add(arn)
        elif request.operation == "GetKey" and arn in deleted:
            doc = response.json()
            key = doc.get("Key") if isinstance(doc, dict) else None
            if isinstance(key, dict) and key.get("KeyState") == "DELETE_PENDING":
                key.update(KeyState="CREATE_COMPLETE", Enabled=True)
                key.pop("DeletePendingTimestamp", None)
                return response.with_json(doc)
        return None

    return Fault("pc:DeleteKey-does-not-stick", "a deleted key is shown CREATE_COMPLETE", rewrite)
