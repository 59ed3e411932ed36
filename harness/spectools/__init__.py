"""The spec toolchain, a development tool: build the specs from botocore and the documents
(:mod:`.build`), compare and lint the documents (:mod:`.lint`). A run never imports it: the
runtime reads only the built specs, through :mod:`harness.spec.catalog`."""
