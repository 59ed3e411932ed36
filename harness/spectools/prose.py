"""The seed pages' prose as claims: overview paragraphs and parameter descriptions.

Tables, syntax blocks and examples are compared mechanically (:mod:`.compare`,
:mod:`.compare_values`). Prose says things no table does (defaults, which parameters each key
type needs, what a replica shares with its primary), so each claim the pages make in prose
that AWS's documentation, botocore or a recorded AWS answer contradicts, or states only in part,
is listed here with the words the page uses, and becomes a disagreement of topic ``prose``.

A claim is anchored to its page by its words (``quote``): on a parameter it must be in the
element's description (the committed ``seed-elements.json`` keeps them), and on an overview it
must be on the page at ``line`` when the pages are present. A page that no longer says what a
claim quotes stops the lint (:class:`~harness.errors.SpecError`), so the list is re-read when a
page changes. Reviewed against botocore 1.44.5 and AWS's pages on 2026-11-29.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness.errors import SpecError
from harness.spectools.compare import model_source
from harness.spectools.disagreements import Disagreement, Location, Side
from harness.spectools.seeds import Page, SeedSet, default_seeds_dir

Verdict = Literal["disagrees", "partial", "silent"]

REC = "LocalStack AWS-validated snapshot tests/aws/services/kms/test_kms.snapshot.json @8b9a79f"
PC_GUIDE = "https://docs.aws.amazon.com/payment-cryptography/latest/userguide/"


@dataclass(frozen=True, slots=True)
class Aws:
    """What AWS says: a source (botocore, a page, a recording), where in it, and its words."""

    source: str
    where: str
    says: str
    view: str = "docs"


@dataclass(frozen=True, slots=True)
class Claim:
    service: str
    operation: str
    subject: str
    """Stable, part of the id: what the claim is about."""
    element: str | None
    """The element the description belongs to (``request:Policy``), or ``None`` for an overview."""
    line: int | None
    """For an overview: the page line the quote is on."""
    quote: str
    """The page's words (empty: the page is silent where AWS states a rule)."""
    verdict: Verdict
    what: str
    aws: tuple[Aws, ...]
    own: tuple[tuple[str, str], ...] = ()
    """The page's own other statements on the point (element, value): a table that says what
    AWS says makes the disagreement within the page too."""
    position: str = ""
    """AWS's position in a few words: the value of every AWS side (their own words are in
    their locations), so sources that agree are not listed as disagreeing."""


def _botocore(service: str, where: str, says: str, view: str = "docs") -> Aws:
    return Aws(model_source(service), where, says, view)


KMS, PC = "kms", "payment-cryptography"
FOLLOWS = {
    "aws": "AWS (botocore, AWS's pages and the recorded answers): prose is not built into the schemas, "
    "the rules follow AWS",
    "documented": "AWS likewise: the documented profile takes the pages' tables, never their prose",
}

