"""One module per verb; msakb/cli.py lists them."""
