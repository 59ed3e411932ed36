"""Reading the seed pages: the literal reader, both extractors, the committed intermediate file."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import SpecError
from harness.spec import catalog
from harness.spectools import seed_mdx, seed_rst, seeds
from harness.spectools.literals import Alternatives, Call, LineDict, read_at, read_keywords

COMMITTED = catalog.default_specs_dir() / seeds.SOURCES_FILE
SEEDS_DIR = seeds.default_seeds_dir()
HAVE_SEEDS = SEEDS_DIR.is_dir() and bool(seeds.seed_files(SEEDS_DIR))

# --- the literal reader -------------------------------------------------------------------------


def test_reads_javascript_object_literals_with_lines() -> None:
    text = 'x = [\n  {\n    name: "A \\"q\\"",\n    \'quoted\': true, n: -2.5,\n  },\n  { k: null, },\n];'
    value, end = read_at(text, text.index("["))
    assert value == [{"name": 'A "q"', "quoted": True, "n": -2.5}, {"k": None}]
    assert text[end] == ";"
    assert isinstance(value[0], LineDict)
    assert value[0].line == 2 and value[1].line == 6
    assert value[0].line_of("quoted") == 4


def test_reads_boto3_syntax_with_alternatives_and_placeholders() -> None:
    text = (
        "client.f(\n  A='X'|'Y',\n  B=True|False,\n  C=datetime(2015, 1, 1),\n  D=[{'string': 'string'},],\n)"
    )
    args, _ = read_keywords(text, text.index("(") + 1)
    assert args["A"] == Alternatives(("X", "Y"))
    assert args["B"] == Alternatives((True, False))
    assert args["C"] == Call("datetime", (2015, 1, 1))
    assert args["D"] == [{"string": "string"}]
    assert args.line_of("C") == 4


@pytest.mark.parametrize("broken", ["{a: }", "[1, 2", "{a: 'open}", "{a: nope}"])
def test_broken_literals_are_spec_errors(broken: str) -> None:
    with pytest.raises(SpecError, match="seed literal"):
        read_at(broken, 0)


def test_defaults_named_in_descriptions() -> None:
    assert seeds.default_in("The default value is ENCRYPT_DECRYPT.") == "ENCRYPT_DECRYPT"
    assert seeds.default_in("The default value, SYMMETRIC_DEFAULT, creates a key.") == "SYMMETRIC_DEFAULT"
    assert seeds.default_in("The default is ``CMAC`` for AES.") == "CMAC"
    assert seeds.default_in("The default value is false.") == "false"
    assert seeds.default_in("The default value is an empty string (no description).") is None
    assert seeds.default_in("The default value is the default key policy.") is None


# --- the extractors, on small pages written here ---------------------------------------------------

MDX = """---
title: TagThing
---

export const HEADER_PARAMETERS = [
  { name: "Content-Type", description: 'Must be "application/x-amz-json-1.1"', required: true },
  { name: "X-Amz-Target", type: "string", description: 'Must be "TrentService.CreateKey"', required: true }
];

export const REQUEST_PARAMETERS = [
  {
    name: "Tags",
    type: "array",
    description: "Tags. The default value is NONE_AT_ALL.",
    required: false,
    children: [
      { name: "TagKey", description: "The key." },
    ]
  }
];

export const RESPONSE_ELEMENTS = [
  { name: "KeyMetadata", description: "M.", children: [
      { name: "KeyState", description: "State. Values: ON | OFF" },
  ] }
];

## Request Body

<ApiExample
  request={{ method: "POST", headers: { "X-Amz-Target": "TrentService.CreateKey" }, body: { "Tags": [] } }}
  response={{}}
/>

### Example 1: one

<ApiExample
  request={{ body: { } }}
  response={{ status: 200, body: { "KeyMetadata": { "KeyState": "ON" } } }}
/>

## Special Errors

| Error Code | Description |
|------------|-------------|
| TagException | Bad tags. |
| KMSNotFoundException | Nothing. |

## Try It Out

<ApiTester operation="CreateKey" exampleResponse={{ "KeyMetadata": {} }} />
"""


def test_mdx_extraction_keeps_tables_examples_errors_and_places() -> None:
    page = seed_mdx.extract("page.txt", "digest", MDX)
    assert (page.service, page.operation, page.publisher) == ("kms", "CreateKey", "vendor")
    assert [h.value for h in page.headers] == ["application/x-amz-json-1.1", "TrentService.CreateKey"]
    assert [(e.path, e.locator) for e in page.request] == [
        ("Tags", "REQUEST_PARAMETERS[0]"),
        ("Tags/TagKey", "REQUEST_PARAMETERS[0].children[0]"),
    ]
    assert page.request[0].default == "NONE_AT_ALL" and page.request[0].required is False
    state = page.response[1]
    assert (state.path, state.enum, state.line) == ("KeyMetadata/KeyState", ("ON", "OFF"), 24)
    assert [(e.code, e.line) for e in page.errors] == [("TagException", 46), ("KMSNotFoundException", 47)]
    assert [(x.id, x.title) for x in page.examples] == [
        ("ApiExample#1", "Request Body"),
        ("ApiExample#2", "Example 1: one"),
        ("ApiTester#1", "Try It Out"),
    ]
    first, second, tester = page.examples
    assert first.response is None and first.request == {
        "headers": {"X-Amz-Target": "TrentService.CreateKey"},
        "body": {"Tags": []},
    }
    assert second.response == {"status": 200, "body": {"KeyMetadata": {"KeyState": "ON"}}}
    assert tester.request is None and tester.response == {"body": {"KeyMetadata": {}}}
    assert page.notes == ("ApiExample#1 (<ApiExample> under 'Request Body', line 30) shows no response",)


def test_mdx_page_without_a_known_target_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="unknown service prefix"):
        seed_mdx.extract("p.txt", "d", MDX.replace("TrentService.CreateKey", "Nope.CreateKey"))


RST = """:doc:`X` / Client / create_key