CLAIMS: tuple[Claim, ...] = (
    Claim(
        KMS,
        "CreateKey",
        "KeyUsage.required-for",
        "request:KeyUsage",
        None,
        "This parameter is required only for asymmetric KMS keys.",
        "disagrees",
        "KeyUsage is required for every key but a symmetric encryption key, HMAC keys (symmetric) included; "
        "the page says only asymmetric keys need it.",
        (
            _botocore(
                KMS,
                "CreateKeyRequest.KeyUsage",
                "This parameter is optional when you are creating a symmetric encryption KMS key; otherwise, "
                "it is required.",
            ),
            Aws(
                REC,
                "test_hmac_create_key_invalid_operations (2023-04-13)",
                "HMAC_256 without KeyUsage -> ValidationException 'You must specify a KeyUsage value for all "
                "KMS keys except for symmetric encryption keys.'",
                "recorded",
            ),
        ),
        position="required for every key but a symmetric encryption key (HMAC keys included)",
    ),
    Claim(
        KMS,
        "CreateKey",
        "CustomerMasterKeySpec.china-regions",
        "request:CustomerMasterKeySpec",
        None,
        "The default value, SYMMETRIC_DEFAULT, creates a KMS key with a 256-bit symmetric key for encryption "
        "and decryption.",
        "partial",
        "SYMMETRIC_DEFAULT makes a 128-bit SM4 key in China Regions; the page gives the 256-bit key only.",
        (
            _botocore(
                KMS,
                "CreateKeyRequest.KeySpec",
                "creates a KMS key with a 256-bit AES-GCM key that is used for encryption and decryption, "
                "except in China Regions, where it creates a 128-bit symmetric key that uses SM4 encryption.",
            ),
        ),
        position="256-bit AES-GCM, except a 128-bit SM4 key in China Regions",
    ),
    Claim(
        KMS,
        "CreateKey",
        "Origin.external-key-types",
        "request:Origin",
        None,
        "",
        "silent",
        "The page says nothing of which key types Origin EXTERNAL allows; AWS contradicts itself (D4) and "
        "the recordings side with every key type.",
        (
            _botocore(
                KMS,
                "CreateKeyRequest.Origin",
                "The EXTERNAL origin value is valid only for symmetric KMS keys.",
            ),
            _botocore(
                KMS, "CreateKey", "You can import key material into KMS keys of all supported KMS key types."
            ),
            Aws(
                REC,
                "test_import_key_asymmetric (2025-11-10), test_import_key_ecc_keys and "
                "test_import_key_hmac_keys (2025-08-04)",
                "CreateKey with Origin EXTERNAL for RSA_4096, ECC_NIST_P256/P384/P521, ECC_SECG_P256K1 and "
                "HMAC_224..512 succeeds with KeyState PendingImport",
                "recorded",
            ),
        ),
        position="EXTERNAL for every key type (recorded), although the Origin doc says symmetric only (D4)",
    ),
    Claim(
        KMS,
        "CreateKey",
        "Policy.default-policy",
        "request:Policy",
        None,
        "attaches a default key policy that gives all principals in the QConsole account access to all KMS "
        "operations.",
        "disagrees",
        "The default key policy gives the account access through IAM policies, not every principal of the "
        "account access.",
        (
            Aws(
                "AWS documentation",
                "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
                "gives the AWS account that owns the KMS key permission to use IAM policies to allow "
                "access to all AWS KMS operations on the KMS key",
            ),
            Aws(
                REC,
                "test_replicate_key (2025-11-10)",
                "the default policy: one statement, Principal arn:aws:iam::<account>:root, Action kms:*",
                "recorded",
            ),
        ),
        position="the account may grant access through IAM policies (principal <account>:root)",
    ),
    Claim(
        KMS,
        "CreateKey",
        "Policy.limits",
        "request:Policy",
        None,
        "",
        "silent",
        "The page says nothing of the key policy's size limit or of what makes a policy valid.",
        (
            _botocore(
                KMS,
                "CreateKeyRequest.Policy",
                "If the key policy exceeds the length constraint, KMS returns a LimitExceededException; the "
                "policy must allow the caller to make a subsequent PutKeyPolicy request unless "
                "BypassPolicyLockoutSafetyCheck is set; each principal must exist and be visible to KMS.",
            ),
        ),
        position="a size limit (LimitExceededException), the lockout check and existing principals",
    ),
    Claim(
        KMS,
        "CreateKey",
        "Description.default",
        "request:Description",
        None,
        "",
        "silent",
        "The page gives no default for Description; AWS's is the empty string.",
        (
            _botocore(
                KMS, "CreateKeyRequest.Description", "The default value is an empty string (no description)."
            ),
            Aws(REC, "test_replicate_key (2025-11-10)", "Description '' when none is sent", "recorded"),
        ),
        position="the empty string",
    ),
    Claim(
        KMS,
        "CreateKey",
        "Tags.limits",
        "request:Tags",
        None,
        "One or more tags. Each tag consists of a tag key and a tag value.",
        "partial",
        "The page names no tag limit: AWS allows an empty value, no duplicate tag keys, no 'aws:' prefix and "
        "at most 50 tags.",
        (
            _botocore(
                KMS,
                "CreateKeyRequest.Tags",
                "the tag value can be an empty (null) string. You cannot have more than one tag on a KMS key "
                "with the same tag key.",
            ),
            Aws(
                REC,
                "test_create_key_with_too_many_tags_raises_error, test_create_key_with_invalid_tag_key "
                "(2025-01-21/22), test_tag_key_with_duplicate_tag_keys_raises_error (2025-01-17)",
                "duplicate keys, an 'aws:' prefix and more than 50 tags are each rejected with TagException",
                "recorded",
            ),
        ),
        position="empty values allowed; no duplicate keys, no 'aws:' prefix, at most 50 tags (TagException)",
    ),
    Claim(
        KMS,
        "CreateKey",
        "overview.4096-bytes",
        None,
        127,
        "You can use a KMS key to encrypt small amounts of data (up to 4,096 bytes) directly",
        "partial",
        "Only a symmetric encryption key encrypts up to 4,096 bytes; RSA keys far less, and HMAC, signing "
        "and ML-KEM keys do not encrypt at all.",
        (
            _botocore(
                KMS,
                "CreateKey",
                "You can use a symmetric encryption KMS key to encrypt and decrypt data up to 4,096 bytes",
            ),
            Aws(
                REC,
                "test_encrypt_decrypt_encryption_context (2023-04-13)",
                "RSA_2048 with RSAES_OAEP_SHA_1 'cannot encrypt data larger than 214 bytes'",
                "recorded",
            ),
        ),
        position="up to 4,096 bytes for symmetric encryption keys only",
    ),
    Claim(
        KMS,
        "ReplicateKey",
        "overview.shared-properties",
        None,
        181,
        "The replica key also has the same key usage, key policy, description, and tags as the primary key, "
        "unless you specify different values in the request.",
        "disagrees",
        "A replica does not take its primary's key policy, description or tags: they are independent and "
        "default to the default key policy, an empty description and no tags (key usage is shared). The "
        "page's own parameter table says so too.",
        (
            _botocore(
                KMS,
                "ReplicateKey",
                "All other properties of a replica key can differ, including its key policy, tags, aliases, "
                "and key state. ... The key policy is not a shared property ... The description is not a "
                "shared property ... Tags are not a shared property",
            ),
            Aws(
                REC,
                "test_replicate_key (2025-11-10)",
                "the primary's Description is 'test replicated key', the replica's ''; ReplicaPolicy is the "
                "default policy; no ReplicaTags",
                "recorded",
            ),
        ),
        own=(
            ("request:Description", "The default value is an empty string (no description)."),
            ("request:Policy", "The default value is the default key policy."),
        ),
        position="policy, description and tags are not shared: the request's, else the defaults",
    ),
    Claim(
        KMS,
        "ReplicateKey",
        "overview.replica-initial-state",
        None,
        181,
        "",
        "silent",
        "The page never says that a new replica starts Creating (not enabled) and becomes Enabled after a "
        "few seconds; its response example shows the replica Enabled and ENABLED at once.",
        (
            _botocore(
                KMS,
                "ReplicateKey",
                "the new replica key has a transient key state of Creating. This key state changes to "
                "Enabled (or PendingImport) after a few seconds",
            ),
            Aws(
                REC,
                "test_replicate_key (2025-11-10)",
                "the ReplicateKey answer has KeyState Creating and Enabled false",
                "recorded",
            ),
        ),
        position="a new replica is Creating (Enabled false), then Enabled after a few seconds",
    ),
    Claim(
        KMS,
        "ReplicateKey",
        "KeyState.missing-states",
        "response:ReplicaKeyMetadata/KeyState",
        None,
        "Values: ENABLED | DISABLED | PENDING_DELETION | PENDING_IMPORT | UNAVAILABLE",
        "partial",
        "The page's key states leave out the multi-Region ones: Creating (the state of every ReplicateKey "
        "answer), Updating and PendingReplicaDeletion.",
        (
            _botocore(
                KMS,
                "KeyState",
                "Creating | Enabled | Disabled | PendingDeletion | PendingImport | PendingReplicaDeletion | "
                "Unavailable | Updating",
                "model",
            ),
        ),
        position="also Creating, Updating and PendingReplicaDeletion",
    ),
    Claim(
        KMS,
        "ReplicateKey",
        "ReplicaRegion.constraints",
        "request:ReplicaRegion",
        None,
        "",
        "silent",
        "The page does not say that the replica Region must differ from the primary's and its other "
        "replicas', stay in the partition, and that an existing replica there is AlreadyExistsException.",
        (
            _botocore(
                KMS,
                "ReplicateKeyRequest.ReplicaRegion",
                "The replica must be in a different Amazon Web Services Region than its primary key and "
                "other replicas of that primary key, but in the same Amazon Web Services partition.",
            ),
            _botocore(
                KMS,
                "ReplicateKey",
                "If the Region already includes a replica of the key ... ReplicateKey returns an "
                "AlreadyExistsException error.",
            ),
        ),
        position="not the primary's Region nor a replica's, same partition; else AlreadyExistsException",
    ),
    Claim(
        KMS,
        "ReplicateKey",
        "Tags.limits",
        "request:Tags",
        None,
        "One or more tags. Each tag consists of a tag key and a tag value.",
        "partial",
        "The page names no tag limit, and not that the replica's tags are its own (not the primary's).",
        (
            _botocore(
                KMS,
                "ReplicateKeyRequest.Tags",
                "the tag value can be an empty (null) string. You cannot have more than one tag on a KMS key "
                "with the same tag key. ... Tags are not a shared property of multi-Region keys.",
            ),
        ),
        position="no limit named; the replica's tags are its own, not the primary's",
    ),
    Claim(
        PC,
        "CreateKey",
        "overview.description",
        None,
        17,
        "creation date, description, and key state.",
        "disagrees",
        "The overview lists a key description, but the model has none: neither CreateKeyInput nor Key has a "
        "description member (botocore's own CreateKey text has the same sentence).",
        (_botocore(PC, "CreateKeyInput, Key", "no Description member", "model"),),
        position="no description member",
    ),
    Claim(
        PC,
        "CreateKey",
        "overview.mutable-data",
        None,
        25,
        "The mutable data contained within a key includes usage timestamp and key deletion timestamp and can "
        "be modified after creation.",
        "partial",
        "Whether the key is enabled is mutable too (StartKeyUsage, StopKeyUsage; DeleteKey disables it).",
        (
            _botocore(
                PC,
                "StartKeyUsage, StopKeyUsage, DeleteKey",
                "enables or disables a key; DeleteKey: 'the key is disabled' while DELETE_PENDING",
            ),
        ),
        position="Enabled is mutable too",
    ),
    Claim(
        PC,
        "CreateKey",
        "KeyAlgorithm.hmac",
        "request:KeyAttributes/KeyAlgorithm",
        None,
        "For symmetric keys, Amazon Web Services Payment Cryptography supports ``AES`` and ``TDES`` "
        "algorithms.",
        "partial",
        "The HMAC algorithms, symmetric, are missing from the prose (the page's own syntax block and "
        "botocore's enum have them; AWS's KeyAttributes page omits them too).",
        (
            _botocore(
                PC,
                "KeyAlgorithm",
                "TDES_2KEY | TDES_3KEY | AES_128 | AES_192 | AES_256 | HMAC_SHA224 | "
                "HMAC_SHA256 | HMAC_SHA384 | HMAC_SHA512 | RSA_* | ECC_NIST_*",
                "model",
            ),
            Aws("AWS documentation", f"{PC_GUIDE}keys-validattributes.html", "TR31_M7_HMAC_KEY rows"),
        ),
        position="HMAC_SHA224..HMAC_SHA512 too",
    ),
    Claim(
        PC,
        "CreateKey",
        "KeyCheckValueAlgorithm.hmac",
        "request:KeyCheckValueAlgorithm",
        None,
        "For AES keys, the KCV is computed using a CMAC algorithm",
        "partial",
        "The page explains the KCV of TDES and AES keys only; AWS also documents the HMAC one (and, as the "
        "page, no default).",
        (
            _botocore(
                PC,
                "CreateKeyInput.KeyCheckValueAlgorithm",
                "For HMAC keys, the KCV is computed using the hash selected at key creation on a zero-length "
                "message, taking the leftmost 3 bytes.",
            ),
        ),
        position="HMAC keys: hash of a zero-length message, leftmost 3 bytes",
    ),
    Claim(
        PC,
        "CreateKey",
        "MultiRegionKeyType.replica",
        "response:Key/MultiRegionKeyType",
        None,
        "a Replica Region key (RRK) (which is a copy of a PRK in another Region)",
        "partial",
        "The page does not say that a replica is read-only and follows its primary's key attributes, state "
        "and enablement (unlike a KMS replica, whose enabled state is its own).",
        (
            Aws(
                "AWS documentation",
                f"{PC_GUIDE}keys-multi-region-replication.html",
                "Changes to Primary Region key metadata (such as key attributes, state and enablement) are "
                "automatically replicated to Replica Region keys. Replica Region keys are read-only.",
            ),
        ),
        position="read-only; follows the primary's attributes, state and enablement",
    ),
)


