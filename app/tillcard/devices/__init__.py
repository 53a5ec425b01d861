"""Hardware at the counter, each behind a small Protocol with a real and a simulated twin.

Devices never import Qt: they call a plain callback from their own threads, and the UI
layer hands those calls to the Qt main thread through signals.
"""
