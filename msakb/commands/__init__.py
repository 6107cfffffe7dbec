"""One module per verb; each registers itself on `msakb.cli.cli` when imported."""
