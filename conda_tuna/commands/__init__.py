"""One module per `conda tuna` subcommand, each with `execute(args) -> int`.

They are thin adapters: read conda's context, call the pure modules, print or emit JSON.
"""