def _norm(text: str) -> str:
    return " ".join(text.replace("``", "").replace("ﬁ", "fi").split())


def _element(page: Page, element: str) -> tuple[str, int, str]:
    """(locator, line, description) of ``direction:path`` in its table (the prose lives there)."""
    direction, _, path = element.partition(":")
    found = [e for e in page.elements(direction, "table") if e.path == path]
    if not found:
        raise SpecError(f"prose claim: {page.file} documents no {direction} element {path!r} in a table")
    return found[0].locator, found[0].line, found[0].description


def _page_lines(page: Page, pages_dir: Path | None) -> list[str] | None:
    directory = pages_dir or default_seeds_dir()
    path = directory / page.file
    if not path.is_file():
        return None  # a clean checkout: overview claims are checked where the pages are
    return path.read_text(encoding="utf-8").splitlines()


def _where(claim: Claim, page: Page, pages_dir: Path | None) -> Location:
    """Where on the page the claim is made; raises when the page no longer says it."""
    if claim.element is not None:
        locator, line, description = _element(page, claim.element)
        if claim.quote and _norm(claim.quote) not in _norm(description):
            raise SpecError(
                f"prose claim {claim.subject}: {page.file} {locator} no longer says {claim.quote!r}"
            )
        return Location(page.file, f"{locator} description", line, path=claim.element.partition(":")[2])
    assert claim.line is not None
    lines = _page_lines(page, pages_dir)
    if lines is not None and claim.quote:
        near = " ".join(lines[max(claim.line - 3, 0) : claim.line + 2])
        if _norm(claim.quote) not in _norm(near):
            raise SpecError(
                f"prose claim {claim.subject}: {page.file} line {claim.line} no longer says {claim.quote!r}"
            )
    return Location(page.file, "overview", claim.line)


