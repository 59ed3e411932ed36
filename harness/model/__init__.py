"""What every service's reference model is made of: operation handlers and answer matchers.

A service's model lives in its folder (``harness/services/<service>/model.py``); the engine
combines them (:class:`harness.engine.model.Model`).
"""
