"""What each CLI command does, one module each; `cli.py` only declares the flags."""
