"""The plain-terminal runner: `golive run --console`."""