def _own(claim: Claim, page: Page) -> Iterator[Side]:
    for element, value in claim.own:
        locator, line, description = _element(page, element)
        if _norm(value) not in _norm(description):
            raise SpecError(f"prose claim {claim.subject}: {page.file} {locator} no longer says {value!r}")
        where = Location(page.file, locator, line, path=element.partition(":")[2])
        yield Side(page.file, "table", value, (where,))


def disagreements(seeds: SeedSet, pages_dir: Path | None = None) -> list[Disagreement]:
    """One disagreement per prose claim of a page the seed set has."""
    out: list[Disagreement] = []
    for claim in CLAIMS:
        pages = seeds.pages_for(claim.service, claim.operation)
        if not pages:
            continue
        page = pages[0]
        where = _where(claim, page, pages_dir)
        said = Side(page.file, "prose", claim.quote or None, (where,))
        aws = tuple(
            Side(a.source, a.view, claim.position, (Location(a.source, f"{a.where}: {a.says!r}"),))
            for a in claim.aws
        )
        out.append(
            Disagreement(
                id=f"{claim.service}.{claim.operation}.{claim.subject}.prose",
                topic="prose",
                service=claim.service,
                operations=(claim.operation,),
                subject=f"{claim.operation} {claim.subject} ({claim.verdict})",
                what=claim.what,
                sides=(said, *_own(claim, page), *aws),
                follows=FOLLOWS,
            )
        )
    return out
