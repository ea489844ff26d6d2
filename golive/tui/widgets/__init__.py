"""The screens' parts, one widget a file. Each is handed what to show; none reads the run."""