.. py:method:: PaymentCryptographyControlPlane.Client.create_key(**kwargs)

  See also: `AWS API Documentation <https://docs.aws.amazon.com/goto/WebAPI/payment-cryptography-2021-09-14/CreateKey>`_

  **Request Syntax**
  ::

    response = client.create_key(
        Exportable=True|False,
        Tags=[
            {
                'Key': 'string'
            },
        ]
    )

  :type Exportable: boolean
  :param Exportable: **[REQUIRED]**

    Whether it exports. The default is ``CMAC``.

  :type Tags: list
  :param Tags:

    The tags.

    - *(dict) --*

      A tag.

      - **Key** *(string) --* **[REQUIRED]**

        The key of the tag.

  :rtype: dict
  :returns:

    **Response Syntax**

    ::

      {
          'Key': {
              'KeyState': 'CREATE_IN_PROGRESS'|'CREATE_COMPLETE',
              'CreateTimestamp': datetime(2015, 1, 1),
              'Status': {
                  'string': {
                      'Message': 'string'
                  }
              }
          }
      }

    **Response Structure**

    - *(dict) --*

      - **Key** *(dict) --*

        The key.

        - **KeyState** *(string) --*

          The state, such as ``CREATE_COMPLET``.

  **Exceptions**

  *   :py:class:`PaymentCryptographyControlPlane.Client.exceptions.ValidationException`
"""


def test_rst_extraction_reads_syntax_documentation_structure_and_exceptions() -> None:
    page = seed_rst.extract("page.txt", "digest", RST)
    assert (page.service, page.operation, page.publisher) == ("payment-cryptography", "CreateKey", "aws")
    syntax = {e.path: e for e in page.elements("request", "syntax")}
    assert syntax["Exportable"].type == "boolean" and syntax["Tags"].type == "list"
    assert syntax["Tags/Key"].type == "string" and syntax["Tags/Key"].line == 14
    table = {e.path: e for e in page.elements("request", "table")}
    assert table["Exportable"].required is True and table["Exportable"].default == "CMAC"
    assert table["Tags"].required is False and table["Tags/Key"].required is True
    assert table["Tags/Key"].locator == ":param Tags: > Key"
    response = {e.path: e for e in page.elements("response", "syntax")}
    assert response["Key/KeyState"].enum == ("CREATE_IN_PROGRESS", "CREATE_COMPLETE")
    assert response["Key/CreateTimestamp"].type == "datetime"
    assert "Key/Status/Message" in response  # map values are transparent
    structure = {e.path: e for e in page.elements("response", "table")}
    assert structure["Key/KeyState"].description == "The state, such as ``CREATE_COMPLET``."
    assert [e.code for e in page.errors] == ["ValidationException"]
    assert page.examples == ()


# --- the committed file and the pages ------------------------------------------------------------------


def test_the_committed_seed_elements_load_and_round_trip() -> None:
    text = COMMITTED.read_text(encoding="utf-8")
    loaded = seeds.load(catalog.default_specs_dir())
    assert seeds.dumps(loaded) == text
    assert {(p.service, p.operation) for p in loaded.pages} == {
        ("kms", "CreateKey"),
        ("kms", "ReplicateKey"),
        ("payment-cryptography", "CreateKey"),
    }
    for page in loaded.pages:
        assert page.request and page.response and page.errors, page.file


def test_a_corrupt_seed_elements_file_is_a_spec_error(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / seeds.SOURCES_FILE).write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(SpecError, match="format"):
        seeds.load(tmp_path)
    with pytest.raises(SpecError, match="missing"):
        seeds.load(tmp_path / "nowhere")


@pytest.mark.skipif(
    not HAVE_SEEDS, reason=f"the seed pages are not here ({SEEDS_DIR}); CI builds from {COMMITTED}"
)
def test_reextracting_the_pages_reproduces_the_committed_file() -> None:
    assert seeds.dumps(seeds.extract(SEEDS_DIR)) == COMMITTED.read_text(encoding="utf-8")


@pytest.mark.skipif(not HAVE_SEEDS, reason=f"the seed pages are not here ({SEEDS_DIR})")
def test_every_example_component_of_the_pages_is_extracted() -> None:
    """No silent skip: each <ApiExample> and each tester example response becomes an example."""
    for path in seeds.seed_files(SEEDS_DIR):
        text = path.read_text(encoding="utf-8")
        page = seeds.extract_page(path)
        shown = text.count("<ApiExample") + text.count("exampleResponse={{")
        assert len(page.examples) == shown, path.name
        no_response = sum(1 for e in page.examples if e.response is None)
        assert no_response == text.count("response={{}}"), path.name


def test_without_the_pages_the_build_uses_the_committed_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_SEEDS", "/nonexistent/seeds")
    assert seeds.current() == seeds.load(catalog.default_specs_dir())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("just prose", "neither a vendor MDX page"),
        ("export const REQUEST_PARAMETERS = [ { nam: 1 } ];", "no HEADER_PARAMETERS"),
        ("export const REQUEST_PARAMETERS = [ { name: 'x', ", "seed literal"),
        (".. py:method:: X\n", "AWS API Documentation link"),
    ],
)
def test_a_page_the_extractors_cannot_read_is_one_spec_error(tmp_path: Path, text: str, message: str) -> None:
    page = tmp_path / "bad.txt"
    page.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match=message):
        seeds.extract_page(page)
